import type { KernelTensor } from '@soma/core';
import { sizeOf } from '@soma/core';
import { allocF32, f32 } from '../kernels/storage.js';
import type { WasmContext } from './context.js';
import type { KernelCall } from '../threads/pool.js';

/**
 * Batch normalization's kernels (assembly/normalization.ts) over float32 tensors in the heap,
 * split over threads by channel (statistics) or by row (the affine pass). Each returns null —
 * core's default body then runs — when an operand is not in the heap.
 */
export interface WasmNormalization {
  channelMoments(x: KernelTensor, axis: number): KernelTensor | null;
  channelSums(a: KernelTensor, b: KernelTensor, center: KernelTensor | undefined, axis: number): KernelTensor | null;
  channelAffine(x: KernelTensor, scale: KernelTensor, shift: KernelTensor, x2: KernelTensor | undefined, scale2: KernelTensor | undefined, axis: number): KernelTensor | null;
}

/** x's shape as [outer, mid, inner] around the channel axis. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

export function wasmNormalization(cx: WasmContext): WasmNormalization {
  const addr = (t: KernelTensor): number => (t.dtype === 'float32' ? cx.addressOf(f32(t)) : -1);
  /** Calls of `fn` over [0, parts) split in ranges, one per thread that pays for `work`. */
  const split = (fn: KernelCall['fn'], parts: number, work: number, args: (lo: number, hi: number) => number[]): void => {
    const threads = cx.threadsFor(work, parts);
    const step = Math.ceil(parts / threads);
    const calls: KernelCall[] = [];
    for (let lo = 0; lo < parts; lo += step) calls.push({ fn, args: args(lo, Math.min(parts, lo + step)) });
    if (calls.length) cx.run(calls);
  };
  return {
    channelMoments(x, axis) {
      const px = addr(x);
      if (px < 0) return null;
      const [outer, mid, inner] = around(x.shape, axis);
      const { values, t } = allocF32([2, mid], true);
      const pd = cx.addressOf(values);
      split('channelMoments', mid, outer * mid * inner * 2, (c0, c1) => [px, pd, outer, mid, inner, c0, c1]);
      return t;
    },
    channelSums(a, b, center, axis) {
      const [pa, pb, pc] = [addr(a), addr(b), center ? addr(center) : 0];
      if (pa < 0 || pb < 0 || pc < 0) return null;
      const [outer, mid, inner] = around(a.shape, axis);
      const { values, t } = allocF32([2, mid], true);
      const pd = cx.addressOf(values);
      split('channelSums', mid, outer * mid * inner * 2, (c0, c1) => [pa, pb, pc, pd, outer, mid, inner, c0, c1, +!!center]);
      return t;
    },
    channelAffine(x, scale, shift, x2, scale2, axis) {
      const ps = [x, scale, shift, ...(x2 && scale2 ? [x2, scale2] : [])].map(addr);
      if (ps.some((p) => p < 0)) return null;
      const [px, psc, psh, px2 = 0, ps2 = 0] = ps;
      const [outer, mid, inner] = around(x.shape, axis);
      const { values, t } = allocF32(x.shape, true);
      const pd = cx.addressOf(values);
      split('channelAffine', outer * mid, outer * mid * inner, (r0, r1) => [px, psc, psh, px2, ps2, pd, mid, inner, r0, r1, +!!x2]);
      return t;
    },
  };
}
