import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceAliases } from '../scripts/source-aliases.mjs';
import { chromiumPath, launchChromium, stopChromium } from './browser/chromium';

const root = fileURLToPath(new URL('..', import.meta.url));
const chromium = chromiumPath;
// CI installs Chromium (see .ci/run), so there a missing browser is a failure, never a skip.
const required = process.env.CI === 'true';

describe.runIf(chromium || required)('the cpu and webgpu backends in a real browser (headless Chromium)', () => {
  it('passes the whole conformance suite on every cpu path (SIMD with threads, threads on every kernel, unshared heap, plain TypeScript) and on webgpu, trains, saves and reloads a model, and trains the same on cpu and webgpu', async () => {
    expect(chromium, 'Chromium must be installed (apt-get install chromium)').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'soma-browser-'));
    try {
      await build({
        entryPoints: [join(root, 'test/browser/run_suite.ts')],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        outfile: join(dir, 'suite.js'),
        alias: sourceAliases(root),
        logLevel: 'warning',
      });
      writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><script type="module" src="suite.js"></script></body></html>');
      // Serve the page from 127.0.0.1 and wait for the page to POST its report: no virtual time, no DOM dumps.
      let received!: (body: string) => void;
      const reported = new Promise<string>((r) => (received = r));
      const server = createServer((req, res) => {
        if (req.method === 'POST' && req.url === '/report') {
          let body = '';
          req.on('data', (c) => (body += c));
          req.on('end', () => {
            res.end('ok');
            received(body);
          });
          return;
        }
        const file = req.url === '/suite.js' ? 'suite.js' : 'index.html';
        res.setHeader('content-type', file.endsWith('.js') ? 'text/javascript' : 'text/html');
        // Cross-origin isolation: SharedArrayBuffer, so the cpu backend's heap is shared with workers.
        res.setHeader('cross-origin-opener-policy', 'same-origin');
        res.setHeader('cross-origin-embedder-policy', 'require-corp');
        res.end(readFileSync(join(dir, file)));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      const browser = launchChromium(dir, `http://127.0.0.1:${port}/index.html`, ['--remote-debugging-port=0']);
      let text: string;
      try {
        text = await Promise.race([
          reported,
          new Promise<string>((_, reject) => setTimeout(() => reject(new Error('the page did not report within 240 s')), 240_000)),
        ]);
      } finally {
        await stopChromium(browser);
        server.close();
      }
      const report = JSON.parse(text) as {
        error?: string;
        userAgent: string;
        crossOriginIsolated: boolean;
        outcomes: { backend: string; gemmKind: string; threads?: number; sharedMemory?: number; passed: number; failed: { name: string; message: string }[] }[];
        training: { accuracy: number; reloadedIdentical: boolean; workers: unknown };
        gpu: { error?: string; adapter: string; conformance: { passed: number; failed: { name: string; message: string }[] }; curves: Record<string, { losses: number[]; accuracy: number }> };
      };
      expect(report.error, 'the page threw').toBeUndefined();
      expect(report.userAgent).toMatch(/Chrome/);
      expect(report.crossOriginIsolated).toBe(true);
      const [simd, threaded, unshared, js] = report.outcomes;
      // The SIMD module instantiates synchronously on the main thread (it is far under Chromium's limit).
      expect(simd.gemmKind).toBe('wasm-simd');
      expect(simd.sharedMemory).toBe(1);
      // Worker threads from a Blob URL over the shared heap; the page's main thread spins while they run.
      expect(threaded).toMatchObject({ gemmKind: 'wasm-simd', threads: 3, sharedMemory: 1 });
      expect(unshared).toMatchObject({ gemmKind: 'wasm-simd', threads: 1, sharedMemory: 0 });
      expect(js.gemmKind).toBe('js');
      for (const o of report.outcomes) {
        expect(o.failed, `${o.backend} failures in the browser`).toEqual([]);
        expect(o.passed).toBeGreaterThan(600);
      }
      // Layers, optimizers and data run in the page too; mapInWorkers uses real Web Workers there.
      expect(report.training.accuracy).toBeGreaterThan(0.95);
      expect(report.training.reloadedIdentical).toBe(true);
      expect(report.training.workers).toEqual([0, 1, 4, 9, 16, 25].map((square) => ({ square, inWorker: true })));
      // backend-webgpu on the page's navigator.gpu: the whole conformance suite, then one model
      // trained on cpu and on webgpu from the same seed gives the same loss curve.
      expect(report.gpu.error, 'webgpu in the page').toBeUndefined();
      expect(report.gpu.adapter).toMatch(/swiftshader/i);
      expect(report.gpu.conformance.failed, 'webgpu failures in the browser').toEqual([]);
      expect(report.gpu.conformance.passed).toBeGreaterThan(600);
      const { cpu, webgpu } = report.gpu.curves;
      expect(webgpu.losses.length).toBe(cpu.losses.length);
      webgpu.losses.forEach((l, i) => expect(l).toBeCloseTo(cpu.losses[i], 3));
      expect(webgpu.losses.at(-1)!).toBeLessThan(webgpu.losses[0] * 0.5);
      expect(webgpu.accuracy).toBeCloseTo(cpu.accuracy, 5);
      expect(webgpu.accuracy).toBeGreaterThan(0.9);
    } finally {
      // Best effort: a helper that outlived the kill may still hold the profile; the OS cleans /tmp.
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      } catch {
        // not what this test is about
      }
    }
  }, 300_000);
});
