import { checkOptions } from '@soma/core';
import { Dataset } from '../dataset.js';
import type { Element } from '../element.js';
import { checkShard, filesToRead, inShard, type ShardOptions } from './file_list.js';
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
  /** Read only this reader's share of the rows (whole files when there are at least `count` files): see ShardOptions. */
  shard?: ShardOptions;
}

/**
 * One record: its text with quotes removed and delimiters kept, and where each field ends. A
 * record of two million fields is one string and one Int32Array, not two million strings.
 */
interface CsvRecord {
  text: string;
  ends: Int32Array;
  count: number;
  line: number;
}

const fieldOf = (r: CsvRecord, k: number): string => r.text.slice(k === 0 ? 0 : r.ends[k - 1] + 1, r.ends[k]);
const fieldsOf = (r: CsvRecord): string[] => Array.from({ length: r.count }, (_, k) => fieldOf(r, k));

/** Sets an own property, '__proto__' included (a plain assignment would set the prototype). */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

/**
 * Splits CSV text into records, RFC 4180 style: quoted fields may hold delimiters, quotes ("") and
 * line breaks. A record's text is appended in runs as long as the chunk allows (only quotes break
 * a run), so the cost is linear and the memory is the record being assembled.
 */
async function* records(chunks: AsyncIterable<string>, delimiter: string, file: string, limit: number): AsyncGenerator<CsvRecord> {
  const delim = delimiter.charCodeAt(0);
  // Characters of the record being assembled (fields so far plus the current one).
  let size = 0;
  const grow = (n: number) => {
    size += n;
    if (size > limit) throw lineTooLong('fromCsv', file, recordLine, limit, inQuotes ? ' (inside a quoted field: is a quote unterminated?)' : '');
  };
  let text = '';
  // Sized like the previous record, so a file of equal rows allocates each record's ends once.
  let ends = new Int32Array(16);
  let count = 0;
  let fieldStart = 0;
  const endField = (at: number) => {
    if (count === ends.length) {
      const wider = new Int32Array(ends.length * 2);
      wider.set(ends);
      ends = wider;
    }
    ends[count++] = at;
    fieldStart = at + 1;
  };
  const take = (): CsvRecord => {
    const rec = { text, ends, count, line: recordLine };
    ends = new Int32Array(Math.max(16, count));
    return rec;
  };
  let inQuotes = false;
  let quotePending = false;
  let afterCR = false;
  let any = false;
  let line = 1;
  let recordLine = 1;
  for await (const chunk of chunks) {
    const len = chunk.length;
    // chunk[pend, i) belongs to the record but is not yet appended to text.
    let pend = 0;
    const flush = (upto: number) => {
      if (upto > pend) text += chunk.slice(pend, upto);
      pend = upto;
    };
    let i = 0;
    while (i < len) {
      // The LF of a CRLF whose CR ended the previous chunk: the break was already taken.
      if (afterCR) {
        afterCR = false;
        if (chunk.charCodeAt(i) === LF) {
          pend = ++i;
          continue;
        }
      }
      if (quotePending) {
        // The previous chunk ended on a quote inside a quoted field: "" is a literal quote (this one, kept).
        quotePending = false;
        if (chunk.charCodeAt(i) === QUOTE) {
          grow(1);
          i++;
          inQuotes = true;
          continue;
        }
      }
      if (inQuotes) {
        const q = chunk.indexOf('"', i);
        const end = q < 0 ? len : q;
        for (let k = chunk.indexOf('\n', i); k >= 0 && k < end; k = chunk.indexOf('\n', k + 1)) line++;
        grow(end - i);
        if (q < 0) {
          i = len;
          continue;
        }
        // The quote itself is not text; it ends the field unless the next character (maybe in the next chunk) is another quote.
        flush(q);
        pend = q + 1;
        inQuotes = false;
        if (q + 1 < len) {
          if (chunk.charCodeAt(q + 1) === QUOTE) {
            grow(1);
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
      if (c === QUOTE && text.length + (i - pend) === fieldStart) {
        flush(i);
        pend = ++i;
        inQuotes = true;
        any = true;
      } else if (c === delim) {
        grow(1);
        endField(text.length + (i - pend));
        any = true;
        i++;
      } else if (c === LF || c === CR) {
        flush(i);
        if (c === CR && i + 1 < len && chunk.charCodeAt(i + 1) === LF) i++;
        else if (c === CR && i + 1 === len) afterCR = true;
        pend = ++i;
        if (any || text.length > fieldStart) {
          endField(text.length);
          yield take();
        }
        text = '';
        count = 0;
        fieldStart = 0;
        any = false;
        size = 0;
        line++;
        recordLine = line;
      } else {
        // An unquoted run: up to the next delimiter or line break.
        let j = i + 1;
        while (j < len) {
          const d = chunk.charCodeAt(j);
          if (d === delim || d === LF || d === CR) break;
          j++;
        }
        grow(j - i);
        any = true;
        i = j;
      }
    }
    flush(len);
  }
  if (inQuotes) throw new Error(`fromCsv: ${file}: unterminated quoted field starting on line ${recordLine}`);
  if (any || text.length > fieldStart) {
    endField(text.length);
    yield take();
  }
}

const isNumberCell = (f: string): boolean => f.trim() !== '' && !Number.isNaN(Number(f));
const isTextCell = (f: string): boolean => f.trim() !== '' && Number.isNaN(Number(f));

/**
 * Whether the first record is a header, seen together with the second (as Python's csv.Sniffer
 * does): a text cell above a number, or no numbers at all. A headerless file whose first row has
 * text columns is data.
 */
function looksLikeHeader(first: CsvRecord, second: CsvRecord | null): boolean {
  const anyCell = (r: CsvRecord, test: (f: string, k: number) => boolean): boolean => {
    for (let k = 0; k < r.count; k++) if (test(fieldOf(r, k), k)) return true;
    return false;
  };
  if (!anyCell(first, isTextCell)) return false;
  if (!second) return !anyCell(first, isNumberCell);
  if (anyCell(first, (f, k) => isTextCell(f) && k < second.count && isNumberCell(fieldOf(second, k)))) return true;
  return !anyCell(first, isNumberCell) && !anyCell(second, isNumberCell);
}

/** Column names, checked: no duplicates (one would silently replace the other), labels and columns must exist. */
function checkNames(names: ColumnNames, labels: string[], columns: string[] | undefined, file: string): void {
  if (names.given) {
    const seen = new Map<string, number>();
    names.given.forEach((n, i) => {
      const j = seen.get(n);
      if (j !== undefined) throw new Error(`fromCsv: ${file}: column '${n}' appears twice in the header (columns ${j + 1} and ${i + 1}); rename one`);
      seen.set(n, i);
    });
  }
  const unknown = [...labels, ...(columns ?? [])].filter((l) => names.indexOf(l) < 0);
  if (unknown.length) {
    const list = names.given ? names.given.join(', ') : names.width <= 8 ? Array.from({ length: names.width }, (_, i) => `col${i}`).join(', ') : `col0 … col${names.width - 1}`;
    throw new Error(`fromCsv: ${file}: no column named ${unknown.map((u) => `'${u}'`).join(', ')} (columns: ${list})`);
  }
}

/** The header's names, or col0, col1, … made on demand (a headerless wide file holds no name array). */
class ColumnNames {
  private readonly index: Map<string, number> | null;
  constructor(readonly given: string[] | null, readonly width: number) {
    this.index = given ? new Map(given.map((n, i) => [n, i])) : null;
  }
  private made: string[] | null = null;
  name(i: number): string {
    return this.given ? this.given[i] : `col${i}`;
  }
  /** Every name, made once: rows keyed by name reuse these strings instead of making new ones per row. */
  all(): string[] {
    return this.given ?? (this.made ??= Array.from({ length: this.width }, (_, i) => `col${i}`));
  }
  indexOf(name: string): number {
    if (this.index) return this.index.get(name) ?? -1;
    const m = /^col(0|[1-9]\d*)$/.exec(name);
    const i = m ? Number(m[1]) : -1;
    return i < this.width ? i : -1;
  }
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
export function fromCsv(source: TextSource | readonly (string | URL)[], options: CsvOptions & { label: string | string[] }): Dataset<CsvLabeledRow>;
export function fromCsv(source: TextSource | readonly (string | URL)[], options?: CsvOptions): Dataset<Element>;
export function fromCsv(source: TextSource | readonly (string | URL)[], options: CsvOptions = {}): Dataset<Element> | Dataset<CsvLabeledRow> {
  checkOptions('fromCsv', options, ['label', 'header', 'delimiter', 'columnTypes', 'missing', 'columns', 'maxLineLength', 'shard']);
  const limit = maxLineLengthOf('fromCsv', options.maxLineLength);
  const shard = checkShard('fromCsv', options.shard);
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new Error(`fromCsv: delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  const labels = options.label === undefined ? [] : Array.isArray(options.label) ? options.label : [options.label];
  // One file: its own header, column types and width.
  const readOne = async function* (source: TextSource): AsyncGenerator<Element> {
    const name = typeof source === 'string' ? source : source instanceof URL ? source.href : 'csv';
    let names: ColumnNames | null = null;
    // Per column: 0 number, 1 string (decided from the first data row).
    let types: Uint8Array | null = null;
    // Per column, in file order: DROP, FEATURE, or the label's position + LABEL.
    let roles = new Int32Array(0);
    let width = 0;
    let pending: CsvRecord | null = null;
    const DROP = -1;
    const FEATURE = 0;
    const LABEL = 1;

    const setNames = (given: string[] | null) => {
      const n = new ColumnNames(given, width);
      checkNames(n, labels, options.columns, name);
      names = n;
      roles = new Int32Array(width).fill(options.columns ? DROP : FEATURE);
      if (options.columns) for (const c of options.columns) roles[n.indexOf(c)] = FEATURE;
      labels.forEach((l, k) => {
        roles[n.indexOf(l)] = LABEL + k;
      });
    };
    const columnType = (col: string, cell: string): 0 | 1 => {
      const given = options.columnTypes && Object.prototype.hasOwnProperty.call(options.columnTypes, col) ? options.columnTypes[col] : undefined;
      return (given ?? (cell.trim() === '' || !Number.isNaN(Number(cell)) ? 'number' : 'string')) === 'number' ? 0 : 1;
    };

    function* rowOf(rec: CsvRecord): Generator<Element> {
      const { line } = rec;
      const cols = names!;
      if (rec.count !== width) throw new Error(`fromCsv: ${name} line ${line}: expected ${width} fields, got ${rec.count}`);
      if (!types) {
        types = new Uint8Array(width);
        for (let i = 0; i < width; i++) types[i] = columnType(cols.name(i), fieldOf(rec, i));
      }
      // Features pushed in file order (`new Array(n)` of a wide row would be a slow sparse array):
      // numbers only, so a wide row is one packed array of doubles.
      const xs: (number | string)[] = [];
      const ys: (number | string)[] = new Array<number | string>(labels.length);
      const row: Record<string, number | string> | null = labels.length ? null : {};
      const keys = row ? cols.all() : null;
      for (let i = 0; i < width; i++) {
        const role = roles[i];
        if (role === DROP) continue;
        const raw = fieldOf(rec, i).trim();
        let v: number | string;
        if (raw === '') {
          if (options.missing === 'skip') return;
          if (typeof options.missing !== 'number') throw new Error(`fromCsv: ${name} line ${line}: column '${cols.name(i)}' is empty (pass missing: 'skip' or a fill value)`);
          v = options.missing;
        } else if (types[i] === 0) {
          v = Number(raw);
          if (Number.isNaN(v)) throw new Error(`fromCsv: ${name} line ${line}: column '${cols.name(i)}' should be a number, got '${raw}'`);
        } else v = raw;
        if (row) setOwn(row, keys![i], v);
        else if (role === FEATURE) xs.push(v);
        else ys[role - LABEL] = v;
      }
      if (row) yield row as Element;
      else yield { xs, ys: ys.length === 1 ? ys[0] : ys } as Element;
    }

    const headerNames = (r: CsvRecord) => fieldsOf(r).map((f) => f.trim());
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
        width = first.count;
        const isHeader = options.header === true || (options.header !== false && looksLikeHeader(first, pending ? rec : null));
        setNames(isHeader ? headerNames(first) : null);
        if (!isHeader) yield* rowOf(first);
        if (pending) yield* rowOf(rec);
        pending = null;
        continue;
      }
      yield* rowOf(rec);
    }
    if (pending) {
      // A one-record file under 'auto'.
      width = pending.count;
      const isHeader = looksLikeHeader(pending, null);
      setNames(isHeader ? headerNames(pending) : null);
      if (!isHeader) yield* rowOf(pending);
    }
  };
  return Dataset.fromGenerator(async function* () {
    const { files, rowShard } = await filesToRead(source, ['.csv', '.tsv', '.txt'], 'fromCsv', shard);
    let row = 0;
    for (const file of files) {
      for await (const r of readOne(file)) if (inShard(rowShard, row++)) yield r;
    }
  });
}
