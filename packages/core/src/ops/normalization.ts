import { fail, fmtShape } from '../errors.js';
import { registerDefaultBody } from '../kernels/registry.js';
import { normalizeAxis } from '../shape.js';
import { compositeOp, runKernel } from './op_util.js';
import { onesLike } from './creation.js';
import { checkOptions } from '../validate.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { bernoulli } from './random.js';

/** Options of `batchNorm`: the per-channel scale and shift, epsilon and the channel axis. */
export interface BatchNormOptions {
  /** Per-channel scale γ (PyTorch's weight). */
  weight?: TensorLike;
  /** Per-channel shift β (PyTorch's bias). */
  bias?: TensorLike;
  epsilon?: number;
  /** The channel axis (default 1: NC, NCL, NCHW; −1 for channels-last). */
  axis?: number;
}

// The default body: the arithmetic, kernel by kernel. Backends may fuse it; the ONNX emitter
// writes it as one BatchNormalization node with the statistics as initializers.
registerDefaultBody('batchNormInference', ([x, mean, variance, scale, shift], { axis, epsilon }) => {
  const bs = x.shape.map((d, i) => (i === axis ? d : 1));
  let y = x.sub(mean.reshape(bs)).mul(variance.add(epsilon).rsqrt().reshape(bs));
  if (scale) y = y.mul(scale.reshape(bs));
  if (shift) y = y.add(shift.reshape(bs));
  return y;
});

/**
 * Inference-form batch normalization over the channel axis (default 1: NC, NCL, NCHW):
 * (x − mean) / sqrt(variance + ε) · weight + bias, with [C]-shaped statistics. One kernel
 * (`batchNormInference`), differentiable in every input.
 */
export function batchNorm(xLike: TensorLike, meanLike: TensorLike, varianceLike: TensorLike, options: BatchNormOptions = {}): Tensor {
  checkOptions('batchNorm', options, ['weight', 'bias', 'epsilon', 'axis']);
  // No cast of what is float32 already: a traced graph would record it as a view (a Reshape in ONNX).
  const asFloat = (t: Tensor) => (t.dtype === 'float32' ? t : t.cast('float32'));
  const x = asFloat(convertToTensor(xLike, 'batchNorm', 'x', 'float32'));
  if (x.rank < 2) fail('batchNorm', `x must have a batch axis and a channel axis (rank >= 2), got ${fmtShape(x.shape)}`);
  const axis = normalizeAxis('batchNorm', options.axis ?? 1, x.rank);
  if (axis === 0) fail('batchNorm', 'axis 0 is the batch axis; the channel axis is 1 (NCHW) or −1 (channels-last)');
  const c = x.shape[axis];
  const perChannel = (v: TensorLike | undefined, name: string): Tensor | undefined => {
    if (v === undefined) return undefined;
    const t = asFloat(convertToTensor(v, 'batchNorm', name, 'float32'));
    if (t.size !== c || t.rank > 1) fail('batchNorm', `${name} must be [${c}] for x ${fmtShape(x.shape)} (channel axis ${axis}), got ${fmtShape(t.shape)}`);
    return t.rank === 1 ? t : t.reshape([c]);
  };
  const eps = options.epsilon ?? 1e-5;
  if (!(eps >= 0 && Number.isFinite(eps))) fail('batchNorm', `epsilon must be a finite number ≥ 0, got ${eps}`);
  const mean = perChannel(meanLike, 'mean')!;
  const variance = perChannel(varianceLike, 'variance')!;
  const scale = perChannel(options.weight, 'weight');
  const shift = perChannel(options.bias, 'bias');
  const inputs = [x, mean, variance, ...(scale ? [scale] : []), ...(shift ? [shift] : [])];
  // Kernel inputs are positional with absent ones dropped: a shift alone comes with a scale of ones.
  const kernelScale = scale ?? (shift ? onesLike(mean) : undefined);
  return compositeOp('batchNormInference', inputs, () => runKernel('batchNormInference', [x, mean, variance, kernelScale, shift], { axis, epsilon: eps }), ([dy], _node, needed) => {
    const bs = x.shape.map((d, i) => (i === axis ? d : 1));
    const axes = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const inv = variance.add(eps).rsqrt();
    const k = scale ? inv.mul(scale) : inv;
    const centered = () => x.sub(mean.reshape(bs));
    const grads: (Tensor | null)[] = [
      needed[0] ? dy.mul(k.reshape(bs)) : null,
      needed[1] ? dy.sum(axes).mul(k).neg() : null,
      // d/dvariance of (variance + ε)^(−½) is −½ (variance + ε)^(−3/2).
      needed[2] ? dy.mul(centered()).sum(axes).mul(scale ?? 1).mul(inv.pow(3)).mul(-0.5) : null,
    ];
    if (scale) grads.push(needed[3] ? dy.mul(centered()).sum(axes).mul(inv) : null);
    if (shift) grads.push(needed[grads.length] ? dy.sum(axes) : null);
    return grads;
  });
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
