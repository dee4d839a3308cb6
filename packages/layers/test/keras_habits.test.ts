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

describe("globalAveragePooling1d follows the layout of the layer before it (Keras's text classifier)", () => {
  it('embedding → globalAveragePooling1d → dense averages over the steps, as in Keras; conv1d → globalAveragePooling1d over the length', () => {
    const text = sequential([
      layers.embedding({ inputDim: 10, outputDim: 4, inputShape: [6] }),
      layers.globalAveragePooling1d(),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ]);
    const pool = text.layers[1] as unknown as { dataFormat: string };
    expect(pool.dataFormat).toBe('channelsLast');
    expect(text.predict(soma.tensor([[1, 2, 3, 0, 0, 0]], undefined, 'int32')).shape).toEqual([1, 1]);
    // The pooled vector is the mean of the six embeddings: features survive, steps are averaged.
    const emb = text.layers[0].getWeights()[0];
    const ids = [1, 2, 3, 0, 0, 0];
    const expected = [0, 1, 2, 3].map((f) => ids.reduce((a, id) => a + emb.dataSync()[id * 4 + f], 0) / 6);
    const pooled = layers.globalAveragePooling1d({ dataFormat: 'channelsLast' }).apply(text.layers[0].apply(soma.tensor([ids], undefined, 'int32')) as soma.Tensor);
    Array.from(pooled.dataSync()).forEach((v, f) => expect(v).toBeCloseTo(expected[f], 5));
    const conv = sequential([layers.conv1d({ filters: 3, kernelSize: 2, inputShape: [2, 8] }), layers.globalAveragePooling1d()]);
    expect((conv.layers[1] as unknown as { dataFormat: string }).dataFormat).toBe('channelsFirst');
    expect(conv.predict(soma.ones([1, 2, 8])).shape).toEqual([1, 3]);
  });

  it('a saved model keeps the resolved layout', async () => {
    const { modelToArtifacts, modelFromArtifacts } = await import('@soma/layers');
    const text = sequential([layers.embedding({ inputDim: 10, outputDim: 4, inputShape: [6] }), layers.globalAveragePooling1d()]);
    const back = modelFromArtifacts(modelToArtifacts(text));
    expect((back.layers[1] as unknown as { dataFormat: string }).dataFormat).toBe('channelsLast');
  });
});
