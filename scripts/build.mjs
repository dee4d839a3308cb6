#!/usr/bin/env node
// Builds every package through lerna (nx underneath: dependency order, two at a time, and a local
// cache keyed on each package's sources, so an unchanged package is restored, not rebuilt).
// Prints one line when the build succeeds and lerna's whole log when it fails: commands that
// build first (`pnpm run example`, `lenet`, `test:all`) show their own output, not ~100 lines of
// build log. `--verbose` streams the log as it comes.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const verbose = process.argv.includes('--verbose');
const lerna = createRequire(import.meta.url).resolve('lerna/dist/cli.js');
const started = Date.now();
const child = spawn(process.execPath, [lerna, 'run', 'build', '--concurrency', '2'], {
  stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, NX_TUI: 'false', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
});
let log = '';
child.stdout?.on('data', (d) => (log += d));
child.stderr?.on('data', (d) => (log += d));
child.on('close', (code) => {
  if (code !== 0) {
    if (!verbose) process.stderr.write(log);
    process.stderr.write(`build failed (exit code ${code})\n`);
    process.exit(code ?? 1);
  }
  if (verbose) return;
  // eslint-disable-next-line no-control-regex
  const plain = log.replace(/\x1b\[[0-9;]*m/g, '');
  const tasks = plain.match(/^> \S+:build\b.*$/gm) ?? [];
  const cached = tasks.filter((t) => /cache/.test(t)).length;
  const built = tasks.length - cached;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`build: ${built} of ${tasks.length} packages built, ${cached} unchanged (${seconds} s)`);
});
