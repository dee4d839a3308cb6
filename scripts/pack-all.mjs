#!/usr/bin/env node
// Packs every published package into one folder (default: packs/), as `npm publish` would ship it:
// pnpm pack rewrites workspace:^ ranges to the real versions. Prints one line per tarball, so a
// user can `npm install ./packs/soma-core-0.1.0.tgz ./packs/soma-backend-cpu-0.1.0.tgz` before
// the packages are on the registry. Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const destination = resolve(process.argv[2] ?? join(root, 'packs'));
mkdirSync(destination, { recursive: true });
const pnpm = process.env.npm_execpath ?? 'pnpm';
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const folder = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  if (!existsSync(join(folder, 'dist'))) throw new Error(`pack-all: ${pkg.name} has no dist/: run \`pnpm build\` first`);
  const args = ['pack', '--pack-destination', destination];
  const out = pnpm.endsWith('.js') || pnpm.endsWith('.cjs') || pnpm.endsWith('.mjs')
    ? execFileSync(process.execPath, [pnpm, ...args], { cwd: folder, encoding: 'utf8' })
    : execFileSync(pnpm, args, { cwd: folder, encoding: 'utf8' });
  const tarball = out.trim().split('\n').filter((l) => l.endsWith('.tgz')).pop();
  console.log(tarball ?? `${pkg.name}: packed into ${destination}`);
}
