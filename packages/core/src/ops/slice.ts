import { fail, fmtShape } from '../errors.js';
import { normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { fillShaped } from './creation.js';
import { record, runKernel } from './op_util.js';
import { pad } from './pad_tile.js';

/** A contiguous block: `size[i] = -1` means "to the end of axis i". Missing trailing axes are taken whole. */
export function slice(xLike: TensorLike, begin: readonly number[], size?: readonly number[]): Tensor {
  const x = convertToTensor(xLike, 'slice', 'x');
  if (begin.length > x.rank) fail('slice', `begin has ${begin.length} entries for a tensor of rank ${x.rank}`);
  const b = x.shape.map((d, i) => {
    const v = begin[i] ?? 0;
    const s = v < 0 ? v + d : v;
    if (!Number.isInteger(s) || s < 0 || s > d) fail('slice', `begin ${JSON.stringify(begin)} is out of range for shape ${fmtShape(x.shape)}`);
    return s;
  });
  const sz = x.shape.map((d, i) => {
    const v = size?.[i] ?? -1;
    const s = v === -1 ? d - b[i] : v;
    if (!Number.isInteger(s) || s < 0 || b[i] + s > d) {
      fail('slice', `begin ${JSON.stringify(begin)} with size ${JSON.stringify(size)} goes past shape ${fmtShape(x.shape)}`);
    }
    return s;
  });
  if (sz.every((s, i) => s === x.shape[i])) return x.reshape(x.shape);
  const y = runKernel('stridedSlice', [x], { begin: b, steps: b.map(() => 1), outShape: sz });
  record('slice', [x], [y], ([dy]) => [pad(dy, x.shape.map((d, i) => [b[i], d - b[i] - sz[i]] as [number, number]))]);
  return y;
}

/**
 * Python-style slicing per axis: `x[begin:end:step]`, with negative indices counting from the end and
 * out-of-range bounds clamped (ONNX Slice semantics). Axes not listed are taken whole.
 */
export function stridedSlice(
  xLike: TensorLike, begin: readonly number[], end: readonly number[], strides?: readonly number[],
): Tensor {
  const x = convertToTensor(xLike, 'stridedSlice', 'x');
  if (begin.length !== end.length || begin.length > x.rank || (strides && strides.length !== begin.length)) {
    fail('stridedSlice', `begin, end and strides must have equal length <= rank ${x.rank}, got ${begin.length}, ${end.length}, ${strides?.length ?? '-'}`);
  }
  const starts: number[] = [];
  const steps: number[] = [];
  const outShape: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    const d = x.shape[i];
    const step = strides?.[i] ?? 1;
    if (!Number.isInteger(step) || step === 0) fail('stridedSlice', `strides must be non-zero integers, got ${JSON.stringify(strides)}`);
    let s = i < begin.length ? begin[i] : step > 0 ? 0 : d - 1;
    let e = i < end.length ? end[i] : step > 0 ? d : -d - 1;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, -1), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    const n = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
    starts.push(n === 0 ? 0 : s);
    steps.push(step);
    outShape.push(n);
  }
  const y = runKernel('stridedSlice', [x], { begin: starts, steps, outShape });
  record('stridedSlice', [x], [y], ([dy]) => [sliceGrad(dy, x.shape, starts, steps, outShape)]);
  return y;
}

/**
 * Puts dy back where the slice read it, zeros elsewhere, with ops whose attributes follow the
 * shapes (so a traced step keeps a symbolic batch, and the gradient has gradients): a reversed axis
 * is flipped back; an axis read every s-th element gets s − 1 zeros after each (a new axis padded,
 * then folded in); then one pad places the block.
 */
function sliceGrad(dy: Tensor, inShape: readonly number[], starts: number[], steps: number[], outShape: number[]): Tensor {
  if (sizeOf(outShape) === 0) return fillShaped(inShape, 0, dy.dtype);
  let g = dy;
  const begin = [...starts];
  const flip = steps.map((s) => s < 0);
  if (flip.some(Boolean)) {
    g = stridedSlice(g, outShape.map((n, a) => (flip[a] ? n - 1 : 0)), outShape.map((n, a) => (flip[a] ? -n - 1 : n)), flip.map((f) => (f ? -1 : 1)));
    flip.forEach((f, a) => f && (begin[a] = starts[a] + (outShape[a] - 1) * steps[a]));
  }
  const shape = [...outShape];
  steps.forEach((s0, a) => {
    const s = Math.abs(s0);
    const n = shape[a];
    if (s === 1 || n === 1) return;
    const expanded = g.reshape([...shape.slice(0, a), n, 1, ...shape.slice(a + 1)]);
    const spread = pad(expanded, expanded.shape.map((_, k) => (k === a + 1 ? [0, s - 1] : [0, 0]) as [number, number]));
    const folded = spread.reshape([...shape.slice(0, a), n * s, ...shape.slice(a + 1)]);
    // The trailing zeros stay where the input has room for them (x[::2] of an even axis: all of
    // them), so the final pad does not put back what a crop took.
    shape[a] = Math.min(n * s, inShape[a] - begin[a]);
    g = shape[a] === n * s ? folded : slice(folded, shape.map(() => 0), shape);
  });
  return pad(g, inShape.map((d, a) => [begin[a], d - begin[a] - shape[a]] as [number, number]));
}

/** Splits along `axis` into `sizes` pieces, or into `n` equal pieces when given a number. */
export function split(xLike: TensorLike, sizes: number | readonly number[], axis = 0): Tensor[] {
  const x = convertToTensor(xLike, 'split', 'x');
  const ax = normalizeAxis('split', axis, x.rank);
  const d = x.shape[ax];
  let parts: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0 || d % sizes !== 0) fail('split', `axis ${ax} of size ${d} cannot be split into ${sizes} equal parts`);
    parts = new Array<number>(sizes).fill(d / sizes);
  } else {
    parts = [...sizes];
    const unknown = parts.indexOf(-1);
    if (unknown >= 0) parts[unknown] = d - parts.reduce((a, b) => a + (b === -1 ? 0 : b), 0);
    if (parts.some((p) => !Number.isInteger(p) || p < 0) || parts.reduce((a, b) => a + b, 0) !== d) {
      fail('split', `sizes ${JSON.stringify(sizes)} do not add up to ${d}, the size of axis ${ax}`);
    }
  }
  let offset = 0;
  return parts.map((p) => {
    const begin = x.shape.map((_, i) => (i === ax ? offset : 0));
    const size = x.shape.map((s, i) => (i === ax ? p : s));
    offset += p;
    return slice(x, begin, size);
  });
}
