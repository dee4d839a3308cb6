// Parquet readers side by side: @soma/data's fromParquet (hyparquet, row group by row group) and
// parquet-wasm + apache-arrow (the whole file into an Arrow table), on one file written here by
// hyparquet-writer. Each reader runs in its own process so its peak RSS is its own.
//
//   node bench/parquet_readers.mjs            # a 1 GiB file (32 float64 features + an int32 label)
//   PARQUET_MB=256 node bench/parquet_readers.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [mode, file] = process.argv.slice(2);
const FEATURES = 32;
const GROUP = 65536;

if (mode === 'write') {
  const { ParquetWriter, fileWriter } = await import('hyparquet-writer');
  const rows = Math.round((Number(process.env.PARQUET_MB ?? 1024) * 2 ** 20) / (FEATURES * 8 + 4));
  const writer = new ParquetWriter({
    writer: fileWriter(file),
    codec: 'UNCOMPRESSED',
    schema: [
      { name: 'root', num_children: FEATURES + 1 },
      ...Array.from({ length: FEATURES }, (_, k) => ({ name: `f${k}`, type: 'DOUBLE', repetition_type: 'REQUIRED' })),
      { name: 'label', type: 'INT32', repetition_type: 'REQUIRED' },
    ],
  });
  // Random doubles: nothing for dictionary or compression to shrink, so the file is as big as its data.
  const rand = () => Math.random();
  for (let start = 0; start < rows; start += GROUP) {
    const n = Math.min(GROUP, rows - start);
    const columnData = Array.from({ length: FEATURES }, (_, k) => ({ name: `f${k}`, data: Float64Array.from({ length: n }, rand), type: 'DOUBLE' }));
    columnData.push({ name: 'label', data: Int32Array.from({ length: n }, (_, i) => (start + i) % 10), type: 'INT32' });
    writer.write({ columnData, rowGroupSize: n });
  }
  writer.finish();
  console.log(rows);
} else if (mode === 'soma') {
  const { fromParquet } = await import('@soma/data');
  const t0 = performance.now();
  let n = 0;
  let sum = 0;
  for await (const { xs, ys } of fromParquet(file, { label: 'label' })) {
    n++;
    sum += xs[0] + ys;
  }
  console.log(JSON.stringify({ rows: n, sum, seconds: (performance.now() - t0) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
} else if (mode === 'parquet-wasm') {
  const { readFileSync } = await import('node:fs');
  const wasm = await import('parquet-wasm/node');
  const { tableFromIPC } = await import('apache-arrow');
  const t0 = performance.now();
  const table = tableFromIPC(wasm.readParquet(readFileSync(file)).intoIPCStream());
  let n = 0;
  let sum = 0;
  // Rows as { xs, ys }, as fromParquet gives them, so both do the same work.
  for (const batch of table.batches) {
    const cols = Array.from({ length: FEATURES }, (_, k) => batch.getChild(`f${k}`).toArray());
    const label = batch.getChild('label').toArray();
    for (let i = 0; i < batch.numRows; i++) {
      const xs = new Array(FEATURES);
      for (let k = 0; k < FEATURES; k++) xs[k] = cols[k][i];
      n++;
      sum += xs[0] + label[i];
    }
  }
  console.log(JSON.stringify({ rows: n, sum, seconds: (performance.now() - t0) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'soma-parquet-bench-'));
  const path = join(dir, 'data.parquet');
  const self = fileURLToPath(import.meta.url);
  try {
    const t0 = performance.now();
    execFileSync(process.execPath, [self, 'write', path], { cwd: here, stdio: 'inherit' });
    console.log(`wrote ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s (${FEATURES} float64 + int32 label, row groups of ${GROUP} rows = ${((GROUP * (FEATURES * 8 + 4)) / 2 ** 20).toFixed(1)} MiB)`);
    for (const reader of ['soma', 'parquet-wasm']) {
      try {
        const out = execFileSync(process.execPath, [self, reader, path], { cwd: here, encoding: 'utf8' });
        const r = JSON.parse(out.trim().split('\n').pop());
        console.log(`${reader.padEnd(13)} ${r.rows} rows in ${r.seconds.toFixed(2)} s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB (checksum ${r.sum.toFixed(3)})`);
      } catch (e) {
        console.log(`${reader.padEnd(13)} failed: ${String(e.stderr ?? e.message).split('\n').slice(-3).join(' ')}`);
      }
    }
    const size = (p) => (existsSync(p) ? Number(execFileSync('du', ['-sbL', p], { encoding: 'utf8' }).split('\t')[0]) : NaN);
    const mod = (name) => join(here, 'node_modules', name);
    console.log(`installed size: hyparquet ${(size(mod('hyparquet')) / 1024).toFixed(0)} KiB (+ hyparquet-compressors ${(size(join(here, '../packages/data/node_modules/hyparquet-compressors')) / 1024).toFixed(0)} KiB); parquet-wasm ${(size(mod('parquet-wasm')) / 1024).toFixed(0)} KiB + apache-arrow ${(size(mod('apache-arrow')) / 1024).toFixed(0)} KiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
