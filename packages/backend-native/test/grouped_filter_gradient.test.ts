import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';

// The filter gradient on native (its onnxruntime translation: per-tap sums for depthwise filters,
// channel multipliers included; one batched product for other groups; the patch matrix and one
// Gemm for one group)
// against cpu's kernels, with strides, dilations and asymmetric padding, in one kernel session
// (eager, symbolic sizes) and in a compiled graph.
const cases: { x: number[]; w: number[]; groups: number; stride: number; dilation: number; padding: 'same' | 'valid' | [number, number, number, number] }[] = [
  { x: [2, 6, 9, 9], w: [6, 1, 5, 5], groups: 6, stride: 1, dilation: 1, padding: 'same' },
  { x: [3, 4, 11, 10], w: [8, 1, 3, 3], groups: 4, stride: 2, dilation: 1, padding: [1, 2, 0, 1] },
  { x: [2, 3, 12, 12], w: [6, 1, 3, 3], groups: 3, stride: 1, dilation: 2, padding: 'valid' },
  { x: [2, 6, 8, 7], w: [4, 3, 3, 3], groups: 2, stride: 2, dilation: 1, padding: 'same' },
  { x: [1, 8, 7, 7], w: [8, 2, 1, 1], groups: 4, stride: 1, dilation: 1, padding: 'valid' },
  // One group at stride 1, dilated, asymmetric, 1×3 and 5×3 filters.
  { x: [2, 3, 9, 8], w: [5, 3, 3, 3], groups: 1, stride: 1, dilation: 1, padding: 'same' },
  { x: [2, 4, 10, 9], w: [3, 4, 3, 2], groups: 1, stride: 1, dilation: 2, padding: [1, 2, 0, 1] },
  { x: [1, 5, 6, 6], w: [4, 5, 1, 3], groups: 1, stride: 1, dilation: 1, padding: 'valid' },
  { x: [2, 2, 5, 3], w: [3, 2, 5, 3], groups: 1, stride: 1, dilation: 1, padding: 'same' },
];

describe('filter gradients (grouped, depthwise, stride 1) on native equal cpu', () => {
  for (const c of cases) {
    it(`x [${c.x}] w [${c.w}] groups ${c.groups} stride ${c.stride} dilation ${c.dilation} padding ${JSON.stringify(c.padding)}`, async () => {
      const grads = async (backend: string, compiled: boolean) => {
        await soma.setBackend(backend);
        const x = soma.randomNormal(c.x, { seed: 1 });
        const w = soma.randomNormal(c.w, { seed: 2 });
        const g = soma.grads((xx: soma.Tensor, ww: soma.Tensor) => soma.conv2d(xx, ww, { groups: c.groups, stride: c.stride, dilation: c.dilation, padding: c.padding }).square().sum());
        const step = (xx: soma.Tensor, ww: soma.Tensor) => g([xx, ww]);
        const native = () => soma.memory().backends.native ?? {};
        const before = { ...native() };
        const out = compiled ? (soma.compile(step)(x, w) as soma.Tensor[]) : step(x, w);
        // Compiled, the step is one onnxruntime session (a translation that failed would run it node by node).
        if (compiled && backend === 'native') expect([native().graphRuns - before.graphRuns, native().graphFallbacks - before.graphFallbacks]).toEqual([1, 0]);
        return Promise.all(out.map(async (t) => Array.from(await t.data())));
      };
      const want = await grads('cpu', false);
      for (const compiled of [false, true]) {
        const got = await grads('native', compiled);
        got.forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - want[k][i]), `${compiled ? 'compiled' : 'eager'} ${k ? 'dw' : 'dx'}[${i}]`).toBeLessThan(1e-3 * (1 + Math.abs(want[k][i])))));
      }
    });
  }
});
