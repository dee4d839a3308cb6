// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (file descriptors 3 and
// 4, messages ended by NUL): enough to open a page, evaluate in it and take screenshots, with no
// WebSocket client (Node 20 has none) and no extra dependency.
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void; method: string };

export class CdpPipe {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffer = '';
  private readonly input: Writable;

  constructor(browser: ChildProcess) {
    this.input = browser.stdio[3] as Writable;
    const output = browser.stdio[4] as Readable;
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        this.buffer = this.buffer.slice(end + 1);
        const p = message.id === undefined ? undefined : this.pending.get(message.id);
        if (!p) continue;
        this.pending.delete(message.id!);
        if (message.error) p.reject(new Error(`${p.method}: ${message.error.message}`));
        else p.resolve(message.result ?? {});
      }
    });
    browser.once('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error(`${p.method}: the browser exited`));
      this.pending.clear();
    });
  }

  /** Sends one command (to a page when `sessionId` is given) and waits for its result. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  /** Opens `url` in a new tab and returns the session that talks to it. */
  async open(url: string): Promise<string> {
    const { targetId } = await this.send('Target.createTarget', { url });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    // The page has no execution context until it starts loading: poll until it has loaded.
    for (let tries = 0; ; tries++) {
      try {
        if (await this.evaluate<boolean>(sessionId as string, `document.readyState === 'complete' && location.href === ${JSON.stringify(url)}`)) return sessionId as string;
      } catch (err) {
        if (!/execution context/.test((err as Error).message) || tries > 300) throw err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Evaluates `expression` in the page, awaiting a promise, and returns its value as JSON. */
  async evaluate<T>(sessionId: string, expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
    const thrown = r.exceptionDetails as { exception?: { description?: string }; text?: string } | undefined;
    if (thrown) throw new Error(`page: ${thrown.exception?.description ?? thrown.text}`);
    return (r.result as { value: T }).value;
  }
}
