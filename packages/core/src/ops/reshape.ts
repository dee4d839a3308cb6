import { getEngine } from '../engine/engine.js';
import { fail, fmtShape } from '../errors.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { record } from './op_util.js';

/** Same data, new shape (a view; no copy). One dimension may be -1 and is inferred. */
export function reshape(xLike: TensorLike, shape: readonly number[]): Tensor {
  const x = convertToTensor(xLike, 'reshape', 'x');
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (out.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== unknown))) {
    fail('reshape', `shape must hold non-negative integers and at most one -1, got ${fmtShape(shape)}`);
  }
  if (unknown >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) fail('reshape', `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`);
    out[unknown] = x.size / known;
  }
  if (sizeOf(out) !== x.size) fail('reshape', `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)} (${sizeOf(out)} elements)`);
  const y = getEngine().makeView(x, out);
  record('reshape', [x], [y], ([dy]) => [dy.reshape(x.shape)]);
  return y;
}

/** Inserts a size-1 dimension at `axis` (default 0; negative counts from the end of the result). */
export function expandDims(xLike: TensorLike, axis = 0): Tensor {
  const x = convertToTensor(xLike, 'expandDims', 'x');
  const ax = normalizeAxis('expandDims', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(ax, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 dimensions (all of them, or those in `axis`, which must have size 1). */
export function squeeze(xLike: TensorLike, axis?: number | readonly number[]): Tensor {
  const x = convertToTensor(xLike, 'squeeze', 'x');
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, x.rank);
  for (const a of axes) if (x.shape[a] !== 1) fail('squeeze', `axis ${a} has size ${x.shape[a]}, not 1, in shape ${fmtShape(x.shape)}`);
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** Merges dimensions startDim..endDim into one (PyTorch's flatten: by default everything into 1-D). */
export function flatten(xLike: TensorLike, startDim = 0, endDim = -1): Tensor {
  const x = convertToTensor(xLike, 'flatten', 'x');
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', startDim, x.rank);
  const e = normalizeAxis('flatten', endDim, x.rank);
  if (s > e) fail('flatten', `startDim ${startDim} comes after endDim ${endDim} for rank ${x.rank}`);
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}
