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
  /** Submission count at which each size class was last handed out. */
  private readonly lastUse = new Map<number, number>();
  private generation = 0;
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
    this.lastUse.set(size, this.generation);
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
    this.generation++;
    if (this.bytesPooled > this.maxPooledBytes) this.trim();
  }

  /**
   * Frees the classes unused for longest until the pool is under its limit. Classes in use within
   * the last 64 submissions stay: a training step that frees more than the limit and allocates it
   * again next step keeps its buffers instead of recreating them every step.
   */
  private trim(): void {
    const idle = [...this.free.keys()].filter((size) => this.generation - (this.lastUse.get(size) ?? 0) > 64);
    idle.sort((a, b) => (this.lastUse.get(a) ?? 0) - (this.lastUse.get(b) ?? 0));
    for (const size of idle) {
      if (this.bytesPooled <= this.maxPooledBytes) break;
      for (const b of this.free.get(size)!) {
        b.destroy();
        this.bytesPooled -= size;
      }
      this.free.delete(size);
    }
  }

  /** Frees every pooled buffer (memory pressure, or the backend's destroy). */
  drain(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.bytesPooled = 0;
  }
}
