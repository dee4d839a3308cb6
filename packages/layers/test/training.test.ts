import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { layers, losses, sequential } from '@soma/layers';
import { adam, sgd } from '@soma/optimizers';
import { makeCircles, makeShapes } from './helpers/data';

describe('the classic circles example', () => {
  it('Dense(20, relu) on 2 inputs then Dense(1, sigmoid): summary shows 60, 21 and total 81; fit reaches >= 95%', async () => {
    const { x, y } = makeCircles(100, 0.15, 0.3, 1);
    const net = sequential([
      layers.dense({ units: 20, activation: 'relu', inputShape: [2] }),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ]);
    const lines: string[] = [];
    net.summary((l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toMatch(/dense\S* \(Dense\)\s+\(None, 20\)\s+60/);
    expect(text).toMatch(/dense\S* \(Dense\)\s+\(None, 1\)\s+21/);
    expect(text).toContain('Total params: 81');
    expect(text).toContain('Trainable params: 81');
    expect(text).toContain('Non-trainable params: 0');

    net.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await net.fit(x, y, { batchSize: 10, epochs: 100, shuffle: true, seed: 1, verbose: 0 });
    expect(history.history.loss).toHaveLength(100);
    expect(history.history.loss[99]).toBeLessThan(history.history.loss[0]);
    const { accuracy } = await net.evaluate(x, y);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    net.dispose();
    soma.dispose([x, y]);
  });
});

describe('a small CNN on synthetic images', () => {
  it('conv → pool → conv → pool → dense classifies three shapes at > 95%', async () => {
    const train = makeShapes(240, 3);
    const test = makeShapes(120, 4);
    const net = sequential([
      layers.conv2d({ inputShape: [1, 16, 16], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.maxPool2d({ poolSize: 2 }),
      layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }),
      layers.maxPool2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 3 }),
    ]);
    // The last layer emits logits, so the loss takes them directly.
    net.compile({ optimizer: adam({ learningRate: 0.01 }), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
    await net.fit(train.x, train.y, { batchSize: 16, epochs: 12, seed: 2, verbose: 0 });
    const { accuracy } = await net.evaluate(test.x, test.y);
    expect(accuracy).toBeGreaterThan(0.95);
    net.dispose();
    soma.dispose([train.x, train.y, test.x, test.y]);
  });
});

describe('memory', () => {
  it('20 epochs of fit leave memory().numTensors where it was after epoch 1', async () => {
    const { x, y } = makeCircles(64, 0.1, 0.3, 5);
    const net = sequential([
      layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
      layers.dropout({ rate: 0.1, seed: 1 }),
      layers.batchNormalization(),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ]);
    net.compile({ optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'binaryCrossentropy', metrics: ['accuracy', 'precision', 'auc'] });
    const counts: number[] = [];
    await net.fit(x, y, {
      batchSize: 16, epochs: 20, verbose: 0, validationSplit: 0.25,
      callbacks: [{ onEpochEnd: async () => { counts.push(soma.memory().numTensors); } }],
    });
    expect(counts).toHaveLength(20);
    expect(new Set(counts).size).toBe(1);
    net.dispose();
    soma.dispose([x, y]);
  });
});

describe('fit options', () => {
  it('reports val_ metrics, honours initialEpoch, and the same seed gives the same run', async () => {
    const run = async () => {
      const { x, y } = makeCircles(80, 0.1, 0.3, 7);
      const seeded = { name: 'seeded', apply: (s: readonly number[]) => soma.randomNormal(s, { seed: 3, std: 0.5 }) };
      const net = sequential([
        layers.dense({ units: 6, activation: 'relu', inputShape: [2], kernelInitializer: seeded }),
        layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: 'ones' }),
      ]);
      net.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      const h = await net.fit(x, y, { epochs: 4, initialEpoch: 1, batchSize: 8, seed: 11, validationSplit: 0.25, verbose: 0 });
      net.dispose();
      soma.dispose([x, y]);
      return h;
    };
    const a = await run();
    const b = await run();
    expect(a.epoch).toEqual([1, 2, 3]);
    expect(Object.keys(a.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(a.history.loss).toEqual(b.history.loss);
  });

  it('sampleWeight of zero removes samples from the loss', async () => {
    const x = soma.tensor([[1], [2], [3], [4]]);
    const y = soma.tensor([[2], [4], [6], [100]]);
    const net = sequential([layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' })]);
    net.compile({ optimizer: sgd({ learningRate: 0.02 }), loss: 'meanSquaredError' });
    await net.fit(x, y, { epochs: 200, batchSize: 4, sampleWeight: soma.tensor([1, 1, 1, 0]), verbose: 0 });
    const w = net.weights[0].dataSync()[0];
    expect(w).toBeCloseTo(2, 3);
    net.dispose();
    soma.dispose([x, y]);
  });

  it('prints one line per epoch when not a terminal, with the Keras-style fields', async () => {
    const { x, y } = makeCircles(40, 0.1, 0.3, 2);
    const net = sequential([layers.dense({ units: 4, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
    net.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const out: string[] = [];
    const { ProgressBar } = await import('@soma/layers');
    await net.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0, callbacks: [new ProgressBar({ isTTY: false, write: (s) => out.push(s) })] });
    expect(out).toHaveLength(2);
    // Steps, as Keras counts them (40 samples in batches of 10), the logs' own key names, and the rate.
    expect(out[0]).toMatch(/^Epoch 1\/2  \[=+\] 4\/4  loss \d\.\d{4}  accuracy \d\.\d{4}  \d+s  \d+ samples\/s\n$/);
    // A dataset that knows how many batches it holds gets the same bar.
    const { Dataset } = await import('@soma/data');
    out.length = 0;
    await net.fit(Dataset.fromTensors({ xs: x, ys: y }).batch(8), { epochs: 1, verbose: 0, callbacks: [new ProgressBar({ isTTY: false, write: (s) => out.push(s) })] });
    expect(out[0]).toMatch(/^Epoch 1\/1  \[=+\] 5\/5  loss /);
    net.dispose();
    soma.dispose([x, y]);
  });
});

describe('errors', () => {
  it('names the layer and both shapes when the input does not fit', async () => {
    const net = sequential([layers.dense({ units: 2, inputShape: [3], name: 'dense_in' })]);
    const x = soma.zeros([32, 4]);
    expect(() => net.predict(x)).toThrow('dense_in expects [*, 3], got [32, 4]');
    net.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(net.fit(x, soma.zeros([30, 2]), { verbose: 0 })).rejects.toThrow(/dense_in expects \[\*, 3\], got \[1, 4\]|fit: x has 32 samples but y has 30/);
    await expect(net.fit(soma.zeros([32, 3]), soma.zeros([30, 2]), { verbose: 0 })).rejects.toThrow('fit: x has 32 samples but y has 30');
    net.dispose();
    x.dispose();
  });

  it('lists the valid names for unknown loss, optimizer, activation and metric', () => {
    const net = sequential([layers.dense({ units: 1, inputShape: [1] })]);
    expect(() => net.compile({ optimizer: 'sgd', loss: 'crossEntropy' as 'mse' })).toThrow(/unknown loss 'crossEntropy'; valid names: meanSquaredError, mse/);
    expect(() => net.compile({ optimizer: 'adamm' as 'adam', loss: 'mse' })).toThrow(/unknown optimizer 'adamm'; valid names: sgd, adam/);
    expect(() => net.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['f1' as 'mae'] })).toThrow(/unknown metric 'f1'; valid names: accuracy/);
    expect(() => layers.dense({ units: 1, activation: 'rellu' as 'relu' })).toThrow(/unknown activation 'rellu'; valid names: linear, step, sigmoid/);
    net.dispose();
  });

  it('stops on a NaN loss naming the epoch and batch', async () => {
    const net = sequential([layers.dense({ units: 1, inputShape: [1] })]);
    net.compile({ optimizer: sgd({ learningRate: 1e30 }), loss: 'mse' });
    const x = soma.tensor([[1], [2], [3], [4]]);
    const y = soma.tensor([[1], [2], [3], [4]]);
    await expect(net.fit(x, y, { epochs: 5, batchSize: 2, verbose: 0 })).rejects.toThrow(/fit: the loss became NaN at epoch \d+, batch \d+/);
    net.dispose();
    soma.dispose([x, y]);
  });
});

