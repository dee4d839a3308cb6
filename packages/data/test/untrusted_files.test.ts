import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { datasets, fromCsv, fromJsonLines, Scaler, scalers } from '@soma/data';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';


const dir = mkdtempSync(join(tmpdir(), 'soma-untrusted-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function idxHeader(type: number, shape: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length);
  out.set([0, 0, type, shape.length]);
  const view = new DataView(out.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return out;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('CSV keeps what the file says', () => {
  it("features keep file order even when a column name looks like an integer ('b,0,y')", async () => {
    const rows = await fromCsv({ text: 'b,0,y\n1,2,3\n4,5,6\n' }, { label: 'y' }).toArray();
    expect(rows).toEqual([{ xs: [1, 2], ys: 3 }, { xs: [4, 5], ys: 6 }]);
  });

  it('duplicate column names are an error naming both positions, not a silently dropped column', async () => {
    await expect(fromCsv({ text: 'a,b,a\n1,2,3\n' }).toArray()).rejects.toThrow("fromCsv: csv: column 'a' appears twice in the header (columns 1 and 3); rename one");
  });

  it("a column named '__proto__' is an ordinary column and Object.prototype is untouched", async () => {
    const [row] = (await fromCsv({ text: '__proto__,x\n1,2\n' }).toArray()) as Record<string, number>[];
    expect(Object.keys(row)).toEqual(['__proto__', 'x']);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe(1);
    expect(Object.keys(Object.prototype)).toEqual([]);
    const [labelled] = await fromCsv({ text: '__proto__,y\n7,1\n' }, { label: 'y' }).toArray();
    expect(labelled).toEqual({ xs: [7], ys: 1 });
    // Batched, the column stays a field of the batch instead of becoming its prototype.
    const [batch] = (await fromCsv({ text: '__proto__,x\n1,2\n3,4\n' }).batch(2).toArray()) as Record<string, soma.Tensor>[];
    expect(Object.keys(batch)).toEqual(['__proto__', 'x']);
    expect(Array.from(Object.getOwnPropertyDescriptor(batch, '__proto__')?.value.dataSync())).toEqual([1, 3]);
    soma.dispose(Object.values(batch));
  });

  it("header 'auto': a headerless file whose first row has a text column keeps that row; a real header is still found", async () => {
    expect(await fromCsv({ text: 'red,1.5\nblue,2.5\n' }).toArray()).toEqual([{ col0: 'red', col1: 1.5 }, { col0: 'blue', col1: 2.5 }]);
    expect(await fromCsv({ text: 'name,age\nbob,30\n' }).toArray()).toEqual([{ name: 'bob', age: 30 }]);
    expect(await fromCsv({ text: 'name,color\nbob,red\n' }).toArray()).toEqual([{ name: 'bob', color: 'red' }]);
    expect(await fromCsv({ text: 'a,b\n' }).toArray()).toEqual([]);
    expect(await fromCsv({ text: 'red,1.5\n' }).toArray()).toEqual([{ col0: 'red', col1: 1.5 }]);
  });
});

describe('readers cost what their input is worth', () => {
  it('JSON Lines with a 64 MiB line reads in seconds (the old reader rescanned the line per chunk: ~20 s)', async () => {
    // A bound ten times the linear reader's time, so machine load cannot fail it, while the
    // quadratic reader (1.35 s for 16 MiB, growing with the square) cannot pass it.
    const file = join(dir, 'long.jsonl');
    writeFileSync(file, JSON.stringify({ v: 'x'.repeat(64 * 2 ** 20) }) + '\n');
    const t0 = performance.now();
    let length = 0;
    for await (const row of fromJsonLines(file)) length += (row as { v: string }).v.length;
    expect(length).toBe(64 * 2 ** 20);
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 60_000);

  it('a gzipped IDX file is inflated no further than its header declares: a gzip bomb is stopped at once', async () => {
    // 784 declared bytes followed by 64 MB of zeros, compressed to a few hundred KB.
    const bomb = join(dir, 'bomb.idx.gz');
    writeFileSync(bomb, gzipSync(concat(idxHeader(0x08, [1, 28, 28]), new Uint8Array(64 * 2 ** 20))));
    gc();
    const before = process.memoryUsage().arrayBuffers;
    await expect(datasets.readIdx(bomb)).rejects.toThrow(/bomb\.idx\.gz: the file continues past the 800 bytes its header declares \(trailing data\)/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 2 ** 20);
  });

  it('a declared size over maxBytes is refused before anything is inflated or allocated', async () => {
    const huge = join(dir, 'huge.idx.gz');
    writeFileSync(huge, gzipSync(idxHeader(0x08, [60000, 4096, 4096])));
    await expect(datasets.readIdx(huge)).rejects.toThrow(/huge\.idx\.gz: the header declares shape \[60000, 4096, 4096\] \(4026531840000 bytes as a tensor\), more than maxBytes 1073741824/);
    const small = idxHeader(0x08, [2, 2]);
    await expect(datasets.readIdx(concat(small, Uint8Array.of(1, 2, 3, 4)), { maxBytes: 8 })).rejects.toThrow(/more than maxBytes 8/);
    const t = await datasets.readIdx(concat(small, Uint8Array.of(1, 2, 3, 4)), { maxBytes: 16 });
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4]);
    t.dispose();
  });

  it('trailing bytes after the declared data are an error, plain or gzipped', async () => {
    const bytes = concat(idxHeader(0x08, [2]), Uint8Array.of(5, 6, 7));
    await expect(datasets.readIdx(bytes)).rejects.toThrow('readIdx: readIdx: the file continues past the 10 bytes its header declares (trailing data)');
    await expect(datasets.readIdx(gzipSync(bytes))).rejects.toThrow(/the file continues past the 10 bytes/);
  });

  it('readCifar bounds what it inflates by maxBytes', async () => {
    const bomb = gzipSync(new Uint8Array(64 * 2 ** 20));
    await expect(datasets.readCifar(bomb, { maxBytes: 2 ** 20 })).rejects.toThrow(/readCifar: readCifar: more than 262144 bytes/);
    const t = soma.memory().numTensors;
    expect(soma.memory().numTensors).toBe(t);
  });
});

describe('numbers read back from saved preprocessing state are checked', () => {
  it("a scaler state with 'abc', Infinity or mismatched lengths is refused; a valid one round-trips", () => {
    const x = soma.tensor([[1, 2], [3, 6]]);
    const state = scalers.standard().fit(x).serialize();
    for (const bad of [{ ...state, offset: ['abc', 1] }, { ...state, scale: [Infinity, 1] }, { ...state, scale: [1] }, { ...state, kind: 'constructor' }, { ...state, axis: -1 }]) {
      expect(() => Scaler.deserialize(bad as never)).toThrow(/Scaler\.deserialize|unknown scaler 'constructor'|axis must be an integer >= 0/);
    }
    const back = Scaler.deserialize(state);
    const [a, b] = [scalers.standard().fit(x).transform(x), back.transform(x)];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(() => scalers.minMax({ range: [0, NaN] })).toThrow('scalers.minMax: range[1] must be a finite number, got NaN');
    soma.dispose([x, a, b]);
  });
});

describe('line length is bounded (maxLineLength): a file without line breaks is an error naming the line', () => {
  it('CSV: a long record, and an unterminated quote running to the end of the file', async () => {
    const text = `a,b\n1,2\n3,${'9'.repeat(5000)}\n5,6\n`;
    await expect(fromCsv({ text }, { maxLineLength: 1000 }).toArray()).rejects.toThrow('fromCsv: csv line 3 is longer than 1,000 characters (maxLineLength)');
    const rows = await fromCsv({ text }, { maxLineLength: 6000 }).toArray();
    expect(rows).toHaveLength(3);
    const open = `a,b\n1,"${'x'.repeat(5000)}\n`;
    await expect(fromCsv({ text: open }, { maxLineLength: 1000 }).toArray()).rejects.toThrow('fromCsv: csv line 2 is longer than 1,000 characters (maxLineLength) (inside a quoted field: is a quote unterminated?)');
    expect(() => fromCsv({ text }, { maxLineLength: 0 })).toThrow('fromCsv: maxLineLength must be a positive integer, got 0');
  });

  it('JSON Lines: a long line spread over many chunks is refused once it passes the limit', async () => {
    async function* chunks() {
      yield '{"a": 1}\n{"b": "';
      for (let i = 0; i < 100; i++) yield 'y'.repeat(100);
      yield '"}\n';
    }
    await expect(fromJsonLines(chunks(), { maxLineLength: 5000 }).toArray()).rejects.toThrow('fromJsonLines: jsonl line 2 is longer than 5,000 characters (maxLineLength)');
    expect(await fromJsonLines(chunks(), { maxLineLength: 20_000 }).toArray()).toHaveLength(2);
  });
});
