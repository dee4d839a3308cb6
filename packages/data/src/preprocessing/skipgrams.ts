// The word2vec data pipeline (Mikolov et al. 2013): a counted vocabulary, (center, context)
// pairs for skip-gram, context windows for CBOW, and negative samples drawn from the unigram
// distribution raised to 3/4. Plain typed arrays: a model turns them into tensors per batch.
import * as soma from '@soma/core';

/** Lowercased words: runs of letters, digits and apostrophes (punctuation separates words). */
export function wordTokens(text: string, options: { lowercase?: boolean } = {}): string[] {
  soma.checkOptions('wordTokens', options, ['lowercase']);
  const t = options.lowercase ?? true ? text.toLowerCase() : text;
  return t.match(/[\p{L}\p{N}']+/gu) ?? [];
}

/**
 * Words by decreasing count (ties alphabetically, so building is deterministic). Id 0 is padding
 * ('<pad>', count 0); words are 1 … size − 1. Words rarer than `minCount` are left out, and
 * `encode` drops them from the text, as word2vec does.
 */
export class WordVocabulary {
  readonly words: readonly string[];
  readonly counts: readonly number[];
  private readonly ids: Map<string, number>;

  constructor(words: readonly string[], counts: readonly number[]) {
    if (words.length !== counts.length) throw new Error(`WordVocabulary: ${words.length} words but ${counts.length} counts`);
    if (words[0] !== '<pad>') throw new Error(`WordVocabulary: id 0 must be '<pad>', got ${JSON.stringify(words[0])}`);
    this.words = words;
    this.counts = counts;
    this.ids = new Map(words.map((w, i) => [w, i]));
    if (this.ids.size !== words.length) throw new Error('WordVocabulary: words must be distinct');
  }

  /** Counts the words of `tokens` (or of a text, split by `wordTokens`). */
  static fromTokens(tokens: readonly string[] | string, options: { minCount?: number; maxSize?: number } = {}): WordVocabulary {
    soma.checkOptions('WordVocabulary.fromTokens', options, ['minCount', 'maxSize']);
    const list = typeof tokens === 'string' ? wordTokens(tokens) : tokens;
    const minCount = options.minCount ?? 1;
    const counts = new Map<string, number>();
    for (const t of list) counts.set(t, (counts.get(t) ?? 0) + 1);
    let kept = [...counts.entries()].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (options.maxSize !== undefined) kept = kept.slice(0, Math.max(0, options.maxSize - 1));
    if (!kept.length) throw new Error(`WordVocabulary.fromTokens: no word occurs ${minCount} or more times in ${list.length} tokens`);
    return new WordVocabulary(['<pad>', ...kept.map(([w]) => w)], [0, ...kept.map(([, c]) => c)]);
  }

  /** Number of ids, padding included. */
  get size(): number {
    return this.words.length;
  }

  /** The id of `word`, or undefined when it is not in the vocabulary. */
  id(word: string): number | undefined {
    return this.ids.get(word);
  }

  /** Ids of the known words of `tokens` (or of a text), unknown words dropped. */
  encode(tokens: readonly string[] | string): Int32Array {
    const list = typeof tokens === 'string' ? wordTokens(tokens) : tokens;
    const out: number[] = [];
    for (const t of list) {
      const id = this.ids.get(t);
      if (id !== undefined) out.push(id);
    }
    return Int32Array.from(out);
  }
}

/**
 * word2vec's subsampling of frequent words: each occurrence of a word with frequency f (its share
 * of the text) is kept with probability (√(f/t) + 1)·t/f, as word2vec.c computes it, so words far
 * above the threshold `t` (word2vec: 1e-3; smaller for large texts) are mostly dropped and rare
 * words always kept. Ids are indices into `counts`.
 */
export function subsampleFrequent(ids: ArrayLike<number>, counts: ArrayLike<number>, options: { threshold: number; seed?: number }): Int32Array {
  soma.checkOptions('subsampleFrequent', options, ['threshold', 'seed']);
  const t = options.threshold;
  if (!(t > 0 && Number.isFinite(t))) throw new Error(`subsampleFrequent: threshold must be a positive number, got ${t}`);
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const prng = new soma.Prng(options.seed ?? soma.nextRandomSeed());
  const kept: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const c = counts[ids[i]];
    if (!(c > 0)) throw new Error(`subsampleFrequent: id ${ids[i]} at position ${i} has no count`);
    const scaled = t * total;
    const keep = (Math.sqrt(c / scaled) + 1) * (scaled / c);
    if (keep >= 1 || prng.nextFloat() < keep) kept.push(ids[i]);
  }
  return Int32Array.from(kept);
}

function checkWindow(fn: string, window: number): void {
  if (!Number.isInteger(window) || window < 1) throw new Error(`${fn}: window must be a positive integer, got ${window}`);
}

/**
 * Skip-gram pairs: each position's word with every word within `window` of it. With a `seed`,
 * each position uses a window drawn uniformly from 1 … window, as word2vec.c does (near words count
 * more); without one the full window is used.
 */
export function skipgramPairs(ids: ArrayLike<number>, options: { window: number; seed?: number }): { centers: Int32Array; contexts: Int32Array } {
  soma.checkOptions('skipgramPairs', options, ['window', 'seed']);
  checkWindow('skipgramPairs', options.window);
  const prng = options.seed === undefined ? null : new soma.Prng(options.seed);
  const centers: number[] = [];
  const contexts: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const w = prng ? 1 + Math.floor(prng.nextFloat() * options.window) : options.window;
    for (let j = Math.max(0, i - w); j <= Math.min(ids.length - 1, i + w); j++) {
      if (j === i) continue;
      centers.push(ids[i]);
      contexts.push(ids[j]);
    }
  }
  return { centers: Int32Array.from(centers), contexts: Int32Array.from(contexts) };
}

/**
 * CBOW examples: for each position, the words within `window` on both sides (2·window ids, padded
 * with 0 at the text's ends) and the word in the middle.
 */
export function cbowExamples(ids: ArrayLike<number>, options: { window: number }): { contexts: Int32Array; centers: Int32Array } {
  soma.checkOptions('cbowExamples', options, ['window']);
  checkWindow('cbowExamples', options.window);
  const W = options.window;
  const contexts = new Int32Array(ids.length * 2 * W);
  const centers = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    centers[i] = ids[i];
    let k = 0;
    for (let d = -W; d <= W; d++) {
      if (d === 0) continue;
      const j = i + d;
      contexts[i * 2 * W + k++] = j >= 0 && j < ids.length ? ids[j] : 0;
    }
  }
  return { contexts, centers };
}

/**
 * Draws ids with probability ∝ count^power (word2vec: 3/4), through a cumulative table and binary
 * search. Ids with count 0 (padding) are never drawn.
 */
export class NegativeSampler {
  private readonly cumulative: Float64Array;
  private readonly prng: soma.Prng;

  constructor(counts: ArrayLike<number>, options: { power?: number; seed?: number } = {}) {
    soma.checkOptions('NegativeSampler', options, ['power', 'seed']);
    const power = options.power ?? 0.75;
    this.cumulative = new Float64Array(counts.length);
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      if (!(counts[i] >= 0)) throw new Error(`NegativeSampler: counts must be numbers >= 0, got ${counts[i]} at ${i}`);
      total += counts[i] > 0 ? counts[i] ** power : 0;
      this.cumulative[i] = total;
    }
    if (!(total > 0)) throw new Error('NegativeSampler: every count is 0');
    this.prng = new soma.Prng(options.seed ?? soma.nextRandomSeed());
  }

  /** One id; never `avoid` unless it is the only word with a count. */
  next(avoid = -1): number {
    const c = this.cumulative;
    const total = c[c.length - 1];
    const from = avoid > 0 ? c[avoid - 1] : 0;
    const skip = avoid >= 0 && avoid < c.length ? c[avoid] - from : 0;
    if (!(total - skip > 0)) return avoid;
    // Draw over the other ids' mass, stepping over the avoided id's interval.
    let r = this.prng.nextFloat() * (total - skip);
    if (skip > 0 && r >= from) r += skip;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** `n` ids, none equal to `avoid` (the true context of the pair they go with). */
  sample(n: number, avoid?: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next(avoid);
    return out;
  }
}
