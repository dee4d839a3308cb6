import type { DType, TypedArray } from '@soma/core';

const PAGE = 65536;
/** wasm32 addresses 4 GiB: 65,536 pages of 64 KiB. */
export const MAX_PAGES = 65536;
/** The module's static data and the null pointer live in the first page; blocks start above it. */
const BASE = PAGE;

/** What `memory()` reports for the heap. */
export interface HeapStats {
  /** Bytes the WebAssembly memory spans now (it never shrinks). */
  heapBytes: number;
  /** Bytes in blocks that hold live tensors or scratch. */
  bytesInUse: number;
  /** Bytes in freed blocks waiting to be reused. */
  bytesPooled: number;
  /** 1 when the memory is a SharedArrayBuffer (worker threads can share it), else 0. */
  sharedMemory: number;
}

/** Thrown when a block cannot be had: the message says how much was asked and what the heap holds. */
export class HeapExhaustedError extends Error {}

/**
 * Size class of a request: the next of four steps per power of two (at most 25% slack), so a
 * freed block serves every later request of its class and a training loop's heap stops growing
 * after its first step.
 */
// Every class is a multiple of 16 bytes (64 at least, steps of a quarter power of two), so blocks
// stay 16-byte aligned and every f32x4 load of a tensor is aligned.
export function sizeClass(bytes: number): number {
  if (bytes <= 64) return 64;
  const top = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = top / 4;
  return Math.ceil(bytes / step) * step;
}

/**
 * The cpu backend's heap: one WebAssembly memory that holds every tensor, which the kernels (and,
 * when it is shared, the worker threads) read and write in place. A size-class allocator hands out
 * 16-byte-aligned blocks and keeps freed ones for reuse; the memory grows on demand up to wasm32's
 * 4 GiB and never shrinks.
 */
export class Heap {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  /**
   * Bumped whenever growth detaches views. Only an unshared memory does that: growing a shared
   * memory leaves every existing view valid.
   */
  generation = 0;
  private top = BASE;
  private readonly free = new Map<number, number[]>();
  private inUse = 0;
  private pooled = 0;
  /** Every buffer object the memory has had: views of older ones of a shared memory stay valid. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private current: ArrayBufferLike;
  /**
   * Zeroes a block: the kernel module's memory.fill once it is instantiated (filling a shared
   * memory through a typed array is several times slower).
   */
  zero: (ptr: number, bytes: number) => void = (ptr, bytes) => new Uint8Array(this.current, ptr, bytes).fill(0);
  /** Blocks handed out since `track()`, so an attempt undone by growth can give them back. */
  private tracked: [number, number][] | null = null;

  constructor(memory: WebAssembly.Memory, shared: boolean, private readonly maxPages = MAX_PAGES) {
    this.memory = memory;
    this.shared = shared;
    this.current = memory.buffer;
    this.buffers.add(this.current);
  }

  /**
   * A memory for a heap: shared when asked and the engine allows it (Node; cross-origin-isolated
   * pages), else unshared; at most `maxBytes` (rounded up to 64 KiB pages; default and most, 4 GiB).
   */
  static create(preferShared: boolean, maxBytes = MAX_PAGES * PAGE): Heap {
    const most = Math.min(MAX_PAGES, Math.max(2, Math.ceil(maxBytes / PAGE)));
    if (preferShared) {
      // A shared memory must declare its maximum, which engines reserve up front; some cannot reserve 4 GiB.
      for (const maximum of [most, 16384, 4096].filter((m) => m <= most)) {
        try {
          return new Heap(new WebAssembly.Memory({ initial: 2, maximum, shared: true }), true, maximum);
        } catch { /* try a smaller reservation, then an unshared memory */ }
      }
    }
    return new Heap(new WebAssembly.Memory({ initial: 2, maximum: most }), false, most);
  }

  /** The memory's buffer now (after any growth). */
  get buffer(): ArrayBufferLike {
    return this.current;
  }

  /** True when `buffer` is this heap's memory (now or, for a shared memory, before a growth). */
  owns(buffer: ArrayBufferLike): boolean {
    return buffer === this.current || this.buffers.has(buffer);
  }

  /** A block of at least `bytes` bytes (uninitialised); returns its address and its class size. */
  alloc(bytes: number): [ptr: number, size: number] {
    const size = sizeClass(Math.max(bytes, 1));
    const list = this.free.get(size);
    let ptr: number;
    if (list && list.length > 0) {
      ptr = list.pop()!;
      this.pooled -= size;
    } else {
      ptr = this.top;
      this.reserve(ptr + size, bytes);
      this.top = ptr + size;
    }
    this.inUse += size;
    this.tracked?.push([ptr, size]);
    return [ptr, size];
  }

  /** Gives a block back for reuse. */
  release(ptr: number, size: number): void {
    const tracked = this.tracked;
    if (tracked) {
      // A scratch block freed inside the attempt must not be freed again if the attempt is undone.
      for (let i = tracked.length - 1; i >= 0; i--) {
        if (tracked[i][0] === ptr) {
          tracked.splice(i, 1);
          break;
        }
      }
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(ptr);
    this.inUse -= size;
    this.pooled += size;
  }

  /** A typed-array view of `length` elements of `dtype` at `ptr`, on the current buffer. */
  view(dtype: DType, ptr: number, length: number): TypedArray {
    const buffer = this.current;
    if (dtype === 'float32') return new Float32Array(buffer, ptr, length);
    if (dtype === 'int32') return new Int32Array(buffer, ptr, length);
    return new Uint8Array(buffer, ptr, length);
  }

  /** Starts recording the blocks handed out (see `untrack`). */
  track(): void {
    this.tracked = [];
  }

  /** Stops recording; with `giveBack`, releases every block handed out since `track()`. */
  untrack(giveBack: boolean): void {
    const blocks = this.tracked;
    this.tracked = null;
    if (giveBack && blocks) for (const [ptr, size] of blocks) this.release(ptr, size);
  }

  /** Bytes in use, free and reserved in the heap, and how often it grew. */
  stats(): HeapStats {
    return { heapBytes: this.current.byteLength, bytesInUse: this.inUse, bytesPooled: this.pooled, sharedMemory: this.shared ? 1 : 0 };
  }

  /** Grows the memory so that `end` bytes exist: by half again at least, so growth is rare. */
  private reserve(end: number, asked: number): void {
    const have = this.current.byteLength;
    if (end <= have) return;
    const limit = this.maxPages * PAGE;
    if (end > limit) {
      throw new HeapExhaustedError(
        `backend-cpu: out of memory: ${asked} bytes were asked for, but the WebAssembly heap cannot grow past ` +
        `${formatBytes(limit)}${this.maxPages === MAX_PAGES ? ' (the wasm32 limit)' : ''}; it holds ${formatBytes(this.inUse)} ` +
        `in live tensors and ${formatBytes(this.pooled)} in freed blocks of other sizes. Dispose tensors you no longer need (soma.tidy, tensor.dispose()).`,
      );
    }
    const want = Math.min(limit, Math.max(end, Math.ceil(have * 1.5)));
    const pages = Math.ceil((want - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new HeapExhaustedError(
        `backend-cpu: out of memory: the WebAssembly heap could not grow from ${formatBytes(have)} to ${formatBytes(have + pages * PAGE)} ` +
        `for a block of ${asked} bytes (${(e as Error).message}).`,
      );
    }
    this.current = this.memory.buffer;
    this.buffers.add(this.current);
    if (!this.shared) this.generation++;
  }
}

function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${n} bytes`;
}
