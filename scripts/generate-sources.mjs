#!/usr/bin/env node
// Writes the sources that are generated from committed inputs (gitignored, so a fresh clone lacks
// them): backend-cpu's WebAssembly kernels (assembly/*.ts → src/wasm/generated) and onnx-io's
// embedded schema (schema/onnx.proto → src/generated). `pnpm test` runs this first, because the
// fast tier type-checks and tests the sources without building the packages.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
for (const [pkg, script] of [['backend-cpu', 'scripts/build-wasm.mjs'], ['onnx-io', 'scripts/embed-schema.mjs']]) {
  execFileSync(process.execPath, [script], { cwd: `${root}packages/${pkg}`, stdio: ['ignore', 'ignore', 'inherit'] });
}
