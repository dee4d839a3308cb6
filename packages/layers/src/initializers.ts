import * as soma from '@soma/core';
import type { DType, Tensor } from '@soma/core';

/** Makes the initial value of a weight. */
export interface Initializer {
  readonly name: string;
  /** A new tensor of `shape` and `dtype` with the initial values. */
  apply(shape: readonly number[], dtype: DType): Tensor;
}

/** A name ('glorotUniform'), or an initializer object. */
export type InitializerSpec = InitializerName | Initializer;

/**
 * fanIn and fanOut as Keras computes them for dense kernels [in, out] and for NCHW convolution
 * kernels [outC, inC, kH, kW] (receptive field = product of the spatial dims).
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Each weight gets its own stream: `seed`, or the next seed of soma.setRandomSeed's shared stream. */
const nextSeed = (seed?: number): number => seed ?? soma.nextRandomSeed();

// Options are checked when the initializer is made, as Keras does: an unknown key, a string where a
// number belongs or a negative standard deviation is an error naming the initializer, never NaN
// weights discovered later as a NaN loss.
function checked<T extends object>(name: string, o: T | undefined, keys: readonly string[]): T {
  soma.checkOptions(`initializers.${name}`, o, keys);
  return o ?? ({} as T);
}
const num = (name: string, key: string, v: unknown, rule: soma.NumberRule = {}) => soma.checkOptionalNumber(`initializers.${name}`, key, v, rule);
const seedOf = (name: string, v: unknown) => num(name, 'seed', v, { integer: true, min: 0 });

/** Which fan `varianceScaling` divides by. */
export type VarianceScalingMode = 'fanIn' | 'fanOut' | 'fanAvg';
/** The distribution `varianceScaling` draws from ('untruncatedNormal' is Keras's name for 'normal'). */
export type VarianceScalingDistribution = 'truncatedNormal' | 'uniform' | 'normal' | 'untruncatedNormal';

/** Options of `varianceScaling` (Keras's VarianceScaling, camelCase). */
export interface VarianceScalingOptions {
  scale?: number;
  mode?: VarianceScalingMode;
  distribution?: VarianceScalingDistribution;
  seed?: number;
}

function oneOf<T extends string>(name: string, key: string, v: unknown, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new soma.SomaError(`initializers.${name}`, `${key} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

function scaled(name: string, o: VarianceScalingOptions): Initializer {
  const scale = num(name, 'scale', o.scale, { above: 0 }) ?? 1;
  const mode = oneOf(name, 'mode', o.mode, ['fanIn', 'fanOut', 'fanAvg'], 'fanIn');
  const distribution = oneOf(name, 'distribution', o.distribution, ['truncatedNormal', 'uniform', 'normal', 'untruncatedNormal'], 'truncatedNormal');
  const seed = seedOf(name, o.seed);
  return {
    name,
    apply(shape, dtype) {
      const { fanIn, fanOut } = fans(shape);
      const n = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
      const variance = scale / Math.max(1, n);
      const s = nextSeed(seed);
      if (distribution === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        return soma.randomUniform(shape, { min: -limit, max: limit, seed: s, dtype });
      }
      if (distribution === 'normal' || distribution === 'untruncatedNormal') return soma.randomNormal(shape, { std: Math.sqrt(variance), seed: s });
      // 0.879... is the std of a unit normal truncated to ±2, so the result has the requested variance.
      return soma.truncatedNormal(shape, { std: Math.sqrt(variance) / 0.87962566103423978, seed: s });
    },
  };
}

/** Keras VarianceScaling: variance = scale / n with n = fanIn, fanOut or their mean. */
export function varianceScaling(o?: VarianceScalingOptions): Initializer {
  return scaled('varianceScaling', checked('varianceScaling', o, ['scale', 'mode', 'distribution', 'seed']));
}

/** All zeros (Keras's default bias initializer). */
export const zeros = (): Initializer => ({ name: 'zeros', apply: (shape, dtype) => soma.zeros(shape, dtype) });
/** All ones (batch normalization's default scale). */
export const ones = (): Initializer => ({ name: 'ones', apply: (shape, dtype) => soma.ones(shape, dtype) });
/** Every element `value`: `constant(0.5)`, or Keras's and TF.js's `constant({ value: 0.5 })` (default 0). */
export const constant = (o: number | { value?: number } = {}): Initializer => {
  const value = typeof o === 'number' ? soma.checkNumber('initializers.constant', 'value', o) : num('constant', 'value', checked('constant', o, ['value']).value) ?? 0;
  return { name: 'constant', apply: (shape, dtype) => soma.fill(shape, value, dtype) };
};
// randomNormal and truncatedNormal: Keras's { mean, stddev, seed }, checked when made.
type NormalSampler = (shape: readonly number[], o: { mean: number; std: number; seed: number }) => Tensor;
const normalInit = (name: string, draw: NormalSampler) => (o?: { mean?: number; stddev?: number; seed?: number }): Initializer => {
  const { mean, stddev, seed } = checked(name, o, ['mean', 'stddev', 'seed']);
  const m = num(name, 'mean', mean) ?? 0;
  const sd = num(name, 'stddev', stddev, { min: 0 }) ?? 0.05;
  const s = seedOf(name, seed);
  return { name, apply: (shape) => draw(shape, { mean: m, std: sd, seed: nextSeed(s) }) };
};
/** Normal samples with `mean` (0) and `stddev` (0.05), as Keras's RandomNormal. */
export const randomNormal = normalInit('randomNormal', (shape, o) => soma.randomNormal(shape, o));
/** Normal samples redrawn beyond two standard deviations (stddev 0.05 by default). */
export const truncatedNormal = normalInit('truncatedNormal', (shape, o) => soma.truncatedNormal(shape, o));
/** Uniform samples in [minval, maxval) (−0.05, 0.05 by default), as Keras's RandomUniform. */
export const randomUniform = (o?: { minval?: number; maxval?: number; seed?: number }): Initializer => {
  const { minval, maxval, seed } = checked('randomUniform', o, ['minval', 'maxval', 'seed']);
  const lo = num('randomUniform', 'minval', minval) ?? -0.05;
  const hi = num('randomUniform', 'maxval', maxval) ?? 0.05;
  if (!(hi >= lo)) throw new soma.SomaError('initializers.randomUniform', `maxval (${hi}) must be >= minval (${lo})`);
  const s = seedOf('randomUniform', seed);
  return { name: 'randomUniform', apply: (shape, dtype) => soma.randomUniform(shape, { min: lo, max: hi, seed: nextSeed(s), dtype }) };
};
const fixedScaling = (name: string, scale: number, mode: VarianceScalingMode, distribution: VarianceScalingDistribution) => (o?: { seed?: number }): Initializer =>
  scaled(name, { scale, mode, distribution, seed: checked(name, o, ['seed']).seed });
/**
 * Glorot (Xavier) uniform: U(−l, l) with l = √(6 / (fanIn + fanOut)); Keras's default kernel
 * initializer.
 */
export const glorotUniform = fixedScaling('glorotUniform', 1, 'fanAvg', 'uniform');
/** Glorot (Xavier) normal: truncated normal with variance 2 / (fanIn + fanOut). */
export const glorotNormal = fixedScaling('glorotNormal', 1, 'fanAvg', 'truncatedNormal');
/** He (Kaiming) uniform: U(−l, l) with l = √(6 / fanIn), for ReLU networks. */
export const heUniform = fixedScaling('heUniform', 2, 'fanIn', 'uniform');
/** He (Kaiming) normal: truncated normal with variance 2 / fanIn, for ReLU networks. */
export const heNormal = fixedScaling('heNormal', 2, 'fanIn', 'truncatedNormal');
/** LeCun uniform: U(−l, l) with l = √(3 / fanIn), for SELU networks. */
export const lecunUniform = fixedScaling('lecunUniform', 1, 'fanIn', 'uniform');
/** LeCun normal: truncated normal with variance 1 / fanIn, for SELU networks. */
export const lecunNormal = fixedScaling('lecunNormal', 1, 'fanIn', 'truncatedNormal');

/** gain × identity matrix (2-D shapes only), as Keras Identity. */
export const identity = (o?: { gain?: number }): Initializer => {
  const gain = num('identity', 'gain', checked('identity', o, ['gain']).gain) ?? 1;
  return {
    name: 'identity',
    apply(shape) {
      if (shape.length !== 2) throw new Error(`identity initializer: needs a 2-D shape, got [${shape.join(',')}]`);
      return soma.tidy(() => soma.eye(shape[0], shape[1]).mul(gain));
    },
  };
};

/**
 * A random orthogonal matrix (Saxe et al.), as Keras Orthogonal: QR of a normal matrix by
 * Gram–Schmidt, signs fixed by R's diagonal, reshaped to the weight's shape. Used for recurrent kernels.
 */
export const orthogonal = (options?: { gain?: number; seed?: number }): Initializer => {
  const o = checked('orthogonal', options, ['gain', 'seed']);
  num('orthogonal', 'gain', o.gain);
  seedOf('orthogonal', o.seed);
  return orthogonalInit(o);
};

const orthogonalInit = (o: { gain?: number; seed?: number }): Initializer => ({
  name: 'orthogonal',
  apply(shape) {
    if (shape.length < 2) throw new Error(`orthogonal initializer: needs rank >= 2, got [${shape.join(',')}]`);
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const cols = shape[shape.length - 1];
    const n = Math.max(rows, cols);
    const m = Math.min(rows, cols);
    // The same draws as randomNormal([n, m], { seed }), made on the host: nothing is read back from the device.
    const rng = new soma.Prng(nextSeed(o.seed));
    const a = Float32Array.from({ length: n * m }, () => rng.nextNormal());
    // Modified Gram–Schmidt on the m columns of the n×m matrix.
    const q = Float64Array.from(a);
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[i * m + j] * q[i * m + k];
        for (let i = 0; i < n; i++) q[i * m + j] -= dot * q[i * m + k];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += q[i * m + j] ** 2;
      norm = Math.sqrt(norm) || 1;
      // The sign of R's diagonal entry equals the sign of <a_j, q_j>; fold it in for a uniform distribution.
      let diag = 0;
      for (let i = 0; i < n; i++) diag += a[i * m + j] * (q[i * m + j] / norm);
      const sign = diag < 0 ? -1 : 1;
      for (let i = 0; i < n; i++) q[i * m + j] = (sign * q[i * m + j]) / norm;
    }
    const gain = o.gain ?? 1;
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[r * m + c] : q[c * m + r]);
    }
    return soma.tensor(out, shape);
  },
});

/** Initializers by name, as `kernelInitializer: 'heNormal'`. */
export type InitializerName = 'zeros' | 'ones' | 'constant' | 'varianceScaling' | 'randomNormal' | 'randomUniform' | 'truncatedNormal' | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'lecunUniform' | 'lecunNormal' | 'orthogonal' | 'identity';

const BY_NAME = {
  zeros, ones, constant: () => constant(), varianceScaling: () => varianceScaling(), randomNormal, randomUniform, truncatedNormal, glorotUniform, glorotNormal, heUniform, heNormal,
  lecunUniform, lecunNormal, orthogonal, identity,
} as const satisfies Record<InitializerName, unknown>;

/**
 * The initializer a name or an object stands for; unknown names are an error listing the valid
 * ones.
 */
export function getInitializer(spec: InitializerSpec): Initializer {
  if (typeof spec !== 'string') return spec;
  return soma.lookupName<() => Initializer>(BY_NAME, spec, 'initializer')();
}
