import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';

// soma.fused.conv2d / fused.matmul: on cpu the bias and activation run in the kernel (counted by
// the profiler's absence of separate kernels), and the values and gradients are the same bits as
// the plain ops (the same kernels in the same order, and the activations' own gradient formulas).
soma.registerBackend('cpu-js-fused', () => new CpuBackend('cpu-js-fused', { wasm: false }));

describe.each(['cpu', 'cpu-js-fused'])('fused conv2d and matmul with bias and activation on %s', (backend) => {
  for (const activation of ['relu', 'tanh', 'sigmoid', 'linear'] as const) {
    it(`conv2d + bias + ${activation}: values and gradients equal the plain ops'`, async () => {
      await soma.setBackend(backend);
      const x = soma.randomNormal([3, 2, 9, 7], { seed: 1 });
      const w = soma.randomNormal([5, 2, 3, 3], { seed: 2 });
      const b = soma.randomNormal([5], { seed: 3 });
      const opts = { stride: 1, padding: 'same' as const };
      const plain = (xx: soma.Tensor, ww: soma.Tensor, bb: soma.Tensor) => {
        const y = soma.conv2d(xx, ww, { ...opts, bias: bb });
        return activation === 'linear' ? y : soma[activation](y);
      };
      const fused = (xx: soma.Tensor, ww: soma.Tensor, bb: soma.Tensor) => soma.fused.conv2d(xx, ww, { ...opts, bias: bb, activation });
      const loss = (f: typeof plain) => (xx: soma.Tensor, ww: soma.Tensor, bb: soma.Tensor) => f(xx, ww, bb).square().sum();
      expect(Array.from(fused(x, w, b).dataSync())).toEqual(Array.from(plain(x, w, b).dataSync()));
      const gf = soma.grads(loss(fused))([x, w, b]);
      const gp = soma.grads(loss(plain))([x, w, b]);
      gf.forEach((g, i) => expect(Array.from(g.dataSync())).toEqual(Array.from(gp[i].dataSync())));
      await soma.setBackend('cpu');
    });

    for (const shape of [[10, 12], [2, 5, 12]]) {
      it(`matmul + bias + ${activation} over [${shape}]: values and gradients equal the plain ops'`, async () => {
        await soma.setBackend(backend);
        const a = soma.randomNormal(shape, { seed: 4 });
        const w = soma.randomNormal([12, 9], { seed: 5 });
        const b = soma.randomNormal([9], { seed: 6 });
        const plain = (aa: soma.Tensor, ww: soma.Tensor, bb: soma.Tensor) => {
          const y = aa.matmul(ww).add(bb);
          return activation === 'linear' ? y : soma[activation](y);
        };
        const fused = (aa: soma.Tensor, ww: soma.Tensor, bb: soma.Tensor) => soma.fused.matmul(aa, ww, { bias: bb, activation });
        const loss = (f: typeof plain) => (aa: soma.Tensor, ww: soma.Tensor, bb: soma.Tensor) => f(aa, ww, bb).square().sum();
        const y = fused(a, w, b);
        expect(y.shape).toEqual([...shape.slice(0, -1), 9]);
        const got = [y, ...soma.grads(loss(fused))([a, w, b])].map((t) => Array.from(t.dataSync()));
        const want = [plain(a, w, b), ...soma.grads(loss(plain))([a, w, b])].map((t) => Array.from(t.dataSync()));
        // A Dense layer's [batch, in] input is one GEMM either way: the same bits. A rank-3 input is
        // one GEMM fused but a batch of GEMMs plain, which round the edge tiles differently.
        if (shape.length === 2) expect(got).toEqual(want);
        else got.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 4)));
        await soma.setBackend('cpu');
      });
    }
  }
});

describe('fused ops', () => {
  it('run one kernel on cpu where the plain ops run three', async () => {
    await soma.setBackend('cpu');
    const x = soma.randomNormal([2, 3, 8, 8], { seed: 1 });
    const w = soma.randomNormal([4, 3, 3, 3], { seed: 2 });
    const b = soma.zeros([4]);
    // The profiler sees what runs: the one fused kernel, not the plain ones it replaces.
    const profiled = await soma.profile(() => { soma.fused.conv2d(x, w, { bias: b, activation: 'tanh' }); });
    expect(profiled.kernels.map((k) => k.name)).toEqual(['conv2dActivated']);
    const before = soma.memory().numTensors;
    const y = soma.fused.conv2d(x, w, { bias: b, activation: 'tanh' });
    expect(soma.memory().numTensors - before).toBe(1);
    y.dispose();
  });

  it('name the op and the activations they take', () => {
    expect(() => soma.fused.conv2d(soma.zeros([1, 1, 3, 3]), soma.zeros([1, 1, 1, 1]), { activation: 'gelu' as never })).toThrow(/fused\.conv2d: activation must be one of linear, relu, tanh, sigmoid, got 'gelu'/);
    expect(() => soma.fused.matmul(soma.zeros([2, 3]), soma.zeros([3, 4]), { bias: soma.zeros([3]) })).toThrow(/fused\.matmul: bias must be \[4\]/);
  });
});
