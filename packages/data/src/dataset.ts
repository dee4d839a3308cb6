import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { disposeElement, stackElements, unstackElement, type Batched, type Element } from './element.js';
import { createWorkerPool } from './worker_pool.js';
import type { CsvLabeledRow, CsvOptions } from './sources/csv.js';
import type { JsonLinesOptions } from './sources/json_lines.js';
import type { TextSource } from './sources/text_lines.js';
import { checkShard } from './sources/file_list.js';
import type { ParquetOptions, ParquetSource } from './sources/parquet.js';

/** A value, or a promise of one. */
export type Awaitable<T> = T | Promise<T>;
type Source<T> = () => AsyncIterator<T> | Iterator<T>;
/** Element i of an in-memory dataset; lets shuffle draw a true permutation and split pick subsets. */
type RandomAccess<T> = (i: number) => Awaitable<T>;

function tensorsIn(x: unknown, into: Set<Tensor>, depth = 0): void {
  if (depth > 6 || x === null || typeof x !== 'object') return;
  if (soma.isTensor(x)) into.add(x);
  else if (Array.isArray(x)) for (const v of x) tensorsIn(v, into, depth + 1);
  else if (!ArrayBuffer.isView(x)) for (const v of Object.values(x)) tensorsIn(v, into, depth + 1);
}

/** Frees the tensors of `input` that `output` does not carry on (a map may pass tensors through). */
function releaseInput(input: unknown, output: unknown): void {
  const ins = new Set<Tensor>();
  tensorsIn(input, ins);
  if (!ins.size) return;
  const outs = new Set<Tensor>();
  tensorsIn(output, outs);
  for (const t of ins) if (!outs.has(t)) t.dispose();
}

/** Options of `shuffle`: a seed, and whether each epoch gets a new order. */
export interface ShuffleOptions {
  seed?: number;
  /** Draw a new order every epoch (default true); false repeats the first epoch's order. */
  reshuffleEachIteration?: boolean;
}

/**
 * A lazy, chainable pipeline of elements, iterated with `for await`. Each iteration is one epoch:
 * sources restart and seeded shuffles draw that epoch's order. Ownership: a stage owns what it
 * receives and the consumer owns (and disposes) the tensors it gets.
 */
export class Dataset<T = Element> implements AsyncIterable<T> {
  private epoch = 0;

  /** @internal Datasets are made by `Dataset.fromArrays`, `fromGenerator`, `fromCsv`, …. */
  constructor(
    private readonly source: Source<T>,
    /** Number of elements when known (in-memory sources and what derives from them). */
    readonly size: number | null = null,
    private readonly access: RandomAccess<T> | null = null,
  ) {}

  /** Iterates one epoch: `for await (const x of ds)`. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    this.epoch++;
    const it = this.source();
    return {
      next: async () => it.next(),
      return: async (v?: unknown) => (it.return ? it.return(v as T) : { done: true, value: undefined as T }),
    };
  }

  /** Runs one epoch and collects the elements (for small datasets and tests). */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const e of this) out.push(e);
    return out;
  }

  // ---- sources -------------------------------------------------------------------------------

  /** Streams a CSV file, URL or text (see CsvOptions); installed by sources/csv. */
  static fromCsv: {
    (source: TextSource | readonly (string | URL)[], options: CsvOptions & { label: string | string[] }): Dataset<CsvLabeledRow>;
    (source: TextSource | readonly (string | URL)[], options?: CsvOptions): Dataset<Element>;
  };
  /** Streams JSON Lines; installed by sources/json_lines. */
  static fromJsonLines: (source: TextSource | readonly (string | URL)[], options?: JsonLinesOptions) => Dataset<Element>;
  /** Streams Parquet files row group by row group (see ParquetOptions); installed by sources/parquet. */
  static fromParquet: {
    (source: ParquetSource, options: ParquetOptions & { label: string | string[] }): Dataset<{ xs: number[]; ys: number | number[] }>;
    (source: ParquetSource, options?: ParquetOptions): Dataset<Element>;
  };

  /** One element per item. Items are used as they are (not copied). */
  static fromArrays<E>(items: readonly E[]): Dataset<E> {
    const list = [...items];
    return new Dataset(() => list[Symbol.iterator](), list.length, (i) => list[i]);
  }

  /**
   * Slices tensors along axis 0: one tensor gives tensor elements, an array or object of tensors
   * (which must agree in length) gives arrays or objects, e.g. `fromTensors({ xs, ys })`.
   */
  static fromTensors(tensors: Tensor): Dataset<Tensor>;
  static fromTensors(tensors: readonly Tensor[]): Dataset<Tensor[]>;
  static fromTensors<R extends Readonly<Record<string, Tensor>>>(tensors: R): Dataset<{ [K in keyof R]: Tensor }>;
  static fromTensors(tensors: Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>): Dataset<Element>;
  static fromTensors(tensors: Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>): Dataset<Element> {
    const leaves: Tensor[] = soma.isTensor(tensors) ? [tensors] : Array.isArray(tensors) ? [...tensors] : Object.values(tensors);
    if (leaves.length === 0) throw new Error('Dataset.fromTensors: needs at least one tensor');
    const n = leaves[0].shape[0];
    for (const [i, t] of leaves.entries()) {
      if (t.rank === 0 || t.shape[0] !== n) throw new Error(`Dataset.fromTensors: tensor ${i} has ${t.rank ? t.shape[0] : 0} rows but tensor 0 has ${n}`);
    }
    const row = (t: Tensor, i: number): Tensor => soma.tidy(() => soma.slice(t, [i], [1]).squeeze(0));
    const at = (i: number): Element => {
      if (soma.isTensor(tensors)) return row(tensors, i);
      if (Array.isArray(tensors)) return tensors.map((t) => row(t, i));
      return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, row(t, i)]));
    };
    return new Dataset<Element>(function* () {
      for (let i = 0; i < n; i++) yield at(i);
    }, n, at);
  }

  /** Elements from a (sync or async) generator function, called anew for every epoch. */
  static fromGenerator<E>(gen: () => Iterator<E> | AsyncIterator<E>, size: number | null = null): Dataset<E> {
    return new Dataset(gen, size);
  }

  /** Numbers start, start + step, ... below end. */
  static range(start: number, end?: number, step = 1): Dataset<number> {
    const [a, b] = end === undefined ? [0, start] : [start, end];
    if (step === 0) throw new Error('Dataset.range: step must not be 0');
    const n = Math.max(0, Math.ceil((b - a) / step));
    return new Dataset(function* () {
      for (let i = 0; i < n; i++) yield a + i * step;
    }, n, (i) => a + i * step);
  }

  /** Elements of several datasets side by side, as an array or object; stops with the shortest. */
  static zip<D extends readonly Dataset<unknown>[] | Readonly<Record<string, Dataset<unknown>>>>(datasets: D): Dataset<{ -readonly [K in keyof D]: D[K] extends Dataset<infer U> ? U : never }> {
    const entries = Array.isArray(datasets) ? (datasets as Dataset<unknown>[]).map((d, i) => [String(i), d] as const) : Object.entries(datasets as Record<string, Dataset<unknown>>);
    const asArray = Array.isArray(datasets);
    const sizes = entries.map(([, d]) => d.size);
    const size = sizes.every((s) => s !== null) ? Math.min(...(sizes as number[])) : null;
    type Zipped = { -readonly [K in keyof D]: D[K] extends Dataset<infer U> ? U : never };
    return new Dataset<Zipped>(async function* () {
      const its = entries.map(([, d]) => d[Symbol.asyncIterator]());
      try {
        for (;;) {
          const rs = await Promise.all(its.map((it) => it.next()));
          if (rs.some((r) => r.done)) return;
          const values = rs.map((r) => r.value as Element);
          yield (asArray ? values : Object.fromEntries(entries.map(([k], i) => [k, values[i]]))) as Zipped;
        }
      } finally {
        await Promise.all(its.map((it) => it.return?.()));
      }
    }, size);
  }

  // ---- combinators ---------------------------------------------------------------------------

  /** Applies fn (sync or async) to every element; tensors of the input not passed on are freed. */
  map<U>(fn: (e: T) => Awaitable<U>): Dataset<U> {
    const up = this;
    const access = this.access;
    const apply = async (e: T): Promise<U> => {
      const out = await fn(e);
      releaseInput(e, out);
      return out;
    };
    return new Dataset<U>(async function* () {
      for await (const e of up) yield await apply(e);
    }, this.size, access ? async (i) => apply(await access(i)) : null);
  }

  /**
   * Like map, but runs `fn` in `workers` parallel threads (worker_threads in Node, Web Workers in
   * browsers) for CPU-heavy preprocessing such as decoding and augmentation; output order is
   * preserved. `fn` must be self-contained (it is sent as source text, without its closure) and
   * elements must be plain data — typed arrays, numbers, objects — not tensors.
   */
  mapInWorkers<U>(fn: (e: T) => Awaitable<U>, options: { workers?: number; inFlight?: number } = {}): Dataset<U> {
    const up = this;
    const workers = options.workers ?? 2;
    const inFlight = options.inFlight ?? workers * 2;
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`mapInWorkers: workers must be a positive integer, got ${workers}`);
    return new Dataset<U>(async function* () {
      const pool = await createWorkerPool(fn as (v: never) => unknown, workers);
      const queue: Promise<unknown>[] = [];
      let id = 0;
      try {
        for await (const e of up) {
          if (soma.isTensor(e)) throw new Error('mapInWorkers: elements must be plain data (typed arrays, numbers, objects), not tensors');
          const result = pool.run(id++, e);
          // Rejections are rethrown when their turn comes; until then they must not count as unhandled.
          result.catch(() => undefined);
          queue.push(result);
          if (queue.length >= inFlight) yield (await queue.shift()!) as U;
        }
        while (queue.length) yield (await queue.shift()!) as U;
      } finally {
        await Promise.allSettled(queue);
        await pool.close();
      }
    }, this.size);
  }

  /** Keeps the elements for which pred is true (the others are freed). */
  filter(pred: (e: T) => Awaitable<boolean>): Dataset<T> {
    const up = this;
    return new Dataset<T>(async function* () {
      for await (const e of up) {
        if (await pred(e)) yield e;
        else disposeElement(e as Element);
      }
    });
  }

  /**
   * Shuffles. With a buffer at least as large as an in-memory dataset this is a uniform
   * permutation (the default for in-memory data); otherwise a streaming shuffle buffer, as
   * tf.data does. The same seed gives the same order on every run and backend.
   */
  shuffle(bufferSize: number = Infinity, options: ShuffleOptions = {}): Dataset<T> {
    soma.checkOptions('shuffle', options, ['seed', 'reshuffleEachIteration']);
    if (!(bufferSize >= 1)) throw new Error(`shuffle: bufferSize must be >= 1, got ${bufferSize}`);
    const { seed, reshuffleEachIteration = true } = options;
    const up = this;
    let epoch = 0;
    const rngForEpoch = (): soma.Prng => {
      const e = reshuffleEachIteration ? epoch++ : 0;
      return new soma.Prng(seed === undefined ? soma.nextRandomSeed() : seed * 7919 + e);
    };
    const access = this.access;
    if (access && this.size !== null && bufferSize >= this.size) {
      const n = this.size;
      return new Dataset<T>(async function* () {
        const rng = rngForEpoch();
        const order = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(rng.nextFloat() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
        for (const i of order) yield await access(i);
      }, n, null);
    }
    return new Dataset<T>(async function* () {
      const rng = rngForEpoch();
      const buffer: T[] = [];
      for await (const e of up) {
        if (buffer.length < bufferSize) {
          buffer.push(e);
          continue;
        }
        const j = Math.floor(rng.nextFloat() * buffer.length);
        yield buffer[j];
        buffer[j] = e;
      }
      while (buffer.length) {
        const j = Math.floor(rng.nextFloat() * buffer.length);
        yield buffer[j];
        buffer[j] = buffer[buffer.length - 1];
        buffer.pop();
      }
    }, this.size);
  }

  /** Groups `size` consecutive elements and stacks them (tensors along a new axis 0). */
  batch(size: number, options: { dropRemainder?: boolean } = {}): Dataset<Batched<T>> {
    soma.checkOptions('batch', options, ['dropRemainder']);
    if (!Number.isInteger(size) || size < 1) throw new Error(`batch: size must be a positive integer, got ${size}`);
    const up = this;
    const n = this.size === null ? null : options.dropRemainder ? Math.floor(this.size / size) : Math.ceil(this.size / size);
    const flush = (items: Element[]): Element => {
      try {
        return stackElements(items, 'batch');
      } finally {
        for (const e of items) disposeElement(e);
      }
    };
    return new Dataset<Batched<T>>(async function* () {
      let items: Element[] = [];
      for await (const e of up) {
        items.push(e as Element);
        if (items.length === size) {
          const b = flush(items);
          items = [];
          yield b as Batched<T>;
        }
      }
      if (items.length && !options.dropRemainder) yield flush(items) as Batched<T>;
      else for (const e of items) disposeElement(e);
    }, n);
  }

  /** Splits batches back into elements. */
  unbatch(): Dataset<Element> {
    const up = this;
    return new Dataset<Element>(async function* () {
      for await (const b of up) {
        const parts = unstackElement(b as Element);
        disposeElement(b as Element);
        yield* parts;
      }
    });
  }

  /** Keeps up to `n` elements computed ahead of the consumer, so producing and consuming overlap. */
  prefetch(n = 2): Dataset<T> {
    if (!Number.isInteger(n) || n < 1) throw new Error(`prefetch: n must be a positive integer, got ${n}`);
    const up = this;
    return new Dataset<T>(() => {
      const it = up[Symbol.asyncIterator]();
      const queue: Promise<IteratorResult<T>>[] = [];
      let done = false;
      const fill = () => {
        while (!done && queue.length < n) {
          const p = it.next();
          queue.push(p);
          p.then((r) => { if (r.done) done = true; }, () => { done = true; });
        }
      };
      return {
        async next() {
          fill();
          const r = await queue.shift()!;
          if (!r.done) fill();
          return r;
        },
        async return(v?: unknown) {
          done = true;
          for (const p of queue.splice(0)) {
            const r = await p.catch(() => null);
            if (r && !r.done) disposeElement(r.value as Element);
          }
          await it.return?.(v);
          return { done: true, value: undefined as T };
        },
      };
    }, this.size, this.access);
  }

  /** The first `count` elements. */
  take(count: number): Dataset<T> {
    const up = this;
    return new Dataset<T>(async function* () {
      if (count <= 0) return;
      let i = 0;
      for await (const e of up) {
        yield e;
        if (++i >= count) return;
      }
    }, this.size === null ? null : Math.min(this.size, Math.max(0, count)), this.access);
  }

  /**
   * Every `count`-th element starting at `index` (tf.data's `shard(num_shards, index)`): `count`
   * readers with indexes 0 … count−1 see disjoint parts that together are the whole dataset. For
   * files, the readers' own `shard` option skips the others' parts without reading them.
   */
  shard(count: number, index: number): Dataset<T> {
    const { count: n, index: k } = checkShard('Dataset.shard', { count, index })!;
    const up = this;
    const access = this.access;
    const size = this.size === null ? null : Math.max(0, Math.ceil((this.size - k) / n));
    return new Dataset<T>(async function* () {
      let i = 0;
      for await (const e of up) {
        if (i++ % n === k) yield e;
        else disposeElement(e as Element);
      }
    }, size, access ? (i) => access(i * n + k) : null);
  }

  /** Every element after the first `count`. */
  skip(count: number): Dataset<T> {
    const up = this;
    const access = this.access;
    return new Dataset<T>(async function* () {
      let i = 0;
      for await (const e of up) {
        if (i++ < count) disposeElement(e as Element);
        else yield e;
      }
    }, this.size === null ? null : Math.max(0, this.size - count), access ? (i) => access(i + count) : null);
  }

  /** Iterates the dataset `count` times in one pass (forever without a count). */
  repeat(count?: number): Dataset<T> {
    const up = this;
    return new Dataset<T>(async function* () {
      for (let r = 0; count === undefined || r < count; r++) {
        let any = false;
        for await (const e of up) {
          any = true;
          yield e;
        }
        if (!any) return;
      }
    }, count === undefined || this.size === null ? null : this.size * count);
  }

  /** This dataset's elements, then `other`'s. */
  concatenate(other: Dataset<T>): Dataset<T> {
    const up = this;
    const size = this.size !== null && other.size !== null ? this.size + other.size : null;
    return new Dataset<T>(async function* () {
      yield* up;
      yield* other;
    }, size);
  }

  /**
   * Keeps the elements of the first epoch in memory and replays them afterwards (as views, so the
   * consumer may dispose what it gets). `clearCache()` frees them.
   */
  cache(): CachedDataset<T> {
    const up = this;
    let stored: T[] | null = null;
    const copy = (e: T): T => mapTensors(e, (t) => t.clone());
    const ds = new Dataset<T>(async function* () {
      if (stored) {
        for (const e of stored) yield copy(e);
        return;
      }
      const filling: T[] = [];
      for await (const e of up) {
        filling.push(mapTensors(e, (t) => soma.keep(t.clone())));
        yield e;
      }
      stored = filling;
    }, this.size) as CachedDataset<T>;
    ds.clearCache = () => {
      if (stored) for (const e of stored) disposeElement(e as Element);
      stored = null;
    };
    return ds;
  }

  /** Pairs each element with its index: [i, element]. */
  enumerate(): Dataset<[number, T]> {
    const up = this;
    const access = this.access;
    return new Dataset<[number, T]>(async function* () {
      let i = 0;
      for await (const e of up) yield [i++, e] as [number, T];
    }, this.size, access ? async (i) => [i, await access(i)] as [number, T] : null);
  }

  // ---- splitting -----------------------------------------------------------------------------

  private requireAccess(op: string): { n: number; access: RandomAccess<T> } {
    if (!this.access || this.size === null) throw new Error(`${op}: needs an in-memory dataset (fromArrays, fromTensors, range) before shuffling or batching`);
    return { n: this.size, access: this.access };
  }

  private subset(indices: readonly number[]): Dataset<T> {
    const { access } = this.requireAccess('split');
    return new Dataset<T>(async function* () {
      for (const i of indices) yield await access(i);
    }, indices.length, (j) => access(indices[j]));
  }

  /**
   * Splits into parts by fractions (e.g. [0.8, 0.1, 0.1]), after a seeded permutation. With
   * `stratifyBy`, each class keeps its share in every part.
   */
  async split(fractions: readonly number[], options: { seed?: number; stratifyBy?: (e: T) => Awaitable<string | number> } = {}): Promise<Dataset<T>[]> {
    const { n, access } = this.requireAccess('split');
    const total = fractions.reduce((a, b) => a + b, 0);
    if (fractions.some((f) => !(f >= 0)) || Math.abs(total - 1) > 1e-9) throw new Error(`split: fractions must be non-negative and add up to 1, got [${fractions.join(', ')}]`);
    const groups = await this.groups(n, access, options.stratifyBy);
    const parts: number[][] = fractions.map(() => []);
    const rng = new soma.Prng(options.seed ?? soma.nextRandomSeed());
    for (const g of groups) {
      shuffleInPlace(g, rng);
      let start = 0;
      let acc = 0;
      fractions.forEach((f, k) => {
        acc += f;
        const end = k === fractions.length - 1 ? g.length : Math.round(acc * g.length);
        parts[k].push(...g.slice(start, end));
        start = end;
      });
    }
    return parts.map((p) => this.subset(p.sort((a, b) => a - b)));
  }

  /** k (train, validation) pairs; each element is in exactly one validation fold. */
  async kFold(k: number, options: { seed?: number; stratifyBy?: (e: T) => Awaitable<string | number> } = {}): Promise<{ train: Dataset<T>; validation: Dataset<T> }[]> {
    const { n, access } = this.requireAccess('kFold');
    if (!Number.isInteger(k) || k < 2 || k > n) throw new Error(`kFold: k must be an integer in [2, ${n}], got ${k}`);
    const groups = await this.groups(n, access, options.stratifyBy);
    const rng = new soma.Prng(options.seed ?? soma.nextRandomSeed());
    const folds: number[][] = Array.from({ length: k }, () => []);
    let next = 0;
    for (const g of groups) {
      shuffleInPlace(g, rng);
      // Deal round-robin so fold sizes differ by at most one, class by class.
      for (const i of g) folds[next++ % k].push(i);
    }
    return folds.map((fold, f) => ({
      train: this.subset(folds.filter((_, j) => j !== f).flat().sort((a, b) => a - b)),
      validation: this.subset([...fold].sort((a, b) => a - b)),
    }));
  }

  private async groups(n: number, access: RandomAccess<T>, by?: (e: T) => Awaitable<string | number>): Promise<number[][]> {
    if (!by) return [Array.from({ length: n }, (_, i) => i)];
    const byKey = new Map<string | number, number[]>();
    for (let i = 0; i < n; i++) {
      const e = await access(i);
      const key = await by(e);
      disposeElement(e as Element);
      (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(i);
    }
    return [...byKey.values()];
  }
}

function shuffleInPlace(a: number[], rng: soma.Prng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}

function mapTensors<E>(e: E, f: (t: Tensor) => Tensor): E {
  if (soma.isTensor(e)) return f(e) as E;
  if (Array.isArray(e)) return e.map((v) => mapTensors(v, f)) as E;
  if (e && typeof e === 'object' && !ArrayBuffer.isView(e)) return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, mapTensors(v, f)])) as E;
  return e;
}

/** A dataset whose first epoch is kept in memory (`Dataset.cache`). */
export interface CachedDataset<T> extends Dataset<T> {
  /** Frees the cached elements. */
  clearCache(): void;
}
