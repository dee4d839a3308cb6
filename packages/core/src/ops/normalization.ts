import { fail, fmtShape } from '../errors.js';
import { checkOptions } from '../validate.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { bernoulli } from './random.js';

/** Options of `batchNorm`: the per-channel scale and shift, and epsilon. */
export interface BatchNormOptions {
  /** Per-channel scale γ (PyTorch's weight). */
  weight?: TensorLike;
  /** Per-channel shift β (PyTorch's bias). */
  bias?: TensorLike;
  epsilon?: number;
}

/**
 * Inference-form batch normalization over channel axis 1 (NC, NCL, NCHW):
 * (x − mean) / sqrt(variance + ε) · weight + bias, with [C]-shaped statistics.
 */
export function batchNorm(xLike: TensorLike, meanLike: TensorLike, varianceLike: TensorLike, options: BatchNormOptions = {}): Tensor {
  checkOptions('batchNorm', options, ['weight', 'bias', 'epsilon']);
  const x = convertToTensor(xLike, 'batchNorm', 'x', 'float32').cast('float32');
  if (x.rank < 2) fail('batchNorm', `x must have a channel axis 1 (rank >= 2), got ${fmtShape(x.shape)}`);
  const c = x.shape[1];
  const perChannel = (v: TensorLike, name: string): Tensor => {
    const t = convertToTensor(v, 'batchNorm', name, 'float32');
    if (t.size !== c || t.rank > 1) fail('batchNorm', `${name} must be [${c}] for x ${fmtShape(x.shape)}, got ${fmtShape(t.shape)}`);
    return t.reshape([1, c, ...new Array(x.rank - 2).fill(1)]);
  };
  const eps = options.epsilon ?? 1e-5;
  let y = x.sub(perChannel(meanLike, 'mean')).mul(perChannel(varianceLike, 'variance').add(eps).rsqrt());
  if (options.weight !== undefined) y = y.mul(perChannel(options.weight, 'weight'));
  if (options.bias !== undefined) y = y.add(perChannel(options.bias, 'bias'));
  return y;
}

/** Options of `dropout`: a seed, and whether it is training (off: the identity). */
export interface DropoutOptions {
  seed?: number;
  /** When false, dropout is the identity (inference). Default true, as torch.nn.functional.dropout. */
  training?: boolean;
}

/** Zeroes each element with probability `rate` and scales the rest by 1/(1−rate) (inverted dropout). */
export function dropout(xLike: TensorLike, rate: number, options: DropoutOptions = {}): Tensor {
  checkOptions('dropout', options, ['seed', 'training']);
  const x = convertToTensor(xLike, 'dropout', 'x', 'float32');
  if (!(rate >= 0 && rate < 1)) fail('dropout', `rate must be in [0, 1), got ${rate}`);
  if (options.training === false || rate === 0) return x.reshape(x.shape);
  const keep = bernoulli(1 - rate, { shape: x.shape, seed: options.seed });
  return x.mul(keep).div(1 - rate);
}
