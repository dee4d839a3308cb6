import { grad } from '@soma/core';
import { getEngine } from '@soma/core/internal';
import * as ops from '@soma/core';
import type { Tensor } from '@soma/core';
import { dispose } from '@soma/core';
import { check, expectThrows, expectValuesClose } from '../assertions.js';
import { checkGradients } from '../grad_check.js';
import type { ConformanceCase } from './index.js';

/** Per-channel mean and biased variance of `x` (host float64), the channel axis `axis`. */
function hostMoments(x: ArrayLike<number>, shape: readonly number[], axis: number): { mean: number[]; variance: number[] } {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const c = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const mean = new Array<number>(c).fill(0);
  const variance = new Array<number>(c).fill(0);
  const at = (o: number, m: number, i: number) => x[(o * c + m) * inner + i];
  for (let m = 0; m < c; m++) {
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) mean[m] += at(o, m, i);
    mean[m] /= outer * inner;
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) variance[m] += (at(o, m, i) - mean[m]) ** 2;
    variance[m] /= outer * inner;
  }
  return { mean, variance };
}

const g = 'batch normalization';
const runKernel: ReturnType<typeof getEngine>['runKernel'] = (k, i, a) => getEngine().runKernel(k, i, a);
// Shapes whose runs (the axes after the channel's) have a SIMD body and a tail, no body (channels
// last), and sizes large enough to be split over threads.
const SHAPES: [number[], number][] = [[[3, 5, 7, 3], 1], [[4, 6, 3], 2], [[2, 3, 33], 1], [[16, 8, 16, 16], 1]];

export const batchNormCases: ConformanceCase[] = [
  { group: g, name: 'channelMoments, channelSums and channelAffine match host float64 arithmetic (SIMD body, tails, channels last, threads)', runAsync: async () => {
    for (const [shape, axis] of SHAPES) {
      const c = shape[axis];
      // An offset mean, so a one-pass Σx² − mean² formula would lose the variance.
      const x = ops.randomNormal(shape, { seed: 3, mean: 4, std: 0.5 });
      const dy = ops.randomNormal(shape, { seed: 4 });
      const center = ops.randomNormal([c], { seed: 5 });
      const scale = ops.randomNormal([c], { seed: 6 });
      const shift = ops.randomNormal([c], { seed: 7 });
      const scale2 = ops.randomNormal([c], { seed: 8 });
      const moments = runKernel('channelMoments', [x], { axis });
      const sums = runKernel('channelSums', [dy, x, center], { axis });
      const affine = runKernel('channelAffine', [x, scale, shift, dy, scale2], { axis });
      const plain = runKernel('channelAffine', [x, scale, shift], { axis });
      const [xv, dyv, cv, sv, tv, s2v] = await Promise.all([x, dy, center, scale, shift, scale2].map((t) => t.data()));
      const { mean, variance } = hostMoments(xv, shape, axis);
      expectValuesClose(await moments.data(), [...mean, ...variance], { rtol: 1e-5, atol: 1e-5 }, `channelMoments ${shape} axis ${axis}`);
      const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const chan = (k: number) => Math.floor(k / inner) % c;
      const s1 = new Array<number>(c).fill(0);
      const s2 = new Array<number>(c).fill(0);
      const want = new Float64Array(xv.length);
      const wantPlain = new Float64Array(xv.length);
      for (let k = 0; k < xv.length; k++) {
        const m = chan(k);
        s1[m] += dyv[k];
        s2[m] += dyv[k] * (xv[k] - cv[m]);
        wantPlain[k] = xv[k] * sv[m] + tv[m];
        want[k] = wantPlain[k] + dyv[k] * s2v[m];
      }
      expectValuesClose(await sums.data(), [...s1, ...s2], { rtol: 1e-4, atol: 1e-3 }, `channelSums ${shape} axis ${axis}`);
      expectValuesClose(await affine.data(), want, { rtol: 1e-5, atol: 1e-5 }, `channelAffine (two terms) ${shape}`);
      expectValuesClose(await plain.data(), wantPlain, { rtol: 1e-5, atol: 1e-5 }, `channelAffine ${shape}`);
      dispose([x, dy, center, scale, shift, scale2, moments, sums, affine, plain]);
    }
  } },
  { group: g, name: 'fused.batchNorm returns the batch statistics without gradient, and y normalized by them', runAsync: async () => {
    const x = ops.randomNormal([8, 3, 4, 4], { seed: 11, mean: 2, std: 3 });
    const [y, mean, variance] = ops.fused.batchNorm(x, { epsilon: 0 });
    check(mean.shape.join() === '3' && variance.shape.join() === '3', () => `statistics shapes ${mean.shape} ${variance.shape}`);
    const [ym, yv] = ops.fused.batchNorm(y).slice(1);
    expectValuesClose(await ym.data(), [0, 0, 0], { atol: 1e-5 }, 'mean of y');
    expectValuesClose(await yv.data(), [1, 1, 1], { atol: 1e-4 }, 'variance of y');
    const dStats = grad((p: Tensor) => { const [, m, v] = ops.fused.batchNorm(p); return m.add(v).sum(); })(x);
    expectValuesClose(await dStats.data(), new Array(x.size).fill(0), { atol: 0 }, 'the statistics carry no gradient');
    dispose([x, y, mean, variance, ym, yv, dStats]);
  } },
  { group: g, name: 'fused.batchNorm: first and second derivatives match central differences (weight, bias, channels last)', runAsync: async () => {
    const x = ops.randomNormal([5, 3, 2], { seed: 12 });
    const gamma = ops.tensor([1.5, -0.5, 0.8]);
    const beta = ops.tensor([0.1, 0.2, -0.3]);
    const f = (p: Tensor, w: Tensor, b: Tensor) => ops.fused.batchNorm(p, { weight: w, bias: b, epsilon: 1e-3 })[0];
    await checkGradients((p, w, b) => f(p, w, b).pow(2), [x, gamma, beta]);
    await checkGradients((p) => grad((q: Tensor) => f(q, gamma, beta).pow(3).sum())(p), [x]);
    const xl = ops.randomNormal([4, 2, 3], { seed: 13 });
    await checkGradients((p) => grad((q: Tensor) => ops.fused.batchNorm(q, { axis: -1 })[0].pow(3).sum())(p), [xl]);
    dispose([x, gamma, beta, xl]);
  } },
  { group: g, name: 'batchNorm (inference, one kernel): gradients in x, mean, variance, weight and bias match central differences; channels last agrees with channels first', runAsync: async () => {
    const x = ops.randomNormal([4, 3, 2], { seed: 14 });
    const mean = ops.tensor([0.2, -0.1, 0.4]);
    const variance = ops.tensor([0.5, 1.5, 0.9]);
    const gamma = ops.tensor([1.5, -0.5, 0.8]);
    const beta = ops.tensor([0.1, 0.2, -0.3]);
    await checkGradients((p, m, v, w, b) => ops.batchNorm(p, m, v, { weight: w, bias: b, epsilon: 1e-3 }).pow(2), [x, mean, variance, gamma, beta]);
    await checkGradients((p, m, v) => ops.batchNorm(p, m, v).pow(2), [x, mean, variance]);
    await checkGradients((p) => grad((q: Tensor) => ops.batchNorm(q, mean, variance, { weight: gamma }).pow(3).sum())(p), [x]);
    const first = ops.batchNorm(x, mean, variance, { weight: gamma, bias: beta });
    const last = ops.batchNorm(x.transpose([0, 2, 1]), mean, variance, { weight: gamma, bias: beta, axis: -1 });
    expectValuesClose(await last.transpose([0, 2, 1]).data(), await first.data(), { atol: 1e-6 }, 'axis −1 on the transposed input');
    expectThrows(() => ops.batchNorm(x, mean, variance, { axis: 0 }), /batchNorm: axis 0 is the batch axis/);
    expectThrows(() => ops.batchNorm(x, mean, ops.ones([4])), /batchNorm: variance must be \[3\] for x \[4,3,2\] \(channel axis 1\), got \[4\]/);
    dispose([x, mean, variance, gamma, beta, first, last]);
  } },
  { group: g, name: 'fused.batchNorm refuses bad input with errors that name it', run: () => {
    const x = ops.ones([4, 3, 2, 2]);
    expectThrows(() => ops.fused.batchNorm(x, { weight: ops.ones([4]) }), /fused\.batchNorm: weight must be \[3\].*got \[4\]/);
    expectThrows(() => ops.fused.batchNorm(x, { axis: 0 }), /fused\.batchNorm: axis 0 is the batch axis/);
    expectThrows(() => ops.fused.batchNorm(ops.ones([3])), /fused\.batchNorm: x must have a batch axis and a channel axis/);
    expectThrows(() => ops.fused.batchNorm(x, { epsilon: -1 }), /fused\.batchNorm: epsilon must be a finite number/);
    expectThrows(() => ops.fused.batchNorm(ops.ones([0, 3])), /fused\.batchNorm: x \[0,3\] has no values/);
    expectThrows(() => ops.fused.batchNorm(x, { momentum: 0.1 } as never), /fused\.batchNorm.*momentum/);
    x.dispose();
  } },
];
