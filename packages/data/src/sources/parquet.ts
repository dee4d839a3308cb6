import { checkOptions, importNodeModule } from '@soma/core';
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { Dataset } from '../dataset.js';
import type { Element } from '../element.js';
import { checkShard, expandPaths, inShard, type ShardOptions } from './file_list.js';

/**
 * Where Parquet comes from: a file path, a directory of `.parquet` files, a pattern
 * (`data/part-*.parquet`), a URL (read with HTTP range requests), bytes in memory, or a list of
 * paths and URLs read one after another.
 */
export type ParquetSource = string | URL | ArrayBuffer | Uint8Array | readonly (string | URL)[];

/** Options of `fromParquet`: columns to read, label columns, the shard to read, missing values. */
export interface ParquetOptions {
  /** Read only these columns (plus labels); the others are never decompressed. Default: all. */
  columns?: string[];
  /** Column(s) that become the label: elements are then { xs, ys }, else rows keyed by column name. */
  label?: string | string[];
  /**
   * Read only this reader's share: row groups are dealt round-robin over the files in order, so
   * `count` readers with indexes 0 … count−1 read every row exactly once.
   */
  shard?: ShardOptions;
  /** What to do with a null value: 'error' (default, naming the file, row and column), 'skip' the row, or a fill value. */
  missing?: 'error' | 'skip' | number;
}

/** One Parquet file opened for reading: its bytes as an AsyncBuffer, and how to let it go. */
interface OpenFile {
  name: string;
  buffer: AsyncBuffer;
  close(): Promise<void>;
}

/** A local file read by position through one handle: each slice is one read, nothing else is kept. */
async function openLocal(path: string): Promise<OpenFile> {
  const fs = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await fs.open(path.startsWith('file:') ? new URL(path) : path, 'r');
  } catch (e) {
    throw new Error(`fromParquet: cannot read ${path} (${(e as Error).message})`);
  }
  const { size } = await handle.stat();
  return {
    name: path,
    buffer: {
      byteLength: size,
      async slice(start: number, end = size): Promise<ArrayBuffer> {
        const bytes = new Uint8Array(Math.max(0, end - start));
        let done = 0;
        while (done < bytes.length) {
          const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
          if (bytesRead === 0) throw new Error(`fromParquet: ${path} ended at byte ${start + done} while reading to ${end} (was it truncated while being read?)`);
          done += bytesRead;
        }
        return bytes.buffer;
      },
    },
    close: () => handle.close(),
  };
}

/** A URL read with HTTP range requests, so a reader fetches only the footer and its row groups. */
async function openUrl(url: string): Promise<OpenFile> {
  const head = await fetch(url, { method: 'HEAD' });
  const size = Number(head.headers.get('content-length'));
  if (!head.ok || !Number.isFinite(size)) throw new Error(`fromParquet: ${url}: HTTP ${head.status}${head.ok ? ' without a Content-Length' : ''}`);
  return {
    name: url,
    buffer: {
      byteLength: size,
      async slice(start: number, end = size): Promise<ArrayBuffer> {
        const res = await fetch(url, { headers: { range: `bytes=${start}-${end - 1}` } });
        if (!res.ok) throw new Error(`fromParquet: ${url}: HTTP ${res.status} for bytes ${start}-${end - 1}`);
        return res.arrayBuffer();
      },
    },
    close: async () => {},
  };
}

function openBytes(bytes: ArrayBuffer | Uint8Array): OpenFile {
  const buf: ArrayBuffer = bytes instanceof ArrayBuffer ? bytes : Uint8Array.from(bytes).buffer;
  return { name: 'parquet bytes', buffer: { byteLength: buf.byteLength, slice: (s, e) => buf.slice(s, e) }, close: async () => {} };
}

/** Openers for each file the source names, in order (directories and patterns expanded, sorted). */
async function filesOf(source: ParquetSource): Promise<(() => Promise<OpenFile>)[]> {
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes = source as ArrayBuffer | Uint8Array;
    return [async () => openBytes(bytes)];
  }
  const list = (Array.isArray(source) ? source : [source]) as (string | URL)[];
  if (list.length === 0) throw new Error('fromParquet: the list of files is empty');
  const paths = await expandPaths(list.map(String), ['.parquet', '.parq', '.pq'], 'fromParquet');
  return paths.map((p) => () => (/^(https?|blob|data):/.test(p) ? openUrl(p) : openLocal(p)));
}

/** Names what hyparquet objected to, with the file: its own messages do not say which file. */
function fileError(file: string, e: unknown): Error {
  const msg = (e as Error).message ?? String(e);
  if (msg.startsWith('fromParquet:')) return e as Error;
  const hint = /footer|PAR1|too short|exceeds available/.test(msg) ? ' (not a Parquet file, or a truncated one: its footer must end in PAR1)' : '';
  return new Error(`fromParquet: ${file}: ${msg}${hint}`);
}

/** A column value as a number (labeled rows): bigints within 2^53, booleans as 0/1. */
function numberOf(v: unknown, where: () => string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error(`fromParquet: ${where()} holds ${v}, past what a float64 holds exactly`);
    return Number(v);
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new Error(`fromParquet: ${where()} should be numeric for a labeled row, got ${v instanceof Date ? 'a timestamp' : typeof v === 'string' ? `'${v}'` : typeof v}`);
}

/** A value of a row keyed by name: bigints become numbers when exact, typed arrays plain arrays. */
function rowValue(v: unknown): Element {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => rowValue(x) as number);
  if (Array.isArray(v)) return v.map(rowValue);
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rowValue(x)]));
  return (v ?? null) as Element;
}

/** A list column (or a scalar) pushed onto xs: list entries in order, so an image column flattens. */
function pushNumbers(out: number[], v: unknown, where: () => string): void {
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const list = v as ArrayLike<unknown>;
    for (let i = 0; i < list.length; i++) pushNumbers(out, list[i], where);
  } else out.push(numberOf(v, where));
}

const isMissing = (v: unknown): boolean => v === null || v === undefined;

/**
 * Streams Parquet files into a Dataset of rows, one row group at a time: memory holds the footer
 * and the row group being read (its selected columns), whatever the file's size. With `label`,
 * each element is { xs: number[] (feature columns in schema order, list columns flattened), ys };
 * without, a row is an object keyed by column name. Compressed with snappy, gzip, brotli, zstd or
 * lz4 (hyparquet and hyparquet-compressors).
 */
export function fromParquet(source: ParquetSource, options: ParquetOptions & { label: string | string[] }): Dataset<{ xs: number[]; ys: number | number[] }>;
export function fromParquet(source: ParquetSource, options?: ParquetOptions): Dataset<Element>;
export function fromParquet(source: ParquetSource, options: ParquetOptions = {}): Dataset<Element> | Dataset<{ xs: number[]; ys: number | number[] }> {
  checkOptions('fromParquet', options, ['columns', 'label', 'shard', 'missing']);
  const shard = checkShard('fromParquet', options.shard);
  const labels = options.label === undefined ? [] : Array.isArray(options.label) ? options.label : [options.label];
  const missing = options.missing ?? 'error';
  if (!(missing === 'error' || missing === 'skip' || typeof missing === 'number')) throw new Error(`fromParquet: missing must be 'error', 'skip' or a number, got ${JSON.stringify(missing)}`);
  return Dataset.fromGenerator(async function* () {
    const openers = await filesOf(source);
    // Row groups are numbered across files, so shards split by row group, not by file.
    let group = 0;
    for (const open of openers) {
      const file = await open();
      try {
        let metadata: FileMetaData;
        try {
          metadata = await parquetMetadataAsync(file.buffer);
        } catch (e) {
          throw fileError(file.name, e);
        }
        const names = parquetSchema(metadata).children.map((c) => c.element.name);
        const unknown = [...labels, ...(options.columns ?? [])].filter((c) => !names.includes(c));
        if (unknown.length) throw new Error(`fromParquet: ${file.name}: no column named ${unknown.map((u) => `'${u}'`).join(', ')} (columns: ${names.join(', ')})`);
        // Features in schema order (as fromCsv keeps file order), then labels in the order given.
        const features = names.filter((n) => !labels.includes(n) && (!options.columns || options.columns.includes(n)));
        const read = [...features, ...labels];
        let rowStart = 0;
        for (const rg of metadata.row_groups) {
          const rows = Number(rg.num_rows);
          const start = rowStart;
          rowStart += rows;
          if (!inShard(shard, group++) || rows === 0) continue;
          let data: unknown[][] = [];
          try {
            await parquetRead({ file: file.buffer, metadata, columns: read, rowStart: start, rowEnd: start + rows, compressors, onComplete: (r) => (data = r) });
          } catch (e) {
            throw fileError(file.name, e);
          }
          for (let i = 0; i < data.length; i++) {
            const values = data[i];
            const where = (c: number) => () => `${file.name} row ${start + i} column '${read[c]}'`;
            let skip = false;
            for (let c = 0; c < values.length; c++) {
              if (!isMissing(values[c])) continue;
              if (missing === 'skip') skip = true;
              else if (missing === 'error') throw new Error(`fromParquet: ${where(c)()} is null (pass missing: 'skip' or a fill value)`);
              else values[c] = missing;
            }
            if (skip) continue;
            if (labels.length === 0) {
              const row: Record<string, Element> = {};
              for (let c = 0; c < read.length; c++) Object.defineProperty(row, read[c], { value: rowValue(values[c]), enumerable: true, writable: true, configurable: true });
              yield row;
              continue;
            }
            const xs: number[] = [];
            for (let c = 0; c < features.length; c++) pushNumbers(xs, values[c], where(c));
            const ys = labels.map((_, k) => {
              const c = features.length + k;
              const v = values[c];
              if (Array.isArray(v) || ArrayBuffer.isView(v)) {
                const out: number[] = [];
                pushNumbers(out, v, where(c));
                return out;
              }
              return numberOf(v, where(c));
            });
            yield { xs, ys: ys.length === 1 ? ys[0] : (ys.flat() as number[]) };
          }
          data = [];
        }
      } finally {
        await file.close();
      }
    }
  }) as Dataset<Element>;
}
