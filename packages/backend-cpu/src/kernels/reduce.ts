import type { ArgReduceOp, DType, KernelTensor, ReduceOp, TypedArray } from '@soma/core';
import { BOOLEAN_REDUCTIONS, sizeOf } from '@soma/core';
import { transpose } from './shape_ops.js';
import type { SimdElementwise } from '../wasm/wasm_elementwise.js';
import { alloc, valuesOf, type CpuData } from './storage.js';

/** Moves the reduced axes to the end so every reduction reads one contiguous run per output. */
function reducedLast(x: KernelTensor, axes: readonly number[]): { values: TypedArray; outShape: number[]; inner: number; done(): void } {
  const rank = x.shape.length;
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = kept.map((i) => x.shape[i]);
  const inner = sizeOf(axes.map((a) => x.shape[a]));
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (trailing) return { values: valuesOf(x), outShape, inner, done: () => {} };
  // The transposed copy is scratch: its block goes back to the heap once the reduction has read it.
  const moved = transpose(x, [...kept, ...axes], null);
  return { values: valuesOf(moved), outShape, inner, done: () => (moved.dataId as CpuData).release() };
}

/**
 * Sum or mean over every axis but one contiguous run of kept axes (a bias gradient: [N, C, H, W]
 * → [C]; a dense one: [N, units] → [units]): read in place as [outer, kept, inner], without the
 * transposed copy, adding in the same order as the general path (so the same bits).
 */
function sumAroundKept(op: 'sum' | 'mean', x: KernelTensor, axes: readonly number[], simd: SimdElementwise | null): KernelTensor | null {
  const rank = x.shape.length;
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  if (kept.length === 0 || kept.some((k, i) => k !== kept[0] + i) || kept[kept.length - 1] === rank - 1) return null;
  const outer = sizeOf(x.shape.slice(0, kept[0]));
  const mid = sizeOf(kept.map((i) => x.shape[i]));
  const inner = sizeOf(x.shape.slice(kept[kept.length - 1] + 1));
  const { values: dst, t } = alloc(kept.map((i) => x.shape[i]), x.dtype, true);
  const src = valuesOf(x);
  if (simd && x.dtype === 'float32' && simd.sumAround(src as Float32Array, dst as Float32Array, outer, mid, inner, op === 'mean')) return t;
  const count = outer * inner;
  for (let m = 0; m < mid; m++) {
    let acc = 0;
    for (let o = 0; o < outer; o++) {
      const s = (o * mid + m) * inner;
      for (let i = s; i < s + inner; i++) acc += src[i];
    }
    dst[m] = op === 'mean' ? acc / count : acc;
  }
  return t;
}

export function reduce(op: ReduceOp, x: KernelTensor, axes: readonly number[], simd: SimdElementwise | null = null): KernelTensor {
  if (op === 'sum' || op === 'mean') {
    const fast = sumAroundKept(op, x, axes, simd);
    if (fast) return fast;
  }
  const dtype: DType = BOOLEAN_REDUCTIONS.has(op) ? 'bool' : x.dtype;
  const { values, outShape, inner, done } = reducedLast(x, axes);
  const n = sizeOf(outShape);
  const { values: dst, t } = alloc(outShape, dtype, true);
  if (simd && x.dtype === 'float32' && inner > 0 && (op === 'sum' || op === 'mean' || op === 'max' || op === 'min') &&
    simd.reduceRows(op, values as Float32Array, dst as Float32Array, n, inner)) {
    done();
    return t;
  }
  for (let o = 0; o < n; o++) {
    const s = o * inner;
    const e = s + inner;
    let acc = 0;
    switch (op) {
      case 'sum':
      case 'mean':
        acc = 0;
        for (let i = s; i < e; i++) acc += values[i];
        if (op === 'mean') acc /= inner;
        break;
      case 'prod':
        acc = 1;
        for (let i = s; i < e; i++) acc *= values[i];
        break;
      case 'max':
        acc = -Infinity;
        for (let i = s; i < e; i++) {
          const v = values[i];
          if (v > acc || Number.isNaN(v)) acc = v;
          if (Number.isNaN(acc)) break;
        }
        break;
      case 'min':
        acc = Infinity;
        for (let i = s; i < e; i++) {
          const v = values[i];
          if (v < acc || Number.isNaN(v)) acc = v;
          if (Number.isNaN(acc)) break;
        }
        break;
      case 'any':
        acc = 0;
        for (let i = s; i < e && !acc; i++) if (values[i]) acc = 1;
        break;
      case 'all':
        acc = 1;
        for (let i = s; i < e && acc; i++) if (!values[i]) acc = 0;
        break;
    }
    dst[o] = acc;
  }
  done();
  return t;
}

export function argReduce(op: ArgReduceOp, x: KernelTensor, axis: number): KernelTensor {
  const { values, outShape, inner, done } = reducedLast(x, [axis]);
  const n = sizeOf(outShape);
  const { values: dst, t } = alloc(outShape, 'int32', true);
  const better = op === 'argMax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  for (let o = 0; o < n; o++) {
    const s = o * inner;
    let best = 0;
    let bv = values[s];
    for (let i = 1; i < inner && !Number.isNaN(bv); i++) {
      const v = values[s + i];
      if (better(v, bv) || Number.isNaN(v)) {
        bv = v;
        best = i;
      }
    }
    dst[o] = best;
  }
  done();
  return t;
}
