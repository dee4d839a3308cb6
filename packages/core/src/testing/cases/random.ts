import * as ops from '../../ops/index.js';
import { Prng, setRandomSeed } from '../../random/prng.js';
import { check, expectValuesClose } from '../assertions.js';
import { prngReference } from '../fixture_cases.js';
import { checkGradients } from '../grad_check.js';
import type { ConformanceCase } from './index.js';

const g = 'random';
const stats = (v: ArrayLike<number>): { mean: number; std: number } => {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i];
  m /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return { mean: m, std: Math.sqrt(s / v.length) };
};

export const randomCases: ConformanceCase[] = [
  { group: g, name: 'the same seed gives the same numbers; another seed differs', run: () => {
    const a = ops.randomNormal([100], { seed: 42 }).dataSync();
    const b = ops.randomNormal([100], { seed: 42 }).dataSync();
    const c = ops.randomNormal([100], { seed: 43 }).dataSync();
    expectValuesClose(a, b, { rtol: 0, atol: 0 });
    check(a.some((v, i) => v !== c[i]), () => 'different seeds gave identical values');
  } },
  { group: g, name: 'the generator matches an independent xoshiro128** implementation, and uniforms derive from it', run: () => {
    for (const [seed, expected] of Object.entries(prngReference)) {
      const rng = new Prng(Number(seed));
      const got = expected.map(() => rng.nextUint32());
      check(got.every((v, i) => v === expected[i]), () => `seed ${seed}: got ${got.join()}, expected ${expected.join()}`);
      const u = ops.randomUniform([expected.length], { seed: Number(seed) }).dataSync();
      expectValuesClose(u, expected.map((v) => Math.fround(v / 2 ** 32)), { rtol: 0, atol: 0 }, `uniforms for seed ${seed}`);
    }
  } },
  { group: g, name: 'setRandomSeed makes unseeded draws reproducible; explicit seeds ignore it', run: () => {
    setRandomSeed(99);
    const a = ops.randomNormal([5]).dataSync();
    const seeded = ops.randomNormal([5], { seed: 1 }).dataSync();
    setRandomSeed(99);
    expectValuesClose(ops.randomNormal([5]).dataSync(), a, { rtol: 0, atol: 0 });
    setRandomSeed(123);
    expectValuesClose(ops.randomNormal([5], { seed: 1 }).dataSync(), seeded, { rtol: 0, atol: 0 });
    check(ops.randomNormal([5]).dataSync().some((v, i) => v !== a[i]), () => 'a different global seed should change unseeded draws');
  } },
  { group: g, name: 'randomNormal has the requested mean and std', run: () => {
    const s = stats(ops.randomNormal([20000], { mean: 2, std: 3, seed: 5 }).dataSync());
    check(Math.abs(s.mean - 2) < 0.1 && Math.abs(s.std - 3) < 0.1, () => `mean ${s.mean}, std ${s.std}`);
  } },
  { group: g, name: 'randomUniform respects [min, max) and int32 floors', run: () => {
    const f = ops.randomUniform([5000], { min: -2, max: 3, seed: 9 }).dataSync();
    check(f.every((v) => v >= -2 && v < 3), () => 'value outside [-2, 3)');
    const s = stats(f);
    check(Math.abs(s.mean - 0.5) < 0.1, () => `mean ${s.mean}`);
    const i = ops.randomUniform([1000], { min: 0, max: 4, seed: 2, dtype: 'int32' });
    check(i.dtype === 'int32' && i.dataSync().every((v) => Number.isInteger(v) && v >= 0 && v < 4), () => 'int32 uniforms wrong');
  } },
  { group: g, name: 'truncatedNormal stays within two standard deviations', run: () => {
    const v = ops.truncatedNormal([5000], { mean: 1, std: 0.5, seed: 3 }).dataSync();
    check(v.every((x) => Math.abs(x - 1) <= 1 + 1e-6), () => 'a value lies beyond 2 std');
  } },
  { group: g, name: 'bernoulli matches its probability; tensor probabilities work', run: () => {
    const v = ops.bernoulli(0.3, { shape: [10000], seed: 4 }).dataSync();
    check(v.every((x) => x === 0 || x === 1), () => 'bernoulli gave a value other than 0/1');
    const s = stats(v);
    check(Math.abs(s.mean - 0.3) < 0.02, () => `mean ${s.mean}`);
    expectValuesClose(ops.bernoulli(ops.tensor([0, 1, 0, 1]), { seed: 1 }).dataSync(), [0, 1, 0, 1]);
  } },
  { group: g, name: 'dropout: identity when not training, seeded and inverted-scaled when training', run: () => {
    const x = ops.ones([4000]);
    expectValuesClose(ops.dropout(x, 0.5, { training: false }).dataSync(), x.dataSync());
    const a = ops.dropout(x, 0.25, { seed: 8 }).dataSync();
    const b = ops.dropout(x, 0.25, { seed: 8 }).dataSync();
    expectValuesClose(a, b, { rtol: 0, atol: 0 });
    check(a.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6), () => 'kept values must be scaled by 1/(1-rate)');
    const s = stats(a);
    check(Math.abs(s.mean - 1) < 0.05, () => `mean after dropout ${s.mean}, expected about 1`);
  } },
  { group: g, name: 'dropout gradient is the same mask, scaled (central differences)', run: () => {
    checkGradients((x) => ops.dropout(x, 0.4, { seed: 11 }), [ops.randomNormal([3, 7], { seed: 12 })]);
  } },
];
