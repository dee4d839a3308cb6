import { fail, fmtShape } from '../errors.js';
import { normalizeAxis, shapesEqual } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { fillShaped } from './creation.js';
import { record, runKernel } from './op_util.js';

function indexTensor(op: string, indicesLike: TensorLike): Tensor {
  const indices = convertToTensor(indicesLike, op, 'indices', 'int32');
  if (indices.dtype !== 'int32') fail(op, `indices must be int32, got ${indices.dtype}`);
  return indices;
}

/** ONNX Gather: picks slices of `x` along `axis`; the result has shape x[:axis] + indices + x[axis+1:]. Negative indices count from the end. */
export function gather(xLike: TensorLike, indicesLike: TensorLike, axis = 0): Tensor {
  const x = convertToTensor(xLike, 'gather', 'x');
  if (x.rank === 0) fail('gather', 'x must have rank >= 1, got a scalar');
  const ax = normalizeAxis('gather', axis, x.rank);
  const indices = indexTensor('gather', indicesLike);
  const y = runKernel('gather', [x, indices], { axis: ax });
  record('gather', [x, indices], [y], ([dy]) => [scatterAdd(fillShaped(x.shape, 0, dy.dtype), indices, dy, ax), null]);
  return y;
}

/** Adds `updates` into a copy of `x` at the positions `gather(x, indices, axis)` would read; repeated indices accumulate. */
export function scatterAdd(xLike: TensorLike, indicesLike: TensorLike, updatesLike: TensorLike, axis = 0): Tensor {
  const x = convertToTensor(xLike, 'scatterAdd', 'x');
  const ax = normalizeAxis('scatterAdd', axis, x.rank);
  const indices = indexTensor('scatterAdd', indicesLike);
  const updates = convertToTensor(updatesLike, 'scatterAdd', 'updates', x.dtype);
  const expected = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
  if (!shapesEqual(updates.shape, expected) || updates.dtype !== x.dtype) {
    fail('scatterAdd', `updates must be ${fmtShape(expected)} ${x.dtype} for x ${fmtShape(x.shape)}, indices ${fmtShape(indices.shape)}, axis ${ax}; got ${fmtShape(updates.shape)} ${updates.dtype}`);
  }
  const y = runKernel('scatterAdd', [x, indices, updates], { axis: ax });
  record('scatterAdd', [x, indices, updates], [y], ([dy]) => [dy, null, gather(dy, indices, ax)]);
  return y;
}
