import { checkOptions } from '@soma/core';
import { Dataset } from '../dataset.js';
import type { Element } from '../element.js';
import { lineTooLong, maxLineLengthOf, textChunks, type TextSource } from './text_lines.js';

/**
 * Options of `fromCsv`: label columns, header, delimiter, column types, missing values, columns to
 * keep, line length bound.
 */
export interface CsvOptions {
  /** Column(s) that become the label: elements are then { xs, ys }, else plain rows. */
  label?: string | string[];
  /**
   * true: the first line names the columns; false: columns are named col0, col1, ...; 'auto'
   * (default): the first line is a header when one of its cells is text where the next line has a
   * number, or when the file has no numbers at all in its first two lines.
   */
  header?: boolean | 'auto';
  delimiter?: string;
  /** Column types; by default a column is numeric when its first data row parses as a number. */
  columnTypes?: Record<string, 'number' | 'string'>;
  /** What to do with an empty cell: 'error' (default, naming the line), 'skip' the row, or a fill value. */
  missing?: 'error' | 'skip' | number;
  /** Keep only these columns (plus labels). */
  columns?: string[];
  /** The longest record read, in characters (default 2^27): a longer one (or an unterminated quote) is an error naming the line. */
  maxLineLength?: number;
}

interface CsvRecord {
  fields: string[];
  line: number;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

/**
 * Splits CSV text into records, RFC 4180 style: quoted fields may hold delimiters, quotes ("") and
 * line breaks. Fields are cut from each chunk with slice (never built a character at a time), so
 * the cost is linear and the memory is the record being assembled.
 */
async function* records(chunks: AsyncIterable<string>, delimiter: string, file: string, limit: number): AsyncGenerator<CsvRecord> {
  const delim = delimiter.charCodeAt(0);
  // Characters of the record being assembled (fields so far plus the current one).
  let size = 0;
  const grow = (n: number) => {
    size += n;
    if (size > limit) throw lineTooLong('fromCsv', file, recordLine, limit, inQuotes ? ' (inside a quoted field: is a quote unterminated?)' : '');
  };
  let field = '';
  let fields: string[] = [];
  let inQuotes = false;
  let quotePending = false;
  let afterCR = false;
  let any = false;
  let line = 1;
  let recordLine = 1;
  for await (const chunk of chunks) {
    const len = chunk.length;
    let i = 0;
    while (i < len) {
      // The LF of a CRLF whose CR ended the previous chunk: the break was already taken.
      if (afterCR) {
        afterCR = false;
        if (chunk.charCodeAt(i) === LF) {
          i++;
          continue;
        }
      }
      if (quotePending) {
        quotePending = false;
        if (chunk.charCodeAt(i) === QUOTE) {
          field += '"';
          i++;
          inQuotes = true;
          continue;
        }
      }
      if (inQuotes) {
        const q = chunk.indexOf('"', i);
        const end = q < 0 ? len : q;
        const piece = chunk.slice(i, end);
        for (let k = piece.indexOf('\n'); k >= 0; k = piece.indexOf('\n', k + 1)) line++;
        grow(piece.length);
        field += piece;
        if (q < 0) {
          i = len;
          continue;
        }
        // A quote ends the field unless the next character (maybe in the next chunk) is another quote.
        inQuotes = false;
        if (q + 1 < len) {
          if (chunk.charCodeAt(q + 1) === QUOTE) {
            field += '"';
            inQuotes = true;
            i = q + 2;
          } else i = q + 1;
        } else {
          quotePending = true;
          i = len;
        }
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === QUOTE && field === '') {
        inQuotes = true;
        any = true;
        i++;
      } else if (c === delim) {
        grow(1);
        fields.push(field);
        field = '';
        any = true;
        i++;
      } else if (c === LF || c === CR) {
        if (c === CR && i + 1 < len && chunk.charCodeAt(i + 1) === LF) i++;
        else if (c === CR && i + 1 === len) afterCR = true;
        i++;
        if (any || field !== '') {
          fields.push(field);
          yield { fields, line: recordLine };
        }
        fields = [];
        field = '';
        any = false;
        size = 0;
        line++;
        recordLine = line;
      } else {
        // An unquoted run: up to the next delimiter or line break, in one slice.
        let j = i + 1;
        while (j < len) {
          const d = chunk.charCodeAt(j);
          if (d === delim || d === LF || d === CR) break;
          j++;
        }
        grow(j - i);
        field += chunk.slice(i, j);
        any = true;
        i = j;
      }
    }
  }
  if (inQuotes) throw new Error(`fromCsv: ${file}: unterminated quoted field starting on line ${recordLine}`);
  if (any || field !== '') {
    fields.push(field);
    yield { fields, line: recordLine };
  }
}

const isNumberCell = (f: string): boolean => f.trim() !== '' && !Number.isNaN(Number(f));
const isTextCell = (f: string): boolean => f.trim() !== '' && Number.isNaN(Number(f));

/**
 * Whether the first record is a header, seen together with the second (as Python's csv.Sniffer
 * does): a text cell above a number, or no numbers at all. A headerless file whose first row has
 * text columns is data.
 */
function looksLikeHeader(first: string[], second: string[] | null): boolean {
  if (!first.some(isTextCell)) return false;
  if (!second) return first.every((f) => !isNumberCell(f));
  if (first.some((f, i) => isTextCell(f) && second[i] !== undefined && isNumberCell(second[i]))) return true;
  return !first.some(isNumberCell) && !second.some(isNumberCell);
}

/** Column names, checked: no duplicates (one would silently replace the other), labels and columns must exist. */
function checkNames(names: string[], labels: string[], columns: string[] | undefined, file: string): void {
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    const j = seen.get(n);
    if (j !== undefined) throw new Error(`fromCsv: ${file}: column '${n}' appears twice in the header (columns ${j + 1} and ${i + 1}); rename one`);
    seen.set(n, i);
  });
  const unknown = [...labels, ...(columns ?? [])].filter((l) => !seen.has(l));
  if (unknown.length) throw new Error(`fromCsv: ${file}: no column named ${unknown.map((u) => `'${u}'`).join(', ')} (columns: ${names.join(', ')})`);
}

/** A CSV row when `label` is given: its feature columns in file order and its label value(s). */
export interface CsvLabeledRow {
  xs: number[];
  ys: number | number[];
}

/**
 * Streams a CSV file (path or URL) or text into a Dataset of rows. With `label`, each element is
 * { xs: number[] (feature columns in file order), ys: number | number[] } ready for batching;
 * without, a row is an object keyed by column name.
 */
export function fromCsv(source: TextSource, options: CsvOptions & { label: string | string[] }): Dataset<CsvLabeledRow>;
export function fromCsv(source: TextSource, options?: CsvOptions): Dataset<Element>;
export function fromCsv(source: TextSource, options: CsvOptions = {}): Dataset<Element> | Dataset<CsvLabeledRow> {
  checkOptions('fromCsv', options, ['label', 'header', 'delimiter', 'columnTypes', 'missing', 'columns', 'maxLineLength']);
  const limit = maxLineLengthOf('fromCsv', options.maxLineLength);
  const name = typeof source === 'string' ? source : 'csv';
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new Error(`fromCsv: delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  const labels = options.label === undefined ? [] : Array.isArray(options.label) ? options.label : [options.label];
  return Dataset.fromGenerator(async function* () {
    let names: string[] | null = null;
    let types: ('number' | 'string')[] | null = null;
    // Column indices kept, in file order; features and labels as positions in that list.
    let keptIdx: number[] = [];
    let featurePos: number[] = [];
    let labelPos: number[] = [];
    let width = 0;
    let pending: CsvRecord | null = null;

    const setNames = (n: string[]) => {
      checkNames(n, labels, options.columns, name);
      names = n;
      const keep = options.columns ? new Set([...options.columns, ...labels]) : null;
      keptIdx = [];
      for (let i = 0; i < n.length; i++) if (!keep || keep.has(n[i])) keptIdx.push(i);
      const labelSet = new Set(labels);
      featurePos = [];
      keptIdx.forEach((c, k) => {
        if (!labelSet.has(n[c])) featurePos.push(k);
      });
      labelPos = labels.map((l) => keptIdx.indexOf(n.indexOf(l)));
    };
    const columnType = (col: string, cell: string): 'number' | 'string' => {
      const given = options.columnTypes && Object.prototype.hasOwnProperty.call(options.columnTypes, col) ? options.columnTypes[col] : undefined;
      return given ?? (cell.trim() === '' || !Number.isNaN(Number(cell)) ? 'number' : 'string');
    };

    function* rowOf(rec: CsvRecord): Generator<Element> {
      const { fields, line } = rec;
      const cols = names!;
      if (fields.length !== width) throw new Error(`fromCsv: ${name} line ${line}: expected ${width} fields, got ${fields.length}`);
      types ??= cols.map((n, i) => columnType(n, fields[i]));
      // Values of the kept columns, in order (pushed: `new Array(n)` of a wide row would be a slow sparse array).
      const values: (number | string)[] = [];
      for (const i of keptIdx) {
        const raw = fields[i].trim();
        if (raw === '') {
          if (options.missing === 'skip') return;
          if (typeof options.missing === 'number') {
            values.push(options.missing);
            continue;
          }
          throw new Error(`fromCsv: ${name} line ${line}: column '${cols[i]}' is empty (pass missing: 'skip' or a fill value)`);
        }
        if (types[i] === 'number') {
          const v = Number(raw);
          if (Number.isNaN(v)) throw new Error(`fromCsv: ${name} line ${line}: column '${cols[i]}' should be a number, got '${raw}'`);
          values.push(v);
        } else values.push(raw);
      }
      if (!labels.length) {
        // fromEntries defines every name as an own property, '__proto__' included.
        yield Object.fromEntries(keptIdx.map((i, k) => [cols[i], values[k]])) as Element;
        return;
      }
      const ys = labelPos.map((k) => values[k]);
      yield { xs: featurePos.map((k) => values[k]), ys: ys.length === 1 ? ys[0] : ys } as Element;
    }

    for await (const rec of records(textChunks(source, 'fromCsv'), delimiter, name, limit)) {
      if (!names) {
        // With 'auto' the first record is decided once the second is seen.
        if (options.header === 'auto' || options.header === undefined) {
          if (!pending) {
            pending = rec;
            continue;
          }
        }
        const first = pending ?? rec;
        width = first.fields.length;
        const isHeader = options.header === true || (options.header !== false && looksLikeHeader(first.fields, pending ? rec.fields : null));
        setNames(isHeader ? first.fields.map((f) => f.trim()) : first.fields.map((_, i) => `col${i}`));
        if (!isHeader) yield* rowOf(first);
        if (pending) yield* rowOf(rec);
        pending = null;
        continue;
      }
      yield* rowOf(rec);
    }
    if (pending) {
      // A one-record file under 'auto'.
      width = pending.fields.length;
      const isHeader = looksLikeHeader(pending.fields, null);
      setNames(isHeader ? pending.fields.map((f) => f.trim()) : pending.fields.map((_, i) => `col${i}`));
      if (!isHeader) yield* rowOf(pending);
    }
  });
}
