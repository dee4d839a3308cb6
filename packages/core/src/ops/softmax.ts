import { registerDefaultBody } from '../kernels/registry.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { compositeOp, runKernel } from './op_util.js';

// The optional 'softmax' kernel's default body: the max shifted out through logSumExp.
registerDefaultBody('softmax', ([x], { axis, log }) => {
  const shifted = x.sub(x.logSumExp(axis, true));
  return log ? shifted : shifted.exp();
});

/** exp(x) / Σ exp(x) along `axis` (default last), computed with the max shifted out. */
export function softmax(xLike: TensorLike, axis = -1): Tensor {
  const x = convertToTensor(xLike, 'softmax', 'x', 'float32').cast('float32');
  const ax = normalizeAxis('softmax', axis, x.rank);
  return compositeOp('softmax', [x], () => runKernel('softmax', [x], { axis: ax, log: false }), ([dy], node) => {
    // dx = y ⊙ (dy − Σ dy⊙y): one reduction instead of the full Jacobian.
    const y = node.outputs[0];
    return [y.mul(dy.sub(dy.mul(y).sum(ax, true)))];
  });
}

/** x − logΣexp(x) along `axis` (default last): stable log-probabilities. */
export function logSoftmax(xLike: TensorLike, axis = -1): Tensor {
  const x = convertToTensor(xLike, 'logSoftmax', 'x', 'float32').cast('float32');
  const ax = normalizeAxis('logSoftmax', axis, x.rank);
  return compositeOp('logSoftmax', [x], () => runKernel('softmax', [x], { axis: ax, log: true }), ([dy], node) => {
    const y = node.outputs[0];
    return [dy.sub(y.exp().mul(dy.sum(ax, true)))];
  });
}
