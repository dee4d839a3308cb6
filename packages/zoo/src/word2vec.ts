import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { cbowExamples, NegativeSampler, skipgramPairs, subsampleFrequent, WordVocabulary } from '@soma/data';
import {
  initializers, input, layers, model, registerLayerClass, Layer,
  type LayerArgs, type LayerInput, type LayerShape, type LayersModel, type LossFn, type SymbolicTensor,
} from '@soma/layers';
import { huffmanPaths, type HuffmanPaths } from './huffman.js';
import { modelOptions, positiveInt } from './options.js';

/** Scores of each target against its example's vector: [h [B, D], targets [B, T, D]] → [B, T] dot products. */
export class TargetScores extends Layer<'single'> {
  readonly className = 'TargetScores';
  constructor(args: LayerArgs = {}) {
    super(args, 'target_scores');
  }
  call(inputs: LayerInput): Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`${this.name}: expects [vectors, targetVectors]`);
    const [h, t] = inputs;
    return soma.tidy(() => t.mul(h.expandDims(1)).sum(-1));
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const [, t] = inputShape as LayerShape[];
    return [t[0], t[1]];
  }
}
registerLayerClass('TargetScores', TargetScores);

/**
 * The word2vec objective from logits: Σ over an example's targets of −log σ(z) for label 1 and
 * −log σ(−z) for label 0 (the true context and its negatives, or the nodes of a Huffman path);
 * label −1 marks padding and counts nothing.
 */
export const word2vecLoss: LossFn = (yTrue, yPred) => soma.tidy(() => {
  if (yTrue.shape.join() !== yPred.shape.join()) throw new Error(`word2vecLoss: labels [${yTrue.shape.join(', ')}] and scores [${yPred.shape.join(', ')}] must have the same shape`);
  const y = yTrue.cast('float32');
  const valid = y.greaterEqual(0).cast('float32');
  // softplus(z) − y·z is −log σ(z) for y = 1 and −log σ(−z) for y = 0.
  return soma.softplus(yPred).sub(yPred.mul(y.relu())).mul(valid).sum(-1);
});

/** Options of `word2vec`. */
export interface Word2VecOptions {
  /** The words to embed, with their counts (`WordVocabulary.fromTokens(text, { minCount })` of @soma/data). */
  vocabulary: WordVocabulary;
  embeddingDim: number;
  /** Words on each side of the center that count as its context. */
  window: number;
  /** 'skipgram': predict each context word from the center; 'cbow': the center from the mean of its context. */
  mode: 'skipgram' | 'cbow';
  /** 'negativeSampling' (`negatives` words drawn ∝ count^¾ per example) or 'hierarchicalSoftmax' (a Huffman tree over the counts). */
  loss: 'negativeSampling' | 'hierarchicalSoftmax';
  /** Negative samples per example (word2vec: 5). */
  negatives: number;
  /**
   * Subsampling threshold of frequent words (word2vec's `sample`: 1e-3, smaller for big texts):
   * `examples` drops each occurrence of a frequent word with word2vec.c's probability before making
   * pairs, so "the" stops dominating. 0 (the default) keeps every word.
   */
  subsample: number;
  name: string;
}

/** One batch of examples: the model's two inputs and the labels of its scores. */
export interface Word2VecExamples {
  xs: [Tensor, Tensor];
  ys: Tensor;
}

/** A word and its cosine similarity to the query. */
export interface SimilarWord {
  word: string;
  similarity: number;
}

/** The word2vec model with its vocabulary, the examples it trains on, and queries on the trained vectors. */
export type Word2Vec = LayersModel & {
  readonly vocabulary: WordVocabulary;
  /** The loss to compile with (`word2vecLoss`). */
  readonly word2vecLoss: LossFn;
  /** Training examples from a text (or its ids): new random windows and negatives for each seed. */
  examples(text: string | readonly string[] | Int32Array, options?: { seed?: number }): Word2VecExamples;
  /** A copy of the input vectors, [vocabulary size, embeddingDim] (row 0 is padding): the word embeddings; dispose it when done. */
  embeddings(): Tensor;
  /** The `k` words whose vectors are closest in cosine similarity to `word`'s. */
  mostSimilar(word: string, k?: number): Promise<SimilarWord[]>;
  /** a is to b as c is to …: the `k` words closest to b − a + c (on unit vectors, as gensim), a, b and c excluded. */
  analogy(a: string, b: string, c: string, k?: number): Promise<SimilarWord[]>;
};

/**
 * word2vec (Mikolov et al. 2013): skip-gram or CBOW, trained with negative sampling or
 * hierarchical softmax. The model maps [inputs, targets] (ids) to one score per target; fit it on
 * `examples(text)` with `word2vecLoss`.
 */
export function word2vec(options: Partial<Word2VecOptions> & { vocabulary: WordVocabulary }): Word2Vec {
  const fn = 'word2vec';
  const o = modelOptions<Word2VecOptions>(fn, options, { vocabulary: options?.vocabulary, embeddingDim: 100, window: 5, mode: 'skipgram', loss: 'negativeSampling', negatives: 5, subsample: 0, name: 'word2vec' });
  if (!(o.vocabulary instanceof WordVocabulary)) throw new Error(`${fn}: vocabulary must be a WordVocabulary (WordVocabulary.fromTokens(text) of @soma/data)`);
  if (o.mode !== 'skipgram' && o.mode !== 'cbow') throw new Error(`${fn}: mode must be 'skipgram' or 'cbow', got ${JSON.stringify(o.mode)}`);
  if (o.loss !== 'negativeSampling' && o.loss !== 'hierarchicalSoftmax') throw new Error(`${fn}: loss must be 'negativeSampling' or 'hierarchicalSoftmax', got ${JSON.stringify(o.loss)}`);
  const dim = positiveInt(fn, 'embeddingDim', o.embeddingDim);
  const window = positiveInt(fn, 'window', o.window);
  const negatives = positiveInt(fn, 'negatives', o.negatives);
  const vocab = o.vocabulary;
  const tree: HuffmanPaths | null = o.loss === 'hierarchicalSoftmax' ? huffmanPaths([...vocab.counts]) : null;
  const cbow = o.mode === 'cbow';
  const contextLength = cbow ? 2 * window : 1;
  const targetLength = tree ? tree.depth : 1 + negatives;

  const inputs = input({ shape: [contextLength], dtype: 'int32', name: `${o.name}_inputs` });
  const targets = input({ shape: [targetLength], dtype: 'int32', name: `${o.name}_targets` });
  // word2vec.c: input vectors uniform in ±0.5/dim, output vectors zero.
  const inEmbedding = layers.embedding({ inputDim: vocab.size, outputDim: dim, maskZero: cbow, embeddingsInitializer: initializers.randomUniform({ minval: -0.5 / dim, maxval: 0.5 / dim }), name: `${o.name}_embedding` });
  const outEmbedding = layers.embedding({ inputDim: tree ? tree.innerNodes : vocab.size, outputDim: dim, embeddingsInitializer: 'zeros', name: `${o.name}_output_vectors` });
  const embedded = inEmbedding.apply(inputs) as SymbolicTensor;
  const h = (cbow ? layers.globalAvgPool1d({ dataFormat: 'channelsLast' }) : layers.flatten()).apply(embedded) as SymbolicTensor;
  const scores = new TargetScores({ name: `${o.name}_scores` }).apply([h, outEmbedding.apply(targets) as SymbolicTensor]) as SymbolicTensor;
  const net = model({ inputs: [inputs, targets], outputs: scores, name: o.name });

  let calls = 0;
  const examples = (text: string | readonly string[] | Int32Array, exampleOptions: { seed?: number } = {}): Word2VecExamples => {
    soma.checkOptions(`${o.name}.examples`, exampleOptions, ['seed']);
    const seed = exampleOptions.seed ?? soma.nextRandomSeed() + calls++;
    const encoded = text instanceof Int32Array ? text : vocab.encode(text);
    const ids = o.subsample > 0 ? subsampleFrequent(encoded, vocab.counts, { threshold: o.subsample, seed: seed + 2 }) : encoded;
    let ins: Int32Array;
    let predicted: Int32Array; // the word each example predicts
    if (cbow) {
      const ex = cbowExamples(ids, { window });
      [ins, predicted] = [ex.contexts, ex.centers];
    } else {
      const pairs = skipgramPairs(ids, { window, seed });
      [ins, predicted] = [pairs.centers, pairs.contexts];
    }
    const n = predicted.length;
    if (n === 0) throw new Error(`${o.name}.examples: the text has ${ids.length} known words, too few to make an example`);
    const tgt = new Int32Array(n * targetLength);
    const labels = new Float32Array(n * targetLength);
    if (tree) {
      labels.fill(-1);
      for (let i = 0; i < n; i++) {
        const path = tree.nodes[predicted[i]];
        const code = tree.codes[predicted[i]];
        for (let d = 0; d < path.length; d++) {
          tgt[i * targetLength + d] = path[d];
          labels[i * targetLength + d] = 1 - code[d];
        }
      }
    } else {
      const sampler = new NegativeSampler(vocab.counts, { seed: seed + 1 });
      for (let i = 0; i < n; i++) {
        tgt[i * targetLength] = predicted[i];
        labels[i * targetLength] = 1;
        tgt.set(sampler.sample(negatives, predicted[i]), i * targetLength + 1);
      }
    }
    return {
      xs: [soma.tensor(ins, [n, contextLength], 'int32'), soma.tensor(tgt, [n, targetLength], 'int32')],
      ys: soma.tensor(labels, [n, targetLength]),
    };
  };

  const vectorOf = (who: string, word: string): number => {
    const id = vocab.id(word);
    if (id === undefined) throw new Error(`${o.name}.${who}: "${word}" is not in the vocabulary (${vocab.size - 1} words)`);
    return id;
  };
  /** Unit-length input vectors, read once per query. */
  const unitVectors = async (): Promise<Float32Array> => {
    const table = Float32Array.from(await inEmbedding.weights[0].data());
    for (let r = 0; r < vocab.size; r++) {
      let norm = 0;
      for (let c = 0; c < dim; c++) norm += table[r * dim + c] ** 2;
      const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let c = 0; c < dim; c++) table[r * dim + c] *= s;
    }
    return table;
  };
  const nearest = (table: Float32Array, query: Float64Array, exclude: Set<number>, k: number): SimilarWord[] => {
    let qn = 0;
    for (const v of query) qn += v * v;
    qn = Math.sqrt(qn) || 1;
    const scored: SimilarWord[] = [];
    for (let r = 1; r < vocab.size; r++) {
      if (exclude.has(r)) continue;
      let dot = 0;
      for (let c = 0; c < dim; c++) dot += table[r * dim + c] * query[c];
      scored.push({ word: vocab.words[r], similarity: dot / qn });
    }
    return scored.sort((a, b) => b.similarity - a.similarity).slice(0, k);
  };
  const row = (table: Float32Array, id: number) => Float64Array.from(table.subarray(id * dim, (id + 1) * dim));

  return Object.assign(net, {
    vocabulary: vocab,
    word2vecLoss,
    examples,
    embeddings: () => inEmbedding.weights[0].clone(),
    async mostSimilar(word: string, k = 10) {
      const id = vectorOf('mostSimilar', word);
      positiveInt(`${o.name}.mostSimilar`, 'k', k);
      const table = await unitVectors();
      return nearest(table, row(table, id), new Set([id]), k);
    },
    async analogy(a: string, b: string, c: string, k = 1) {
      const [ia, ib, ic] = [a, b, c].map((w) => vectorOf('analogy', w));
      positiveInt(`${o.name}.analogy`, 'k', k);
      const table = await unitVectors();
      const q = row(table, ib);
      const ra = row(table, ia);
      const rc = row(table, ic);
      for (let i = 0; i < dim; i++) q[i] += rc[i] - ra[i];
      return nearest(table, q, new Set([ia, ib, ic]), k);
    },
  });
}
