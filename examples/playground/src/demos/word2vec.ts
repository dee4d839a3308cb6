import * as soma from '@soma/core';
import { WordVocabulary } from '@soma/data';
import { adam } from '@soma/optimizers';
import { word2vec, type Word2Vec, type Word2VecExamples } from '@soma/zoo';
import type { Demo } from '../demo.js';
import { clear, scatter } from '../draw.js';

const GROUPS = [['king', 'queen', 'prince'], ['kingdom', 'land', 'castle'], ['dog', 'cat', 'wolf'], ['mouse', 'rabbit', 'bird'], ['bread', 'cheese', 'rice'], ['milk', 'tea', 'water']];

/** Sentences in which the words of each group are used alike. */
function corpus(n: number): string {
  const pick = (a: string[], i: number) => a[i % a.length];
  const s: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = (i * 7 + 3) % 11;
    if (i % 3 === 0) s.push(`the ${pick(GROUPS[0], k)} rules the ${pick(GROUPS[1], k + i)}`);
    else if (i % 3 === 1) s.push(`a ${pick(GROUPS[2], k)} chases a ${pick(GROUPS[3], k + i)}`);
    else s.push(`we eat ${pick(GROUPS[4], k)} with ${pick(GROUPS[5], k + i)}`);
  }
  return s.join('. ');
}

/** The rows' projection on their first two principal components (power iteration), [n·2]. */
function project2d(rows: Float32Array, n: number, d: number): Float32Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += rows[i * d + j] / n;
  const centred = Float64Array.from(rows, (v, k) => v - mean[k % d]);
  const components: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: d }, (_, j) => Math.sin(j + c + 1));
    for (let it = 0; it < 100; it++) {
      const next = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        let p = 0;
        for (let j = 0; j < d; j++) p += centred[i * d + j] * v[j];
        for (let j = 0; j < d; j++) next[j] += p * centred[i * d + j];
      }
      for (const u of components) {
        const dot = next.reduce((s, x, j) => s + x * u[j], 0);
        for (let j = 0; j < d; j++) next[j] -= dot * u[j];
      }
      const norm = Math.hypot(...next) || 1;
      v = next.map((x) => x / norm);
    }
    components.push(v);
  }
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) out[2 * i + c] = components[c].reduce((s, x, j) => s + x * centred[i * d + j], 0);
  }
  return out;
}

/** Skip-gram word2vec on a small templated text: a 2-D projection of the embeddings and each word's nearest neighbours. */
export function word2vecDemo(): Demo {
  const text = corpus(300);
  let w2v: Word2Vec;
  let examples: Word2VecExamples | null = null;
  let epoch = 0;
  let offset = 0;
  const batch = 128;
  return {
    title: 'word2vec',
    description: 'Skip-gram with negative sampling on a small text in which kings, places, animals, prey, foods and drinks each share their contexts. Words used alike move together (a 2-D principal-component projection of the vectors).',
    async setup() {
      w2v = word2vec({ vocabulary: WordVocabulary.fromTokens(text), embeddingDim: 16, window: 1 });
      w2v.compile({ optimizer: adam({ learningRate: 0.01 }), loss: w2v.word2vecLoss });
      epoch = 0;
      offset = 0;
    },
    async step() {
      if (!examples || offset >= examples.ys.shape[0]) {
        if (examples) soma.dispose([...examples.xs, examples.ys]);
        examples = w2v.examples(text, { seed: epoch++ });
        offset = 0;
      }
      const n = Math.min(batch, examples.ys.shape[0] - offset);
      const take = (t: soma.Tensor) => t.slice([offset, 0], [n, -1]);
      const xs = examples.xs.map(take);
      const ys = take(examples.ys);
      offset += n;
      try {
        return { loss: (await w2v.trainOnBatch(xs, ys)).loss };
      } finally {
        soma.dispose([...xs, ys]);
      }
    },
    async render({ canvas, output }) {
      const words = GROUPS.flat();
      const table = w2v.embeddings();
      const all = await table.data();
      table.dispose();
      const d = all.length / w2v.vocabulary.size;
      const rows = new Float32Array(words.length * d);
      words.forEach((w, i) => rows.set(all.subarray(w2v.vocabulary.id(w)! * d, (w2v.vocabulary.id(w)! + 1) * d), i * d));
      clear(canvas);
      scatter(canvas, project2d(rows, words.length, d), words.map((_, i) => Math.floor(i / 3)), { labels: words });
      const lines = await Promise.all(['king', 'dog', 'bread'].map(async (w) => `${w}: ${(await w2v.mostSimilar(w, 3)).map((s) => `${s.word} ${s.similarity.toFixed(2)}`).join(', ')}`));
      output.textContent = lines.join('\n');
    },
    dispose() {
      if (examples) soma.dispose([...examples.xs, examples.ys]);
      examples = null;
      w2v.dispose();
    },
  };
}
