import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

/** A class label an encoder accepts. */
export type Label = string | number;

/** Labels ↔ integer ids 0..k−1 (sorted order, as scikit-learn's LabelEncoder). */
export class LabelEncoder {
  classes: Label[] = [];
  private index = new Map<Label, number>();

  /** Learns the classes, in sorted order (as scikit-learn's LabelEncoder). */
  fit(labels: Iterable<Label>): this {
    this.classes = [...new Set(labels)].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
    this.index = new Map(this.classes.map((c, i) => [c, i]));
    return this;
  }

  /** The int32 class index of each label; an unseen label is an error naming it. */
  transform(labels: readonly Label[]): Tensor {
    if (!this.classes.length) throw new Error('labelEncoder.transform: call fit() first');
    return soma.tensor(labels.map((l) => {
      const i = this.index.get(l);
      if (i === undefined) throw new Error(`labelEncoder.transform: unknown label '${l}' (known: ${this.classes.slice(0, 10).join(', ')}${this.classes.length > 10 ? ', ...' : ''})`);
      return i;
    }), [labels.length], 'int32');
  }

  /** `fit` then `transform`. */
  fitTransform(labels: readonly Label[]): Tensor {
    return this.fit(labels).transform(labels);
  }

  /** The labels of class indices (a tensor is read synchronously; `inverseTransformAsync` awaits it). */
  inverseTransform(ids: Tensor | readonly number[]): Label[] {
    return this.labelsOf(soma.isTensor(ids) ? Array.from(ids.dataSync()) : ids);
  }

  /** `inverseTransform` with an awaited readback: works on every backend. */
  async inverseTransformAsync(ids: Tensor | readonly number[]): Promise<Label[]> {
    return this.labelsOf(soma.isTensor(ids) ? Array.from(await ids.data()) : ids);
  }

  private labelsOf(v: readonly number[]): Label[] {
    return v.map((i) => {
      if (!(i >= 0 && i < this.classes.length)) throw new Error(`labelEncoder.inverseTransform: id ${i} is outside [0, ${this.classes.length})`);
      return this.classes[i];
    });
  }
}

/** One-hot rows for labels: fit learns the categories (a LabelEncoder), transform gives [n, k] float32. */
export class OneHotEncoder {
  private readonly labels = new LabelEncoder();
  get categories(): Label[] {
    return this.labels.classes;
  }
  /** Learns the categories, in sorted order. */
  fit(values: Iterable<Label>): this {
    this.labels.fit(values);
    return this;
  }
  /** One float32 row per value with a 1 at its category. */
  transform(values: readonly Label[]): Tensor {
    return soma.tidy(() => soma.oneHot(this.labels.transform(values), this.labels.classes.length));
  }
  /** `fit` then `transform`. */
  fitTransform(values: readonly Label[]): Tensor {
    return this.fit(values).transform(values);
  }
  /** The category of each row's largest entry (read synchronously; `inverseTransformAsync` awaits). */
  inverseTransform(oneHot: Tensor): Label[] {
    return soma.tidy(() => this.labels.inverseTransform(soma.argMax(oneHot, -1)));
  }
  /** `inverseTransform` with an awaited readback: works on every backend. */
  async inverseTransformAsync(oneHot: Tensor): Promise<Label[]> {
    const ids = soma.argMax(oneHot, -1);
    try {
      return await this.labels.inverseTransformAsync(ids);
    } finally {
      ids.dispose();
    }
  }
}

/** Options of `Tokenizer`: characters or words, sequence length with padding and truncation sides, lowercasing and vocabulary size. */
export interface TokenizerOptions {
  /** Split into characters or whitespace-separated words. */
  level?: 'char' | 'word';
  /** Sequences are padded or truncated to this length. */
  maxLength: number;
  padding?: 'pre' | 'post';
  truncation?: 'pre' | 'post';
  lowercase?: boolean;
  /** Keep only the most frequent tokens (the rest become out-of-vocabulary). */
  maxVocab?: number;
}

/**
 * A vocabulary of characters or words: id 0 is padding, 1 is out-of-vocabulary, then tokens by
 * decreasing frequency (ties alphabetically, so fitting is deterministic).
 */
export class Tokenizer {
  static readonly PAD = 0;
  static readonly OOV = 1;
  vocabulary: string[] = ['<pad>', '<oov>'];
  private ids = new Map<string, number>();

  constructor(readonly options: TokenizerOptions) {
    if (!Number.isInteger(options.maxLength) || options.maxLength < 1) throw new Error(`tokenizer: maxLength must be a positive integer, got ${options.maxLength}`);
  }

  /**
   * The tokens of `text` (characters or words, lowercased when configured), before the vocabulary
   * lookup.
   */
  tokens(text: string): string[] {
    const t = this.options.lowercase ?? true ? text.toLowerCase() : text;
    return (this.options.level ?? 'word') === 'char' ? [...t] : t.split(/\s+/).filter(Boolean);
  }

  /** Builds the vocabulary from `texts`: the most frequent tokens first, up to `maxTokens`. */
  fit(texts: Iterable<string>): this {
    const counts = new Map<string, number>();
    for (const text of texts) for (const tok of this.tokens(text)) counts.set(tok, (counts.get(tok) ?? 0) + 1);
    let vocab = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
    if (this.options.maxVocab !== undefined) vocab = vocab.slice(0, Math.max(0, this.options.maxVocab - 2));
    this.vocabulary = ['<pad>', '<oov>', ...vocab];
    this.ids = new Map(vocab.map((t, i) => [t, i + 2]));
    return this;
  }

  /** Token ids [n, maxLength] (int32), padded with 0 and truncated per the options. */
  encode(texts: readonly string[]): Tensor {
    if (this.vocabulary.length <= 2 && this.ids.size === 0) throw new Error('tokenizer.encode: call fit() first');
    const L = this.options.maxLength;
    const out = new Int32Array(texts.length * L);
    texts.forEach((text, r) => {
      let ids = this.tokens(text).map((t) => this.ids.get(t) ?? Tokenizer.OOV);
      if (ids.length > L) ids = (this.options.truncation ?? 'post') === 'post' ? ids.slice(0, L) : ids.slice(ids.length - L);
      const start = (this.options.padding ?? 'post') === 'post' ? 0 : L - ids.length;
      out.set(ids, r * L + start);
    });
    return soma.tensor(out, [texts.length, L], 'int32');
  }

  /** Back to text (padding dropped; out-of-vocabulary shown as <oov>); read synchronously, `decodeAsync` awaits. */
  decode(ids: Tensor): string[] {
    return this.texts(ids.dataSync(), ids.shape);
  }

  /** `decode` with an awaited readback: works on every backend. */
  async decodeAsync(ids: Tensor): Promise<string[]> {
    return this.texts(await ids.data(), ids.shape);
  }

  private texts(v: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, shape: readonly number[]): string[] {
    const [n, L] = shape;
    const sep = (this.options.level ?? 'word') === 'char' ? '' : ' ';
    return Array.from({ length: n }, (_, r) => Array.from(v.subarray(r * L, (r + 1) * L)).filter((i) => i !== Tokenizer.PAD).map((i) => this.vocabulary[i] ?? '<oov>').join(sep));
  }
}

/** Options of `slidingWindows`: window length, how far ahead the target is, stride, and whether every step has a target. */
export interface WindowOptions {
  window: number;
  /** Steps between the window's end and the target (1: the next value). */
  horizon?: number;
  stride?: number;
  /** many-to-many: the target is the window shifted by `horizon` ([n, window, features]); else the value `horizon` after the window ([n, features]). */
  manyToMany?: boolean;
}

/** Sliding windows over a sequence [time] or [time, features] for sequence models: { xs: [n, window, features], ys }. */
export function slidingWindows(sequence: Tensor | readonly number[], o: WindowOptions): { xs: Tensor; ys: Tensor } {
  const { window, horizon = 1, stride = 1, manyToMany = false } = o;
  if (![window, horizon, stride].every((v) => Number.isInteger(v) && v >= 1)) throw new Error('slidingWindows: window, horizon and stride must be positive integers');
  return soma.tidy(() => {
    const seq0 = soma.isTensor(sequence) ? sequence : soma.tensor(sequence as number[]);
    const seq = seq0.rank === 1 ? seq0.expandDims(1) : seq0;
    const t = seq.shape[0];
    const starts: number[] = [];
    for (let s = 0; s + window + horizon - 1 < t; s += stride) starts.push(s);
    if (!starts.length) throw new Error(`slidingWindows: a sequence of ${t} steps is shorter than window ${window} + horizon ${horizon}`);
    const idx = (offset: number, len: number) => soma.tensor(starts.flatMap((s) => Array.from({ length: len }, (_, k) => s + offset + k)), [starts.length, len], 'int32');
    const xs = soma.gather(seq, idx(0, window), 0);
    const ys = manyToMany ? soma.gather(seq, idx(horizon, window), 0) : soma.gather(seq, idx(window + horizon - 1, 1), 0).squeeze(1);
    return { xs, ys };
  });
}

/** A new LabelEncoder: class labels ↔ int32 indices. */
export const labelEncoder = () => new LabelEncoder();
/** A new OneHotEncoder: categories ↔ one-hot rows. */
export const oneHotEncoder = () => new OneHotEncoder();
/** A new Tokenizer: text ↔ int32 token ids. */
export const tokenizer = (o: TokenizerOptions) => new Tokenizer(o);
