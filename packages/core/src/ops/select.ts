import { upcastType } from '../dtype.js';
import { fail } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { cast } from './cast.js';
import { convertToTensor } from './convert.js';
import { record, runKernel, sumToShape } from './op_util.js';

/** Elementwise choice: `a` where `condition` is true, else `b` (all three broadcast). */
export function where(conditionLike: TensorLike, aLike: TensorLike, bLike: TensorLike): Tensor {
  const cond0 = convertToTensor(conditionLike, 'where', 'condition', 'bool');
  let a0: Tensor;
  let b0: Tensor;
  if (typeof aLike === 'number' && typeof bLike !== 'number') {
    b0 = convertToTensor(bLike, 'where', 'b');
    a0 = convertToTensor(aLike, 'where', 'a', Number.isInteger(aLike) ? b0.dtype : 'float32');
  } else {
    a0 = convertToTensor(aLike, 'where', 'a');
    b0 = convertToTensor(bLike, 'where', 'b', typeof bLike === 'number' && !Number.isInteger(bLike) ? 'float32' : a0.dtype);
  }
  broadcastShapes('where', cond0.shape, a0.shape, b0.shape);
  const dtype = upcastType(a0.dtype, b0.dtype);
  const cond = cond0.dtype === 'bool' ? cond0 : cast(cond0, 'bool');
  const a = a0.dtype === dtype ? a0 : cast(a0, dtype);
  const b = b0.dtype === dtype ? b0 : cast(b0, dtype);
  const y = runKernel('where', [cond, a, b], {});
  record('where', [cond, a, b], [y], ([dy]) => [
    null,
    sumToShape(where(cond, dy, 0), a.shape),
    sumToShape(where(cond, 0, dy), b.shape),
  ]);
  return y;
}

/** Clamps every element to [min, max]; the gradient passes where the input was inside the range. */
export function clip(xLike: TensorLike, min: number, max: number): Tensor {
  if (Number.isNaN(min) || Number.isNaN(max) || min > max) fail('clip', `needs min <= max, got min=${min}, max=${max}`);
  const x = convertToTensor(xLike, 'clip', 'x');
  const y = runKernel('clip', [x], { min, max });
  record('clip', [x], [y], ([dy]) => [where(x.greaterEqual(min).logicalAnd(x.lessEqual(max)), dy, 0)]);
  return y;
}

/** x where x > 0, else alpha·x (Keras's default alpha 0.2; PyTorch uses 0.01). */
export function leakyRelu(xLike: TensorLike, alpha = 0.2): Tensor {
  const x0 = convertToTensor(xLike, 'leakyRelu', 'x');
  const x = x0.dtype === 'float32' ? x0 : cast(x0, 'float32');
  const y = runKernel('leakyRelu', [x], { alpha });
  record('leakyRelu', [x], [y], ([dy]) => [where(x.greater(0), dy, dy.mul(alpha))]);
  return y;
}

/** Parametric ReLU: x where x > 0, else alpha·x with a learnable, broadcasting alpha. */
export function prelu(xLike: TensorLike, alphaLike: TensorLike): Tensor {
  const x = convertToTensor(xLike, 'prelu', 'x');
  return where(x.greater(0), x, x.mul(alphaLike));
}
