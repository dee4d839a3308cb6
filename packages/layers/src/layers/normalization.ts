import * as soma from '@soma/core';
import type { Tensor, Variable } from '@soma/core';
import { Layer, type CallArgs, type ChannelsArgs, type LayerArgs, type LayerConfig, type LayerInput } from '../model/layer.js';
import { fmt, type LayerShape } from '../model/shapes.js';
import type { InitializerSpec } from '../initializers.js';
import type { RegularizerSpec } from '../regularizers.js';
import { oneInput, singleShape } from './input_util.js';


export interface BatchNormalizationArgs extends ChannelsArgs {
  /** The feature axis; 1 for NCHW images and [batch, features] alike. */
  axis?: number;
  /** Keras semantics: moving = moving·momentum + batch·(1 − momentum). PyTorch's momentum m is 1 − this. */
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerSpec;
  gammaInitializer?: InitializerSpec;
  movingMeanInitializer?: InitializerSpec;
  movingVarianceInitializer?: InitializerSpec;
  betaRegularizer?: RegularizerSpec;
  gammaRegularizer?: RegularizerSpec;
}

/**
 * Batch normalization (Ioffe & Szegedy). Training: normalizes with the batch's mean and biased
 * variance and updates the moving statistics (the variance with Bessel's correction, as PyTorch
 * and TensorFlow's fused kernel do). Inference: uses the moving statistics.
 */
export class BatchNormalization extends Layer<'single'> {
  readonly className = 'BatchNormalization';
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean!: Variable;
  movingVariance!: Variable;
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;

  constructor(readonly args: BatchNormalizationArgs = {}) {
    super(args, 'batch_normalization');
    this.axis = args.axis ?? 1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const s = singleShape(inputShape);
    const ax = this.axis < 0 ? this.axis + s.length : this.axis;
    const c = s[ax];
    if (c === null || ax <= 0 || ax >= s.length) throw new Error(`${this.name}: axis ${this.axis} must be a known feature axis of ${fmt(s)}`);
    if (this.args.scale ?? true) this.gamma = this.addWeight('gamma', [c], this.args.gammaInitializer ?? 'ones', { regularizer: this.args.gammaRegularizer });
    if (this.args.center ?? true) this.beta = this.addWeight('beta', [c], this.args.betaInitializer ?? 'zeros', { regularizer: this.args.betaRegularizer });
    this.movingMean = this.addWeight('moving_mean', [c], this.args.movingMeanInitializer ?? 'zeros', { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', [c], this.args.movingVarianceInitializer ?? 'ones', { trainable: false });
  }

  protected override recordBuiltShapes(shapes: LayerShape[]): (LayerShape | null)[] {
    const ax = (s: LayerShape) => (this.axis < 0 ? this.axis + s.length : this.axis);
    return shapes.map((s) => s.map((d, i) => (i === ax(s) ? d : null)));
  }

  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = oneInput(inputs, this.name);
    const ax = this.axis < 0 ? this.axis + x.rank : this.axis;
    const reduce = x.shape.map((_, i) => i).filter((i) => i !== ax);
    return soma.tidy(() => {
      if (args.training) {
        // The batch's statistics, y and (in backward) the gradient in fused passes.
        const [y, m, batchVariance] = soma.fused.batchNorm(x, { weight: this.gamma ?? undefined, bias: this.beta ?? undefined, epsilon: this.epsilon, axis: ax });
        const n = reduce.reduce((a, i) => a * x.shape[i], 1);
        soma.tidy(() => {
          // n and n − 1 as separate whole numbers: a traced step computes both from the batch size.
          const v = batchVariance.mul(n).div(Math.max(n - 1, 1));
          this.movingMean.assign(this.movingMean.mul(this.momentum).add(m.mul(1 - this.momentum)));
          this.movingVariance.assign(this.movingVariance.mul(this.momentum).add(v.mul(1 - this.momentum)));
        });
        return y;
      }
      // One kernel, which exports as ONNX BatchNormalization with the statistics as initializers.
      return soma.batchNorm(x, this.movingMean, this.movingVariance, { weight: this.gamma ?? undefined, bias: this.beta ?? undefined, epsilon: this.epsilon, axis: ax });
    });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.args.center ?? true, scale: this.args.scale ?? true };
  }
}

/** Layer normalization (Ba et al.): each sample normalized over `axis` (default the last), with learned gamma and beta. */
export class LayerNormalization extends Layer<'single'> {
  readonly className = 'LayerNormalization';
  override supportsMasking = true;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  readonly epsilon: number;
  private axes: number[] = [];

  constructor(readonly args: LayerArgs & { axis?: number | number[]; epsilon?: number; center?: boolean; scale?: boolean } = {}) {
    super(args, 'layer_normalization');
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const s = singleShape(inputShape);
    const list = Array.isArray(this.args.axis) ? this.args.axis : [this.args.axis ?? -1];
    this.axes = list.map((a) => (a < 0 ? a + s.length : a)).sort((a, b) => a - b);
    const shape = this.axes.map((a) => {
      const d = s[a];
      if (d === null || a === 0) throw new Error(`${this.name}: axis ${a} must be a known non-batch axis of ${fmt(s)}`);
      return d;
    });
    if (this.args.scale ?? true) this.gamma = this.addWeight('gamma', shape, 'ones');
    if (this.args.center ?? true) this.beta = this.addWeight('beta', shape, 'zeros');
  }

  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    const bshape = x.shape.map((d, i) => (this.axes.includes(i) ? d : 1));
    return soma.tidy(() => {
      const mean = x.mean(this.axes, true);
      const variance = x.sub(mean).square().mean(this.axes, true);
      let y = x.sub(mean).mul(variance.add(this.epsilon).rsqrt());
      if (this.gamma) y = y.mul(this.gamma.reshape(bshape));
      if (this.beta) y = y.add(this.beta.reshape(bshape));
      return y;
    });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.args.axis ?? -1, epsilon: this.epsilon, center: this.args.center ?? true, scale: this.args.scale ?? true };
  }
}
