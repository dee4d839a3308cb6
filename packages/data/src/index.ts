import { Dataset } from './dataset';
import { fromCsv } from './sources/csv';
import { fromJsonLines } from './sources/json_lines';

Dataset.fromCsv = fromCsv;
Dataset.fromJsonLines = fromJsonLines;

export { Dataset };
export type { ShuffleOptions } from './dataset';
export { stackElements, unstackElement } from './element';
export type { Element } from './element';
export { fromCsv, fromJsonLines };
export type { CsvOptions } from './sources/csv';
export type { TextSource } from './sources/text_lines';
export * from './preprocessing';
export * as datasets from './datasets';
export type { LabeledData, BinarySource } from './datasets';
