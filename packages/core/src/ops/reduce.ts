import type { ArgReduceOp, ReduceOp } from '../kernels/index.js';
import { fail, fmtShape } from '../errors.js';
import { normalizeAxes, normalizeAxis, reducedShape, sizeOf } from '../shape.js';
import type { Axis, Tensor, TensorLike } from '../tensor.js';
import { cast } from './cast.js';
import { convertToTensor } from './convert.js';
import { record, runKernel } from './op_util.js';
import { stopGradient } from './stop_gradient.js';
import { where } from './select.js';


function reduceOp(op: ReduceOp, xLike: TensorLike, axis: Axis | undefined, keepDims: boolean): Tensor {
  const x0 = convertToTensor(xLike, op, 'x');
  const axes = normalizeAxes(op, axis, x0.rank);
  const outShape = reducedShape(x0.shape, axes, keepDims);
  const target = op === 'mean' ? 'float32' : op === 'any' || op === 'all' ? 'bool' : (op === 'sum' || op === 'prod') && x0.dtype === 'bool' ? 'int32' : x0.dtype;
  const x = x0.dtype === target ? x0 : cast(x0, target);
  let y: Tensor;
  if (axes.length === 0) {
    y = cast(x, x.dtype);
  } else {
    if ((op === 'max' || op === 'min') && axes.some((a) => x.shape[a] === 0)) {
      fail(op, `cannot reduce over a zero-size axis of a tensor with shape ${fmtShape(x.shape)}`);
    }
    const r = runKernel('reduce', [x], { op, axes });
    y = keepDims ? r.reshape(outShape) : r;
    if (keepDims) r.dispose();
    const grad = REDUCE_GRAD[op];
    if (grad) record(op, [x], [y], ([dy]) => [grad(x, y, dy, axes)]);
  }
  return y;
}

type ReduceGrad = (x: Tensor, y: Tensor, dy: Tensor, axes: readonly number[]) => Tensor;

/** max/min: the gradient goes to every element equal to the extreme (ties share it, as in TF). */
const extremeGrad: ReduceGrad = (x, y, dy, axes) => {
  const yFull = y.reshape(reducedShape(x.shape, axes, true));
  const mask = x.equal(yFull).cast('float32');
  const count = mask.sum(axes as number[], true);
  return mask.div(count).mul(dy.reshape(yFull.shape));
};

const REDUCE_GRAD: Record<ReduceOp, ReduceGrad | null> = {
  sum: (x, _y, dy, axes) => broadcastTo(dy.reshape(reducedShape(x.shape, axes, true)), x.shape),
  mean: (x, _y, dy, axes) => {
    const n = axes.reduce((acc, a) => acc * x.shape[a], 1);
    return broadcastTo(dy.reshape(reducedShape(x.shape, axes, true)).div(n), x.shape);
  },
  // d/dx_i prod(x) = prod / x_i; computed as a product of the others so zeros are handled.
  prod: (x, _y, dy, axes) => {
    const others = productOfOthers(x, axes);
    return others.mul(dy.reshape(reducedShape(x.shape, axes, true)));
  },
  max: extremeGrad,
  min: extremeGrad,
  any: null,
  all: null,
};

/** ∏_{j≠i} x_j along `axes`, via exclusive cumulative products built from logs-free masking. */
function productOfOthers(x: Tensor, axes: readonly number[]): Tensor {
  const isZero = x.equal(0);
  const safe = where(isZero, 1, x);
  const prodSafe = safe.prod(axes as number[], true);
  const zeros = isZero.cast('int32').sum(axes as number[], true);
  // No zero: prod/x. One zero: the zero's slot gets the product of the rest, others 0. More: all 0.
  const noZero = prodSafe.div(safe);
  const oneZero = where(isZero, prodSafe, 0);
  return where(zeros.equal(0), noZero, where(zeros.equal(1), oneZero, 0));
}

/** Repeats `x` along its size-1 dimensions to reach `shape` (a differentiable broadcast). */
export function broadcastTo(xLike: TensorLike, shape: readonly number[]): Tensor {
  const x0 = convertToTensor(xLike, 'broadcastTo', 'x');
  if (shape.length < x0.rank) fail('broadcastTo', `cannot broadcast ${fmtShape(x0.shape)} to the lower rank ${fmtShape(shape)}`);
  const x = x0.rank === shape.length ? x0 : x0.reshape([...new Array(shape.length - x0.rank).fill(1), ...x0.shape]);
  const reps = shape.map((d, i) => {
    if (x.shape[i] === d) return 1;
    if (x.shape[i] !== 1) fail('broadcastTo', `cannot broadcast ${fmtShape(x0.shape)} to ${fmtShape(shape)}`);
    return d;
  });
  if (reps.every((r) => r === 1)) return x === x0 ? x.reshape(shape) : x;
  return x.tile(reps);
}

export const sum = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => reduceOp('sum', x, axis, keepDims);
export const mean = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => reduceOp('mean', x, axis, keepDims);
export const prod = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => reduceOp('prod', x, axis, keepDims);
export const max = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => reduceOp('max', x, axis, keepDims);
export const min = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => reduceOp('min', x, axis, keepDims);
export const any = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => reduceOp('any', x, axis, keepDims);
export const all = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => reduceOp('all', x, axis, keepDims);

/**
 * Variance over `axis`. `correction` is subtracted from the count in the divisor: 0 (default) gives
 * the population variance like Keras/TF moments; 1 gives PyTorch's unbiased torch.var default.
 */
export function variance(xLike: TensorLike, axis?: Axis, keepDims = false, correction = 0): Tensor {
  const x = convertToTensor(xLike, 'variance', 'x', 'float32');
  const axes = normalizeAxes('variance', axis, x.rank);
  const n = axes.reduce((acc, a) => acc * x.shape[a], 1);
  const centered = x.sub(mean(x, axes, true));
  return sum(centered.square(), axes, keepDims).div(Math.max(n - correction, 0));
}

/** log(Σ exp(x)) computed with the max shifted out, so large inputs do not overflow. */
export function logSumExp(xLike: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const x = convertToTensor(xLike, 'logSumExp', 'x', 'float32');
  const axes = normalizeAxes('logSumExp', axis, x.rank);
  if (x.size === 0 || sizeOf(axes.map((a) => x.shape[a])) === 0) return sum(x, axes, keepDims).log();
  const m = stopGradient(max(x, axes, true));
  // An all -inf slice would give inf - inf = NaN; shifting by 0 there keeps the answer -inf.
  const shift = where(m.equal(-Infinity), 0, m);
  const lse = x.sub(shift).exp().sum(axes, true).log().add(shift);
  return keepDims ? lse : lse.reshape(reducedShape(x.shape, axes, false));
}

function argReduce(op: ArgReduceOp, xLike: TensorLike, axis: number | undefined): Tensor {
  const given = convertToTensor(xLike, op, 'x');
  if (axis === undefined) {
    const flat = given.reshape([-1]);
    const r = argReduce(op, flat, 0);
    flat.dispose();
    return r;
  }
  const x = given;
  const ax = normalizeAxis(op, axis, x.rank);
  if (x.rank > 0 && x.shape[ax] === 0) fail(op, `cannot take ${op} over a zero-size axis of ${fmtShape(x.shape)}`);
  if (x.rank === 0) return x.mul(0).cast('int32');
  return runKernel('argReduce', [x], { op, axis: ax });
}

/** Index (int32) of the largest value along `axis`, the first on ties; without an axis, into the flattened tensor (as torch.argmax). */
export const argMax = (x: TensorLike, axis?: number): Tensor => argReduce('argMax', x, axis);
export const argMin = (x: TensorLike, axis?: number): Tensor => argReduce('argMin', x, axis);
