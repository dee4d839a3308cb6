import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileWriter, ParquetWriter, type ColumnSource } from 'hyparquet-writer';

// A child process with a capped heap imports the built @soma/data (full tier: it needs dist/).
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'soma-reader-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readers cost what their input is worth (in a capped heap)', () => {
  // The probe's case: one record holding a very long field (the old reader built it a character at a time).
  const oneLine = (bytes: number) => `${'a'.repeat(bytes)},1\n`;

  it('a 32 MiB one-line CSV reads within a 200 MB heap (the old reader needed about 130 MiB per MiB)', () => {
    const file = join(dir, 'long-32.csv');
    writeFileSync(file, oneLine(32 * 2 ** 20));
    const script = `const { fromCsv } = await import('@soma/data');
      let n = 0; for await (const row of fromCsv(${JSON.stringify(file)}, { header: false })) n += row.col0.length;
      console.log(n);`;
    // A child with a capped heap: running out of it is a crash there, a failed assertion here.
    const out = execFileSync(process.execPath, ['--max-old-space-size=200', '--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
    expect(Number(out.trim())).toBe(32 * 2 ** 20);
  });

  it('rows of 2 million fields (4 MiB lines) read with a label within a 128 MB heap (the old reader needed about 400 MB: a string per field)', () => {
    const file = join(dir, 'wide.csv');
    const row = `${Array.from({ length: 2e6 }, (_, i) => i % 10).join(',')}\n`;
    writeFileSync(file, row.repeat(3));
    const script = `const { fromCsv } = await import('@soma/data');
      let n = 0, sum = 0; for await (const { xs, ys } of fromCsv(${JSON.stringify(file)}, { header: false, label: 'col0' })) { n++; sum += xs.length + xs[xs.length - 1] + ys; }
      console.log(n, sum);`;
    const out = execFileSync(process.execPath, ['--max-old-space-size=128', '--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
    // 3 rows, each 1,999,999 features ending in (2e6 - 1) % 10 = 9, label 0.
    expect(out.trim()).toBe(`3 ${3 * (1999999 + 9)}`);
  });


  it('a 512 MiB Parquet file streams row group by row group: peak RSS stays under 400 MiB (README bound)', () => {
    // 2 million rows of 32 random float64 features and an int32 label, row groups of 65,536 rows (16 MiB).
    const file = join(dir, 'big.parquet');
    const features = 32;
    const group = 65536;
    const rows = 32 * group;
    const writer = new ParquetWriter({
      writer: fileWriter(file),
      codec: 'UNCOMPRESSED',
      schema: [
        { name: 'root', num_children: features + 1 },
        ...Array.from({ length: features }, (_, k) => ({ name: `f${k}`, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const })),
        { name: 'label', type: 'INT32', repetition_type: 'REQUIRED' },
      ],
    });
    for (let start = 0; start < rows; start += group) {
      const columnData: ColumnSource[] = Array.from({ length: features }, (_, k) => ({ name: `f${k}`, data: Float64Array.from({ length: group }, (_, i) => (start + i + k) % 1000), type: 'DOUBLE' }));
      columnData.push({ name: 'label', data: Int32Array.from({ length: group }, (_, i) => (start + i) % 10), type: 'INT32' });
      writer.write({ columnData, rowGroupSize: group });
    }
    writer.finish();
    const script = `const { fromParquet } = await import('@soma/data');
      let n = 0, sum = 0; for await (const { xs, ys } of fromParquet(${JSON.stringify(file)}, { label: 'label' })) { n++; sum += xs[31] + ys; }
      console.log(n, sum, process.resourceUsage().maxRSS / 1024);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
    const [n, sum, peak] = out.trim().split(' ').map(Number);
    expect(n).toBe(rows);
    // xs[31] = (i + 31) % 1000, ys = i % 10, summed over every row.
    let expected = 0;
    for (let i = 0; i < rows; i++) expected += ((i + 31) % 1000) + (i % 10);
    expect(sum).toBe(expected);
    expect(peak).toBeLessThan(400);
  }, 180_000);
});
