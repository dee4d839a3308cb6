import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import '@soma/backend-cpu';
import { Dataset, fromCsv, fromJsonLines, fromParquet } from '@soma/data';

// Files come from hyparquet-writer, a writer independent of the reader under test (hyparquet).
const dir = mkdtempSync(join(tmpdir(), 'soma-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, columnData: ColumnSource[], options: { rowGroupSize?: number; codec?: 'SNAPPY' | 'GZIP' | 'BROTLI' | 'UNCOMPRESSED' } = {}): string {
  const compressors = { GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)), BROTLI: (b: Uint8Array) => new Uint8Array(brotliCompressSync(b)) };
  const bytes = parquetWriteBuffer({ columnData, rowGroupSize: options.rowGroupSize ?? 1000, codec: options.codec, compressors });
  const file = join(dir, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, new Uint8Array(bytes));
  return file;
}

/** A table of n rows: float features, an int32, an int64, a boolean, a string and a label. */
function table(n: number, offset = 0) {
  const id = Int32Array.from({ length: n }, (_, i) => i + offset);
  const a = Float64Array.from(id, (i) => Math.sin(i) * 10);
  const b = Float32Array.from(id, (i) => i / 8);
  const big = BigInt64Array.from(id, (i) => BigInt(i) * 1000n);
  const flag = Array.from(id, (i) => i % 3 === 0);
  const name = Array.from(id, (i) => `row-${i}`);
  const label = Int32Array.from(id, (i) => i % 5);
  const columns: ColumnSource[] = [
    { name: 'id', data: id, type: 'INT32' },
    { name: 'a', data: a, type: 'DOUBLE' },
    { name: 'b', data: b, type: 'FLOAT' },
    { name: 'big', data: big, type: 'INT64' },
    { name: 'flag', data: flag, type: 'BOOLEAN' },
    { name: 'name', data: name, type: 'STRING' },
    { name: 'label', data: label, type: 'INT32' },
  ];
  return { id, a, b, big, flag, name, label, columns };
}

describe('fromParquet reads what another writer wrote', () => {
  for (const codec of ['SNAPPY', 'GZIP', 'BROTLI', 'UNCOMPRESSED'] as const) {
    it(`every value of every type round-trips (${codec}, several row groups)`, async () => {
      const t = table(2500);
      const file = write(`types-${codec}.parquet`, t.columns, { rowGroupSize: 1000, codec });
      const rows = (await fromParquet(file).toArray()) as Record<string, unknown>[];
      expect(rows.length).toBe(2500);
      for (const i of [0, 1, 999, 1000, 2499]) {
        expect(rows[i]).toEqual({ id: i, a: t.a[i], b: t.b[i], big: i * 1000, flag: i % 3 === 0, name: `row-${i}`, label: i % 5 });
      }
      // Floats arrive exactly (float32 widened, not re-rounded).
      expect(rows.every((r, i) => r.b === t.b[i] && r.a === t.a[i])).toBe(true);
    });
  }

  it('label and columns give { xs, ys } with features in schema order, other columns never read', async () => {
    const t = table(300);
    const file = write('labeled.parquet', t.columns, { rowGroupSize: 128 });
    const ds = fromParquet(file, { label: 'label', columns: ['b', 'a', 'flag'] });
    const rows = await ds.toArray();
    expect(rows.length).toBe(300);
    expect(rows[7]).toEqual({ xs: [t.a[7], t.b[7], 0], ys: 2 });
    expect(rows[9]).toEqual({ xs: [t.a[9], t.b[9], 1], ys: 4 });
    // Batches feed fit as fromCsv's do.
    const [batch] = await ds.batch(32).take(1).toArray();
    expect(batch.xs.shape).toEqual([32, 3]);
    expect(Array.from(await batch.ys.data())).toEqual(Array.from(t.label.slice(0, 32)));
  });

  it('a list column (an image per row) is flattened into xs; a string feature is a clear error', async () => {
    const pixels = Array.from({ length: 50 }, (_, i) => Array.from({ length: 12 }, (_, k) => i + k / 16));
    const file = write('images.parquet', [
      { name: 'pixels', data: pixels },
      { name: 'digit', data: Int32Array.from({ length: 50 }, (_, i) => i % 10), type: 'INT32' },
    ], { rowGroupSize: 20 });
    const rows = await fromParquet(file, { label: 'digit' }).toArray();
    expect(rows[33]).toEqual({ xs: pixels[33], ys: 3 });
    const unlabeled = (await fromParquet(file).toArray()) as { pixels: number[] }[];
    expect(unlabeled[49].pixels).toEqual(pixels[49]);
    const t = table(10);
    const withText = write('text.parquet', t.columns);
    await expect(fromParquet(withText, { label: 'label', columns: ['name'] }).toArray()).rejects.toThrow(/text\.parquet row 0 column 'name' should be numeric for a labeled row, got 'row-0'/);
  });

  it('nulls are an error naming file, row and column, or skipped, or filled', async () => {
    const file = write('nulls.parquet', [
      { name: 'x', data: [1, 2, null, 4], type: 'DOUBLE' },
      { name: 'y', data: Int32Array.from([0, 1, 0, 1]), type: 'INT32' },
    ]);
    await expect(fromParquet(file, { label: 'y' }).toArray()).rejects.toThrow(/nulls\.parquet row 2 column 'x' is null \(pass missing: 'skip' or a fill value\)/);
    expect(await fromParquet(file, { label: 'y', missing: 'skip' }).toArray()).toEqual([{ xs: [1], ys: 0 }, { xs: [2], ys: 1 }, { xs: [4], ys: 1 }]);
    expect((await fromParquet(file, { label: 'y', missing: -1 }).toArray())[2]).toEqual({ xs: [-1], ys: 0 });
  });

  it('bytes in memory read as a file does', async () => {
    const t = table(40);
    const bytes = readFileSync(write('mem.parquet', t.columns));
    const rows = (await fromParquet(new Uint8Array(bytes), { columns: ['id'] }).toArray()) as { id: number }[];
    expect(rows.map((r) => r.id)).toEqual(Array.from(t.id));
  });
});

describe('sharded reading', () => {
  // Three files of different sizes, 8 row groups in all, in a directory of their own.
  const shardDir = join(dir, 'shards');
  const sizes = [450, 200, 301];
  let offset = 0;
  for (const [k, n] of sizes.entries()) {
    write(`shards/part-${k}.parquet`, table(n, offset).columns, { rowGroupSize: 150 });
    offset += n;
  }
  writeFileSync(join(shardDir, 'README.txt'), 'not a parquet file');
  const total = sizes.reduce((a, b) => a + b, 0);

  it('a directory reads its .parquet files in name order; a pattern and a list read the same', async () => {
    const ids = async (src: Parameters<typeof fromParquet>[0]) => ((await fromParquet(src, { columns: ['id'] }).toArray()) as { id: number }[]).map((r) => r.id);
    const all = await ids(shardDir);
    expect(all).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(await ids(join(shardDir, 'part-*.parquet'))).toEqual(all);
    expect(await ids([join(shardDir, 'part-0.parquet'), join(shardDir, 'part-1.parquet'), join(shardDir, 'part-2.parquet')])).toEqual(all);
    expect(await ids(join(shardDir, 'part-?.parquet'))).toEqual(all);
  });

  it('four shards together cover every row exactly once, split by row group', async () => {
    const seen: number[] = [];
    const counts: number[] = [];
    for (let index = 0; index < 4; index++) {
      const rows = (await fromParquet(shardDir, { columns: ['id'], shard: { index, count: 4 } }).toArray()) as { id: number }[];
      counts.push(rows.length);
      seen.push(...rows.map((r) => r.id));
    }
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
    // Row groups 0–7 (150,150,150 | 150,50 | 150,150,1) dealt round-robin: shard k reads groups k and k + 4.
    expect(counts).toEqual([150 + 50, 150 + 150, 150 + 150, 150 + 1]);
    expect(() => fromParquet(shardDir, { shard: { index: 4, count: 4 } })).toThrow(/fromParquet: shard\.index must be an integer in \[0, 4\), got 4/);
  });

  it('CSV and JSON Lines over a list of files shard by file, or by row when files are fewer than readers', async () => {
    const csvFiles = [0, 1, 2].map((k) => {
      const f = join(dir, `csv/part-${k}.csv`);
      mkdirSync(join(dir, 'csv'), { recursive: true });
      writeFileSync(f, `x,y\n${Array.from({ length: 5 }, (_, i) => `${k * 5 + i},${i % 2}`).join('\n')}\n`);
      return f;
    });
    const xs = async (ds: Dataset<{ xs: (number | string)[]; ys: unknown }>) => (await ds.toArray()).map((r) => r.xs[0] as number);
    expect(await xs(fromCsv(join(dir, 'csv'), { label: 'y' }))).toEqual(Array.from({ length: 15 }, (_, i) => i));
    // Three files, three readers: one file each.
    expect(await xs(fromCsv(csvFiles, { label: 'y', shard: { index: 1, count: 3 } }))).toEqual([5, 6, 7, 8, 9]);
    // Three files, four readers: rows dealt round-robin, every row once.
    const parts = await Promise.all([0, 1, 2, 3].map((index) => xs(fromCsv(join(dir, 'csv/*.csv'), { label: 'y', shard: { index, count: 4 } }))));
    expect(parts[1]).toEqual([1, 5, 9, 13]);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));

    mkdirSync(join(dir, 'jsonl'), { recursive: true });
    for (const k of [0, 1]) writeFileSync(join(dir, `jsonl/p${k}.jsonl`), `{"v":${2 * k}}\n{"v":${2 * k + 1}}\n`);
    const v = async (index: number) => ((await fromJsonLines(join(dir, 'jsonl'), { shard: { index, count: 2 } }).toArray()) as { v: number }[]).map((r) => r.v);
    expect([await v(0), await v(1)]).toEqual([[0, 1], [2, 3]]);
  });

  it('Dataset.shard(count, index) deals elements as tf.data does', async () => {
    const ds = Dataset.range(10).shard(3, 1);
    expect(await ds.toArray()).toEqual([1, 4, 7]);
    expect(ds.size).toBe(3);
    expect(Dataset.range(10).shard(3, 0).size).toBe(4);
    expect(() => Dataset.range(10).shard(3, 3)).toThrow(/Dataset\.shard: shard\.index must be an integer in \[0, 3\), got 3/);
  });
});

describe('bad Parquet files are clear errors naming the file', () => {
  const good = readFileSync(write('good.parquet', table(100).columns));

  it('a truncated footer', async () => {
    const file = join(dir, 'truncated.parquet');
    writeFileSync(file, good.subarray(0, good.length - 10));
    await expect(fromParquet(file).toArray()).rejects.toThrow(/fromParquet: .*truncated\.parquet: .*\(not a Parquet file, or a truncated one: its footer must end in PAR1\)/);
  });

  it('a file cut in the middle of its data', async () => {
    const file = join(dir, 'cut.parquet');
    // Keep the footer, drop bytes of the first column chunk: offsets then point past what is there.
    const cut = Buffer.concat([good.subarray(0, 4), good.subarray(200)]);
    writeFileSync(file, cut);
    await expect(fromParquet(file).toArray()).rejects.toThrow(/fromParquet: .*cut\.parquet/);
  });

  it('wrong magic (a CSV named .parquet)', async () => {
    const file = join(dir, 'csv.parquet');
    writeFileSync(file, 'x,y\n1,2\n3,4\n5,6\n');
    await expect(fromParquet(file).toArray()).rejects.toThrow(/fromParquet: .*csv\.parquet: parquet file invalid \(footer != PAR1\)/);
  });

  it('a missing column names the file and lists the columns there are', async () => {
    const file = join(dir, 'good-again.parquet');
    writeFileSync(file, good);
    await expect(fromParquet(file, { label: 'target' }).toArray()).rejects.toThrow(/fromParquet: .*good-again\.parquet: no column named 'target' \(columns: id, a, b, big, flag, name, label\)/);
  });

  it('a missing file, an empty directory pattern and an empty list', async () => {
    await expect(fromParquet(join(dir, 'nope.parquet')).toArray()).rejects.toThrow(/fromParquet: cannot read .*nope\.parquet \(ENOENT/);
    await expect(fromParquet(join(dir, 'none-*.parquet')).toArray()).rejects.toThrow(/fromParquet: .*none-\*\.parquet names no files/);
    await expect(fromParquet([]).toArray()).rejects.toThrow(/fromParquet: the list of files is empty/);
  });
});
