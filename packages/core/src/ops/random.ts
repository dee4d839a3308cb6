import type { DType, TypedArray } from '../dtype.js';
import { checkOptions } from '../validate.js';
import { makeTypedArray } from '../dtype.js';
import { getEngine } from '../engine/engine.js';
import { fail } from '../errors.js';
import { prngFor, type Prng } from '../random/prng.js';
import { checkShape, sizeOf, type Shape } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { tidy } from '../memory.js';
import { less } from './binary.js';
import { convertToTensor } from './convert.js';

/**
 * Same seed, same numbers, on every backend: values are drawn on the host and uploaded. In a traced
 * graph a draw is a host input, drawn again at every run (a seeded draw from seed and run number).
 */
export interface RandomOptions {
  seed?: number;
  dtype?: DType;
}

/**
 * Uniform samples in [min, max) (default [0, 1)); int32 draws are floored. Seeded draws repeat on every backend.
 *
 * @example
 * ```ts
 * soma.randomUniform([2, 3], { min: -1, max: 1, seed: 42 }).print();
 * ```
 */
export function randomUniform(shape: Shape, options: RandomOptions & { min?: number; max?: number } = {}): Tensor {
  refusePositional('randomUniform', options, Array.prototype.slice.call(arguments, 2), ['min', 'max', 'dtype', 'seed']);
  checkOptions('randomUniform', options, ['seed', 'dtype', 'min', 'max']);
  checkShape('randomUniform', shape);
  const { min = 0, max = 1, seed, dtype = 'float32' } = options;
  if (!(max >= min)) fail('randomUniform', `needs min <= max, got min=${min}, max=${max}`);
  return drawn(shape, seed, (size, rng) => {
    const data = makeTypedArray(dtype, size);
    for (let i = 0; i < data.length; i++) {
      const u = min + (max - min) * rng.nextFloat();
      data[i] = dtype === 'int32' ? Math.floor(u) : u;
    }
    return { data, dtype };
  });
}

/** A host draw of `shape`, as a host input (so a traced graph draws afresh each run). */
function drawn(shape: Shape, seed: number | undefined, draw: (size: number, rng: Prng) => { data: TypedArray; dtype: DType }): Tensor {
  return getEngine().hostInput(shape, (s, run) => {
    const rng = prngFor(seed === undefined ? undefined : run === 0 ? seed : seedForRun(seed, run));
    const { data, dtype } = draw(sizeOf(s), rng);
    return getEngine().upload(data, s, dtype);
  });
}

/** A seed for run k of a graph traced with `seed`: distinct per run, the same in every program run. */
function seedForRun(seed: number, run: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(run, 0x85ebca6b)) >>> 0;
}

/** Options of `randomNormal` and `truncatedNormal`: the distribution's mean and standard deviation. */
export type NormalOptions = RandomOptions & { mean?: number; std?: number };

/**
 * TF.js's positional form — randomUniform(shape, minval, maxval, dtype, seed), randomNormal(shape,
 * mean, stdDev, dtype, seed) — refused with the options object that says the same.
 */
function refusePositional(op: string, first: unknown, rest: readonly unknown[], names: readonly string[]): void {
  if (typeof first !== 'number') return;
  const values = [first, ...rest];
  const fields = names.flatMap((n, i) => (values[i] === undefined ? [] : [`${n}: ${JSON.stringify(values[i])}`]));
  fail(op, `takes an options object, not TF.js's positional arguments: write ${op}(shape, { ${fields.join(', ')} })`);
}

function normalSamples(op: string, shape: Shape, options: NormalOptions, draw: (rng: Prng) => number): Tensor {
  checkShape(op, shape);
  const { mean = 0, std = 1, seed } = options;
  if (!(std >= 0)) fail(op, `std must be >= 0, got ${std}`);
  return drawn(shape, seed, (size, rng) => {
    const data = new Float32Array(size);
    for (let i = 0; i < data.length; i++) data[i] = mean + std * draw(rng);
    return { data, dtype: 'float32' };
  });
}

/**
 * Normal samples with `mean` (default 0) and `std` (default 1). Seeded draws repeat on every backend.
 *
 * @example
 * ```ts
 * soma.randomNormal([2, 3], { mean: 0, std: 0.1, seed: 42 }).print();
 * ```
 */
export function randomNormal(shape: Shape, options: NormalOptions = {}): Tensor {
  refusePositional('randomNormal', options, Array.prototype.slice.call(arguments, 2), ['mean', 'std', 'dtype', 'seed']);
  checkOptions('randomNormal', options, ['seed', 'dtype', 'mean', 'std']);
  return normalSamples('randomNormal', shape, options, (rng) => rng.nextNormal());
}

/**
 * Normal samples redrawn until they fall within two standard deviations of the mean (as TF/Keras).
 *
 * @example
 * ```ts
 * soma.truncatedNormal([2, 3], { std: 0.05, seed: 42 }).print(); // within two standard deviations
 * ```
 */
export function truncatedNormal(shape: Shape, options: NormalOptions = {}): Tensor {
  refusePositional('truncatedNormal', options, Array.prototype.slice.call(arguments, 2), ['mean', 'std', 'dtype', 'seed']);
  checkOptions('truncatedNormal', options, ['seed', 'dtype', 'mean', 'std']);
  return normalSamples('truncatedNormal', shape, options, (rng) => {
    let z = rng.nextNormal();
    while (Math.abs(z) > 2) z = rng.nextNormal();
    return z;
  });
}

/**
 * 1 with probability p, else 0 (float32). `p` is a number (give `shape`) or a tensor of probabilities
 * (like torch.bernoulli).
  *
  * @example
  * ```ts
  * soma.bernoulli(0.3, { shape: [8], seed: 5 }).print(); // 0s and 1s, each 1 with probability 0.3
  * ```
 */
export function bernoulli(p: number | TensorLike, options: { shape?: Shape; seed?: number } = {}): Tensor {
  checkOptions('bernoulli', options, ['shape', 'seed']);
  if (typeof p === 'number') {
    const shape = options.shape ?? [];
    checkShape('bernoulli', shape);
    if (!(p >= 0 && p <= 1)) fail('bernoulli', `probabilities must lie in [0, 1], got ${p}`);
    return drawn(shape, options.seed, (size, rng) => {
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = rng.nextFloat() < p ? 1 : 0;
      return { data, dtype: 'float32' };
    });
  }
  const t = convertToTensor(p, 'bernoulli', 'p', 'float32');
  const shape = t.shape;
  if (getEngine().backend.syncReads === false) {
    // The probabilities stay on the device (no read back, so no range check): u < p with u uniform in [0, 1).
    return tidy(() => less(randomUniform(shape, { seed: options.seed }), t).cast('float32'));
  }
  const probs = t.dataSync();
  const rng = prngFor(options.seed);
  const data = new Float32Array(probs.length);
  for (let i = 0; i < data.length; i++) {
    const q = probs[i];
    if (!(q >= 0 && q <= 1)) fail('bernoulli', `probabilities must lie in [0, 1], got ${q} at index ${i}`);
    data[i] = rng.nextFloat() < q ? 1 : 0;
  }
  return getEngine().upload(data, shape, 'float32');
}
