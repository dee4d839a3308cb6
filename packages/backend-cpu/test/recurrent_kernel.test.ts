import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';

// The cpu recurrentSequence kernel against core's step-by-step default body on the same heap and
// kernels (a backend without the kernel): the same bits, for every cell and form, masks, peepholes,
// initial states, both directions, every activation, and the final cell state.
const withoutKernel = new CpuBackend('cpu-no-recurrent');
Object.defineProperty(withoutKernel, 'recurrentSequence', { value: undefined });
soma.registerBackend('cpu-no-recurrent', () => withoutKernel);
soma.registerBackend('cpu-js-recurrent', () => new CpuBackend('cpu-js-recurrent', { wasm: false }));
const bits = (t: soma.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

afterAll(() => soma.setBackend('cpu'));

type Cell = 'rnn' | 'lstm' | 'gru';
interface Case { cell: Cell; units: number; options: Partial<soma.RecurrentSequenceOptions>; states?: boolean; peephole?: boolean; mask?: boolean }
const cases: Case[] = [
  { cell: 'lstm', units: 8, options: {} },
  { cell: 'lstm', units: 5, options: { goBackwards: true, cellState: true }, states: true, peephole: true },
  { cell: 'lstm', units: 12, options: { activation: 'relu', recurrentActivation: 'hardSigmoid' }, mask: true },
  { cell: 'gru', units: 8, options: { resetAfter: true }, states: true },
  { cell: 'gru', units: 6, options: { resetAfter: false, goBackwards: true }, mask: true },
  { cell: 'gru', units: 4, options: { resetAfter: false, activation: 'linear' } },
  { cell: 'rnn', units: 7, options: { activation: 'tanh' }, states: true, mask: true },
  { cell: 'rnn', units: 16, options: { activation: 'sigmoid', goBackwards: true } },
];

describe.each(['cpu', 'cpu-js-recurrent'])('the recurrentSequence kernel on %s', (backend) => {
  for (const c of cases) {
    const what = `${c.cell} ${c.units} units ${JSON.stringify(c.options)}${c.states ? ' initial states' : ''}${c.peephole ? ' peepholes' : ''}${c.mask ? ' mask' : ''}`;
    it(`${what}: the bits of the step-by-step body`, async () => {
      const run = async (name: string) => {
        await soma.setBackend(name);
        const gates = { rnn: 1, lstm: 4, gru: 3 }[c.cell];
        const [b, t, f, u] = [3, 6, 5, c.units];
        const x = soma.randomNormal([b, t, f], { seed: 1 });
        const kernel = soma.randomNormal([f, gates * u], { seed: 2 }).mul(0.4);
        const rk = soma.randomNormal([u, gates * u], { seed: 3 }).mul(0.4);
        const bias = soma.randomNormal([2, gates * u], { seed: 4 }).mul(0.1);
        const initialState = c.states ? Array.from({ length: c.cell === 'lstm' ? 2 : 1 }, (_, k) => soma.randomNormal([b, u], { seed: 5 + k })) : undefined;
        const peephole = c.peephole ? soma.randomNormal([3, u], { seed: 7 }) : undefined;
        const mask = c.mask ? soma.tensor([[1, 1, 1, 1, 0, 0], [0, 1, 1, 0, 1, 1], [0, 0, 0, 0, 0, 0]], [b, t], 'bool') : undefined;
        const info = await soma.profile(() => soma.recurrentSequence(x, kernel, rk, { cell: c.cell, bias, initialState, peephole, mask, ...c.options }));
        const y = info.result;
        return { shape: y.shape, bits: bits(y), kernels: info.kernels.map((k) => k.name) };
      };
      const want = await run('cpu-no-recurrent');
      const got = await run(backend);
      expect(got.kernels).toContain('recurrentSequence');
      expect(got.kernels).not.toContain('matmul');
      expect(want.kernels).toContain('matmul');
      expect(got.shape).toEqual(want.shape);
      if (backend === 'cpu') expect(got.bits).toEqual(want.bits);
      else {
        const f = (v: number[]) => Array.from(new Float32Array(new Uint32Array(v).buffer));
        const [g, w] = [f(got.bits), f(want.bits)];
        g.forEach((v, i) => expect(Math.abs(v - w[i])).toBeLessThan(1e-5 * (1 + Math.abs(w[i]))));
      }
    });
  }
});
