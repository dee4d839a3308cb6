import { afterEach, describe, expect, it, vi } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { Dataset } from '@soma/data';

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('shuffle', () => {
  it('an in-memory dataset: every element exactly once per epoch, a new order each epoch, the same orders for the same seed', async () => {
    const ds = Dataset.range(100).shuffle(Infinity, { seed: 42 });
    const e1 = await ds.toArray();
    const e2 = await ds.toArray();
    expect(sorted(e1)).toEqual(range(100));
    expect(sorted(e2)).toEqual(range(100));
    expect(e1).not.toEqual(e2);
    expect(e1).not.toEqual(range(100));
    const again = Dataset.range(100).shuffle(Infinity, { seed: 42 });
    expect(await again.toArray()).toEqual(e1);
    expect(await again.toArray()).toEqual(e2);
    const other = await Dataset.range(100).shuffle(Infinity, { seed: 43 }).toArray();
    expect(other).not.toEqual(e1);
  });

  it('a streaming source with a small buffer still yields every element exactly once', async () => {
    const ds = Dataset.fromGenerator(function* () {
      for (let i = 0; i < 50; i++) yield i;
    }).shuffle(8, { seed: 1 });
    const a = await ds.toArray();
    expect(sorted(a)).toEqual(range(50));
    expect(a).not.toEqual(range(50));
  });

  it('reshuffleEachIteration: false repeats the order', async () => {
    const ds = Dataset.range(20).shuffle(Infinity, { seed: 3, reshuffleEachIteration: false });
    expect(await ds.toArray()).toEqual(await ds.toArray());
  });
});

describe('batch and unbatch', () => {
  it('stacks tensors and nested objects; the last partial batch is kept or dropped', async () => {
    const xs = soma.arange(0, 10).cast('float32').reshape([5, 2]);
    const ys = soma.tensor([0, 1, 0, 1, 1], [5], 'int32');
    const ds = Dataset.fromTensors({ xs, ys });
    const kept = await ds.batch(2).toArray();
    expect(kept.map((b) => (b as { xs: soma.Tensor }).xs.shape)).toEqual([[2, 2], [2, 2], [1, 2]]);
    expect(Array.from((kept[2] as { ys: soma.Tensor }).ys.dataSync())).toEqual([1]);
    const dropped = await ds.batch(2, { dropRemainder: true }).toArray();
    expect(dropped).toHaveLength(2);
    expect(ds.batch(2).size).toBe(3);
    expect(ds.batch(2, { dropRemainder: true }).size).toBe(2);
    const back = await ds.batch(2).unbatch().toArray();
    expect(back).toHaveLength(5);
    expect(Array.from((back[4] as { xs: soma.Tensor }).xs.dataSync())).toEqual([8, 9]);
    soma.dispose([xs, ys, kept, dropped, back]);
  });

  it('batches plain numbers and feature arrays into tensors', async () => {
    const [b] = await Dataset.fromArrays([{ x: [1, 2], y: 0 }, { x: [3, 4], y: 1 }]).batch(2).toArray();
    const { x, y } = b as { x: soma.Tensor; y: soma.Tensor };
    expect(x.shape).toEqual([2, 2]);
    expect(Array.from(y.dataSync())).toEqual([0, 1]);
    soma.dispose([x, y]);
  });

  it('names the element whose shape differs', async () => {
    const ds = Dataset.fromArrays([soma.zeros([2]), soma.zeros([3])]).batch(2);
    await expect(ds.toArray()).rejects.toThrow('batch: element 1 has shape [3] but element 0 has [2]');
  });

  it('an epoch of batching leaks no tensors', async () => {
    const x = soma.randomNormal([64, 3], { seed: 1 });
    const before = soma.memory().numTensors;
    const ds = Dataset.fromTensors([x]).map((e) => e).shuffle(64, { seed: 1 }).batch(10).prefetch(2);
    for await (const b of ds) soma.dispose(b);
    expect(soma.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('prefetch', () => {
  afterEach(() => vi.useRealTimers());

  it('a slow source and a slow consumer take about max, not sum, of their times', async () => {
    vi.useFakeTimers();
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const source = () => Dataset.fromGenerator(async function* () {
      for (let i = 0; i < 10; i++) {
        await sleep(10); // producing one element takes 10 ms
        yield i;
      }
    });
    const consume = async (ds: Dataset<number>): Promise<number> => {
      const start = Date.now();
      for await (const _ of ds) await sleep(10); // consuming one takes 10 ms
      return Date.now() - start;
    };
    const run = async (ds: Dataset<number>) => {
      const p = consume(ds);
      await vi.runAllTimersAsync();
      return p;
    };
    const serial = await run(source());
    const overlapped = await run(source().prefetch(2));
    expect(serial).toBe(200);
    expect(overlapped).toBeLessThanOrEqual(110); // 10 × max(10, 10) + the first element's 10
  });
});

describe('other combinators', () => {
  it('map (sync and async), filter, take, skip, repeat, concatenate, zip, enumerate', async () => {
    const base = Dataset.range(6);
    expect(await base.map((x) => x * 2).toArray()).toEqual([0, 2, 4, 6, 8, 10]);
    expect(await base.map(async (x) => x + 1).toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await base.filter((x) => x % 2 === 0).toArray()).toEqual([0, 2, 4]);
    expect(await base.skip(2).take(3).toArray()).toEqual([2, 3, 4]);
    expect(await base.take(2).repeat(3).toArray()).toEqual([0, 1, 0, 1, 0, 1]);
    expect(await base.take(2).concatenate(Dataset.range(10, 12)).toArray()).toEqual([0, 1, 10, 11]);
    expect(await Dataset.zip({ a: base, b: base.map((x) => -x) }).take(2).toArray()).toEqual([{ a: 0, b: -0 }, { a: 1, b: -1 }]);
    expect(await base.take(2).enumerate().toArray()).toEqual([[0, 0], [1, 1]]);
  });

  it('cache replays the first epoch without re-running the source', async () => {
    let runs = 0;
    const ds = Dataset.fromGenerator(function* () {
      runs++;
      yield* [1, 2, 3];
    }).cache();
    expect(await ds.toArray()).toEqual([1, 2, 3]);
    expect(await ds.toArray()).toEqual([1, 2, 3]);
    expect(runs).toBe(1);
  });
});

describe('split and k-fold', () => {
  it('split by fractions covers every element once, reproducibly; stratified keeps class shares', async () => {
    const items = range(100).map((i) => ({ i, label: i < 80 ? 'a' : 'b' }));
    const ds = Dataset.fromArrays(items);
    const [train, val, test] = await ds.split([0.7, 0.2, 0.1], { seed: 5, stratifyBy: (e) => e.label });
    const [tr, va, te] = await Promise.all([train.toArray(), val.toArray(), test.toArray()]);
    expect([tr.length, va.length, te.length]).toEqual([70, 20, 10]);
    expect(sorted([...tr, ...va, ...te].map((e) => e.i))).toEqual(range(100));
    expect(va.filter((e) => e.label === 'b')).toHaveLength(4); // 20% of the 20 'b's
    const [train2] = await ds.split([0.7, 0.2, 0.1], { seed: 5, stratifyBy: (e) => e.label });
    expect((await train2.toArray()).map((e) => e.i)).toEqual(tr.map((e) => e.i));
  });

  it('kFold: each element in exactly one validation fold', async () => {
    const folds = await Dataset.range(23).kFold(5, { seed: 1 });
    const vals = await Promise.all(folds.map((f) => f.validation.toArray()));
    expect(sorted(vals.flat())).toEqual(range(23));
    for (const [k, f] of folds.entries()) {
      const train = await f.train.toArray();
      expect(train.length + vals[k].length).toBe(23);
      expect(train.some((x) => vals[k].includes(x))).toBe(false);
    }
  });

  it('needs an in-memory dataset', async () => {
    await expect(Dataset.fromGenerator(function* () { yield 1; }).split([0.5, 0.5])).rejects.toThrow(/split: needs an in-memory dataset/);
  });
});
