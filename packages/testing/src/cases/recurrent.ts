import * as ops from '@soma/core';
import { dispose, valueAndGrads } from '@soma/core';
import type { Tensor } from '@soma/core';
import { check, expectThrows, expectValuesClose } from '../assertions.js';
import { checkGradients } from '../grad_check.js';
import type { ConformanceCase } from './index.js';

const g = 'recurrent sequence';

const small = (shape: number[], seed: number) => ops.randomNormal(shape, { seed }).mul(0.5);

export const recurrentCases: ConformanceCase[] = [
  { group: g, name: 'recurrentSequence as one kernel (the backend\'s or the default) equals its steps as recorded ops, for lstm (peepholes, backwards, initial state), gru (both reset forms) and rnn', runAsync: async () => {
    const x = small([2, 4, 3], 1);
    const h0 = small([2, 5], 2);
    const c0 = small([2, 5], 3);
    const cases: [string, ops.RecurrentSequenceOptions, number][] = [
      ['lstm', { cell: 'lstm', peephole: small([3, 5], 4), goBackwards: true, initialState: [h0, c0], bias: small([2, 20], 5) }, 4],
      ['gru resetAfter', { cell: 'gru', bias: small([2, 15], 6), initialState: [h0] }, 3],
      ['gru reset before', { cell: 'gru', resetAfter: false, bias: small([15], 7), recurrentActivation: 'hardSigmoid' }, 3],
      ['rnn relu', { cell: 'rnn', activation: 'relu', goBackwards: true }, 1],
    ];
    for (const [what, options, gates] of cases) {
      const k = small([3, gates * 5], 10 + gates);
      const rk = small([5, gates * 5], 20 + gates);
      const whole = ops.recurrentSequence(x, k, rk, options);
      // Under a tape the op runs its steps op by op (what its gradient differentiates).
      const { value: steps, grads } = valueAndGrads((a: Tensor) => ops.recurrentSequence(a, k, rk, options))([x]);
      expectValuesClose(await whole.data(), await steps.data(), { rtol: 1e-5, atol: 1e-6 }, what);
      dispose([k, rk, whole, steps, ...grads]);
    }
    dispose([x, h0, c0]);
  } },
  { group: g, name: 'recurrentSequence with a mask skips the masked steps: each row equals the unmasked run over its valid steps alone (padding before, after, inside), forwards and backwards', runAsync: async () => {
    const x = small([3, 5, 2], 51);
    const valid = [[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 0, 1, 0, 1]];
    const mask = ops.tensor(valid.flat().map(Boolean), [3, 5], 'bool');
    for (const [cell, gates] of [['lstm', 4], ['gru', 3], ['rnn', 1]] as const) {
      for (const goBackwards of [false, true]) {
        const k = small([2, gates * 3], 52 + gates);
        const rk = small([3, gates * 3], 62 + gates);
        const options: ops.RecurrentSequenceOptions = { cell, goBackwards, bias: small([2, gates * 3], 72 + gates) };
        const y = ops.recurrentSequence(x, k, rk, { ...options, mask });
        const got = await y.data();
        for (let b = 0; b < 3; b++) {
          const steps = valid[b].flatMap((v, t) => (v ? [t] : []));
          const row = ops.stack(steps.map((t) => x.slice([b, t, 0], [1, 1, 2]).reshape([2])), 0).reshape([1, steps.length, 2]);
          const alone = await ops.recurrentSequence(row, k, rk, options).data();
          // The output after the last step that ran is the state after every valid step.
          const lastRan = Array.from(got).slice((b * 5 + 4) * 3, (b * 5 + 5) * 3);
          expectValuesClose(lastRan, Array.from(alone).slice((steps.length - 1) * 3, steps.length * 3), { rtol: 1e-5, atol: 1e-6 }, `${cell}${goBackwards ? ' backwards' : ''} row ${b}`);
          row.dispose();
        }
        const { value, grads } = valueAndGrads((a: Tensor) => ops.recurrentSequence(a, k, rk, { ...options, mask }))([x]);
        expectValuesClose(got, await value.data(), { rtol: 1e-5, atol: 1e-6 }, `${cell}: the kernel equals its steps`);
        dispose([k, rk, options.bias as Tensor, y, value, ...grads]);
      }
    }
    await checkGradients((a, k, rk) => ops.recurrentSequence(a, k, rk, { cell: 'lstm', mask, goBackwards: true }).pow(2), [x, small([2, 12], 81), small([3, 12], 82)]);
    dispose([x, mask]);
  } },
  { group: g, name: 'recurrentSequence: gradients in x, the kernels, bias, initial states and peepholes match central differences', runAsync: async () => {
    const x = small([2, 3, 2], 31);
    await checkGradients((a, k, rk, b, h, c, p) => ops.recurrentSequence(a, k, rk, { cell: 'lstm', bias: b, initialState: [h, c], peephole: p }).pow(2), [x, small([2, 12], 32), small([3, 12], 33), small([2, 12], 34), small([2, 3], 35), small([2, 3], 36), small([3, 3], 37)]);
    await checkGradients((a, k, rk, b) => ops.recurrentSequence(a, k, rk, { cell: 'gru', bias: b, goBackwards: true }).pow(2), [x, small([2, 9], 38), small([3, 9], 39), small([2, 9], 40)]);
    await checkGradients((a, k, rk, b) => ops.recurrentSequence(a, k, rk, { cell: 'gru', bias: b, resetAfter: false }).pow(2), [x, small([2, 9], 41), small([3, 9], 42), small([9], 43)]);
    dispose(x);
  } },
  { group: g, name: 'recurrentSequence with cellState ends with the LSTM\'s final cell state: c = i ⊙ tanh(z_c) after one step from zero states', runAsync: async () => {
    const x = small([2, 1, 3], 91);
    const k = small([3, 8], 92);
    const rk = small([2, 8], 93);
    const y = ops.recurrentSequence(x, k, rk, { cell: 'lstm', cellState: true });
    check(y.shape.join() === '2,2,2', () => `cellState's output must be [2, 2, 2], got [${y.shape.join(', ')}]`);
    // Gates i, f, c, o of x·k (h0 = c0 = 0): c = σ(z_i) · tanh(z_c).
    const z = x.reshape([2, 3]).matmul(k);
    const expected = z.slice([0, 0], [2, 2]).sigmoid().mul(z.slice([0, 4], [2, 2]).tanh());
    expectValuesClose(Array.from(await y.slice([0, 1, 0], [2, 1, 2]).data()), Array.from(await expected.data()), { rtol: 1e-5, atol: 1e-6 }, 'the cell state');
    const plain = ops.recurrentSequence(x, k, rk, { cell: 'lstm' });
    expectValuesClose(Array.from(await y.slice([0, 0, 0], [2, 1, 2]).data()), Array.from(await plain.data()), { atol: 0 }, 'the hidden states');
    expectThrows(() => ops.recurrentSequence(x, small([3, 6], 94), small([2, 6], 95), { cell: 'gru', cellState: true }), /recurrentSequence: cellState is an lstm's, not a gru's/);
    dispose([x, k, rk, y, z, expected, plain]);
  } },
  { group: g, name: 'recurrentSequence refuses bad input with errors that name it and what it expected', run: () => {
    const x = ops.ones([2, 4, 3]);
    expectThrows(() => ops.recurrentSequence(x, ops.ones([3, 8]), ops.ones([2, 6]), { cell: 'lstm' }), /recurrentSequence: recurrentKernel must be \[units, 4·units\] for a lstm, got \[2,6\]/);
    expectThrows(() => ops.recurrentSequence(x, ops.ones([2, 12]), ops.ones([3, 9]), { cell: 'gru' }), /recurrentSequence: kernel must be \[3, 9\] for x \[2,4,3\] and 3 units, got \[2,12\]/);
    expectThrows(() => ops.recurrentSequence(x, ops.ones([3, 9]), ops.ones([3, 9]), { cell: 'gru', peephole: ops.ones([3, 3]) }), /recurrentSequence: peephole weights belong to an lstm, not a gru/);
    expectThrows(() => ops.recurrentSequence(x, ops.ones([3, 3]), ops.ones([3, 3]), { cell: 'rnn', activation: 'gelu' as 'tanh' }), /recurrentSequence: activation must be one of linear, relu, tanh, sigmoid, hardSigmoid, got 'gelu'/);
    expectThrows(() => ops.recurrentSequence(x, ops.ones([3, 3]), ops.ones([3, 3]), { cell: 'rnn', initialState: [ops.ones([4, 3])] }), /recurrentSequence: initialState\[0\] must be \[2, 3\], got \[4,3\]/);
    expectThrows(() => ops.recurrentSequence(ops.ones([2, 3]), ops.ones([3, 3]), ops.ones([3, 3]), { cell: 'rnn' }), /recurrentSequence: x must be \[batch, time, features\], got \[2,3\]/);
    dispose(x);
  } },
];
