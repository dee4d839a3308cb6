import { Callback, type Logs } from './callbacks.js';

/** Where a ProgressBar writes: a redrawable line (a terminal) or whole lines. */
export interface ProgressSink {
  isTTY: boolean;
  /** Writes text as is (the bar redraws its line with a carriage return). */
  write(s: string): void;
}

/** stdout in Node; console.log elsewhere (browsers), which can only print whole lines. */
function defaultSink(): ProgressSink {
  const proc = (globalThis as { process?: { stdout?: { isTTY?: boolean; write(s: string): void } } }).process;
  if (proc?.stdout) return { isTTY: Boolean(proc.stdout.isTTY), write: (s) => proc.stdout!.write(s) };
  return { isTTY: false, write: (s) => console.log(s.replace(/\n$/, '')) };
}

/** Logs under the names they have in History and callbacks (no abbreviations). */
export function formatLogs(logs: Logs): string {
  return Object.entries(logs).map(([k, v]) => `${k} ${Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4)}`).join('  ');
}

function duration(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/**
 * The progress bar fit shows by default. It counts steps (batches), as Keras does: in a terminal
 * one line per epoch redrawn in place, `Epoch 3/10  [=====>    ] 4/8  loss 0.2134  accuracy 0.9312  ETA 4s`;
 * otherwise (CI logs, files), or with `verbose: 2`, one finished line per epoch with the samples
 * per second.
 */
export class ProgressBar extends Callback {
  private epoch = 0;
  private seen = 0;
  private steps = 0;
  private start = 0;
  private lastDraw = 0;
  constructor(private readonly sink: ProgressSink = defaultSink(), private readonly width = 30, private readonly linePerEpoch = false) {
    super();
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.seen = 0;
    this.steps = 0;
    this.start = performance.now();
    this.lastDraw = 0;
  }

  override async onBatchEnd(_batch: number, logs: Logs = {}): Promise<void> {
    const { size = 0, ...rest } = logs;
    this.seen += size;
    this.steps++;
    if (!this.sink.isTTY || this.linePerEpoch) return;
    const now = performance.now();
    if (now - this.lastDraw < 50) return; // redraw at most 20 times a second
    this.lastDraw = now;
    this.sink.write(`\r${this.line(rest, true)}\x1b[K`);
  }

  override async onEpochEnd(_epoch: number, logs: Logs = {}): Promise<void> {
    const inPlace = this.sink.isTTY && !this.linePerEpoch;
    this.sink.write(`${inPlace ? '\r' : ''}${this.line(logs, false)}${inPlace ? '\x1b[K' : ''}\n`);
  }

  private line(logs: Logs, running: boolean): string {
    const { epochs, steps } = this.params;
    const head = `Epoch ${this.epoch + 1}/${epochs}`;
    const elapsed = (performance.now() - this.start) / 1000;
    let bar = `  ${this.steps} steps`;
    if (steps) {
      const frac = Math.min(1, this.steps / steps);
      const filled = Math.floor(frac * this.width);
      const arrow = running && filled < this.width ? '>' : '';
      bar = `  [${'='.repeat(Math.max(0, filled - (arrow ? 1 : 0)))}${arrow}${' '.repeat(this.width - filled)}] ${running ? this.steps : steps}/${steps}`;
    }
    const rate = elapsed > 0 ? `  ${Math.round(this.seen / elapsed)} samples/s` : '';
    const tail = running && steps && this.steps ? `  ETA ${duration((elapsed / this.steps) * (steps - this.steps))}` : `  ${duration(elapsed)}${rate}`;
    const metrics = formatLogs(logs);
    return `${head}${bar}${metrics ? `  ${metrics}` : ''}${tail}`;
  }
}
