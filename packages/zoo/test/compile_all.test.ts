import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import '@soma/backend-webgpu';
import { backendsUnderTest } from '@soma/testing';
import type { LayersModel } from '@soma/layers';
import { adam, sgd } from '@soma/optimizers';
import {
  cifarDensenet, cifarResnet, convAutoencoder, densenet, denseAutoencoder, gan, lenet5, lstmClassifier, lstmLanguageModel, lstmRegressor, mlp, resnet18, resnet50, vgg11,
} from '@soma/zoo';

// Every zoo model trains and predicts through core's compiled entrance with zero fallbacks, and
// the compiled run gives what runEagerly gives. The fast tier (cpu) takes the small models; the
// full tier adds the ImageNet-sized architectures (at 32×32) and the other backends.
const full = !process.env.SOMA_TEST_BACKENDS;
const backends = backendsUnderTest(['cpu', 'native', 'webgpu']);
// SwiftShader runs webgpu on the CPU: the large architectures stay on cpu and native there.
const LARGE_ON_WEBGPU = false;

type Loss = 'sparseCategoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';
interface Case {
  name: string;
  large?: boolean;
  build: () => LayersModel;
  loss: Loss;
  /** n samples of inputs and targets, made from a seed. */
  data: (n: number) => { x: soma.Tensor; y: soma.Tensor };
}

const images = (shape: number[], classes: number) => (n: number) => ({
  x: soma.randomNormal([n, ...shape], { seed: 7 }),
  y: soma.tensor(Int32Array.from({ length: n }, (_, i) => (i * 5) % classes), [n], 'int32'),
});
const sameAsInput = (shape: number[]) => (n: number) => {
  const x = soma.randomUniform([n, ...shape], { seed: 7 });
  return { x, y: x.clone() };
};
// Padded id sequences (0 = padding, masked by the embedding) with binary labels.
const sequences = (len: number, vocab: number) => (n: number) => ({
  x: soma.tensor(Float32Array.from({ length: n * len }, (_, k) => ((k % len) < (k % 3) ? 0 : 1 + ((k * 7) % (vocab - 1)))), [n, len]),
  y: soma.tensor(Float32Array.from({ length: n }, (_, i) => i % 2), [n, 1]),
});

const cases: Case[] = [
  { name: 'lenet5', build: () => lenet5(), loss: 'sparseCategoricalCrossentropy', data: images([1, 28, 28], 10) },
  { name: 'vgg11 (cifar head)', large: true, build: () => vgg11({ numClasses: 10, inputShape: [3, 32, 32], classifier: 'cifar', dropout: 0 }), loss: 'sparseCategoricalCrossentropy', data: images([3, 32, 32], 10) },
  { name: 'vgg11 with batch norm', large: true, build: () => vgg11({ numClasses: 10, inputShape: [3, 32, 32], classifier: 'cifar', batchNorm: true, dropout: 0 }), loss: 'sparseCategoricalCrossentropy', data: images([3, 32, 32], 10) },
  { name: 'resnet18', large: true, build: () => resnet18({ numClasses: 10, inputShape: [3, 32, 32] }), loss: 'sparseCategoricalCrossentropy', data: images([3, 32, 32], 10) },
  { name: 'resnet50', large: true, build: () => resnet50({ numClasses: 10, inputShape: [3, 32, 32] }), loss: 'sparseCategoricalCrossentropy', data: images([3, 32, 32], 10) },
  { name: 'cifar resnet-20 (padded shortcuts)', build: () => cifarResnet({ depth: 20, numClasses: 10, inputShape: [3, 16, 16] }), loss: 'sparseCategoricalCrossentropy', data: images([3, 16, 16], 10) },
  { name: 'densenet121', large: true, build: () => densenet({ depth: 121, numClasses: 10, inputShape: [3, 32, 32] }), loss: 'sparseCategoricalCrossentropy', data: images([3, 32, 32], 10) },
  { name: 'densenet-bc (cifar)', build: () => cifarDensenet({ depth: 10, growthRate: 4, numClasses: 10, inputShape: [3, 16, 16] }), loss: 'sparseCategoricalCrossentropy', data: images([3, 16, 16], 10) },
  { name: 'masked lstm classifier', build: () => lstmClassifier({ vocabSize: 20, embeddingDim: 6, sequenceLength: 7, units: 8 }), loss: 'binaryCrossentropy', data: sequences(7, 20) },
  { name: 'masked bidirectional two-layer gru classifier', build: () => lstmClassifier({ vocabSize: 20, embeddingDim: 6, sequenceLength: 7, units: 5, layers: 2, cell: 'gru', bidirectional: true }), loss: 'binaryCrossentropy', data: sequences(7, 20) },
  {
    name: 'lstm regressor (two layers)', build: () => lstmRegressor({ inputShape: [6, 2], units: 6, layers: 2 }), loss: 'meanSquaredError',
    data: (n) => ({ x: soma.randomNormal([n, 6, 2], { seed: 7 }), y: soma.randomNormal([n, 1], { seed: 8 }) }),
  },
  {
    name: 'character lstm language model', build: () => lstmLanguageModel({ vocabulary: 'abcdefg ', embeddingDim: 4, units: 8 }), loss: 'sparseCategoricalCrossentropy',
    data: (n) => ({
      x: soma.tensor(Float32Array.from({ length: n * 6 }, (_, k) => (k * 3) % 8), [n, 6]),
      y: soma.tensor(Int32Array.from({ length: n * 6 }, (_, k) => (k * 3 + 1) % 8), [n, 6], 'int32'),
    }),
  },
  { name: 'mlp with batch norm', build: () => mlp({ inputDim: 5, hiddenUnits: [8, 8], outputUnits: 3, batchNorm: true }), loss: 'meanSquaredError', data: (n) => ({ x: soma.randomNormal([n, 5], { seed: 7 }), y: soma.randomNormal([n, 3], { seed: 8 }) }) },
  { name: 'dense autoencoder', build: () => denseAutoencoder({ inputDim: 12, hiddenUnits: [8], latentDim: 3 }), loss: 'binaryCrossentropy', data: sameAsInput([12]) },
  { name: 'conv autoencoder', build: () => convAutoencoder({ inputShape: [1, 8, 8], filters: [4, 2] }), loss: 'meanSquaredError', data: sameAsInput([1, 8, 8]) },
];

const worst = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return w;
};

/**
 * Trains 10 samples in batches of 4 (4, 4 and a last batch of 2: one graph, symbolic batch), then
 * predicts. The ImageNet architectures end at 1×1 at this size, where batch norm over 2 values and
 * Adam's sign-like steps turn float-rounding differences into different runs: they take 12 samples
 * in batches of 6 and SGD with momentum.
 */
async function run(c: Case, runEagerly: boolean) {
  soma.setRandomSeed(3);
  const model = c.build();
  model.compile({ optimizer: c.large ? sgd({ learningRate: 0.01, momentum: 0.9 }) : adam({ learningRate: 0.01 }), loss: c.loss, runEagerly });
  const { x, y } = c.data(c.large ? 12 : 10);
  const h = await model.fit(x, y, { epochs: 2, batchSize: c.large ? 6 : 4, shuffle: false, verbose: 0 });
  const out = model.predict(x) as soma.Tensor;
  const result = {
    loss: h.history.loss as number[],
    weights: await Promise.all(model.getWeights().map((w) => w.data())),
    preds: await out.data(),
  };
  soma.dispose([x, y, out]);
  model.dispose();
  return result;
}

describe.each(backends)('every zoo model compiles for training and inference on %s (no fallbacks; compiled = eager)', (backend) => {
  afterAll(async () => {
    await soma.setBackend('cpu');
  });
  const chosen = cases.filter((c) => !c.large || (full && (backend !== 'webgpu' || LARGE_ON_WEBGPU)));
  it.each(chosen.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await soma.setBackend(backend);
    const eager = await run(c, true);
    const before = soma.compileStats();
    const compiled = await run(c, false);
    const after = soma.compileStats();
    expect(after.graphFallbacks - before.graphFallbacks, JSON.stringify(after.fallbackReasons.slice(-1))).toBe(0);
    // fit: one training graph (the first step eager), the rest of its steps as graph runs; predict: one graph, one run.
    expect(after.graphsTraced - before.graphsTraced).toBe(2);
    expect(after.graphRuns - before.graphRuns).toBe((c.large ? 3 : 5) + 1);
    // onnxruntime optimizes a whole graph (folds, fuses, reorders sums) where eager runs one kernel
    // per session: through 50–120 layers of the ImageNet nets that rounding reaches 2e-5.
    const tol = c.large && backend === 'native' ? 1e-4 : 1e-5;
    expect(worst(compiled.loss, eager.loss)).toBeLessThan(tol);
    expect(worst(compiled.preds, eager.preds)).toBeLessThan(tol);
    compiled.weights.forEach((w, i) => expect(worst(w, eager.weights[i]), `weight ${i}`).toBeLessThan(tol));
  }, 300_000);

  it("the GAN's alternating steps (discriminator, then the combined model with it frozen) compile", async () => {
    await soma.setBackend(backend);
    const train = async (runEagerly: boolean) => {
      soma.setRandomSeed(4);
      const { generator, discriminator, combined } = gan({ latentDim: 3, dataDim: 6, hiddenUnits: 8 });
      discriminator.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', runEagerly });
      discriminator.trainable = false;
      combined.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', runEagerly });
      const losses: number[] = [];
      for (let step = 0; step < 4; step++) {
        const z = soma.randomNormal([4, 3], { seed: 10 + step });
        const fake = generator.predict(z) as soma.Tensor;
        const real = soma.randomUniform([4, 6], { seed: 20 + step });
        const both = soma.concat([real, fake], 0);
        const labels = soma.concat([soma.ones([4, 1]), soma.zeros([4, 1])], 0);
        const target = soma.ones([4, 1]);
        losses.push((await discriminator.trainOnBatch(both, labels)).loss, (await combined.trainOnBatch(z, target)).loss);
        target.dispose();
        soma.dispose([z, fake, real, both, labels]);
      }
      const weights = await Promise.all(combined.getWeights().map((w) => w.data()));
      combined.dispose();
      return { losses, weights };
    };
    const eager = await train(true);
    const before = soma.compileStats();
    const compiled = await train(false);
    const after = soma.compileStats();
    expect(after.graphFallbacks - before.graphFallbacks, JSON.stringify(after.fallbackReasons.slice(-1))).toBe(0);
    expect(after.graphRuns - before.graphRuns).toBeGreaterThanOrEqual(6);
    expect(worst(compiled.losses, eager.losses)).toBeLessThan(1e-5);
    compiled.weights.forEach((w, i) => expect(worst(w, eager.weights[i]), `weight ${i}`).toBeLessThan(1e-5));
  }, 120_000);
});
