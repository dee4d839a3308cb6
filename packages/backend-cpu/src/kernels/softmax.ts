import type { KernelTensor } from '@soma/core';
import { sizeOf } from '@soma/core';
import type { SimdElementwise } from '../wasm/wasm_elementwise.js';
import { allocF32, f32 } from './storage.js';

/**
 * Softmax (or log-softmax) along `axis` in one pass per row, with no intermediate tensors: the row's
 * maximum, Σexp(x − max), then the output. Rows along the last axis go to the SIMD kernel; other
 * axes walk their rows with a stride. A NaN in a row makes the row NaN, as the composed ops do.
 */
export function softmax(x: KernelTensor, axis: number, log: boolean, simd: SimdElementwise | null): KernelTensor {
  const { values: y, t } = allocF32(x.shape, true);
  const src = f32(x);
  const len = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  if (len === 0 || src.length === 0) return t;
  const rows = src.length / len;
  if (inner === 1 && simd?.softmaxRows(src, y, rows, len, log)) return t;
  for (let row = 0; row < rows; row++) {
    const base = Math.floor(row / inner) * len * inner + (row % inner);
    let mx = -Infinity;
    for (let j = 0; j < len; j++) {
      const v = src[base + j * inner];
      if (v > mx || Number.isNaN(v)) mx = v;
      if (Number.isNaN(mx)) break;
    }
    if (Number.isNaN(mx)) {
      for (let j = 0; j < len; j++) y[base + j * inner] = NaN;
      continue;
    }
    let s = 0;
    for (let j = 0; j < len; j++) s += Math.exp(src[base + j * inner] - mx);
    const ls = Math.log(s);
    for (let j = 0; j < len; j++) {
      const v = src[base + j * inner] - mx;
      y[base + j * inner] = log ? v - ls : Math.exp(v) / s;
    }
  }
  return t;
}
