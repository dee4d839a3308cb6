import type { DType, KernelAttrs, KernelName } from '@soma/core';
import { kernelToOnnx, type KernelValue } from '@soma/onnx-io';
import type { NativeSession, Ort } from './ort_binding.js';

/**
 * One onnxruntime session per kernel signature (kernel, attributes, input dtypes and ranks — and
 * the shapes a translation reads, such as a convolution's filter), with every other dimension
 * symbolic, so a new batch size reuses the session. Bounded: the least recently used is released.
 */
export class KernelSessions {
  private readonly cache = new Map<string, { session: NativeSession; inputs: string[] }>();
  created = 0;
  hits = 0;

  evicted = 0;
  private readonly options: Record<string, unknown>;

  constructor(private readonly ort: Ort, options: Record<string, unknown>, private readonly capacity = 512) {
    // No per-session memory arena: onnxruntime keeps part of a released session's arena (about
    // 40 KB per session measured with 1.30; 10 KB without the arena), so a long run that cycles
    // through many kernel signatures would grow without bound. One kernel's outputs are handed to
    // JavaScript anyway, so the arena has little to reuse.
    //
    // No spinning: every session owns its intra-op thread pool, whose workers busy-wait after a
    // run for the next one. Eager mode runs hundreds of sessions in turn, so the pools of the
    // kernels just run kept the cores while the next kernel ran: an eager ResNet-20 step took
    // 3.1 s with spinning and 0.83 s without, mobilenet_v3_small's 5.0 s and 0.97 s.
    this.options = { ...options, enableCpuMemArena: false, extra: { session: { intra_op: { allow_spinning: '0' } } } };
  }

  get size(): number {
    return this.cache.size;
  }

  get<K extends KernelName>(kernel: K, attrs: KernelAttrs<K>, inputs: readonly ({ dtype: DType; shape: readonly number[] } | null)[], outDtype: DType, concrete: ReadonlySet<number>): { session: NativeSession; inputs: string[] } {
    const described: (KernelValue | null)[] = inputs.map((v, i) => (v ? { dtype: v.dtype, shape: concrete.has(i) ? v.shape : v.shape.map((_, d) => `d${i}_${d}`) } : null));
    const key = `${kernel}|${JSON.stringify(attrs)}|${described.map((v) => (v ? `${v.dtype}[${v.shape!.join(',')}]` : '_')).join(';')}|${outDtype}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.hits++;
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const bytes = kernelToOnnx(kernel, attrs, described, { dtype: outDtype, shape: null });
    const session = this.ort.newSession();
    session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, this.options);
    const entry = { session, inputs: described.flatMap((v, i) => (v ? [`x${i}`] : [])) };
    this.cache.set(key, entry);
    this.created++;
    if (this.cache.size > this.capacity) {
      const [oldest, old] = this.cache.entries().next().value as [string, { session: NativeSession }];
      this.cache.delete(oldest);
      old.session.dispose();
      this.evicted++;
    }
    return entry;
  }

  dispose(): void {
    for (const { session } of this.cache.values()) session.dispose();
    this.cache.clear();
  }
}
