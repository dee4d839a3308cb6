import { Dataset } from '../dataset';
import type { Element } from '../element';
import { textChunks, type TextSource } from './text_lines';

export interface CsvOptions {
  /** Column(s) that become the label: elements are then { xs, ys }, else plain rows. */
  label?: string | string[];
  /** true: the first line names the columns; false: columns are named col0, col1, ...; 'auto' (default): a first line with a non-numeric cell where data is numeric is a header. */
  header?: boolean | 'auto';
  delimiter?: string;
  /** Column types; by default a column is numeric when its first data row parses as a number. */
  columnTypes?: Record<string, 'number' | 'string'>;
  /** What to do with an empty cell: 'error' (default, naming the line), 'skip' the row, or a fill value. */
  missing?: 'error' | 'skip' | number;
  /** Keep only these columns (plus labels). */
  columns?: string[];
}

/** Splits CSV text into records, RFC 4180 style: quoted fields may hold delimiters, quotes ("") and line breaks. */
async function* records(chunks: AsyncIterable<string>, delimiter: string): AsyncGenerator<{ fields: string[]; line: number }> {
  let field = '';
  let fields: string[] = [];
  let inQuotes = false;
  let quotePending = false;
  let line = 1;
  let recordLine = 1;
  let any = false;
  let afterCR = false;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i];
      // The LF of a CRLF whose CR ended the previous chunk: the break was already taken.
      if (afterCR) {
        afterCR = false;
        if (ch === '\n' && !inQuotes) continue;
      }
      if (quotePending) {
        quotePending = false;
        if (ch === '"') {
          field += '"';
          continue;
        }
        inQuotes = false;
      }
      if (inQuotes) {
        if (ch === '"') quotePending = true;
        else {
          if (ch === '\n') line++;
          field += ch;
        }
        continue;
      }
      if (ch === '"' && field === '') {
        inQuotes = true;
        any = true;
      } else if (ch === delimiter) {
        fields.push(field);
        field = '';
        any = true;
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && chunk[i + 1] === '\n') i++;
        else if (ch === '\r' && i === chunk.length - 1) afterCR = true;
        if (any || field !== '') {
          fields.push(field);
          yield { fields, line: recordLine };
        }
        fields = [];
        field = '';
        any = false;
        line++;
        recordLine = line;
      } else {
        field += ch;
        any = true;
      }
    }
  }
  if (inQuotes && !quotePending) throw new Error(`csv: unterminated quoted field starting on line ${recordLine}`);
  if (any || field !== '') {
    fields.push(field);
    yield { fields, line: recordLine };
  }
}

/**
 * Streams a CSV file (path or URL) or text into a Dataset of rows. With `label`, each element is
 * { xs: number[] (feature columns in order), ys: number | number[] } ready for batching.
 */
export function fromCsv(source: TextSource, options: CsvOptions = {}): Dataset<Element> {
  const name = typeof source === 'string' ? source : 'csv';
  const delimiter = options.delimiter ?? ',';
  const labels = options.label === undefined ? [] : Array.isArray(options.label) ? options.label : [options.label];
  return Dataset.fromGenerator(async function* () {
    let names: string[] | null = null;
    let types: ('number' | 'string')[] | null = null;
    let width = 0;
    for await (const { fields, line } of records(textChunks(source, 'fromCsv'), delimiter)) {
      if (!names) {
        width = fields.length;
        const looksLikeHeader = options.header === true || (options.header !== false && fields.some((f) => f.trim() !== '' && Number.isNaN(Number(f))));
        if (looksLikeHeader) {
          names = fields.map((f) => f.trim());
          const unknown = [...labels, ...(options.columns ?? [])].filter((l) => !names!.includes(l));
          if (unknown.length) throw new Error(`fromCsv: ${name}: no column named ${unknown.map((u) => `'${u}'`).join(', ')} (columns: ${names.join(', ')})`);
          continue;
        }
        names = fields.map((_, i) => `col${i}`);
      }
      if (fields.length !== width) throw new Error(`fromCsv: ${name} line ${line}: expected ${width} fields, got ${fields.length}`);
      types ??= names.map((n, i) => options.columnTypes?.[n] ?? (fields[i].trim() === '' || !Number.isNaN(Number(fields[i])) ? 'number' : 'string'));
      const row: Record<string, number | string> = {};
      let skip = false;
      for (let i = 0; i < width; i++) {
        const n = names[i];
        if (options.columns && !options.columns.includes(n) && !labels.includes(n)) continue;
        const raw = fields[i].trim();
        if (raw === '') {
          if (options.missing === 'skip') {
            skip = true;
            break;
          }
          if (typeof options.missing === 'number') {
            row[n] = options.missing;
            continue;
          }
          throw new Error(`fromCsv: ${name} line ${line}: column '${n}' is empty (pass missing: 'skip' or a fill value)`);
        }
        if (types[i] === 'number') {
          const v = Number(raw);
          if (Number.isNaN(v)) throw new Error(`fromCsv: ${name} line ${line}: column '${n}' should be a number, got '${raw}'`);
          row[n] = v;
        } else row[n] = raw;
      }
      if (skip) continue;
      if (!labels.length) {
        yield row;
        continue;
      }
      const xs = Object.keys(row).filter((k) => !labels.includes(k)).map((k) => row[k]);
      const ys = labels.map((k) => row[k]);
      yield { xs, ys: ys.length === 1 ? ys[0] : ys } as Element;
    }
  });
}
