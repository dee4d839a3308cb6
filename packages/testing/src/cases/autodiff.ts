import { customGrad, grad, grads, valueAndGrad, valueAndGrads, variableGrads } from '@soma/core';
import * as ops from '@soma/core';
import type { Tensor } from '@soma/core';
import { variable } from '@soma/core';
import { dispose } from '@soma/core';
import { check, expectTensor, expectThrows } from '../assertions.js';
import { checkGradients } from '../grad_check.js';
import type { ConformanceCase } from './index.js';

const g = 'autodiff';
export const autodiffCases: ConformanceCase[] = [
  { group: g, name: 'grad of x^3 and its second and third derivatives', run: () => {
    const f = (x: Tensor) => x.pow(3);
    const x = ops.tensor([-1, 0.5, 2]);
    expectTensor(grad(f)(x), { values: [3, 0.75, 12] }, { rtol: 1e-5 });
    expectTensor(grad((y) => grad(f)(y))(x), { values: [-6, 3, 12] }, { rtol: 1e-5 });
    expectTensor(grad((y) => grad((z) => grad(f)(z))(y))(x), { values: [6, 6, 6] }, { rtol: 1e-5 });
  } },
  { group: g, name: 'second derivatives of elementwise functions match central differences', runAsync: async () => {
    const x = ops.tensor([[0.3, -0.7, 1.1], [0.9, -1.3, 0.2]]);
    for (const f of [
      (t: Tensor) => t.sin(), (t: Tensor) => t.tanh(), (t: Tensor) => t.sigmoid(), (t: Tensor) => t.exp(),
      (t: Tensor) => t.square().add(1).log(), (t: Tensor) => t.softplus(), (t: Tensor) => t.gelu(), (t: Tensor) => t.mul(t).div(t.add(3)),
    ]) {
      await checkGradients((t) => grad(f)(t), [x]);
    }
  } },
  { group: g, name: 'second derivatives through matmul and reductions', runAsync: async () => {
    const a = ops.tensor([[0.5, -1, 2], [1.5, 0.3, -0.4]]);
    const b = ops.tensor([[1, 0.2], [-0.5, 0.7], [0.3, 0.9]]);
    // d/da of sum((a·b)^2) is linear in a; its gradient w.r.t. b checks matmul's backward of backward.
    await checkGradients((x, y) => grads((p, q) => p.matmul(q).square().sum())([x, y])[0], [a, b]);
    await checkGradients((x) => grad((p) => p.square().mean(1).exp().sum())(x), [a]);
    await checkGradients((x) => grad((p) => p.logSumExp(1).sum())(x), [a]);
    await checkGradients((x) => grad((p) => p.softmax().mul(ops.tensor([[1, 2, 3]])).sum())(x), [a]);
  } },
  { group: g, name: 'second derivatives through conv2d and conv2dTranspose (input and filter) match central differences', runAsync: async () => {
    const x = ops.randomNormal([1, 2, 5, 5], { seed: 3 });
    const w = ops.randomNormal([3, 2, 3, 3], { seed: 4 });
    const wt = ops.randomNormal([2, 3, 3, 3], { seed: 5 });
    const conv = (p: Tensor, q: Tensor) => ops.conv2d(p, q, { stride: 2, padding: 1 }).square().sum();
    const convT = (p: Tensor, q: Tensor) => ops.conv2dTranspose(p, q, { stride: 2, padding: 1 }).square().sum();
    // The gradients are linear in x and w, so a large step has no truncation error and keeps
    // float32 rounding small against it.
    for (const [f, filter] of [[conv, w], [convT, wt]] as const) {
      await checkGradients((p, q) => grads(f)([p, q])[0], [x, filter], { eps: 0.1 });
      await checkGradients((p, q) => grads(f)([p, q])[1], [x, filter], { eps: 0.1 });
    }
  } },
  { group: g, name: 'second derivatives through max and average pooling match central differences (not zero)', runAsync: async () => {
    // Distinct values far apart, so no perturbation changes which element is a window's maximum.
    const x = ops.tensor(Array.from({ length: 2 * 5 * 5 }, (_, i) => ((i * 37) % 50) / 10 - 2.5), [1, 2, 5, 5]);
    const max = (p: Tensor) => ops.maxPool2d(p, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }).square().sum();
    const avg = (p: Tensor) => ops.avgPool2d(p, { kernelSize: 2, stride: 1 }).square().sum();
    const r = await checkGradients((p) => grad(max)(p), [x], { eps: 1e-2 });
    check(r.checked > 0, () => 'no element was checked');
    expectTensor(grad((p) => grad(max)(p).sum())(x).abs().sum().greater(0), { values: [1] });
    await checkGradients((p) => grad(avg)(p), [x]);
  } },
  { group: g, name: 'second derivatives through batch normalization with batch statistics and through layer normalization', runAsync: async () => {
    const x = ops.randomNormal([4, 3], { seed: 6 });
    const gamma = ops.tensor([1.5, -0.5, 0.8]);
    const bn = (p: Tensor) => ops.batchNorm(p, p.mean(0), ops.variance(p, 0), { weight: gamma }).pow(3).sum();
    const ln = (p: Tensor) => p.sub(p.mean(-1, true)).div(ops.variance(p, -1, true).add(1e-5).sqrt()).pow(3).sum();
    await checkGradients((p) => grad(bn)(p), [x]);
    await checkGradients((p) => grad(ln)(p), [x]);
  } },
  { group: g, name: "conv2dTranspose('same') is the adjoint of conv2d('same'): <conv(x), y> = <x, convT(y)>, odd padding included", runAsync: async () => {
    // Sizes a multiple of the stride (so the transpose's output is the conv's input); kernels 3 and 2
    // (and 4 with stride 3) make the total padding odd, where the side of the extra cell matters.
    for (const [k, s] of [[4, 2], [3, 2], [4, 3], [2, 1]]) {
      const x = ops.randomNormal([1, 2, 4 * s, 2 * s], { seed: 40 + k });
      const w = ops.randomNormal([3, 2, k, k], { seed: 50 + s });
      const y = ops.conv2d(x, w, { stride: s, padding: 'same' });
      const r = ops.randomNormal(y.shape, { seed: 60 });
      // conv2dTranspose's filter is [in, out, kH, kW]: the conv's [out, in, ...] read the other way.
      const back = ops.conv2dTranspose(r, w, { stride: s, padding: 'same' });
      expectTensor(back, { shape: x.shape });
      const lhs = (await y.mul(r).sum().data())[0];
      const rhs = (await x.mul(back).sum().data())[0];
      check(Math.abs(lhs - rhs) <= 1e-4 * Math.max(1, Math.abs(lhs)), () => `kernel ${k}, stride ${s}: <conv(x), y> = ${lhs} but <x, convT(y)> = ${rhs}`);
    }
  } },
  { group: g, name: 'gradient of a sum of a broadcast is summed back', run: () => {
    const w = ops.tensor([1, 2, 3]);
    expectTensor(grad((t) => ops.add(ops.ones([4, 3]), t).sum())(w), { shape: [3], values: [4, 4, 4] });
  } },
  { group: g, name: 'grads, valueAndGrad and valueAndGrads', run: () => {
    const f = (a: Tensor, b: Tensor) => a.mul(b).sum();
    const [da, db] = grads(f)([ops.tensor([1, 2]), ops.tensor([3, 4])]);
    expectTensor(da, { values: [3, 4] });
    expectTensor(db, { values: [1, 2] });
    const { value, grad: dx } = valueAndGrad((x) => x.square().sum())(ops.tensor([3]));
    expectTensor(value, { values: [9] });
    expectTensor(dx, { values: [6] });
    const r = valueAndGrads(f)([ops.tensor([2]), ops.tensor([5])]);
    expectTensor(r.value, { values: [10] });
    expectTensor(r.grads[1], { values: [2] });
  } },
  { group: g, name: 'an explicit dy weights a non-scalar result', run: () =>
    expectTensor(grad((x) => x.mul(2))(ops.tensor([1, 1]), ops.tensor([3, -1])), { values: [6, -2] }) },
  { group: g, name: 'an unused input gets a zero gradient', run: () => {
    const [, db] = grads((a: Tensor, _b: Tensor) => a.sum())([ops.tensor([1]), ops.tensor([1, 2])]);
    expectTensor(db, { shape: [2], values: [0, 0] });
  } },
  { group: g, name: 'stopGradient blocks the gradient', run: () =>
    expectTensor(grad((x) => x.mul(ops.stopGradient(x)).sum())(ops.tensor([3])), { values: [3] }) },
  { group: g, name: 'customGrad uses the given gradient', run: () => {
    const clipGrad = customGrad((x: Tensor, save) => {
      save([x]);
      return { value: x.square(), gradFunc: (dy, [saved]) => dy.mul(saved).mul(2).clip(-1, 1) };
    });
    expectTensor(clipGrad(ops.tensor([3])), { values: [9] });
    expectTensor(grad((x) => clipGrad(x).sum())(ops.tensor([0.25, 3])), { values: [0.5, 1] });
  } },
  { group: g, name: 'variableGrads finds the trainable variables the loss used', run: () => {
    const w = variable(ops.tensor([1, 2]), true, 'w_test');
    const b = variable(ops.tensor([0.5]), true, 'b_test');
    const frozen = variable(ops.tensor([3]), false, 'frozen_test');
    try {
      const { value, grads: gs } = variableGrads(() => w.mul(ops.tensor([3, 4])).sum().add(b.sum()).mul(frozen.sum()));
      expectTensor(value, { values: [34.5] });
      check(Object.keys(gs).sort().join() === 'b_test,w_test', () => `got grads for ${Object.keys(gs).join()}`);
      expectTensor(gs.w_test, { values: [9, 12] });
      expectTensor(gs.b_test, { values: [3] });
    } finally {
      dispose([w, b, frozen]);
    }
  } },
  { group: g, name: 'variable.assign keeps identity and changes the value', run: () => {
    const v = variable(ops.zeros([2]));
    try {
      v.assign(ops.tensor([4, 5]));
      expectTensor(v, { values: [4, 5] });
      const { grads: gs } = variableGrads(() => v.square().sum(), [v]);
      expectTensor(gs[v.name], { values: [8, 10] });
    } finally {
      v.dispose();
    }
  } },
  { group: g, name: 'differentiating with respect to int32 is an error', run: () =>
    expectThrows(() => grad((x) => x.sum())(ops.tensor([1], [1], 'int32')), 'grad: can only differentiate with respect to float32 tensors') },
  { group: g, name: 'gradients flow through cast, reshape, transpose, gather, slice and concat', runAsync: async () => {
    const x = ops.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]);
    await checkGradients((t) => ops.concat([t.reshape([3, 2]).transpose().gather([1, 0, 1], 1), t.slice([0, 1], [2, 2]).cast('float32')], 1).square(), [x]);
  } },
];
