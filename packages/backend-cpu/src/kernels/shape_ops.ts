import type { KernelTensor, Shape, TypedArray } from '@soma/core';
import { sizeOf, stridesOf } from '@soma/core';
import { alloc, valuesOf } from './storage.js';
import type { StridedCopy } from '../wasm/wasm_copy.js';

export function transpose(x: KernelTensor, perm: readonly number[], fast: StridedCopy | null): KernelTensor {
  const src = valuesOf(x);
  const rank = x.shape.length;
  const outShape = perm.map((p) => x.shape[p]);
  const { values: dst, t } = alloc(outShape, x.dtype, true);
  const inStrides = stridesOf(x.shape);
  // Stride in the source for a step along each output axis.
  const step = perm.map((p) => inStrides[p]);
  if (rank > 2 && fast?.(src, 0, step, dst, 0, stridesOf(outShape), outShape)) return t;
  if (rank === 2) {
    const [r, c] = outShape;
    const s0 = step[0];
    const s1 = step[1];
    // Blocked so both source and destination stay in cache.
    const B = 32;
    for (let i0 = 0; i0 < r; i0 += B) {
      for (let j0 = 0; j0 < c; j0 += B) {
        const iEnd = Math.min(i0 + B, r);
        const jEnd = Math.min(j0 + B, c);
        for (let i = i0; i < iEnd; i++) for (let j = j0; j < jEnd; j++) dst[i * c + j] = src[i * s0 + j * s1];
      }
    }
    return t;
  }
  stridedCopy(src, dst, outShape, step, 0);
  return t;
}

/** dst (contiguous, `shape`) ← src read at `base + Σ idx[d]·step[d]`. The workhorse of transpose and slicing. */
export function stridedCopy(src: TypedArray, dst: TypedArray, fullShape: Shape, fullStep: readonly number[], base: number): void {
  const n = dst.length;
  if (n === 0) return;
  if (fullShape.length === 0) {
    dst[0] = src[base];
    return;
  }
  // Axes the source reads contiguously from one to the next merge (a channel slice of NCHW reads
  // whole H×W planes), so runs are long enough to copy as blocks.
  const shape = [fullShape[fullShape.length - 1]];
  const step = [fullStep[fullStep.length - 1]];
  for (let d = fullShape.length - 2; d >= 0; d--) {
    if (fullStep[d] === step[0] * shape[0]) shape[0] *= fullShape[d];
    else {
      shape.unshift(fullShape[d]);
      step.unshift(fullStep[d]);
    }
  }
  const rank = shape.length;
  const inner = shape[rank - 1];
  const si = step[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let off = base;
  for (let o = 0; o < n; o += inner) {
    if (si === 1 && inner >= 32) dst.set(src.subarray(off, off + inner), o);
    else if (si === 1) for (let j = 0; j < inner; j++) dst[o + j] = src[off + j];
    else for (let j = 0; j < inner; j++) dst[o + j] = src[off + j * si];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      off += step[d];
      if (idx[d] < shape[d]) break;
      off -= step[d] * shape[d];
      idx[d] = 0;
    }
  }
}

export function stridedSlice(x: KernelTensor, begin: readonly number[], steps: readonly number[], outShape: Shape, fast: StridedCopy | null): KernelTensor {
  const src = valuesOf(x);
  const strides = stridesOf(x.shape);
  const { values: dst, t } = alloc(outShape, x.dtype, true);
  let base = 0;
  for (let d = 0; d < begin.length; d++) base += begin[d] * strides[d];
  const step = strides.map((s, d) => s * steps[d]);
  if (!fast?.(src, base, step, dst, 0, stridesOf(outShape), outShape)) stridedCopy(src, dst, outShape, step, base);
  return t;
}

export function pad(x: KernelTensor, pads: readonly number[], value: number, fast: StridedCopy | null): KernelTensor {
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d + pads[i] + pads[i + rank]);
  const { values: dst, t } = alloc(outShape, x.dtype);
  if (value !== 0) dst.fill(value);
  // Copy the input as a strided block into the padded output. Axes after the last padded one are
  // contiguous in both, so they join the copied run (a channel pad of NCHW copies whole H×W planes).
  const src = valuesOf(x);
  if (src.length === 0) return t;
  const outStrides = stridesOf(outShape);
  let base = 0;
  for (let d = 0; d < rank; d++) base += pads[d] * outStrides[d];
  if (fast?.(src, 0, stridesOf(x.shape), dst, base, outStrides, x.shape)) return t;
  let last = rank - 1;
  while (last > 0 && pads[last] === 0 && pads[last + rank] === 0) last--;
  const inner = x.shape.slice(last).reduce((a, b) => a * b, 1);
  const idx = new Array<number>(rank).fill(0);
  let o = base;
  // Short runs (a strided slice's gradient pads [.., W, 1] to [.., W, 2]: runs of one element) copy
  // element by element, a whole row of runs per step of the index: a subarray per run costs more
  // than the copy, and so does carrying the index per run. Long runs copy as blocks, one per step.
  const short = inner < 32;
  const byRows = short && last > 0;
  const rows = byRows ? x.shape[last - 1] : 1;
  const rowStride = byRows ? outStrides[last - 1] : 0;
  const carryFrom = byRows ? last - 2 : last - 1;
  for (let i = 0; i < src.length;) {
    for (let r = 0, ro = o; r < rows; r++, ro += rowStride) {
      if (short) for (let j = 0; j < inner; j++) dst[ro + j] = src[i++];
      else {
        dst.set(src.subarray(i, i + inner), ro);
        i += inner;
      }
    }
    for (let d = carryFrom; d >= 0; d--) {
      idx[d]++;
      o += outStrides[d];
      if (idx[d] < x.shape[d]) break;
      o -= outStrides[d] * x.shape[d];
      idx[d] = 0;
    }
  }
  return t;
}

export function concat(xs: readonly KernelTensor[], axis: number): KernelTensor {
  const outShape = [...xs[0].shape];
  outShape[axis] = xs.reduce((a, t) => a + t.shape[axis], 0);
  const dtype = xs[0].dtype;
  const { values: dst, t } = alloc(outShape, dtype, true);
  const outer = sizeOf(outShape.slice(0, axis));
  const rowOut = sizeOf(outShape.slice(axis));
  let colOffset = 0;
  for (const t of xs) {
    const src = valuesOf(t);
    const row = sizeOf(t.shape.slice(axis));
    for (let o = 0; o < outer; o++) dst.set(src.subarray(o * row, (o + 1) * row), o * rowOut + colOffset);
    colOffset += row;
  }
  return t;
}

function checkIndex(op: string, idx: number, size: number): number {
  const i = idx < 0 ? idx + size : idx;
  if (i < 0 || i >= size) throw new Error(`${op}: index ${idx} is out of range for an axis of size ${size}`);
  return i;
}

export function gather(x: KernelTensor, indices: KernelTensor, axis: number): KernelTensor {
  const src = valuesOf(x);
  const ids = valuesOf(indices);
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const size = x.shape[axis];
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const resolved = Array.from(ids, (v) => checkIndex('gather', v, size));
  const { values: dst, t } = alloc(outShape, x.dtype, true);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const i of resolved) {
      const s = (a * size + i) * inner;
      if (inner === 1) dst[o] = src[s];
      else dst.set(src.subarray(s, s + inner), o);
      o += inner;
    }
  }
  return t;
}

export function scatterAdd(x: KernelTensor, indices: KernelTensor, updates: KernelTensor, axis: number): KernelTensor {
  const upd = valuesOf(updates);
  const ids = valuesOf(indices);
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const size = x.shape[axis];
  const resolved = Array.from(ids, (v) => checkIndex('scatterAdd', v, size));
  const { values: dst, t } = alloc(x.shape, x.dtype, true);
  dst.set(valuesOf(x));
  let u = 0;
  for (let a = 0; a < outer; a++) {
    for (const i of resolved) {
      const d = (a * size + i) * inner;
      for (let j = 0; j < inner; j++) dst[d + j] += upd[u + j];
      u += inner;
    }
  }
  return t;
}

export function tile(x: KernelTensor, reps: readonly number[], fast: StridedCopy | null): KernelTensor {
  const src = valuesOf(x);
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const { values: dst, t } = alloc(outShape, x.dtype, true);
  if (dst.length === 0) return t;
  // Trace-safe zeros and ones are one element tiled to a batch-sized shape: a fill.
  if (src.length === 1 || rank === 0) {
    dst.fill(src[0] as never);
    return t;
  }
  // A broadcast (every tiled axis of size 1: pooling's and batch norm's gradients) reads x with a
  // step of 0 along the tiled axes.
  if (x.shape.every((d, i) => d === 1 || reps[i] === 1)) {
    const inStrides = stridesOf(x.shape);
    if (fast?.(src, 0, x.shape.map((d, i) => (d === 1 ? 0 : inStrides[i])), dst, 0, stridesOf(outShape), outShape)) return t;
  }
  // Axis by axis: write x's entries of an axis once, then copy that block reps[d] − 1 times, so a
  // broadcast ([1, C, 1, 1] to [B, C, H, W], batch norm's and pooling's gradients) is a few
  // memcpy-speed copies instead of a loop per element.
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(outShape);
  const fillAxis = (d: number, dstOff: number, srcOff: number): void => {
    if (d === rank - 1) {
      const n = x.shape[d];
      if (n === 1) dst.fill(src[srcOff] as never, dstOff, dstOff + reps[d]);
      else {
        dst.set(src.subarray(srcOff, srcOff + n) as never, dstOff);
        for (let k = 1; k < reps[d]; k++) dst.copyWithin(dstOff + k * n, dstOff, dstOff + n);
      }
      return;
    }
    for (let i = 0; i < x.shape[d]; i++) fillAxis(d + 1, dstOff + i * outStrides[d], srcOff + i * inStrides[d]);
    const block = x.shape[d] * outStrides[d];
    for (let k = 1; k < reps[d]; k++) dst.copyWithin(dstOff + k * block, dstOff, dstOff + block);
  };
  fillAxis(0, 0, 0);
  return t;
}

/** Indices of the k largest (or smallest) values of each last-axis row, in order; ties by lower index (ONNX TopK). */
export function topK(x: KernelTensor, k: number, largest: boolean): KernelTensor {
  const src = valuesOf(x);
  const n = x.shape[x.shape.length - 1] ?? 1;
  const rows = n === 0 ? 0 : src.length / n;
  const { values: dst, t } = alloc([...x.shape.slice(0, -1), k], 'int32', true);
  const order = new Int32Array(n);
  // NaN counts as the largest value, as in PyTorch and NumPy's sort.
  const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => {
      const d = largest ? key(src[base + b]) - key(src[base + a]) : key(src[base + a]) - key(src[base + b]);
      return d || a - b;
    });
    dst.set(order.subarray(0, k), r * k);
  }
  return t;
}
