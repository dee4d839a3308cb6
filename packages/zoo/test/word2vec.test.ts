import { afterEach, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { backendsUnderTest } from '@soma/testing';
import { WordVocabulary } from '@soma/data';
import { exportOnnx } from '@soma/onnx-io';
import { adam } from '@soma/optimizers';
import ort from 'onnxruntime-node';
import { GETTYSBURG_ADDRESS, huffmanPaths, word2vec, word2vecLoss } from '@soma/zoo';

/** Sentences where kings, animals and foods each share their contexts: neighbours are known. */
function corpus(n: number): string {
  const pick = (a: string[], i: number) => a[i % a.length];
  const s: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = (i * 7 + 3) % 11;
    if (i % 3 === 0) s.push(`the ${pick(['king', 'queen', 'prince'], k)} rules the ${pick(['kingdom', 'land', 'castle'], k + i)}`);
    else if (i % 3 === 1) s.push(`a ${pick(['dog', 'cat', 'wolf'], k)} chases a ${pick(['mouse', 'rabbit', 'bird'], k + i)}`);
    else s.push(`we eat ${pick(['bread', 'cheese', 'rice'], k)} with ${pick(['milk', 'tea', 'water'], k + i)}`);
  }
  return s.join('. ');
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('the Huffman tree of hierarchical softmax', () => {
  it("gives word2vec.c's paths and codes for counts worked by hand; frequent words get short paths", () => {
    // Counts 5, 3, 2, 1 (id 0 is padding): 1+2 → A (the 2 gets code 1); A(3) and the 3 → B (the 3
    // gets code 1, A 0: ties take the inner node first); 5 and B(6) → the root (B gets code 1).
    const t = huffmanPaths([0, 5, 3, 2, 1]);
    expect(t.innerNodes).toBe(3);
    expect(t.depth).toBe(3);
    expect(t.nodes.map((n) => Array.from(n))).toEqual([[], [2], [2, 1], [2, 1, 0], [2, 1, 0]]);
    expect(t.codes.map((c) => Array.from(c))).toEqual([[], [0], [1, 1], [1, 0, 1], [1, 0, 0]]);
  });
});

describe('word2vec losses against cases computed by hand', () => {
  const vocab = new WordVocabulary(['<pad>', 'a', 'b', 'c', 'd'], [0, 5, 3, 2, 1]);
  const inVectors = [[0, 0], [0.5, -0.2], [0.1, 0.4], [-0.3, 0.2], [0.25, 0.25]];

  it('negative sampling, skip-gram: −log σ(v_context·u) − Σ log σ(−v_negative·u)', () => {
    const w = word2vec({ vocabulary: vocab, embeddingDim: 2, window: 1, negatives: 2 });
    const outVectors = [[0, 0], [0.3, 0.1], [-0.2, 0.6], [0.7, -0.4], [0.05, 0.9]];
    w.setWeights([soma.tensor(inVectors), soma.tensor(outVectors)]);
    // Center 'a' (1); true context 'c' (3); negatives 'b' (2) and 'd' (4).
    const xs = [soma.tensor([[1]], [1, 1], 'int32'), soma.tensor([[3, 2, 4]], [1, 3], 'int32')];
    const ys = soma.tensor([[1, 0, 0]]);
    const u = inVectors[1];
    const expected = -Math.log(sigmoid(dot(outVectors[3], u))) - Math.log(sigmoid(-dot(outVectors[2], u))) - Math.log(sigmoid(-dot(outVectors[4], u)));
    const scores = w.predict(xs) as soma.Tensor;
    expect(word2vecLoss(ys, scores).dataSync()[0]).toBeCloseTo(expected, 6);
    soma.dispose([...xs, ys, scores]);
    w.dispose();
  });

  it('hierarchical softmax, CBOW: the mean of the context vectors scored along the Huffman path of the center, padding masked', () => {
    const w = word2vec({ vocabulary: vocab, embeddingDim: 2, window: 1, mode: 'cbow', loss: 'hierarchicalSoftmax' });
    const nodeVectors = [[0.2, -0.1], [0.4, 0.3], [-0.6, 0.5]];
    w.setWeights([soma.tensor(inVectors), soma.tensor(nodeVectors)]);
    // Text "b c d": the example centred on 'c' has context [b, d]; the one on 'b' has [pad, c].
    const { xs, ys } = w.examples(['b', 'c', 'd']);
    expect(Array.from(xs[0].dataSync())).toEqual([0, 3, 2, 4, 3, 0]);
    // 'c' (id 3) has path [2, 1, 0], codes [1, 0, 1]: labels 1 − code.
    expect(Array.from(xs[1].dataSync()).slice(3, 6)).toEqual([2, 1, 0]);
    expect(Array.from(ys.dataSync()).slice(3, 6)).toEqual([0, 1, 0]);
    // 'b' (id 2) has a path of two: the third position is padding (label −1).
    expect(Array.from(ys.dataSync()).slice(0, 3)).toEqual([0, 0, -1]);
    const h = [0, 1].map((i) => (inVectors[2][i] + inVectors[4][i]) / 2);
    const expectedC = -Math.log(sigmoid(-dot(nodeVectors[2], h))) - Math.log(sigmoid(dot(nodeVectors[1], h))) - Math.log(sigmoid(-dot(nodeVectors[0], h)));
    const hb = inVectors[3]; // the mean over the one real context word
    const expectedB = -Math.log(sigmoid(-dot(nodeVectors[2], hb))) - Math.log(sigmoid(-dot(nodeVectors[1], hb)));
    const scores = w.predict(xs) as soma.Tensor;
    const losses = word2vecLoss(ys, scores).dataSync();
    expect(losses[1]).toBeCloseTo(expectedC, 6);
    expect(losses[0]).toBeCloseTo(expectedB, 6);
    soma.dispose([...xs, ys, scores]);
    w.dispose();
  });

  it('analogy and mostSimilar on vectors set by hand: king − man + woman is queen', async () => {
    const words = new WordVocabulary(['<pad>', 'king', 'queen', 'man', 'woman', 'apple'], [0, 1, 1, 1, 1, 1]);
    const w = word2vec({ vocabulary: words, embeddingDim: 3, window: 1, negatives: 1 });
    // Axes: royalty, gender, fruit.
    w.setWeights([soma.tensor([[0, 0, 0], [1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 1]]), soma.zeros([6, 3])]);
    const best = await w.analogy('man', 'king', 'woman');
    expect(best[0].word).toBe('queen');
    const near = await w.mostSimilar('king', 2);
    expect(near.map((s) => s.word)).toEqual(['man', 'queen']);
    expect(near[0].similarity).toBeCloseTo(dot([1, 1, 0], [0, 1, 0.1]) / (Math.SQRT2 * Math.hypot(1, 0.1)), 5);
    await expect(w.mostSimilar('prince')).rejects.toThrow(/word2vec\.mostSimilar: "prince" is not in the vocabulary \(5 words\)/);
    w.dispose();
  });
});

const text = corpus(300);
const vocab = WordVocabulary.fromTokens(text);

describe.each(backendsUnderTest(['cpu', 'native']))('word2vec trains on text on %s', (backend) => {
  afterEach(async () => {
    await soma.setBackend('cpu');
  });
  const cases = [['skipgram', 'negativeSampling'], ['skipgram', 'hierarchicalSoftmax'], ['cbow', 'negativeSampling'], ['cbow', 'hierarchicalSoftmax']] as const;
  it.each(cases)('%s with %s: the loss falls and words used alike end up nearest', async (mode, loss) => {
    await soma.setBackend(backend);
    soma.setRandomSeed(1);
    const EPOCHS = 6;
    const w = word2vec({ vocabulary: vocab, embeddingDim: 16, window: 1, mode, loss });
    w.compile({ optimizer: adam({ learningRate: 0.01 }), loss: w.word2vecLoss });
    const losses: number[] = [];
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      const { xs, ys } = w.examples(text, { seed: epoch });
      const h = await w.fit(xs, ys, { epochs: 1, batchSize: 128, verbose: 0 });
      losses.push((h.history.loss as number[])[0]);
      soma.dispose([...xs, ys]);
    }
    expect(losses[EPOCHS - 1]).toBeLessThan(losses[0] * 0.8);
    // A tiny corpus and a few epochs: the two words used like each word are among its 3 nearest.
    const top = async (word: string) => (await w.mostSimilar(word, 3)).map((s) => s.word);
    expect(await top('king')).toEqual(expect.arrayContaining(['prince', 'queen']));
    expect(await top('dog')).toEqual(expect.arrayContaining(['cat', 'wolf']));
    expect(await top('bread')).toEqual(expect.arrayContaining(['cheese', 'rice']));
    w.dispose();
  }, 60_000);

  it('on the text the zoo ships (the Gettysburg Address) the loss falls; examples differ by seed and repeat with one', async () => {
    await soma.setBackend(backend);
    soma.setRandomSeed(2);
    const speech = WordVocabulary.fromTokens(GETTYSBURG_ADDRESS);
    const w = word2vec({ vocabulary: speech, embeddingDim: 20, window: 3 });
    w.compile({ optimizer: adam({ learningRate: 0.02 }), loss: w.word2vecLoss });
    const a = w.examples(GETTYSBURG_ADDRESS, { seed: 1 });
    const b = w.examples(GETTYSBURG_ADDRESS, { seed: 1 });
    const c = w.examples(GETTYSBURG_ADDRESS, { seed: 2 });
    expect(Array.from(b.xs[1].dataSync())).toEqual(Array.from(a.xs[1].dataSync()));
    expect(Array.from(c.xs[1].dataSync())).not.toEqual(Array.from(a.xs[1].dataSync()));
    const h = await w.fit(a.xs, a.ys, { epochs: 10, batchSize: 64, verbose: 0 });
    const l = h.history.loss as number[];
    expect(l[9]).toBeLessThan(l[0] * 0.7);
    expect((await w.mostSimilar('nation', 3)).length).toBe(3);
    soma.dispose([...a.xs, a.ys, ...b.xs, b.ys, ...c.xs, c.ys]);
    w.dispose();
  }, 60_000);

});

describe('word2vec export and errors', () => {
  it('exports to ONNX: onnxruntime-node scores the same', async () => {
    soma.setRandomSeed(3);
    const w = word2vec({ vocabulary: vocab, embeddingDim: 8, window: 2, mode: 'cbow' });
    w.setWeights(w.getWeights().map((t) => soma.randomNormal(t.shape, { seed: 4 })));
    const { xs } = w.examples(text.slice(0, 200), { seed: 1 });
    const expected = w.predict(xs) as soma.Tensor;
    const session = await ort.InferenceSession.create(await exportOnnx(w));
    // Word ids are declared int64 in the export, as PyTorch writes them.
    const feeds = Object.fromEntries(session.inputNames.map((name, i) => [name, new ort.Tensor('int64', BigInt64Array.from(xs[i].dataSync(), (v) => BigInt(v)), xs[i].shape)]));
    const got = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
    const want = expected.dataSync();
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
    soma.dispose([...xs, expected]);
    w.dispose();
  });

  it("subsample drops frequent words before pairs are made (word2vec's sample)", () => {
    const plain = word2vec({ vocabulary: vocab, embeddingDim: 4, window: 1 });
    const thinned = word2vec({ vocabulary: vocab, embeddingDim: 4, window: 1, subsample: 1e-3 });
    const the = vocab.id('the')!;
    const centersOf = (w: typeof plain) => {
      const { xs, ys } = w.examples(text, { seed: 1 });
      const centers = Array.from(xs[0].dataSync());
      soma.dispose([...xs, ys]);
      return centers;
    };
    const a = centersOf(plain);
    const b = centersOf(thinned);
    expect(b.length).toBeLessThan(a.length * 0.7);
    // 'the' (the most frequent word) loses a larger share than a rare word such as 'king'.
    const share = (list: number[], id: number) => list.filter((v) => v === id).length / list.length;
    expect(share(b, the)).toBeLessThan(share(a, the));
    plain.dispose();
    thinned.dispose();
  });

  it('bad options and inputs are errors that name the model and what was expected', () => {
    expect(() => word2vec({ vocabulary: vocab, mode: 'glove' as never })).toThrow(/word2vec: mode must be 'skipgram' or 'cbow', got "glove"/);
    expect(() => word2vec({ vocabulary: ['a', 'b'] as never })).toThrow(/word2vec: vocabulary must be a WordVocabulary/);
    expect(() => word2vec({ vocabulary: vocab, windows: 3 } as never)).toThrow(/word2vec: unknown option 'windows'.*window/);
    const w = word2vec({ vocabulary: vocab, embeddingDim: 4 });
    expect(() => w.examples('zebra giraffe')).toThrow(/word2vec\.examples: the text has 0 known words, too few to make an example/);
    w.dispose();
  });
});
