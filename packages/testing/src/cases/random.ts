import * as ops from '@soma/core';
import { Prng, setRandomSeed } from '@soma/core';
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
  { group: g, name: 'the same seed gives the same numbers; another seed differs', runAsync: async () => {
    const a = (await ops.randomNormal([100], { seed: 42 }).data());
    const b = (await ops.randomNormal([100], { seed: 42 }).data());
    const c = (await ops.randomNormal([100], { seed: 43 }).data());
    expectValuesClose(a, b, { rtol: 0, atol: 0 });
    check(a.some((v, i) => v !== c[i]), () => 'different seeds gave identical values');
  } },
  { group: g, name: 'the generator matches an independent xoshiro128** implementation, and uniforms derive from it', runAsync: async () => {
    for (const [seed, expected] of Object.entries(prngReference)) {
      const rng = new Prng(Number(seed));
      const got = expected.map(() => rng.nextUint32());
      check(got.every((v, i) => v === expected[i]), () => `seed ${seed}: got ${got.join()}, expected ${expected.join()}`);
      const u = (await ops.randomUniform([expected.length], { seed: Number(seed) }).data());
      expectValuesClose(u, expected.map((v) => Math.fround(v / 2 ** 32)), { rtol: 0, atol: 0 }, `uniforms for seed ${seed}`);
    }
  } },
  { group: g, name: 'setRandomSeed makes unseeded draws reproducible; explicit seeds ignore it', runAsync: async () => {
    setRandomSeed(99);
    const a = (await ops.randomNormal([5]).data());
    const seeded = (await ops.randomNormal([5], { seed: 1 }).data());
    setRandomSeed(99);
    expectValuesClose((await ops.randomNormal([5]).data()), a, { rtol: 0, atol: 0 });
    setRandomSeed(123);
    expectValuesClose((await ops.randomNormal([5], { seed: 1 }).data()), seeded, { rtol: 0, atol: 0 });
    check((await ops.randomNormal([5]).data()).some((v, i) => v !== a[i]), () => 'a different global seed should change unseeded draws');
  } },
  { group: g, name: 'randomNormal has the requested mean and std', runAsync: async () => {
    const s = stats((await ops.randomNormal([20000], { mean: 2, std: 3, seed: 5 }).data()));
    check(Math.abs(s.mean - 2) < 0.1 && Math.abs(s.std - 3) < 0.1, () => `mean ${s.mean}, std ${s.std}`);
  } },
  { group: g, name: 'randomUniform respects [min, max) and int32 floors', runAsync: async () => {
    const f = (await ops.randomUniform([5000], { min: -2, max: 3, seed: 9 }).data());
    check(f.every((v) => v >= -2 && v < 3), () => 'value outside [-2, 3)');
    const s = stats(f);
    check(Math.abs(s.mean - 0.5) < 0.1, () => `mean ${s.mean}`);
    const i = ops.randomUniform([1000], { min: 0, max: 4, seed: 2, dtype: 'int32' });
    check(i.dtype === 'int32' && (await i.data()).every((v) => Number.isInteger(v) && v >= 0 && v < 4), () => 'int32 uniforms wrong');
  } },
  { group: g, name: 'truncatedNormal stays within two standard deviations', runAsync: async () => {
    const v = (await ops.truncatedNormal([5000], { mean: 1, std: 0.5, seed: 3 }).data());
    check(v.every((x) => Math.abs(x - 1) <= 1 + 1e-6), () => 'a value lies beyond 2 std');
  } },
  { group: g, name: 'bernoulli matches its probability; tensor probabilities work', runAsync: async () => {
    const v = (await ops.bernoulli(0.3, { shape: [10000], seed: 4 }).data());
    check(v.every((x) => x === 0 || x === 1), () => 'bernoulli gave a value other than 0/1');
    const s = stats(v);
    check(Math.abs(s.mean - 0.3) < 0.02, () => `mean ${s.mean}`);
    expectValuesClose((await ops.bernoulli(ops.tensor([0, 1, 0, 1]), { seed: 1 }).data()), [0, 1, 0, 1]);
  } },
  { group: g, name: 'dropout: identity when not training, seeded and inverted-scaled when training', runAsync: async () => {
    const x = ops.ones([4000]);
    expectValuesClose((await ops.dropout(x, 0.5, { training: false }).data()), (await x.data()));
    const a = (await ops.dropout(x, 0.25, { seed: 8 }).data());
    const b = (await ops.dropout(x, 0.25, { seed: 8 }).data());
    expectValuesClose(a, b, { rtol: 0, atol: 0 });
    check(a.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6), () => 'kept values must be scaled by 1/(1-rate)');
    const s = stats(a);
    check(Math.abs(s.mean - 1) < 0.05, () => `mean after dropout ${s.mean}, expected about 1`);
  } },
  { group: g, name: 'dropout gradient is the same mask, scaled (central differences)', runAsync: async () => {
    await checkGradients((x) => ops.dropout(x, 0.4, { seed: 11 }), [ops.randomNormal([3, 7], { seed: 12 })]);
  } },
];
