import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerInput } from '../model/layer.js';
import { oneInput } from './input_util.js';

/**
 * A seeded layer draws new, reproducible noise on every call (as Dropout); an unseeded one follows
 * soma.setRandomSeed.
 */
abstract class NoiseLayer extends Layer<'single'> {
  override supportsMasking = true;
  protected readonly seed?: number;
  private calls = 0;
  constructor(args: LayerArgs & { seed?: number }, kind: string) {
    super(args, kind);
    if (args.seed !== undefined && !Number.isInteger(args.seed)) throw new Error(`${this.name}: seed must be an integer, got ${args.seed}`);
    this.seed = args.seed;
  }
  /** The seed of this call's noise: the layer's seed plus the calls so far, or undefined (the global generator). */
  protected nextSeed(): number | undefined {
    return this.seed === undefined ? undefined : this.seed + this.calls++;
  }
}

/** Options of `gaussianNoise`: the noise's standard deviation and an optional seed. */
export interface GaussianNoiseArgs extends LayerArgs {
  stddev: number;
  seed?: number;
}

/**
 * Adds zero-mean Gaussian noise of standard deviation `stddev` while training (Keras
 * GaussianNoise); the identity at inference. The corruption of a denoising autoencoder.
 */
export class GaussianNoise extends NoiseLayer {
  readonly className = 'GaussianNoise';
  readonly stddev: number;
  constructor(args: GaussianNoiseArgs) {
    super(args, 'gaussian_noise');
    if (!(Number.isFinite(args.stddev) && args.stddev >= 0)) throw new Error(`${this.name}: stddev must be a finite number >= 0, got ${args.stddev}`);
    this.stddev = args.stddev;
  }
  /** x + N(0, stddev²) noise while training; x at inference. */
  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = oneInput(inputs, this.name);
    if (!args.training || this.stddev === 0) return x.reshape(x.shape);
    return soma.tidy(() => x.add(soma.randomNormal(x.shape, { std: this.stddev, seed: this.nextSeed() })));
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), stddev: this.stddev, seed: this.seed };
  }
}

/** Options of `gaussianDropout`: the drop rate the noise's variance matches, and an optional seed. */
export interface GaussianDropoutArgs extends LayerArgs {
  rate: number;
  seed?: number;
}

/**
 * Multiplies by Gaussian noise of mean 1 and standard deviation sqrt(rate / (1 − rate)) while
 * training (Keras GaussianDropout: the variance of dropout at that rate, without zeros); the
 * identity at inference.
 */
export class GaussianDropout extends NoiseLayer {
  readonly className = 'GaussianDropout';
  readonly rate: number;
  constructor(args: GaussianDropoutArgs) {
    super(args, 'gaussian_dropout');
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`${this.name}: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
  }
  /** x · N(1, rate / (1 − rate)) noise while training; x at inference. */
  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = oneInput(inputs, this.name);
    if (!args.training || this.rate === 0) return x.reshape(x.shape);
    const std = Math.sqrt(this.rate / (1 - this.rate));
    return soma.tidy(() => x.mul(soma.randomNormal(x.shape, { mean: 1, std, seed: this.nextSeed() })));
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
