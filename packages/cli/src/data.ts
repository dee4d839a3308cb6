import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { datasets, Dataset, type Element } from '@soma/data';
import { UsageError } from './args.js';

export interface Split {
  x: Tensor;
  y: Tensor;
}

export interface LoadedData {
  /** What --data said, for the report. */
  source: string;
  train: Split;
  /** Held out: the source's own test part, else the last fraction of the training samples. */
  test: Split;
  /** Shape of one sample. */
  sampleShape: number[];
  numClasses: number;
  classNames: string[];
}

/** The last `fraction` of the samples held out (the data sources shuffle with their seed first). */
function holdOut(x: Tensor, y: Tensor, fraction: number, what: string): { train: Split; test: Split } {
  const n = x.shape[0];
  const nTest = Math.max(1, Math.floor(n * fraction));
  if (n - nTest < 1) throw new Error(`${what}: ${n} sample${n === 1 ? '' : 's'} leave nothing to train on once ${nTest} ${nTest === 1 ? 'is' : 'are'} held out to test; soma train needs at least 2 (more than a handful to learn anything)`);
  const cut = (t: Tensor, from: number, len: number) => soma.slice(t, [from], [len]);
  return { train: { x: cut(x, 0, n - nTest), y: cut(y, 0, n - nTest) }, test: { x: cut(x, n - nTest, nTest), y: cut(y, n - nTest, nTest) } };
}

const digits = Array.from({ length: 10 }, (_, i) => String(i));
const CIFAR10 = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/**
 * --data sources: mnist (the 10,000 real digits the mnist package ships; 2,000 held out),
 * cifar10:<dir> (the binary batches data_batch_*.bin and test_batch.bin), circles (synthetic),
 * csv:<file> (numeric columns; the last one, or --label, is the class).
 */
export async function loadData(spec: string, o: { seed: number; label?: string; testFraction: number }): Promise<LoadedData> {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  if (kind === 'mnist' && !arg) {
    const { train, test } = await datasets.loadMnistDigits({ seed: o.seed, trainFraction: 1 - o.testFraction });
    return { source: 'mnist (the mnist package\'s 10,000 real digits)', train, test, sampleShape: [1, 28, 28], numClasses: 10, classNames: digits };
  }
  if (kind === 'circles' && !arg) {
    const { x, y } = datasets.makeCircles({ nSamples: 1000, noise: 0.1, factor: 0.5, seed: o.seed });
    const yi = y.reshape([-1]).cast('int32');
    return { source: 'circles (1,000 synthetic points)', ...holdOut(x, yi, o.testFraction, 'circles'), sampleShape: [2], numClasses: 2, classNames: ['outer', 'inner'] };
  }
  if (kind === 'cifar10' && arg) {
    const read = (file: string): Promise<Uint8Array | null> => readFile(join(arg, file)).then((b) => new Uint8Array(b), () => null);
    const batches = await Promise.all([1, 2, 3, 4, 5].map((i) => read(`data_batch_${i}.bin`)));
    const present = batches.filter((b): b is Uint8Array => b !== null);
    if (!present.length) throw new Error(`cifar10:${arg}: no data_batch_1.bin … data_batch_5.bin in that folder (the CIFAR-10 binary version)`);
    const parts = await Promise.all(present.map((b) => datasets.readCifar(b)));
    const train = { x: soma.concat(parts.map((p) => p.x)), y: soma.concat(parts.map((p) => p.y)) };
    soma.dispose(parts);
    const testFile = await read('test_batch.bin');
    const split = testFile ? { train, test: await datasets.readCifar(testFile) } : holdOut(train.x, train.y, o.testFraction, `cifar10:${arg}`);
    return { source: `cifar10 (${arg})`, ...split, sampleShape: [3, 32, 32], numClasses: 10, classNames: CIFAR10 };
  }
  if (kind === 'csv' && arg) return loadCsv(arg, o);
  throw new UsageError(`--data must be mnist, cifar10:<dir>, circles or csv:<file>, got '${spec}'`);
}

async function loadCsv(file: string, o: { seed: number; label?: string; testFraction: number }): Promise<LoadedData> {
  const rows = (await Dataset.fromCsv(file).toArray()) as Record<string, Element>[];
  if (!rows.length) throw new Error(`csv:${file}: no rows`);
  const columns = Object.keys(rows[0]);
  const label = o.label ?? columns[columns.length - 1];
  if (!columns.includes(label)) throw new UsageError(`--label '${label}' is not a column of ${file} (columns: ${columns.join(', ')})`);
  const features = columns.filter((c) => c !== label);
  const classes = labelClasses(rows, label, file);
  const x = new Float32Array(rows.length * features.length);
  rows.forEach((r, i) => features.forEach((c, k) => {
    const v = Number(r[c]);
    if (!Number.isFinite(v)) throw new Error(`csv:${file}: row ${i + 1}, column '${c}' is not a number: ${JSON.stringify(r[c])}`);
    x[i * features.length + k] = v;
  }));
  const index = new Map(classes.map((c, i) => [c, i]));
  const y = Int32Array.from(rows, (r) => index.get(String(r[label]))!);
  // Shuffle with the seed before holding out, so a file sorted by class still tests every class.
  const order = Array.from({ length: rows.length }, (_, i) => i);
  const rng = new soma.Prng(o.seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const idx = soma.tensor(order, [order.length], 'int32');
  const xs = soma.gather(soma.tensor(x, [rows.length, features.length]), idx);
  const ys = soma.gather(soma.tensor(y, [rows.length], 'int32'), idx);
  return { source: `csv (${file}: ${features.length} features, label '${label}')`, ...holdOut(xs, ys, o.testFraction, `csv:${file}`), sampleShape: [features.length], numClasses: classes.length, classNames: classes };
}

/** The most classes soma train makes of a CSV label column (ImageNet has 1,000). */
const MAX_CLASSES = 1000;

/**
 * The classes of a CSV label column, sorted. soma train classifies: a column of measurements
 * (fractional numbers, or more distinct values than a classifier can learn from the rows) is
 * refused with what to do, before a model with thousands of outputs is built.
 */
function labelClasses(rows: readonly Record<string, Element>[], label: string, file: string): string[] {
  const distinct = new Set<string>();
  let fractional: string | null = null;
  for (const r of rows) {
    const v = r[label];
    const text = String(v);
    distinct.add(text);
    if (fractional === null && typeof v === 'number' && !Number.isInteger(v)) fractional = text;
  }
  const how = `soma train classifies: choose a column of class labels with --label, or turn the values into a few classes (bins) first`;
  if (fractional !== null) throw new Error(`csv:${file}: the label column '${label}' holds fractional numbers such as ${fractional} (${distinct.size.toLocaleString('en-US')} distinct values), a measurement rather than a class; ${how}`);
  if (distinct.size > MAX_CLASSES) throw new Error(`csv:${file}: the label column '${label}' has ${distinct.size.toLocaleString('en-US')} distinct values, more than the ${MAX_CLASSES.toLocaleString('en-US')} classes soma train makes; ${how}`);
  if (distinct.size > 20 && distinct.size * 2 > rows.length) throw new Error(`csv:${file}: the label column '${label}' has ${distinct.size.toLocaleString('en-US')} distinct values in ${rows.length.toLocaleString('en-US')} rows, fewer than 2 rows per class; ${how}`);
  return [...distinct].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
}
