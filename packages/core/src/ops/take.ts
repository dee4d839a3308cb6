import { fail, fmtShape } from '../errors.js';
import { checkOptions } from '../validate.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { arange } from './creation.js';
import { gather } from './gather.js';
import { runKernel } from './op_util.js';
import { where } from './select.js';
import { transpose } from './transpose.js';

/**
 * out[i][j][k] = x[indices[i][j][k]][j][k] along `axis` (numpy take_along_axis, torch.gather, ONNX
 * GatherElements). indices has x's rank, and no larger a size on the other axes; negative indices
 * count from the end. Written as one gather over the flattened x, so it differentiates (to a
 * scatter-add) on every backend; an index out of range fails in that gather.
 */
export function takeAlongAxis(xLike: TensorLike, indicesLike: TensorLike, axis: number): Tensor {
  const op = 'takeAlongAxis';
  const x = convertToTensor(xLike, op, 'x');
  const indices = convertToTensor(indicesLike, op, 'indices', 'int32');
  if (indices.dtype !== 'int32') fail(op, `indices must be int32, got ${indices.dtype}`);
  if (indices.rank !== x.rank || x.rank === 0) fail(op, `indices ${fmtShape(indices.shape)} must have the rank of x ${fmtShape(x.shape)} (>= 1)`);
  const ax = normalizeAxis(op, axis, x.rank);
  indices.shape.forEach((d, k) => {
    if (k !== ax && d > x.shape[k]) fail(op, `indices ${fmtShape(indices.shape)} is larger than x ${fmtShape(x.shape)} on axis ${k}`);
  });
  const n = x.shape[ax];
  const strides = x.shape.map((_, k) => x.shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const total = x.size;
  const inRange = indices.greaterEqual(-n).logicalAnd(indices.less(n));
  const idx = where(indices.less(0), indices.add(n), indices);
  let flat = idx.mul(strides[ax]);
  indices.shape.forEach((d, k) => {
    if (k === ax) return;
    const shape = indices.shape.map((_, j) => (j === k ? d : 1));
    flat = flat.add(arange(0, d * strides[k], strides[k], 'int32').reshape(shape));
  });
  // An index outside [-n, n) points past the end, so the gather reports it instead of reading a neighbour.
  flat = where(inRange, flat, total);
  return gather(x.reshape([total]), flat.reshape([indices.size])).reshape([...indices.shape]);
}

/** Options of `topK`: the axis, and the largest or smallest values. */
export interface TopKOptions {
  /** Default -1 (the last axis). */
  axis?: number;
  /** The largest values (default) or the smallest. */
  largest?: boolean;
}

/** The k largest (or smallest) values along an axis and their int32 indices, in order (ONNX TopK, torch.topk). */
export function topK(xLike: TensorLike, k: number, options: TopKOptions = {}): [values: Tensor, indices: Tensor] {
  checkOptions('topK', options, ['axis', 'largest']);
  const op = 'topK';
  const x = convertToTensor(xLike, op, 'x');
  if (x.rank === 0) fail(op, 'x must have rank >= 1, got a scalar');
  const ax = normalizeAxis(op, options.axis ?? -1, x.rank);
  if (!Number.isInteger(k) || k < 0 || k > x.shape[ax]) fail(op, `k must be an integer in [0, ${x.shape[ax]}] for axis ${ax} of ${fmtShape(x.shape)}, got ${k}`);
  const last = x.rank - 1;
  const perm = x.shape.map((_, i) => (i === ax ? last : i === last ? ax : i));
  const moved = ax === last ? x : transpose(x, perm);
  let indices = runKernel('topK', [moved], { k, largest: options.largest ?? true });
  if (ax !== last) indices = transpose(indices, perm);
  return [takeAlongAxis(x, indices, ax), indices];
}
