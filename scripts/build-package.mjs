#!/usr/bin/env node
// Builds the package in the current directory: esbuild bundles each entry listed under
// package.json "soma.entries" to ESM (.js) and CJS (.cjs); tsc emits the declarations.
// Dependencies stay external so each package ships only its own code.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const entries = pkg.soma?.entries ?? { index: 'src/index.ts' };
const external = [
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
].flatMap((name) => [name, `${name}/*`]);

rmSync('dist', { recursive: true, force: true });
for (const format of ['esm', 'cjs']) {
  await build({
    entryPoints: entries,
    outdir: 'dist',
    bundle: true,
    format,
    platform: 'neutral',
    target: 'es2022',
    external,
    outExtension: { '.js': format === 'esm' ? '.js' : '.cjs' },
    // Entries share one copy of the package's modules (one Tensor class for '@soma/core' and
    // '@soma/core/internal'); esbuild splits only ESM, so CommonJS entries each keep their own copy.
    splitting: format === 'esm' && Object.keys(entries).length > 1,
    chunkNames: 'chunks/[name]-[hash]',
    // CommonJS has no import.meta: the file's own URL comes from __filename instead.
    ...(format === 'cjs' && {
      define: { 'import.meta.url': '__soma_import_meta_url' },
      banner: { js: "const __soma_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    }),
    logLevel: 'warning',
  });
}
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

// CommonJS consumers (require, or TypeScript's Node16/NodeNext in a CommonJS project) need
// declarations typed as CommonJS: the same files as .d.cts, their relative imports pointing at .cjs.
function cjsDeclarations(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    if (entry.isDirectory()) cjsDeclarations(src, join(to, entry.name));
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(src, 'utf8').replace(/((?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]*?)\.js(['"])/g, '$1.cjs$2');
      writeFileSync(join(to, entry.name.replace(/\.d\.ts$/, '.d.cts')), text);
    }
  }
}
cjsDeclarations('dist/types', 'dist/types-cjs');

// Every tarball carries the licence; the one copy lives at the repository root.
copyFileSync(new URL('../LICENSE', import.meta.url), 'LICENSE');
