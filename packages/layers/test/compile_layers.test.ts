import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import '@soma/backend-webgpu';
import { backendsUnderTest } from '@soma/testing';
import { input, layers, model, type Layer, type SymbolicTensor } from '@soma/layers';
import { adam } from '@soma/optimizers';

/**
 * Every layer of @soma/layers trains and predicts through core's compiled entrance with no
 * fallback, and the compiled run gives what runEagerly gives (to 1e-5): each case is the layer
 * between an input and a small dense head, fit for two epochs in batches of 4, 4 and 2 (one graph
 * with a symbolic batch), then predict. The fast tier runs cpu; the full tier every backend.
 */

interface Case {
  name: string;
  /** The input shape without the batch axis. */
  shape: number[];
  /**
   * Draws random numbers while training: a compiled step draws them afresh at every run (core's
   * host inputs), but not in the order eager steps do, so these compare no numbers with eager.
   */
  random?: boolean;
  /** Integer-valued inputs (ids for an embedding). */
  ids?: number;
  body: (x: SymbolicTensor) => SymbolicTensor;
}

const one = (t: SymbolicTensor | SymbolicTensor[]) => t as SymbolicTensor;
// Layers are made per model: the eager and the compiled run each build their own.
const on = (make: () => Layer) => (x: SymbolicTensor) => one(make().apply(x));
const merge = (make: () => Layer) => (x: SymbolicTensor) => {
  const a = one(layers.dense({ units: 4 }).apply(x));
  const b = one(layers.dense({ units: 4, activation: 'tanh' }).apply(x));
  return one(make().apply([a, b]));
};

const cases: Case[] = [
  { name: 'dense', shape: [5], body: on(() => layers.dense({ units: 3, activation: 'relu' })) },
  { name: 'activation (gelu)', shape: [5], body: on(() => layers.activation({ activation: 'gelu' })) },
  { name: 'activation (softmax)', shape: [5], body: on(() => layers.activation({ activation: 'softmax' })) },
  { name: 'leakyRelu', shape: [5], body: on(() => layers.leakyRelu({ alpha: 0.2 })) },
  { name: 'prelu', shape: [5], body: on(() => layers.prelu({})) },
  { name: 'dropout (seeded)', random: true, shape: [5], body: on(() => layers.dropout({ rate: 0.3, seed: 1 })) },
  { name: 'rrelu (seeded)', random: true, shape: [5], body: on(() => layers.rrelu({ seed: 1 })) },
  { name: 'gaussianNoise (seeded)', random: true, shape: [5], body: on(() => layers.gaussianNoise({ stddev: 0.1, seed: 1 })) },
  { name: 'gaussianDropout (seeded)', random: true, shape: [5], body: on(() => layers.gaussianDropout({ rate: 0.2, seed: 1 })) },
  { name: 'flatten', shape: [2, 3], body: on(() => layers.flatten({})) },
  { name: 'reshape', shape: [6], body: (x) => one(layers.flatten({}).apply(one(layers.reshape({ targetShape: [3, 2] }).apply(x)))) },
  { name: 'permute', shape: [2, 3], body: (x) => one(layers.flatten({}).apply(one(layers.permute({ dims: [2, 1] }).apply(x)))) },
  { name: 'repeatVector', shape: [4], body: (x) => one(layers.flatten({}).apply(one(layers.repeatVector({ n: 3 }).apply(x)))) },
  { name: 'embedding (maskZero) + lstm', shape: [6], ids: 9, body: (x) => one(layers.lstm({ units: 4 }).apply(one(layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true }).apply(x)))) },
  { name: 'masking + gru', shape: [5, 3], body: (x) => one(layers.gru({ units: 4 }).apply(one(layers.masking({ maskValue: 0 }).apply(x)))) },
  { name: 'conv1d', shape: [3, 8], body: (x) => one(layers.flatten({}).apply(one(layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x)))) },
  { name: 'conv2d (strided, dilated)', shape: [2, 7, 7], body: (x) => one(layers.flatten({}).apply(one(layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, dilationRate: 1, activation: 'relu' }).apply(x)))) },
  { name: 'depthwiseConv2d', shape: [2, 6, 6], body: (x) => one(layers.flatten({}).apply(one(layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }).apply(x)))) },
  { name: 'conv2dTranspose', shape: [2, 4, 4], body: (x) => one(layers.flatten({}).apply(one(layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2 }).apply(x)))) },
  { name: 'maxPool1d + avgPool1d + globalAvgPool1d', shape: [2, 8], body: (x) => one(layers.globalAvgPool1d({}).apply(one(layers.avgPool1d({ poolSize: 2 }).apply(one(layers.maxPool1d({ poolSize: 2 }).apply(x)))))) },
  { name: 'maxPool2d + avgPool2d', shape: [2, 8, 8], body: (x) => one(layers.flatten({}).apply(one(layers.avgPool2d({ poolSize: 2 }).apply(one(layers.maxPool2d({ poolSize: 2 }).apply(x)))))) },
  { name: 'globalAvgPool2d', shape: [3, 4, 4], body: on(() => layers.globalAvgPool2d({})) },
  { name: 'globalMaxPool2d', shape: [3, 4, 4], body: on(() => layers.globalMaxPool2d({})) },
  { name: 'zeroPadding2d + upSampling2d', shape: [1, 3, 3], body: (x) => one(layers.flatten({}).apply(one(layers.upSampling2d({ size: 2 }).apply(one(layers.zeroPadding2d({ padding: 1 }).apply(x)))))) },
  { name: 'batchNormalization', shape: [5], body: on(() => layers.batchNormalization({})) },
  { name: 'batchNormalization (conv)', shape: [2, 4, 4], body: (x) => one(layers.flatten({}).apply(one(layers.batchNormalization({}).apply(x)))) },
  { name: 'layerNormalization', shape: [5], body: on(() => layers.layerNormalization({})) },
  { name: 'add', shape: [5], body: merge(() => layers.add({})) },
  { name: 'subtract', shape: [5], body: merge(() => layers.subtract({})) },
  { name: 'multiply', shape: [5], body: merge(() => layers.multiply({})) },
  { name: 'average', shape: [5], body: merge(() => layers.average({})) },
  { name: 'maximum', shape: [5], body: merge(() => layers.maximum({})) },
  { name: 'minimum', shape: [5], body: merge(() => layers.minimum({})) },
  { name: 'concatenate', shape: [5], body: merge(() => layers.concatenate({ axis: -1 })) },
  { name: 'simpleRnn (returnSequences, goBackwards)', shape: [5, 3], body: (x) => one(layers.flatten({}).apply(one(layers.simpleRnn({ units: 3, returnSequences: true, goBackwards: true }).apply(x)))) },
  { name: 'lstm (peephole)', shape: [5, 3], body: on(() => layers.lstm({ units: 4, peephole: true })) },
  { name: 'gru (resetAfter: false)', shape: [5, 3], body: on(() => layers.gru({ units: 4, resetAfter: false })) },
  { name: 'bidirectional lstm', shape: [5, 3], body: on(() => layers.bidirectional({ layer: layers.lstm({ units: 3 }) })) },
  { name: 'timeDistributed dense', shape: [5, 3], body: (x) => one(layers.flatten({}).apply(one(layers.timeDistributed({ layer: layers.dense({ units: 2 }) }).apply(x)))) },
];

const worst = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return w;
};

async function train(c: Case, runEagerly: boolean) {
  soma.setRandomSeed(5);
  const x0 = input({ shape: c.shape });
  const net = model({ inputs: x0, outputs: one(layers.dense({ units: 2 }).apply(c.body(x0))), name: c.name.replace(/\W+/g, '_') });
  net.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'meanSquaredError', runEagerly });
  const n = 10;
  const size = c.shape.reduce((a, b) => a * b, 1);
  const x = c.ids
    ? soma.tensor(Float32Array.from({ length: n * size }, (_, k) => ((k % size) < (k % 3) ? 0 : 1 + ((k * 7) % (c.ids! - 1)))), [n, ...c.shape])
    : soma.randomNormal([n, ...c.shape], { seed: 7 });
  const y = soma.randomNormal([n, 2], { seed: 8 });
  const h = await net.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
  const out = net.predict(x) as soma.Tensor;
  const result = { loss: h.history.loss as number[], weights: await Promise.all(net.getWeights().map((w) => w.data())), preds: await out.data() };
  soma.dispose([x, y, out]);
  net.dispose();
  return result;
}

describe.each(backendsUnderTest(['cpu', 'native', 'webgpu']))('every layer compiles for training and inference on %s (no fallbacks; compiled = eager)', (backend) => {
  afterAll(async () => {
    await soma.setBackend('cpu');
  });
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await soma.setBackend(backend);
    const eager = await train(c, true);
    const before = soma.compileStats();
    const compiled = await train(c, false);
    const after = soma.compileStats();
    expect(after.graphFallbacks - before.graphFallbacks, JSON.stringify(after.fallbackReasons.slice(-1))).toBe(0);
    expect(after.graphsTraced - before.graphsTraced).toBe(2);
    if (c.random) {
      expect(compiled.loss.every(Number.isFinite) && Array.from(compiled.preds).every(Number.isFinite)).toBe(true);
      return;
    }
    expect(worst(compiled.loss, eager.loss)).toBeLessThan(1e-5);
    expect(worst(compiled.preds, eager.preds)).toBeLessThan(1e-5);
    compiled.weights.forEach((w, i) => expect(worst(w, eager.weights[i]), `weight ${i}`).toBeLessThan(1e-5));
  }, 120_000);
});
