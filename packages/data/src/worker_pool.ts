import { importNodeModule } from '@soma/core';
/**
 * A small pool that runs one self-contained function on many values in parallel: worker_threads in
 * Node, Web Workers in browsers. Values and results cross by structured clone, so they must be
 * plain data (numbers, strings, typed arrays, objects and arrays of them) — not tensors.
 */
export interface WorkerPool {
  run(id: number, value: unknown): Promise<unknown>;
  close(): Promise<void>;
}

const WORKER_BODY = (fnSource: string) => `
const fn = (${fnSource});
const handle = async ({ id, value }, reply) => {
  try { reply({ id, value: await fn(value) }); }
  catch (e) { reply({ id, error: String((e && e.stack) || e) }); }
};`;

interface Reply {
  id: number;
  value?: unknown;
  error?: string;
}

export async function createWorkerPool(fn: (value: never) => unknown, size: number): Promise<WorkerPool> {
  const source = fn.toString();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const onReply = (r: Reply) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.error !== undefined) p.reject(new Error(`mapInWorkers: the function threw in a worker: ${r.error}`));
    else p.resolve(r.value);
  };
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  let post: ((i: number, msg: { id: number; value: unknown }) => void) | null = null;
  let terminate: () => Promise<void>;
  if (proc?.versions?.node) {
    const { Worker } = await importNodeModule<typeof import('node:worker_threads')>('node:worker_threads');
    const code = `${WORKER_BODY(source)}\nconst { parentPort } = require('node:worker_threads');\nparentPort.on('message', (m) => handle(m, (r) => parentPort.postMessage(r)));`;
    const workers = Array.from({ length: size }, () => {
      const w = new Worker(code, { eval: true });
      w.on('message', onReply);
      w.on('error', (e) => { for (const p of pending.values()) p.reject(new Error(`mapInWorkers: a worker failed: ${e.message}`)); pending.clear(); });
      w.unref();
      return w;
    });
    post = (i, msg) => workers[i % size].postMessage(msg);
    terminate = async () => { await Promise.all(workers.map((w) => w.terminate())); };
  } else if (typeof Worker !== 'undefined') {
    const url = URL.createObjectURL(new Blob([`${WORKER_BODY(source)}\nself.onmessage = (e) => handle(e.data, (r) => self.postMessage(r));`], { type: 'text/javascript' }));
    const workers = Array.from({ length: size }, () => {
      const w = new Worker(url);
      w.onmessage = (e: MessageEvent<Reply>) => onReply(e.data);
      return w;
    });
    post = (i, msg) => workers[i % size].postMessage(msg);
    terminate = async () => { workers.forEach((w) => w.terminate()); URL.revokeObjectURL(url); };
  } else {
    throw new Error('mapInWorkers: this environment has neither worker_threads nor Web Workers; use map()');
  }
  return {
    run(id, value) {
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        try {
          post!(id, { id, value });
        } catch (e) {
          pending.delete(id);
          reject(new Error(`mapInWorkers: element ${id} cannot be sent to a worker (${(e as Error).message}); pass plain data such as typed arrays, not tensors`));
        }
      });
    },
    close: () => terminate(),
  };
}
