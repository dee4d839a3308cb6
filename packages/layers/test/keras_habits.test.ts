import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { input, layers, metrics, model, regularizers, sequential } from '@soma/layers';

describe('evaluate reports the loss training minimizes, regularization included (as Keras)', () => {
  it('loss = mse + the l2 penalty of the kernel; fit’s val_loss includes it too', async () => {
    const net = sequential([layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones', biasInitializer: 'zeros', kernelRegularizer: regularizers.l2({ l2: 0.1 }) })]);
    net.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = soma.tensor([[1, 2], [3, 4]]);
    const y = soma.tensor([[0], [0]]);
    const { loss } = await net.evaluate(x, y);
    const mse = (3 ** 2 + 7 ** 2) / 2;
    const penalty = 0.1 * (1 + 1);
    expect(loss).toBeCloseTo(mse + penalty, 4);
  });
});

describe('a metric object given for several outputs counts each output separately (cloned, as Keras)', () => {
  it('precision() shared by two heads: each head reports its own value', async () => {
    const inp = input({ shape: [1] });
    const a = layers.dense({ units: 1, activation: 'sigmoid', name: 'a', kernelInitializer: 'ones', biasInitializer: 'zeros' }).apply(inp);
    const b = layers.dense({ units: 1, activation: 'sigmoid', name: 'b', kernelInitializer: 'zeros', biasInitializer: 'ones' }).apply(inp);
    const net = model({ inputs: inp, outputs: [a, b] });
    net.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: [metrics.precision()] });
    const x = soma.tensor([[5], [-5], [5], [-5]]);
    // Head a predicts [1, 0, 1, 0]; head b predicts 1 everywhere.
    const yA = soma.tensor([[1], [0], [0], [0]]);
    const yB = soma.tensor([[1], [1], [1], [0]]);
    const logs = await net.evaluate(x, [yA, yB]);
    expect(logs.a_precision).toBeCloseTo(0.5, 5);
    expect(logs.b_precision).toBeCloseTo(0.75, 5);
  });

  it('a custom metric object without clone() given for two outputs is an error that says what to do', () => {
    const inp = input({ shape: [1] });
    const net = model({ inputs: inp, outputs: [layers.dense({ units: 1, name: 'p' }).apply(inp), layers.dense({ units: 1, name: 'q' }).apply(inp)] });
    const mine = { ...metrics.precision(), name: 'mine', clone: undefined };
    expect(() => net.compile({ optimizer: 'sgd', loss: 'mse', metrics: [mine] })).toThrow(/the metric object 'mine' is given for outputs 'p' and 'q'; a metric accumulates, so give each output its own/);
  });
});
