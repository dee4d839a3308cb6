import * as soma from '@soma/core';
import type { Tensor, Variable } from '@soma/core';
import { fusable, getActivation, type ActivationName } from '../activations.js';
import { Layer, type CallArgs, type KernelLayerArgs, type LayerArgs, type LayerConfig, type LayerInput, type LayerMask } from '../model/layer.js';
import { fmt, productOf, type LayerShape } from '../model/shapes.js';
import type { InitializerSpec } from '../initializers.js';
import type { RegularizerSpec } from '../regularizers.js';
import { oneInput, singleShape } from './input_util.js';
import { checkIntegerIds } from '../integer_ids.js';


/**
 * Options of `dense`: units, activation, bias, and the kernel's and bias's initializers,
 * regularizers and constraints.
 */
export interface DenseArgs extends KernelLayerArgs {
  units: number;
}

/** y = activation(x·W + b) over the last axis; W is [inputDim, units] as in Keras. */
export class Dense extends Layer<'single'> {
  readonly className = 'Dense';
  override supportsMasking = true;
  readonly units: number;
  private readonly args: DenseArgs;
  kernel!: Variable;
  bias: Variable | null = null;

  constructor(args: DenseArgs) {
    super(args, 'dense');
    if (!Number.isInteger(args.units) || args.units <= 0) throw new Error(`dense: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.args = args;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const s = singleShape(inputShape);
    const inDim = s[s.length - 1];
    if (inDim === null || s.length < 2) throw new Error(`${this.name}: needs a known last dimension, got ${fmt(s)}`);
    this.kernel = this.addWeight('kernel', [inDim, this.units], this.args.kernelInitializer ?? 'glorotUniform', {
      regularizer: this.args.kernelRegularizer, constraint: this.args.kernelConstraint,
    });
    if (this.args.useBias ?? true) {
      this.bias = this.addWeight('bias', [this.units], this.args.biasInitializer ?? 'zeros', {
        regularizer: this.args.biasRegularizer, constraint: this.args.biasConstraint,
      });
    }
  }

  protected override recordBuiltShapes(shapes: LayerShape[]): (LayerShape | null)[] {
    // Only the last axis is fixed: Dense applies to [batch, ..., inputDim].
    return shapes.map((s) => [...s.map(() => null).slice(0, -1), s[s.length - 1]]);
  }

  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    const activation = fusable(this.args.activation);
    // Bias and relu/tanh/sigmoid run in the product's kernel where the backend fuses them (soma.fused).
    if (activation && x.rank >= 2) return soma.fused.matmul(x, this.kernel, { bias: this.bias ?? undefined, activation });
    return soma.tidy(() => {
      let y = x.matmul(this.kernel);
      if (this.bias) y = y.add(this.bias);
      return getActivation(this.args.activation)(y);
    });
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return [...singleShape(inputShape).slice(0, -1), this.units];
  }

  override getConfig(): LayerConfig {
    const { units, activation = 'linear', useBias = true } = this.args;
    return { ...super.getConfig(), units, activation, useBias };
  }
}

/** Applies an activation function by name. */
export class Activation extends Layer<'single'> {
  readonly className = 'Activation';
  override supportsMasking = true;
  constructor(readonly args: LayerArgs & { activation: ActivationName }) {
    super(args, 'activation');
  }
  call(inputs: LayerInput): Tensor {
    return getActivation(this.args.activation)(oneInput(inputs, this.name));
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), activation: this.args.activation };
  }
}

/** x where x > 0, else alpha·x. */
export class LeakyReLU extends Layer<'single'> {
  readonly className = 'LeakyReLU';
  override supportsMasking = true;
  readonly alpha: number;
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    super(args, 'leaky_re_lu');
    this.alpha = args.alpha ?? 0.3;
  }
  call(inputs: LayerInput): Tensor {
    return soma.leakyRelu(oneInput(inputs, this.name), this.alpha);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** Parametric ReLU: a learned slope per feature (per channel: axis 1 for NCHW inputs) for x < 0. */
export class PReLU extends Layer<'single'> {
  readonly className = 'PReLU';
  override supportsMasking = true;
  alpha!: Variable;
  constructor(readonly args: LayerArgs & { alphaInitializer?: InitializerSpec; sharedAxes?: number[] } = {}) {
    super(args, 'p_re_lu');
  }
  override build(inputShape: LayerShape | LayerShape[]): void {
    const s = singleShape(inputShape).slice(1).map((d, i) => ((this.args.sharedAxes ?? []).includes(i + 1) ? 1 : d));
    this.alpha = this.addWeight('alpha', s.map((d) => productOf([d], this.name)), this.args.alphaInitializer ?? 'zeros');
  }
  call(inputs: LayerInput): Tensor {
    return soma.prelu(oneInput(inputs, this.name), this.alpha);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), sharedAxes: this.args.sharedAxes ?? [] };
  }
}

/**
 * Randomized leaky ReLU (Xu et al.): in training the negative slope of each element is drawn from
 * U(lower, upper); at inference it is the mean (lower + upper) / 2, as torch.nn.RReLU.
 */
export class RReLU extends Layer<'single'> {
  readonly className = 'RReLU';
  override supportsMasking = true;
  readonly lower: number;
  readonly upper: number;
  private readonly seed?: number;
  private calls = 0;
  constructor(args: LayerArgs & { lower?: number; upper?: number; seed?: number } = {}) {
    super(args, 'r_re_lu');
    this.lower = args.lower ?? 1 / 8;
    this.upper = args.upper ?? 1 / 3;
    this.seed = args.seed;
    if (!(this.lower <= this.upper)) throw new Error(`rrelu: needs lower <= upper, got ${this.lower} and ${this.upper}`);
  }
  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = oneInput(inputs, this.name);
    if (!args.training) return soma.leakyRelu(x, (this.lower + this.upper) / 2);
    return soma.tidy(() => {
      const seed = this.seed === undefined ? undefined : this.seed + this.calls++;
      const slope = soma.randomUniform(x.shape, { min: this.lower, max: this.upper, seed });
      return soma.where(x.greaterEqual(0), x, x.mul(slope));
    });
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), lower: this.lower, upper: this.upper, seed: this.seed };
  }
}

/** Inverted dropout: zeroes inputs with probability `rate` in training and scales the rest by 1/(1 − rate). */
export class Dropout extends Layer<'single'> {
  readonly className = 'Dropout';
  override supportsMasking = true;
  readonly rate: number;
  private readonly seed?: number;
  private calls = 0;
  constructor(args: LayerArgs & { rate: number; seed?: number }) {
    super(args, 'dropout');
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
  }
  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = oneInput(inputs, this.name);
    // A seeded layer draws a new, reproducible mask on every call.
    const seed = this.seed === undefined ? undefined : this.seed + this.calls++;
    return soma.dropout(x, this.rate, { training: args.training ?? false, seed });
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

/** Flattens everything but the batch dimension. */
export class Flatten extends Layer<'single'> {
  readonly className = 'Flatten';
  constructor(args: LayerArgs = {}) {
    super(args, 'flatten');
  }
  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    return x.reshape([x.shape[0], -1]);
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    return [s[0], productOf(s.slice(1), this.name)];
  }
}

/** Reshapes each sample to `targetShape` (one entry may be -1). */
export class Reshape extends Layer<'single'> {
  readonly className = 'Reshape';
  constructor(readonly args: LayerArgs & { targetShape: number[] }) {
    super(args, 'reshape');
  }
  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    return x.reshape([x.shape[0], ...this.args.targetShape]);
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const target = [...this.args.targetShape];
    const unknown = target.indexOf(-1);
    const total = productOf(s.slice(1), this.name);
    if (unknown >= 0) target[unknown] = total / target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (target.reduce((a, b) => a * b, 1) !== total || !Number.isInteger(target[unknown] ?? 0)) {
      throw new Error(`${this.name}: cannot reshape ${fmt(s)} into [*, ${this.args.targetShape.join(', ')}]`);
    }
    return [s[0], ...target];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), targetShape: this.args.targetShape };
  }
}

/** Permutes the non-batch dimensions; `dims` is 1-based, as in Keras. */
export class Permute extends Layer<'single'> {
  readonly className = 'Permute';
  constructor(readonly args: LayerArgs & { dims: number[] }) {
    super(args, 'permute');
    const sorted = [...args.dims].sort((a, b) => a - b);
    if (sorted.some((d, i) => d !== i + 1)) throw new Error(`permute: dims must be a permutation of 1..${args.dims.length}, got [${args.dims.join(', ')}]`);
  }
  call(inputs: LayerInput): Tensor {
    return oneInput(inputs, this.name).transpose([0, ...this.args.dims]);
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    return [s[0], ...this.args.dims.map((d) => s[d])];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dims: this.args.dims };
  }
}

/** Repeats a [batch, features] input n times: [batch, n, features]. */
export class RepeatVector extends Layer<'single'> {
  readonly className = 'RepeatVector';
  constructor(readonly args: LayerArgs & { n: number }) {
    super(args, 'repeat_vector');
  }
  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    if (x.rank !== 2) throw new Error(`${this.name} expects [*, features], got [${x.shape.join(', ')}]`);
    return soma.tidy(() => x.expandDims(1).tile([1, this.args.n, 1]));
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    return [s[0], this.args.n, s[1]];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), n: this.args.n };
  }
}

/** Looks up rows of a [inputDim, outputDim] table for integer ids. */
export class Embedding extends Layer<'single'> {
  readonly className = 'Embedding';
  embeddings!: Variable;
  constructor(readonly args: LayerArgs & {
    inputDim: number;
    outputDim: number;
    embeddingsInitializer?: InitializerSpec;
    embeddingsRegularizer?: RegularizerSpec;
    /** Id 0 is padding: the output carries a mask that recurrent layers and pooling honour (Keras). */
    maskZero?: boolean;
    /** Keras/TF.js: the length of the input sequences, as inputShape [inputLength]. */
    inputLength?: number;
  }) {
    super(args.inputLength !== undefined && args.inputShape === undefined ? { ...args, inputShape: [args.inputLength] } : args, 'embedding');
  }
  override get makesMask(): boolean {
    return this.args.maskZero ?? false;
  }
  override computeMask(inputs: LayerInput): LayerMask {
    return this.args.maskZero ? oneInput(inputs, this.name).notEqual(0) : null;
  }
  override build(): void {
    this.embeddings = this.addWeight('embeddings', [this.args.inputDim, this.args.outputDim], this.args.embeddingsInitializer ?? 'randomUniform', {
      regularizer: this.args.embeddingsRegularizer,
    });
  }
  protected override recordBuiltShapes(): (LayerShape | null)[] {
    return [null];
  }
  call(inputs: LayerInput): Tensor {
    const ids = oneInput(inputs, this.name);
    return soma.tidy(() => {
      checkIntegerIds(this.name, 'ids', ids, this.args.inputDim);
      return soma.gather(this.embeddings, ids.dtype === 'int32' ? ids : ids.cast('int32'), 0);
    });
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return [...singleShape(inputShape), this.args.outputDim];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), inputDim: this.args.inputDim, outputDim: this.args.outputDim, maskZero: this.args.maskZero ?? false };
  }
}

/**
 * Marks padded time steps (Keras Masking): a step of [batch, time, features] whose features all
 * equal maskValue is masked for the layers after it, and its values are zeroed.
 */
export class Masking extends Layer<'single'> {
  readonly className = 'Masking';
  override supportsMasking = true;
  readonly maskValue: number;
  constructor(args: LayerArgs & { maskValue?: number } = {}) {
    super(args, 'masking');
    this.maskValue = soma.checkNumber('masking', 'maskValue', args.maskValue ?? 0, {});
  }
  override get makesMask(): boolean {
    return true;
  }
  override computeMask(inputs: LayerInput): LayerMask {
    return soma.any(oneInput(inputs, this.name).notEqual(this.maskValue), -1);
  }
  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    if (x.rank < 3) throw new Error(`${this.name}: expects [batch, time, features], got [${x.shape.join(', ')}]`);
    return soma.tidy(() => x.mul(soma.any(x.notEqual(this.maskValue), -1, true).cast(x.dtype)));
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return singleShape(inputShape);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}
