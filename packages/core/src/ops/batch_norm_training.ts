import { getEngine } from '../engine/engine.js';
import { fail, fmtShape } from '../errors.js';
import { registerDefaultBody } from '../kernels/registry.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { concat } from './concat.js';
import { convertToTensor } from './convert.js';
import { compositeOp, runKernel } from './op_util.js';

/** Options of `fused.batchNorm`: the per-channel scale and shift, epsilon and the channel axis. */
export interface FusedBatchNormOptions {
  /** Per-channel scale γ, [C] (PyTorch's weight). */
  weight?: TensorLike;
  /** Per-channel shift β, [C] (PyTorch's bias). */
  bias?: TensorLike;
  /** Added to the variance (default 1e-5, as PyTorch). */
  epsilon?: number;
  /** The channel axis (default 1: NC, NCL, NCHW; −1 for channels-last). */
  axis?: number;
}

/** x's shape with every axis but `axis` set to 1: where a [C] vector broadcasts. */
function channelShape(shape: readonly number[], axis: number): number[] {
  return shape.map((d, i) => (i === axis ? d : 1));
}

function otherAxes(rank: number, axis: number): number[] {
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
}

/** Row `i` of a [2, C] statistics tensor, as [C]. */
function row(stats: Tensor, i: 0 | 1): Tensor {
  const c = stats.shape[1];
  return stats.slice([i, 0], [1, c]).reshape([c]);
}

// Default bodies of the optional batch-norm kernels, from the plain reductions and arithmetic.
registerDefaultBody('channelMoments', ([x], { axis }) => {
  const axes = otherAxes(x.rank, axis);
  const c = x.shape[axis];
  const mean = x.mean(axes, true);
  const variance = x.sub(mean).square().mean(axes);
  return concat([mean.reshape([1, c]), variance.reshape([1, c])], 0);
});
registerDefaultBody('channelAffine', ([x, scale, shift, x2, scale2], { axis }) => {
  const bs = channelShape(x.shape, axis);
  const y = x.mul(scale.reshape(bs)).add(shift.reshape(bs));
  return x2 && scale2 ? y.add(x2.mul(scale2.reshape(bs))) : y;
});
registerDefaultBody('channelSums', ([a, b, center], { axis }) => {
  const axes = otherAxes(a.rank, axis);
  const c = a.shape[axis];
  const centered = center ? b.sub(center.reshape(channelShape(b.shape, axis))) : b;
  return concat([a.sum(axes).reshape([1, c]), a.mul(centered).sum(axes).reshape([1, c])], 0);
});

/**
 * x·scale[c] + shift[c] (+ x2·scale2[c]) as a differentiable op: the batch norm's forward apply
 * and input gradient, and differentiable itself so gradients of gradients work.
 */
function channelAffine(x: Tensor, scale: Tensor, shift: Tensor, axis: number, x2?: Tensor, scale2?: Tensor): Tensor {
  const inputs = x2 && scale2 ? [x, scale, shift, x2, scale2] : [x, scale, shift];
  return compositeOp('channelAffine', inputs, () => runKernel('channelAffine', [x, scale, shift, x2, scale2], { axis }), ([dy], _node, needed) => {
    const bs = channelShape(x.shape, axis);
    const axes = otherAxes(x.rank, axis);
    return [
      needed[0] ? dy.mul(scale.reshape(bs)) : null,
      needed[1] ? dy.mul(x).sum(axes) : null,
      needed[2] ? dy.sum(axes) : null,
      ...(x2 && scale2 ? [needed[3] ? dy.mul(scale2.reshape(bs)) : null, needed[4] ? dy.mul(x2).sum(axes) : null] : []),
    ];
  });
}

/** [Σ a, Σ a·(b − center)] per channel as a differentiable op. */
function channelSums(a: Tensor, b: Tensor, center: Tensor, axis: number): Tensor {
  return compositeOp('channelSums', [a, b, center], () => runKernel('channelSums', [a, b, center], { axis }), ([g], _node, needed) => {
    const bs = channelShape(a.shape, axis);
    const g0 = row(g, 0).reshape(bs);
    const g1 = row(g, 1).reshape(bs);
    const centered = b.sub(center.reshape(bs));
    return [
      needed[0] ? centered.mul(g1).add(g0) : null,
      needed[1] ? a.mul(g1) : null,
      needed[2] ? a.mul(g1).sum(otherAxes(a.rank, axis)).neg() : null,
    ];
  });
}

/**
 * Training-mode batch normalization in fused kernels (tf.nn.fused_batch_norm with
 * `is_training`, torch.nn.functional.batch_norm with `training=True`): the batch's mean and
 * biased variance per channel in one pass, then y = x·γ/√(σ²+ε) + (β − μ·γ/√(σ²+ε)) in
 * another, and a backward pass of two (the gradient's sums, then dx) instead of the dozen
 * elementwise kernels and broadcasts of the composed form. Returns [y, mean, variance]; the
 * statistics (for a layer's moving averages) carry no gradient.
 */
export function batchNormTraining(xLike: TensorLike, options: FusedBatchNormOptions = {}): [Tensor, Tensor, Tensor] {
  const op = 'fused.batchNorm';
  checkOptions(op, options, ['weight', 'bias', 'epsilon', 'axis']);
  const x = convertToTensor(xLike, op, 'x', 'float32').cast('float32');
  if (x.rank < 2) fail(op, `x must have a batch axis and a channel axis (rank ≥ 2), got ${fmtShape(x.shape)}`);
  const axis = normalizeAxis(op, options.axis ?? 1, x.rank);
  if (axis === 0) fail(op, `axis 0 is the batch axis; the channel axis is 1 (NCHW) or −1 (channels-last)`);
  const c = x.shape[axis];
  const n = x.size / c;
  if (x.size === 0) fail(op, `x ${fmtShape(x.shape)} has no values to normalize`);
  const eps = options.epsilon ?? 1e-5;
  if (!(eps >= 0 && Number.isFinite(eps))) fail(op, `epsilon must be a finite number ≥ 0, got ${eps}`);
  const perChannel = (v: TensorLike | undefined, name: string): Tensor | null => {
    if (v === undefined) return null;
    const t = convertToTensor(v, op, name, 'float32').cast('float32');
    if (t.rank !== 1 || t.size !== c) fail(op, `${name} must be [${c}] (x ${fmtShape(x.shape)} has ${c} channels along axis ${axis}), got ${fmtShape(t.shape)}`);
    return t;
  };
  const weight = perChannel(options.weight, 'weight');
  const bias = perChannel(options.bias, 'bias');
  let stats!: Tensor;
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const y = compositeOp('batchNormTraining', inputs, (save) => {
    stats = save(runKernel('channelMoments', [x], { axis }));
    const invStd = row(stats, 1).add(eps).rsqrt();
    const scale = weight ? weight.mul(invStd) : invStd;
    const mean = row(stats, 0);
    const shift = bias ? bias.sub(mean.mul(scale)) : mean.mul(scale).neg();
    return runKernel('channelAffine', [x, scale, shift], { axis });
  }, ([dy], _node, needed) => {
    // Under a recording tape (a gradient of this gradient) the statistics are computed again
    // with differentiable ops, so the second derivative sees how they depend on x.
    const higher = getEngine().isRecording;
    const axes = otherAxes(x.rank, axis);
    const mean = higher ? x.mean(axes) : row(stats, 0);
    const variance = higher ? x.sub(mean.reshape(channelShape(x.shape, axis))).square().mean(axes) : row(stats, 1);
    const invStd = variance.add(eps).rsqrt();
    const sums = channelSums(dy, x, mean, axis);
    const sumDy = row(sums, 0);
    // Σ dy·x̂, with x̂ = (x − μ)/σ: the gradient of γ, and the projection dx takes out.
    const proj = row(sums, 1).mul(invStd);
    const k = weight ? weight.mul(invStd) : invStd;
    // dx = k·(dy − Σdy/n − x̂·proj/n) = dy·k + x·(−k·proj/(σn)) + k·(μ·proj/σ − Σdy)/n. The
    // counts divide as whole numbers so a traced step takes them from the batch size.
    const xScale = k.mul(invStd).mul(proj).div(n).neg();
    const constant = k.mul(mean.mul(invStd).mul(proj).sub(sumDy)).div(n);
    const grads: (Tensor | null)[] = [needed[0] ? channelAffine(dy, k, constant, axis, x, xScale) : null];
    if (weight) grads.push(needed[1] ? proj : null);
    if (bias) grads.push(needed[inputs.length - 1] ? sumDy : null);
    return grads;
  });
  return [y, row(stats, 0), row(stats, 1)];
}
