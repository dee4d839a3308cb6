import { checkNumber } from '@soma/core';

/** When a training loop hands control back to the event loop (TF.js's `yieldEvery`). */
export type YieldEvery = 'auto' | 'batch' | 'epoch' | 'never' | number;

/** 'auto': often enough for timers, progress output and a page to stay responsive, rarely enough to cost nothing measurable. */
const AUTO_MS = 25;

/** setImmediate where it exists (Node: runs after pending I/O and timers), else a zero-delay timer (browsers). */
const nextMacrotask = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/**
 * Awaiting resolved promises never lets timers or I/O run, so a loop of awaits would freeze a page
 * or a server for a whole fit. This yields a real macrotask on the chosen schedule.
 */
export class EventLoopYielder {
  private readonly everyMs: number | null;
  private last = Date.now();

  constructor(op: string, private readonly mode: YieldEvery) {
    if (typeof mode === 'number') this.everyMs = checkNumber(op, 'yieldEvery', mode, { min: 0 });
    else if (mode === 'auto') this.everyMs = AUTO_MS;
    else if (mode === 'batch' || mode === 'epoch' || mode === 'never') this.everyMs = null;
    else throw new Error(`${op}: yieldEvery must be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds, got ${JSON.stringify(mode)}`);
  }

  async afterBatch(): Promise<void> {
    if (this.mode === 'batch' || (this.everyMs !== null && Date.now() - this.last >= this.everyMs)) await this.yieldNow();
  }

  async afterEpoch(): Promise<void> {
    if (this.mode === 'epoch') await this.yieldNow();
  }

  private async yieldNow(): Promise<void> {
    await nextMacrotask();
    this.last = Date.now();
  }
}
