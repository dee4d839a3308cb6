import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// What a user gets before the packages are on the registry: every package packed as `npm publish`
// would ship it (scripts/pack-all.mjs), installed with plain npm into an empty project outside the
// workspace (only the registry is reached, for third-party dependencies), then the README's first
// snippet type-checked (NodeNext) and run as ES module and as CommonJS. Needs built packages
// (`pnpm test:all` builds first).
const root = fileURLToPath(new URL('..', import.meta.url));
const tsVersion = (JSON.parse(readFileSync(join(root, 'node_modules/typescript/package.json'), 'utf8')) as { version: string }).version;

/** The first ```ts block of the root README: the snippet a new user copies first. */
function readmeSnippet(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no ```ts block');
  return match[1];
}

let dir = '';
let packs: string[] = [];
const node = (args: string[], cwd: string) => execFileSync(process.execPath, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the packed tarballs, installed with plain npm into an empty project', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(os.tmpdir(), 'soma-tarballs-'));
    const packDir = join(dir, 'packs');
    node([join(root, 'scripts/pack-all.mjs'), packDir], root);
    packs = readdirSync(packDir).filter((f) => f.endsWith('.tgz')).map((f) => join(packDir, f));
    const consumer = join(dir, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // onnxruntime-node's install script would fetch CUDA binaries from outside the registry: the
    // README's offline install skips it, and the CPU build inside the package is what Soma uses.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packs, `typescript@${tsVersion}`, '@types/node@20'], {
      cwd: consumer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    });
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every published package is packed, with its licence', () => {
    const names = packs.map((p) => p.replace(/.*\/soma-(.*)-\d+\.\d+\.\d+\.tgz$/, '$1')).sort();
    expect(names).toEqual(['backend-cpu', 'backend-native', 'backend-webgpu', 'cli', 'core', 'data', 'layers', 'onnx-io', 'optimizers', 'testing', 'torch-bridge', 'zoo']);
    for (const p of packs) {
      const files = execFileSync('tar', ['tzf', p], { encoding: 'utf8' }).split('\n');
      expect(files, p).toContain('package/LICENSE');
      expect(files, p).toContain('package/README.md');
      expect(readFileSync(p).length, `${p} carries no tests or sources`).toBeLessThan(4 * 2 ** 20);
    }
  });

  it("the README's first snippet type-checks (NodeNext) and runs as an ES module and as CommonJS", () => {
    const consumer = join(dir, 'consumer');
    const snippet = readmeSnippet();
    const tsc = join(consumer, 'node_modules/typescript/bin/tsc');
    for (const [sub, type, module] of [['esm', 'module', 'NodeNext'], ['cjs', 'commonjs', 'NodeNext']] as const) {
      const folder = join(consumer, sub);
      mkdirSync(folder);
      writeFileSync(join(folder, 'package.json'), JSON.stringify({ type }));
      writeFileSync(join(folder, 'main.ts'), snippet);
      writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { target: 'ES2022', module, moduleResolution: module, strict: true, skipLibCheck: false, types: ['node'], outDir: 'out' },
        files: ['main.ts'],
      }));
      node([tsc, '-p', 'tsconfig.json'], folder);
      const out = node([join(folder, 'out/main.js')], folder);
      // y = sum(relu(x·x)) for x = [[1, 2], [3, 4]]: 7 + 10 + 15 + 22.
      expect(out, `${sub} output`).toMatch(/Float32Array\(1\) \[ 54 \]/);
      expect(out, `${sub} output`).toMatch(/numTensors/);
    }
  }, 120_000);

  it('the native backend runs from its tarball (installed offline-ready), and the soma command starts', () => {
    const consumer = join(dir, 'consumer');
    const out = node(['--input-type=module', '-e', `
      import * as soma from '@soma/core';
      import '@soma/backend-native';
      await soma.setBackend('native');
      console.log(JSON.stringify(Array.from(soma.tensor([[1, 2], [3, 4]]).matmul(soma.ones([2, 1])).dataSync())));`], consumer);
    expect(JSON.parse(out)).toEqual([3, 7]);
    expect(node([join(consumer, 'node_modules/@soma/cli/bin/soma.mjs'), '--help'], consumer)).toMatch(/usage: soma <command>/);
  });

  it("@soma/backend-webgpu without its optional peer 'webgpu' says in Node what to install", () => {
    const consumer = join(dir, 'consumer');
    const out = node(['--input-type=module', '-e', `
      import * as soma from '@soma/core';
      import '@soma/backend-webgpu';
      soma.setBackend('webgpu').then(() => console.log('loaded'), (e) => console.log(e.message));`], consumer);
    expect(out).toMatch(/'webgpu' package \(Dawn for Node\) is not installed.*npm install webgpu@0\.6\.2/);
  });
});
