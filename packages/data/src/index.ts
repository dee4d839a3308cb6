import { Dataset } from './dataset.js';
import { fromCsv } from './sources/csv.js';
import { fromJsonLines } from './sources/json_lines.js';
import { fromParquet } from './sources/parquet.js';

Dataset.fromCsv = fromCsv;
Dataset.fromJsonLines = fromJsonLines;
Dataset.fromParquet = fromParquet;

export { Dataset };

/** TF.js's names (tf.data.array, tf.data.generator, tf.data.zip) for Dataset's constructors. */
export const array = <E>(items: readonly E[]): Dataset<E> => Dataset.fromArrays(items);
/**
 * A dataset that calls `gen()` for a fresh iterator each epoch; `size` when known lets fit count
 * batches.
 */
export const generator = <E>(gen: () => Iterator<E> | AsyncIterator<E>, size: number | null = null): Dataset<E> => Dataset.fromGenerator(gen, size);
/** Zips datasets (an array or a record of them) element by element, as `Dataset.zip`. */
export const zip = Dataset.zip.bind(Dataset) as typeof Dataset.zip;
export type { ShuffleOptions, Awaitable, CachedDataset } from './dataset.js';
export { stackElements, unstackElement } from './element.js';
export type { Element, Batched } from './element.js';
export { fromCsv, fromJsonLines, fromParquet };
export type { CsvOptions, CsvLabeledRow } from './sources/csv.js';
export type { JsonLinesOptions } from './sources/json_lines.js';
export type { ParquetOptions, ParquetSource } from './sources/parquet.js';
export type { ShardOptions } from './sources/file_list.js';
export type { TextSource } from './sources/text_lines.js';
export * from './preprocessing/index.js';
export * as datasets from './datasets/index.js';
export type { LabeledData, BinarySource } from './datasets/index.js';
