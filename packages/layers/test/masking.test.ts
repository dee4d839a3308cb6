import { afterEach, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import '@soma/backend-webgpu';
import { input, layers, model, sequential, type Layer } from '@soma/layers';
import { adam } from '@soma/optimizers';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backendsUnderTest } from '@soma/testing';

interface Enc { shape: number[]; data: number[] }
interface MaskCase {
  name: string;
  kind: 'simpleRnn' | 'lstm' | 'gru';
  units: number;
  bidirectional: boolean;
  embeddings: Enc;
  ids: number[][];
  lengths: number[];
  weights: { forward: Record<string, Enc>; backward?: Record<string, Enc> };
  final: Enc;
  steps: (number[] | null)[][];
}
const fixtures = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/torch_masks.json', import.meta.url)), 'utf8')) as { generator: string; cases: MaskCase[] };

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-5): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i]), `${what}[${i}]`).toBeLessThan(tol);
}

function setWeights(layer: Layer, w: Record<string, Enc>): void {
  for (const [name, e] of Object.entries(w)) {
    const v = layer.weights.find((x) => x.name.endsWith(`/${name}`))!;
    expect(v, `${layer.name}/${name}`).toBeDefined();
    v.assign(soma.tensor(e.data, e.shape));
  }
}

/** embedding({ maskZero }) → the recurrent layer, with PyTorch's weights. */
function build(c: MaskCase, returnSequences: boolean) {
  const [vocab, dim] = c.embeddings.shape;
  const rnnArgs = { units: c.units, returnSequences, ...(c.kind === 'gru' ? { resetAfter: true } : {}) };
  const make = () => (c.kind === 'lstm' ? layers.lstm(rnnArgs) : c.kind === 'gru' ? layers.gru(rnnArgs) : layers.simpleRnn(rnnArgs));
  const rnn = c.bidirectional ? layers.bidirectional({ layer: make() }) : make();
  const emb = layers.embedding({ inputDim: vocab, outputDim: dim, maskZero: true, inputLength: c.ids[0].length });
  const net = sequential([emb, rnn]);
  const ids = soma.tensor(c.ids.flat(), [c.ids.length, c.ids[0].length], 'int32');
  soma.tidy(() => void net.predict(ids));
  setWeights(emb, { embeddings: c.embeddings });
  if (c.bidirectional) {
    const bi = rnn as ReturnType<typeof layers.bidirectional>;
    setWeights(bi.forward, c.weights.forward);
    setWeights(bi.backward, c.weights.backward!);
  } else setWeights(rnn, c.weights.forward);
  return { net, ids };
}

describe(`masked sequences match PyTorch's packed sequences (${fixtures.generator})`, () => {
  afterEach(async () => {
    await soma.setBackend('cpu');
  });

  describe.each(backendsUnderTest(['cpu', 'native', 'webgpu']))('on %s', (backend) => {
    it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s: each sequence ends at its own last real step', async (_, c) => {
      await soma.setBackend(backend);
      const { net, ids } = build(c, false);
      const y = net.predict(ids);
      close(await y.data(), c.final.data, 'final state');
      soma.dispose([ids, y]);
      net.dispose();
    });

    it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s: outputs at the real steps; a padded step repeats the last real output', async (_, c) => {
      await soma.setBackend(backend);
      const { net, ids } = build(c, true);
      const y = net.predict(ids);
      const [b, t, width] = y.shape;
      const values = await y.data();
      const at = (i: number, s: number) => Array.from(values.subarray((i * t + s) * width, (i * t + s + 1) * width));
      for (let i = 0; i < b; i++) {
        for (let s = 0; s < t; s++) {
          const expected = c.steps[i][s];
          if (expected) close(at(i, s), expected, `sequence ${i} step ${s}`);
          else if (!c.bidirectional) close(at(i, s), c.steps[i][c.lengths[i] - 1]!, `sequence ${i} padded step ${s}`);
        }
      }
      soma.dispose([ids, y]);
      net.dispose();
    });
  });

  it('a masking layer on float sequences gives the same states as embedding({ maskZero })', () => {
    const c = fixtures.cases[0];
    const { net, ids } = build(c, false);
    const rnn = net.layers[net.layers.length - 1];
    const emb = net.layers[net.layers.length - 2];
    // The embedded sequences with their padded steps set to 0: the masking layer finds them.
    const x = soma.tidy(() => (emb.apply(ids) as soma.Tensor).mul(ids.notEqual(0).cast('float32').expandDims(-1)));
    const viaMasking = sequential([layers.masking({ maskValue: 0, inputShape: [x.shape[1], x.shape[2]] }), rnn]);
    const y = viaMasking.predict(x);
    close(y.dataSync(), c.final.data, 'final state through masking');
    soma.dispose([ids, x, y]);
  });
});

describe('masks elsewhere: pooling, training, and layers that cannot take one', () => {
  it('globalAveragePooling1d averages the real steps only; a padded input with no mask averages all', () => {
    const ids = soma.tensor([[1, 2, 0, 0], [3, 0, 0, 0]], [2, 4], 'int32');
    const emb = layers.embedding({ inputDim: 4, outputDim: 2, maskZero: true, embeddingsInitializer: 'ones' });
    const net = sequential([emb, layers.globalAveragePooling1d({ dataFormat: 'channelsLast' })]);
    soma.tidy(() => void net.predict(ids));
    emb.weights[0].assign(soma.tensor([[9, 9], [1, 2], [3, 4], [5, 6]]));
    const y = net.predict(ids);
    close(y.dataSync(), [2, 3, 5, 6], 'masked means');
    soma.dispose([ids, y]);
  });

  // Not on webgpu: 40 epochs of a masked LSTM are thousands of dispatches, minutes on SwiftShader;
  // the webgpu training suite (webgpu_training.test.ts) covers fit there.
  it('an embedding-LSTM classifier on padded sequences trains with fit (compiled on native too)', async () => {
    for (const backend of backendsUnderTest(['cpu', 'native'])) {
      await soma.setBackend(backend);
      soma.setRandomSeed(7);
      // The label is whether token 1 occurs; sequences are right-padded with 0 to length 8.
      const rng = new soma.Prng(3);
      const rows: number[][] = [];
      const labels: number[] = [];
      for (let i = 0; i < 96; i++) {
        const n = 1 + Math.floor(rng.nextFloat() * 8);
        const seq = Array.from({ length: 8 }, (_, k) => (k < n ? 2 + Math.floor(rng.nextFloat() * 4) : 0));
        if (i % 2) seq[Math.floor(rng.nextFloat() * n)] = 1;
        rows.push(seq);
        labels.push(i % 2);
      }
      const x = soma.tensor(rows.flat(), [96, 8], 'int32');
      const y = soma.tensor(labels, [96, 1]);
      const net = sequential([
        layers.embedding({ inputDim: 6, outputDim: 8, maskZero: true, inputLength: 8 }),
        layers.lstm({ units: 8 }),
        layers.dense({ units: 1, activation: 'sigmoid' }),
      ]);
      net.compile({ optimizer: adam({ learningRate: 0.03 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      const h = await net.fit(x, y, { epochs: 40, batchSize: 32, verbose: 0 });
      const acc = h.history.accuracy as number[];
      expect(acc[acc.length - 1], backend).toBeGreaterThan(0.9);
      soma.dispose([x, y]);
    }
    await soma.setBackend('cpu');
  });

  it('a masked input reaching a layer that cannot use the mask is an error naming the layer', () => {
    const ids = soma.tensor([[1, 2, 0]], [1, 3], 'int32');
    const flat = sequential([layers.embedding({ inputDim: 4, outputDim: 2, maskZero: true }), layers.flatten({ name: 'flat' })]);
    expect(() => flat.predict(ids)).toThrow(/flat \(Flatten\) does not support masking, but its input carries a mask/);
    // A channelsFirst pooling cannot use a [batch, steps] mask: a clear error.
    const pooled = sequential([layers.embedding({ inputDim: 4, outputDim: 2, maskZero: true }), layers.globalAveragePooling1d({ dataFormat: 'channelsFirst' })]);
    expect(() => pooled.predict(ids)).toThrow(/carries a \[batch, steps\] mask.*pass dataFormat: 'channelsLast'/);
    ids.dispose();
  });

  it('functional models carry masks along their edges (concatenate along time joins them)', () => {
    const a = input({ shape: [3], dtype: 'int32' });
    const b = input({ shape: [2], dtype: 'int32' });
    const emb = layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true, embeddingsInitializer: 'ones' });
    const joined = layers.concatenate({ axis: 1 }).apply([emb.apply(a), emb.apply(b)]);
    const out = layers.globalAveragePooling1d({ dataFormat: 'channelsLast' }).apply(joined);
    const m = model({ inputs: [a, b], outputs: out });
    const xa = soma.tensor([[1, 0, 0]], [1, 3], 'int32');
    const xb = soma.tensor([[2, 3]], [1, 2], 'int32');
    soma.tidy(() => void m.predict([xa, xb]));
    emb.weights[0].assign(soma.tensor([[0, 0], [1, 1], [2, 2], [6, 6], [9, 9]]));
    const y = m.predict([xa, xb]);
    // Real steps: 1 (from a), 2 and 3 (from b): embeddings 1, 2, 6 → mean 3.
    close(y.dataSync(), [3, 3], 'mean over the joined real steps');
    soma.dispose([xa, xb, y]);
  });
});
