import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { Dataset, fromCsv } from '@soma/data';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'soma-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CSV', () => {
  it('reads a file with a header, quoted fields (delimiters, quotes, line breaks inside) and CRLF', async () => {
    const file = join(dir, 'quoted.csv');
    writeFileSync(file, 'id,name,score\r\n1,"Smith, J.",3.5\r\n2,"say ""hi""",4\r\n3,"two\nlines",5\r\n');
    const rows = await Dataset.fromCsv(file).toArray();
    expect(rows).toEqual([
      { id: 1, name: 'Smith, J.', score: 3.5 },
      { id: 2, name: 'say "hi"', score: 4 },
      { id: 3, name: 'two\nlines', score: 5 },
    ]);
  });

  it('a CRLF split across two chunks is one line break', async () => {
    async function* chunks() {
      yield* ['a,b\r', '\n1,2\r', '\n3,', '4\r\n'];
    }
    await expect(fromCsv(chunks()).toArray()).resolves.toEqual([{ a: 1, b: 2 }, { a: 3, b: 4 }]);
    async function* broken() {
      yield* ['a,b\r', '\n1,2\r', '\n3,'];
      yield '\r\n';
    }
    // Line numbers stay right after a split CRLF: the incomplete row is reported on line 3.
    await expect(fromCsv(broken()).toArray()).rejects.toThrow("fromCsv: csv line 3: column 'b' is empty");
  });

  it('quotes, escaped quotes, CRLF and line breaks in fields parse the same wherever the chunks split (seeded, against a whole-text parse)', async () => {
    // A reference parser over the whole text (RFC 4180), independent of the streaming one.
    const reference = (text: string): string[][] => {
      const rows: string[][] = [];
      let row: string[] = [];
      let field = '';
      let quoted = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
          if (c === '"' && text[i + 1] === '"') {
            field += '"';
            i++;
          } else if (c === '"') quoted = false;
          else field += c;
        } else if (c === '"' && field === '') quoted = true;
        else if (c === ',') {
          row.push(field);
          field = '';
        } else if (c === '\r' || c === '\n') {
          if (c === '\r' && text[i + 1] === '\n') i++;
          row.push(field);
          rows.push(row);
          row = [];
          field = '';
        } else field += c;
      }
      return rows;
    };
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const cell = () => {
      const r = rand();
      if (r < 0.3) return `"${['a""b', 'x,y', 'two\nlines', '""', 'p\r\nq', ''][Math.floor(rand() * 6)]}"`;
      return ['w', 'hello', '12', 'z z', 'é'][Math.floor(rand() * 5)];
    };
    for (let trial = 0; trial < 30; trial++) {
      const eol = rand() < 0.5 ? '\n' : '\r\n';
      const lines = Array.from({ length: 4 }, () => Array.from({ length: 3 }, cell).join(','));
      const text = `a,b,c${eol}${lines.join(eol)}${eol}`;
      const expected = reference(text).slice(1).map(([a, b, c]) => ({ a, b, c }));
      const options = { header: true, columnTypes: { a: 'string', b: 'string', c: 'string' } as const, missing: 'skip' as const };
      for (let cut = 1; cut < text.length; cut += 1 + Math.floor(rand() * 3)) {
        async function* chunks() {
          for (let i = 0; i < text.length; i += cut) yield text.slice(i, i + cut);
        }
        const rows = await fromCsv(chunks(), options).toArray();
        // Rows with an empty cell are skipped (missing: 'skip'); the rest must match the reference exactly.
        expect(rows, `cut ${cut} of ${JSON.stringify(text)}`).toEqual(expected.filter((r) => r.a.trim() && r.b.trim() && r.c.trim()).map((r) => ({ a: r.a.trim(), b: r.b.trim(), c: r.c.trim() })));
      }
    }
  });

  it('label columns make { xs, ys } elements that batch into tensors', async () => {
    const ds = fromCsv({ text: 'x1,x2,label\n0.5,1,0\n1.5,2,1\n2.5,3,1\n' }, { label: 'label' });
    const [b] = await ds.batch(3).toArray();
    const { xs, ys } = b as { xs: soma.Tensor; ys: soma.Tensor };
    expect(xs.shape).toEqual([3, 2]);
    expect(Array.from(ys.dataSync())).toEqual([0, 1, 1]);
    soma.dispose([xs, ys]);
  });

  it('detects a missing header and numeric columns', async () => {
    expect(await fromCsv({ text: '1,2\n3,4\n' }).toArray()).toEqual([{ col0: 1, col1: 2 }, { col0: 3, col1: 4 }]);
  });

  it('missing values: an error naming the line, or skipped, or filled', async () => {
    const text = { text: 'a,b\n1,2\n3,\n5,6\n' };
    await expect(fromCsv(text).toArray()).rejects.toThrow("fromCsv: csv line 3: column 'b' is empty");
    expect(await fromCsv(text, { missing: 'skip' }).toArray()).toEqual([{ a: 1, b: 2 }, { a: 5, b: 6 }]);
    expect(await fromCsv(text, { missing: -1 }).toArray()).toEqual([{ a: 1, b: 2 }, { a: 3, b: -1 }, { a: 5, b: 6 }]);
  });

  it('an empty file gives an empty dataset; ragged rows and unknown labels are errors', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expect(await fromCsv(empty).toArray()).toEqual([]);
    await expect(fromCsv({ text: 'a,b\n1,2,3\n' }).toArray()).rejects.toThrow('fromCsv: csv line 2: expected 2 fields, got 3');
    await expect(fromCsv({ text: 'a,b\n1,2\n' }, { label: 'y' }).toArray()).rejects.toThrow("no column named 'y' (columns: a, b)");
    await expect(fromCsv({ text: 'a,b\n1,x\n' }, { columnTypes: { b: 'number' } }).toArray()).rejects.toThrow("column 'b' should be a number, got 'x'");
    await expect(fromCsv(join(dir, 'nope.csv')).toArray()).rejects.toThrow(/fromCsv: cannot read .*nope\.csv/);
  });

  it('JSON Lines', async () => {
    expect(await Dataset.fromJsonLines({ text: '{"a":1}\r\n\n{"a":2}' }).toArray()).toEqual([{ a: 1 }, { a: 2 }]);
    await expect(Dataset.fromJsonLines({ text: '{"a":1}\n{oops}\n' }).toArray()).rejects.toThrow(/fromJsonLines: jsonl line 2/);
  });
});
