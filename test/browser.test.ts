import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
// CI installs Chromium (see .ci/run), so there a missing browser is a failure, never a skip.
const required = process.env.CI === 'true';

describe.runIf(chromium || required)('the cpu backend in a real browser (headless Chromium)', () => {
  it('passes the whole conformance suite on both paths, and trains, saves and reloads a model with layers and data', async () => {
    expect(chromium, 'Chromium must be installed (apt-get install chromium)').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'soma-browser-'));
    try {
      const pkg = (p: string) => join(root, 'packages', p);
      await build({
        entryPoints: [join(root, 'test/browser/run_suite.ts')],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        outfile: join(dir, 'suite.js'),
        alias: {
          '@soma/core/testing': pkg('core/src/testing/index.ts'),
          '@soma/core': pkg('core/src/index.ts'),
          '@soma/backend-cpu': pkg('backend-cpu/src/index.ts'),
          '@soma/layers': pkg('layers/src/index.ts'),
          '@soma/optimizers': pkg('optimizers/src/index.ts'),
          '@soma/data': pkg('data/src/index.ts'),
        },
        logLevel: 'warning',
      });
      writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><script type="module" src="suite.js"></script></body></html>');
      const dom = execFileSync(chromium!, [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--user-data-dir=${join(dir, 'profile')}`, '--allow-file-access-from-files',
        '--virtual-time-budget=120000', '--dump-dom', `file://${join(dir, 'index.html')}`,
      ], { encoding: 'utf8', timeout: 240_000, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
      const match = /<pre id="soma-result">([\s\S]*?)<\/pre>/.exec(dom);
      expect(match, `the page did not report; it rendered:\n${dom.slice(0, 2000)}`).not.toBeNull();
      const decoded = match![1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      const report = JSON.parse(decoded) as {
        userAgent: string;
        outcomes: { backend: string; gemmKind: string; passed: number; failed: { name: string; message: string }[] }[];
        training: { accuracy: number; reloadedIdentical: boolean; workers: unknown };
      };
      expect(report.userAgent).toMatch(/Chrome/);
      const [simd, js] = report.outcomes;
      // The SIMD module must instantiate synchronously on the main thread (it is under the 4 KB limit).
      expect(simd.gemmKind).toBe('wasm-simd');
      expect(js.gemmKind).toBe('js');
      for (const o of report.outcomes) {
        expect(o.failed, `${o.backend} failures in the browser`).toEqual([]);
        expect(o.passed).toBeGreaterThan(600);
      }
      // Layers, optimizers and data run in the page too; mapInWorkers uses real Web Workers there.
      expect(report.training.accuracy).toBeGreaterThan(0.95);
      expect(report.training.reloadedIdentical).toBe(true);
      expect(report.training.workers).toEqual([0, 1, 4, 9, 16, 25].map((square) => ({ square, inWorker: true })));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
