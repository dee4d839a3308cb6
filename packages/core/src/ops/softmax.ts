import { getEngine } from '../engine/engine.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { compositeOp } from './op_util.js';

/** The backend's one-pass softmax when it has one and no tracer or profiler needs the plain kernels. */
function fused(x: Tensor, axis: number, log: boolean): Tensor | null {
  const e = getEngine();
  const kernel = e.backend.softmax;
  if (!kernel || e.isObserved() || x.backendName !== e.backendName) return null;
  return e.makeTensor(kernel.call(e.backend, x.kernelTensor, { axis, log }), e.backendName);
}

/** exp(x) / Σ exp(x) along `axis` (default last), computed with the max shifted out. */
export function softmax(xLike: TensorLike, axis = -1): Tensor {
  const x = convertToTensor(xLike, 'softmax', 'x', 'float32').cast('float32');
  const ax = normalizeAxis('softmax', axis, x.rank);
  return compositeOp('softmax', [x], () => fused(x, ax, false) ?? x.sub(x.logSumExp(ax, true)).exp(), ([dy], node) => {
    // dx = y ⊙ (dy − Σ dy⊙y): one reduction instead of the full Jacobian.
    const y = node.outputs[0];
    return [y.mul(dy.sub(dy.mul(y).sum(ax, true)))];
  });
}

/** x − logΣexp(x) along `axis` (default last): stable log-probabilities. */
export function logSoftmax(xLike: TensorLike, axis = -1): Tensor {
  const x = convertToTensor(xLike, 'logSoftmax', 'x', 'float32').cast('float32');
  const ax = normalizeAxis('logSoftmax', axis, x.rank);
  return compositeOp('logSoftmax', [x], () => fused(x, ax, true) ?? x.sub(x.logSumExp(ax, true)), ([dy], node) => {
    const y = node.outputs[0];
    return [dy.sub(y.exp().mul(dy.sum(ax, true)))];
  });
}
