import type { Heap } from '../heap/heap.js';
import type { KernelExports } from '../wasm/module.js';
import { ARGC, ARGS, DONE, FAILED, FN, SEQ, SLOT_BYTES, SPIN_MS, STOP } from './protocol.js';
import { WORKER_SOURCE } from './worker_source.js';

/** One call of an export of the kernel module: its name and numeric arguments (addresses, sizes). */
export interface KernelCall {
  fn: keyof KernelExports;
  args: number[];
}

interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** The exports a worker may be asked to run (the index in this list travels in the mailbox). */
const CALLABLE: (keyof KernelExports)[] = [
  'gemmBlocks', 'convForward', 'convDirect', 'convFilterDirect', 'convWinograd', 'convWinograd4', 'convFilterWinograd', 'convFilterWinograd4', 'wb4Filter', 'wb4Input', 'wb4Product', 'wb4Output', 'wb4Grad', 'wb4FilterProduct', 'wb4FilterOut', 'convBackpropFilter', 'convBackpropInput',
  'binary', 'unaryBasic', 'exp', 'tanh', 'sigmoid', 'channelMoments', 'channelSums', 'channelAffine', 'chainRun', 'copyStrided',
];

/**
 * Worker threads that share the heap and run kernel calls on it. The calling thread takes the
 * first call of each batch itself and blocks until the workers have done the rest (Atomics.wait;
 * a browser's main thread, which may not block, spins instead).
 */
export class ThreadPool {
  /** GEMM workspaces, one per thread (index 0: the calling thread's). */
  readonly work: number[];
  private readonly heads: Int32Array[];
  private readonly args: Float64Array[];
  private readonly seq: number[];
  private readonly canWait: boolean;

  private constructor(
    private readonly heap: Heap,
    private readonly ex: KernelExports,
    private readonly workers: WorkerLike[],
    slots: number[],
    work: number[],
  ) {
    this.work = work;
    this.heads = slots.map((s) => new Int32Array(heap.buffer, s, 8));
    this.args = slots.map((s) => new Float64Array(heap.buffer, s + ARGS, 30));
    this.seq = slots.map(() => 0);
    this.canWait = mayBlock();
  }

  /** Threads in all, the calling one included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /**
   * Starts `threads − 1` workers over the heap (default: one per core beyond this one); resolves
   * when all of them are serving. null where
   * the engine has no workers for it (a browser page that is not cross-origin isolated, an engine
   * without worker_threads) or the heap is not shared.
   */
  static async start(heap: Heap, module: WebAssembly.Module, ex: KernelExports, mainWork: number, threads?: number): Promise<ThreadPool | null> {
    if (!heap.shared) return null;
    const engine = await workerFactory();
    if (!engine) return null;
    const { spawn, cores } = engine;
    threads ??= cores;
    if (threads < 2) return null;
    const slots: number[] = [];
    const work: number[] = [mainWork];
    const workers: WorkerLike[] = [];
    const ready: Promise<void>[] = [];
    try {
      for (let i = 1; i < threads; i++) {
        const [slot] = heap.alloc(SLOT_BYTES);
        heap.zero(slot, SLOT_BYTES);
        slots.push(slot);
        work.push(heap.alloc(ex.workspaceBytes())[0]);
        const { worker, ready: up } = spawn();
        workers.push(worker);
        ready.push(up);
        worker.postMessage({ module, memory: heap.memory, slot, names: CALLABLE });
      }
      await Promise.all(ready);
    } catch {
      for (const w of workers) w.terminate();
      return null;
    }
    return new ThreadPool(heap, ex, workers, slots, work);
  }

  /**
   * Runs the calls, at most `size` of them: the first on this thread, the others on workers;
   * returns when all have finished. A call that traps fails the whole batch.
   */
  run(calls: KernelCall[]): void {
    const n = calls.length - 1;
    // Checked before any worker starts, so a failure never leaves workers running.
    const missing = calls.find((c) => !CALLABLE.includes(c.fn));
    if (missing) throw new Error(`backend-cpu: '${missing.fn}' is not callable on worker threads (threads/pool.ts CALLABLE)`);
    for (let w = 0; w < n; w++) {
      const { fn, args } = calls[w + 1];
      const head = this.heads[w];
      head[FN] = CALLABLE.indexOf(fn);
      head[ARGC] = args.length;
      this.args[w].set(args);
      this.seq[w] = (this.seq[w] % 0x3fffffff) + 1;
      Atomics.store(head, SEQ, this.seq[w]);
      Atomics.notify(head, SEQ);
    }
    let error: unknown = null;
    try {
      (this.ex[calls[0].fn] as (...a: number[]) => void)(...calls[0].args);
    } catch (e) {
      error = e;
    }
    let failed = false;
    for (let w = 0; w < n; w++) {
      const head = this.heads[w];
      // The workers' shares take as long as this thread's: spin first, sleep only on a long wait.
      const until = performance.now() + SPIN_MS;
      for (;;) {
        const done = Atomics.load(head, DONE);
        if (done === this.seq[w]) break;
        if (this.canWait && performance.now() > until) Atomics.wait(head, DONE, done, 1000);
      }
      if (head[FAILED]) failed = true;
    }
    if (error) throw error;
    if (failed) throw new Error(`backend-cpu: a kernel (${calls.map((c) => c.fn).join(', ')}) failed on a worker thread`);
  }

  /** Ends the workers (the process does not wait for them in any case). */
  dispose(): void {
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(this.heads[w], SEQ, STOP);
      Atomics.notify(this.heads[w], SEQ);
      this.workers[w].terminate();
    }
    void this.heap;
  }
}

/** True where this thread may block in Atomics.wait (Node's main thread, any worker; not a page). */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

type Spawn = () => { worker: WorkerLike; ready: Promise<void> };

/**
 * How this engine starts a worker from source (Node's worker_threads, or a Blob URL in browsers)
 * and how many cores it has; null where it cannot share the heap with workers.
 */
async function workerFactory(): Promise<{ spawn: Spawn; cores: number } | null> {
  const g = globalThis as {
    process?: { versions?: { node?: string } };
    Worker?: new (url: string) => WorkerLike & { onmessage: unknown; onerror: unknown };
    crossOriginIsolated?: boolean;
    navigator?: { hardwareConcurrency?: number };
  };
  if (g.process?.versions?.node) {
    // Computed specifiers, so bundlers for the browser leave Node's modules alone.
    const [wtName, osName] = ['node:worker_threads', 'node:os'];
    let wt: { Worker: new (src: string, opts: { eval: boolean }) => WorkerLike & { unref(): void; once(e: string, f: (v: unknown) => void): void } };
    let os: { availableParallelism?: () => number; cpus(): unknown[] };
    try {
      wt = await import(/* @vite-ignore */ wtName);
      os = await import(/* @vite-ignore */ osName);
    } catch {
      return null;
    }
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    const spawn: Spawn = () => {
      const worker = new wt.Worker(WORKER_SOURCE, { eval: true });
      // Idle workers must not keep the process alive.
      worker.unref();
      const ready = new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      return { worker, ready };
    };
    return { spawn, cores };
  }
  if (typeof g.Worker === 'function' && g.crossOriginIsolated === true && typeof Blob === 'function') {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const WorkerCtor = g.Worker;
    const spawn: Spawn = () => {
      const worker = new WorkerCtor(url);
      const ready = new Promise<void>((resolve, reject) => {
        worker.onmessage = () => resolve();
        worker.onerror = (e: unknown) => reject(e);
      });
      return { worker, ready };
    };
    return { spawn, cores: g.navigator?.hardwareConcurrency ?? 1 };
  }
  return null;
}
