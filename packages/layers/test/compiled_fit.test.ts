import { afterEach, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { layers, sequential } from '@soma/layers';
import { adam, schedules, sgd, type Optimizer } from '@soma/optimizers';

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst).toBeLessThan(tol);
}

const graphRuns = () => soma.memory().backends.native?.graphRuns ?? 0;

/** A small CNN with batch norm (moving statistics are assigned inside the step) and a dense head. */
function cnn(seed: number) {
  soma.setRandomSeed(seed);
  return sequential({
    layers: [
      layers.conv2d({ inputShape: [1, 8, 8], filters: 4, kernelSize: 3, activation: 'tanh' }),
      layers.batchNormalization(),
      layers.avgPool2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 8, activation: 'relu', kernelRegularizer: 'l2' }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

function data(n: number) {
  const x = soma.randomNormal([n, 1, 8, 8], { seed: 11 });
  const y = soma.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % 3), [n], 'int32');
  return { x, y };
}

async function train(runEagerly: boolean, optimizer: () => Optimizer) {
  const model = cnn(5);
  model.compile({ optimizer: optimizer(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], runEagerly });
  const { x, y } = data(50);
  const before = graphRuns();
  // 50 samples in batches of 16: three full batches and a last one of 2, through one graph.
  const h = await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, shuffle: true, seed: 3 });
  const runs = graphRuns() - before;
  const weights = model.getWeights().map((w) => w.dataSync());
  const iterations = model.training!.optimizer.iterations;
  soma.dispose([x, y]);
  return { weights, loss: h.history.loss as number[], acc: h.history.accuracy as number[], runs, iterations };
}

describe("fit on 'native' compiles the training step (forward, backward, update) into one graph", () => {
  afterEach(async () => {
    await soma.setBackend('cpu');
  });

  const optimizers: [string, () => Optimizer][] = [
    ['adam with a learning-rate schedule and global-norm clipping', () => adam({ learningRate: schedules.piecewiseConstant({ boundaries: [4], values: [0.01, 0.002] }), globalClipNorm: 1 })],
    ['sgd with momentum (whose first step differs)', () => sgd({ learningRate: 0.05, momentum: 0.9 })],
  ];
  it.each(optimizers)('%s: the same weights, losses and metrics as runEagerly, to 1e-5', async (_, optimizer) => {
    await soma.setBackend('native');
    const eager = await train(true, optimizer);
    const compiled = await train(false, optimizer);
    expect(eager.runs).toBe(0);
    // 12 steps: the first eager, the rest as graph runs.
    expect(compiled.runs).toBe(11);
    expect(compiled.iterations).toBe(12);
    expect(eager.iterations).toBe(12);
    close(compiled.loss, eager.loss);
    close(compiled.acc, eager.acc);
    compiled.weights.forEach((w, i) => close(w, eager.weights[i]));
  });

  it('dropout draws a new mask at every compiled step (a traced draw is a host input, not a constant)', async () => {
    await soma.setBackend('native');
    const p = soma.variable(soma.ones([1, 64]), true, 'dropout_probe');
    const step = soma.compile((x: soma.Tensor) => soma.dropout(x.mul(p), 0.5, { training: true }));
    const x = soma.ones([1, 64]);
    const masks = [0, 1, 2].map(() => {
      const y = step(x) as soma.Tensor;
      const m = Array.from(y.dataSync());
      y.dispose();
      return m.join();
    });
    expect(new Set(masks).size).toBe(3);
    for (const m of masks) expect(m.split(',').every((v) => v === '0' || v === '2')).toBe(true);
    expect(step.graphs).toBe(1);
    step.dispose();
    soma.dispose([x, p]);
  });

  it('a model with dropout trains through compiled steps', async () => {
    await soma.setBackend('native');
    soma.setRandomSeed(2);
    const model = sequential({
      layers: [layers.dense({ inputShape: [4], units: 16, activation: 'relu' }), layers.dropout({ rate: 0.3 }), layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    model.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const x = soma.randomNormal([128, 4], { seed: 4 });
    const y = x.sum(1, true).greater(0).cast('float32');
    const before = graphRuns();
    const h = await model.fit(x, y, { epochs: 15, batchSize: 32, verbose: 0 });
    expect(graphRuns() - before).toBe(15 * 4 - 1);
    const acc = h.history.accuracy as number[];
    expect(acc[acc.length - 1]).toBeGreaterThan(0.9);
    soma.dispose([x, y]);
  });

  it('class ids are still checked at every compiled step', async () => {
    await soma.setBackend('native');
    const model = cnn(6);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const { x } = data(32);
    const y = soma.tensor(Float32Array.from({ length: 32 }, (_, i) => (i === 20 ? 1.5 : i % 3)));
    // Batches of 8: the bad id is in the third batch, which runs as a graph.
    await expect(model.fit(x, y, { batchSize: 8, shuffle: false, verbose: 0 })).rejects.toThrow(/sparseCategoricalCrossentropy: class ids must be integers in \[0, 3\), got 1.5/);
    soma.dispose([x, y]);
  });
});

describe("evaluate and predict on 'native' run the inference pass as one graph", () => {
  it('the same predictions and metrics as runEagerly, one graph for every batch size, and ids still checked', async () => {
    await soma.setBackend('native');
    const model = cnn(9);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const eagerTwin = cnn(9);
    eagerTwin.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], runEagerly: true });
    const { x, y } = data(37);
    const before = graphRuns();
    const a = model.predict(x, { batchSize: 16 }) as soma.Tensor;
    expect(graphRuns() - before).toBe(3);
    const b = eagerTwin.predict(x, { batchSize: 16 }) as soma.Tensor;
    close(a.dataSync(), b.dataSync());
    const ea = await model.evaluate(x, y, { batchSize: 10 });
    const eb = await eagerTwin.evaluate(x, y, { batchSize: 10 });
    close([ea.loss, ea.accuracy], [eb.loss, eb.accuracy]);
    soma.dispose([x, y, a, b]);
    const lm = sequential({ layers: [layers.embedding({ inputDim: 5, outputDim: 2, inputLength: 3 }), layers.flatten(), layers.dense({ units: 1 })] });
    const ok = soma.tensor([[1, 2, 3]]);
    (lm.predict(ok) as soma.Tensor).dispose();
    const bad = soma.tensor([[1, 2.5, 3]]);
    expect(() => lm.predict(bad)).toThrow(/ids must be integers in \[0, 5\), got 2.5/);
    soma.dispose([ok, bad]);
  });
});
