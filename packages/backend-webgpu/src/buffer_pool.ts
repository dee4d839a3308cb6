/**
 * GPU buffers by size class. Freed buffers wait until the commands that may still use them are
 * submitted (`release` then `recycle`), then serve the next request of their class, so a training
 * loop reaches a steady state with no new allocations.
 */
export const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST

/** Classes are powers of two and their midpoints: at most 33% waste, few distinct sizes. */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, bytes);
  const p = 2 ** Math.ceil(Math.log2(b));
  const mid = (p / 4) * 3;
  return b <= mid && mid >= 16 && Number.isInteger(mid) ? mid : p;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** Released since the last submission: still referenced by encoded, unsubmitted commands. */
  private pending: GPUBuffer[] = [];
  bytesInUse = 0;
  bytesPooled = 0;
  buffersCreated = 0;

  /** Pooled bytes beyond this are freed after each submission, largest classes first. */
  constructor(private readonly device: GPUDevice, private readonly maxPooledBytes = 2 * 2 ** 30) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    this.bytesInUse += size;
    if (reused) {
      this.bytesPooled -= size;
      return reused;
    }
    this.buffersCreated++;
    return this.device.createBuffer({ size, usage: STORAGE_USAGE });
  }

  release(buffer: GPUBuffer): void {
    this.bytesInUse -= buffer.size;
    this.pending.push(buffer);
  }

  /** Called after a submission: released buffers may now be handed out again. */
  recycle(): void {
    for (const b of this.pending) {
      const list = this.free.get(b.size);
      if (list) list.push(b);
      else this.free.set(b.size, [b]);
      this.bytesPooled += b.size;
    }
    this.pending = [];
    if (this.bytesPooled > this.maxPooledBytes) this.trim();
  }

  private trim(): void {
    const sizes = [...this.free.keys()].sort((a, b) => b - a);
    for (const size of sizes) {
      const list = this.free.get(size)!;
      while (list.length > 0 && this.bytesPooled > this.maxPooledBytes / 2) {
        list.pop()!.destroy();
        this.bytesPooled -= size;
      }
      if (list.length === 0) this.free.delete(size);
    }
  }

  /** Frees every pooled buffer (memory pressure, or the backend's destroy). */
  drain(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.bytesPooled = 0;
  }
}
