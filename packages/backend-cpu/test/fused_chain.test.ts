import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';

// Chains of elementwise kernels in a compiled graph run as one WebAssembly pass (assembly/chain.ts)
// and give the bits of the kernels run one by one: over every op the chain interpreter takes, each
// way an input may broadcast into it (one value per element, one value, per channel, a row
// vector), sizes with a tail (n mod 4 ≠ 0), on one thread and on threads taking shares.
soma.registerBackend('cpu-chain-threads', () => new CpuBackend('cpu-chain-threads', { threads: 3, minParallelWork: 0 }));
const chains = () => soma.memory().backends[soma.getBackend()]?.fusedChains ?? 0;
const bits = (t: soma.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

afterAll(() => soma.setBackend('cpu'));

describe.each(['cpu', 'cpu-chain-threads'])('fused elementwise chains on %s', (backend) => {
  const cases: { name: string; shapes: number[][]; fn: (...t: soma.Tensor[]) => soma.Tensor }[] = [
    { name: 'relu gradient (step · dy)', shapes: [[4, 8, 6, 6], [4, 8, 6, 6]], fn: (x, dy) => x.step().mul(dy) },
    { name: 'exp, tanh, sigmoid, neg, abs, square, sqrt, reciprocal over a tail of 3', shapes: [[7, 11], [7, 11]],
      fn: (x, y) => soma.exp(x.mul(0.5)).add(soma.tanh(y)).sub(soma.sigmoid(x)).mul(x.neg().abs().add(1).sqrt()).add(y.square().add(1).reciprocal()) },
    { name: 'a per-channel scale and shift ([C, 1, 1]) then relu', shapes: [[3, 5, 4, 4], [5, 1, 1], [5, 1, 1]], fn: (x, s, b) => x.mul(s).add(b).relu() },
    { name: 'a row vector (bias along the last axis) then leakyRelu and clip', shapes: [[9, 12], [12]], fn: (x, b) => soma.clip(soma.leakyRelu(x.add(b), 0.2), -0.5, 0.75) },
    { name: 'a scalar tensor and divisions', shapes: [[1000], []], fn: (x, s) => x.div(s).sub(s).div(x.abs().add(0.1)) },
    { name: 'the LSTM cell update (sigmoid gates, tanh)', shapes: [[16, 64], [16, 64], [16, 64], [16, 64], [16, 64]],
      fn: (i, f, g, o, c) => soma.sigmoid(o).mul(soma.tanh(soma.sigmoid(f).mul(c).add(soma.sigmoid(i).mul(soma.tanh(g))))) },
    { name: 'a large chain the threads share', shapes: [[64, 16, 32, 33], [64, 16, 32, 33]], fn: (x, y) => x.mul(y).add(x).relu().mul(2) },
  ];
  for (const c of cases) {
    it(`${c.name}: one kernel, the same bits as the kernels one by one`, async () => {
      await soma.setBackend(backend);
      const inputs = c.shapes.map((s, k) => soma.randomNormal(s, { seed: k + 1 }).add(k === 4 ? 0 : 0.05));
      const eager = c.fn(...inputs);
      const compiled = soma.compile(c.fn);
      const before = chains();
      const y = compiled(...inputs) as soma.Tensor;
      expect(chains() - before).toBeGreaterThanOrEqual(1);
      expect(y.shape).toEqual(eager.shape);
      expect(bits(y)).toEqual(bits(eager));
      soma.dispose([...inputs, eager, y]);
    });
  }

  it('chains the interpreter lacks run kernel by kernel: another op (log), a broadcast it cannot stream ([C, 1, 3]), fewer than 16 elements', async () => {
    await soma.setBackend(backend);
    const fns: [number[][], (...t: soma.Tensor[]) => soma.Tensor][] = [
      [[[8, 8], [8, 8]], (x, y) => soma.log(x.abs().add(1)).mul(y)],
      [[[2, 5, 4, 3], [5, 1, 3]], (x, s) => x.mul(s).add(1).relu()],
      [[[3, 5], [3, 5]], (x, y) => x.mul(y).add(1).relu()],
    ];
    for (const [shapes, fn] of fns) {
      const inputs = shapes.map((s, k) => soma.randomNormal(s, { seed: k + 7 }));
      const before = chains();
      const y = soma.compile(fn)(...inputs) as soma.Tensor;
      expect(chains() - before).toBe(0);
      expect(bits(y)).toEqual(bits(fn(...inputs)));
    }
  });
});
