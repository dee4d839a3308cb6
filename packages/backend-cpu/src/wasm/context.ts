import type { Heap } from '../heap/heap.js';
import type { KernelCall, ThreadPool } from '../threads/pool.js';
import type { KernelExports } from './module.js';

/**
 * What the WebAssembly kernels share: the module's exports on this thread, the heap, this
 * thread's GEMM workspace and, once its workers are up, the thread pool.
 */
export class WasmContext {
  pool: ThreadPool | null = null;
  /** This thread's GEMM workspace (packed panels). */
  readonly work: number;
  /** The i32 counter threads take shares of a kernel from (assembly: nextImage, gemmBlocks). */
  private readonly counter: number;

  constructor(
    readonly ex: KernelExports,
    readonly heap: Heap,
    /** Work (multiply-adds) below which a kernel stays on one thread: waking workers costs microseconds. */
    readonly minParallelWork: number,
  ) {
    this.work = heap.alloc(ex.workspaceBytes())[0];
    this.counter = heap.alloc(16)[0];
  }

  /** The shared counter, reset to 0 for the next kernel (calls run one at a time). */
  freshCounter(): number {
    Atomics.store(new Int32Array(this.heap.buffer, this.counter, 1), 0, 0);
    return this.counter;
  }

  /** Threads to use for `work` multiply-adds that split into at most `parts` pieces. */
  threadsFor(work: number, parts: number): number {
    if (!this.pool || work < this.minParallelWork) return 1;
    return Math.max(1, Math.min(this.pool.size, parts));
  }

  /** The GEMM workspace of thread `t` (0: this one). */
  workOf(t: number): number {
    return t === 0 ? this.work : this.pool!.work[t];
  }

  /** Runs the calls, the first on this thread and the rest on workers, and waits for all. */
  run(calls: KernelCall[]): void {
    if (calls.length === 1) (this.ex[calls[0].fn] as (...a: number[]) => void)(...calls[0].args);
    else this.pool!.run(calls);
  }

  /** The address of arr[off] when the array is a view of the heap, else -1. */
  addressOf(arr: Float32Array, off = 0): number {
    return this.heap.owns(arr.buffer) ? arr.byteOffset + off * 4 : -1;
  }
}
