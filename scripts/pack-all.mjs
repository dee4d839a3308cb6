#!/usr/bin/env node
// Packs every published package into one folder (default: packs/), as `npm publish` would ship it:
// pnpm pack rewrites workspace:^ ranges to the real versions. Prints one line per tarball, so a
// user can `npm install ./packs/soma-core-0.1.0.tgz ./packs/soma-backend-cpu-0.1.0.tgz` before
// the packages are on the registry. Run after `pnpm build`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const destination = resolve(process.argv[2] ?? join(root, 'packs'));
mkdirSync(destination, { recursive: true });
// pnpm, not npm: only pnpm's pack rewrites workspace: ranges. The pnpm running this script, else the
// one on PATH, else the pinned one through npx.
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
const execpath = process.env.npm_execpath ?? '';
const pnpm = /pnpm/.test(execpath) && /\.[cm]?js$/.test(execpath)
  ? [process.execPath, execpath]
  : spawnSync('pnpm', ['--version']).status === 0 ? ['pnpm'] : ['npx', '-y', pinned];
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const folder = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  if (!existsSync(join(folder, 'dist'))) throw new Error(`pack-all: ${pkg.name} has no dist/: run \`pnpm build\` first`);
  const out = execFileSync(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', destination], { cwd: folder, encoding: 'utf8' });
  const tarball = out.trim().split('\n').filter((l) => l.endsWith('.tgz')).pop();
  console.log(tarball ?? `${pkg.name}: packed into ${destination}`);
}
