import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import { CdpPipe } from './browser/cdp_pipe';
import { chromiumPath, launchChromium, stopChromium } from './browser/chromium';

// The playground (examples/playground) built and served as `pnpm run playground` does, opened in
// headless Chromium: every demo trains for a bounded number of steps on cpu and on webgpu
// (SwiftShader, so fewer steps); the loss must fall, the page must show the result, and a
// screenshot of the demo's canvas must not be blank. Screenshots are saved under
// test/.playground-screenshots for a person to look at.

const root = fileURLToPath(new URL('..', import.meta.url));
const chromium = chromiumPath;
const required = process.env.CI === 'true';
const shots = join(root, 'test', '.playground-screenshots');

interface RunReport { demo: string; backend: string; losses: number[]; accuracies: number[]; steps: number; stopped: boolean; output: string; numTensors: number }

/** [demo, backend, steps, what the run must show]. */
const RUNS: [string, string, number, (r: RunReport) => void][] = [
  ['circles', 'cpu', 150, (r) => expect(r.accuracies.at(-1)).toBeGreaterThan(0.9)],
  ['lenet', 'cpu', 60, (r) => expect(r.output).toMatch(/^predicted: (\d ){15}\d\nlabels: {4}(\d ){15}\d$/)],
  ['vae', 'cpu', 60, () => {}],
  ['gan', 'cpu', 12, () => {}],
  ['word2vec', 'cpu', 60, (r) => expect(r.output).toMatch(/^king: .*\ndog: .*\nbread: /)],
  ['charLstm', 'cpu', 30, (r) => expect(r.output.startsWith('Four score and ')).toBe(true)],
  ['circles', 'webgpu', 60, () => {}],
  ['lenet', 'webgpu', 12, () => {}],
  ['vae', 'webgpu', 20, () => {}],
  ['gan', 'webgpu', 4, () => {}],
  ['word2vec', 'webgpu', 20, () => {}],
  ['charLstm', 'webgpu', 6, () => {}],
];

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** Fraction of pixels that differ from the most common colour (the background). */
function inkFraction(png: Buffer): number {
  const img = PNG.sync.read(png);
  const counts = new Map<number, number>();
  for (let i = 0; i < img.data.length; i += 4) {
    const key = img.data.readUInt32BE(i);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const background = Math.max(...counts.values());
  return 1 - background / (img.width * img.height);
}

describe.runIf(chromium || required)('the playground in headless Chromium', () => {
  it('serves with cross-origin isolation, and every demo trains on cpu and on webgpu (SwiftShader), shows its result and draws a non-blank canvas', async () => {
    expect(chromium, 'Chromium must be installed (apt-get install chromium)').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'soma-playground-'));
    // Variable specifiers: the build and server scripts are plain .mjs files run by `pnpm run playground`.
    const { buildPlayground } = (await import(pathToFileURL(join(root, 'examples/playground/build.mjs')).href)) as { buildPlayground(dir: string): Promise<number> };
    const { servePlayground } = (await import(pathToFileURL(join(root, 'examples/playground/serve.mjs')).href)) as { servePlayground(dir: string, port: number): Promise<Server> };
    const bundleBytes = await buildPlayground(join(dir, 'site'));
    expect(bundleBytes).toBeGreaterThan(100_000);
    const server = await servePlayground(join(dir, 'site'), 0);
    const { port } = server.address() as AddressInfo;
    const browser = launchChromium(dir, 'about:blank', ['--window-size=900,760', '--hide-scrollbars', '--remote-debugging-pipe'], ['ignore', 'ignore', 'ignore', 'pipe', 'pipe']);
    try {
      const cdp = new CdpPipe(browser);
      const page = await cdp.open(`http://127.0.0.1:${port}/`);
      const ready = await cdp.evaluate<{ isolated: boolean; demos: string[]; info: string }>(page, `(async () => {
        while (!window.playground) await new Promise((r) => setTimeout(r, 50));
        await window.playground.ready;
        return { isolated: self.crossOriginIsolated, demos: window.playground.demos, info: document.getElementById('info').textContent };
      })()`);
      expect(ready.isolated).toBe(true);
      expect(ready.demos).toEqual(['circles', 'lenet', 'vae', 'gan', 'word2vec', 'charLstm']);
      expect(ready.info).toMatch(/cpu: \d+ thread\(s\) of \d+ cores, cross-origin isolated: yes; webgpu: available/);
      mkdirSync(shots, { recursive: true });
      for (const [demo, backend, steps, check] of RUNS) {
        const r = await cdp.evaluate<RunReport>(page, `window.playground.run(${JSON.stringify(demo)}, ${JSON.stringify(backend)}, { steps: ${steps}, renderEvery: ${backend === 'webgpu' ? steps : Math.max(1, Math.floor(steps / 3))} })`);
        expect(r.steps, `${demo} on ${backend}`).toBe(steps);
        expect(r.losses.every(Number.isFinite), `${demo} on ${backend}: finite losses`).toBe(true);
        // A GAN's losses chase each other; every other demo's loss falls.
        if (demo !== 'gan') expect(mean(r.losses.slice(-3)), `${demo} on ${backend}: the loss falls`).toBeLessThan(mean(r.losses.slice(0, 3)));
        check(r);
        const status = await cdp.evaluate<string>(page, `document.getElementById('status').textContent`);
        expect(status).toMatch(new RegExp(`done after ${steps} steps`));
        const rect = await cdp.evaluate<{ x: number; y: number; width: number; height: number }>(page, `(() => { const r = document.getElementById('view').getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`);
        const canvasShot = Buffer.from((await cdp.send('Page.captureScreenshot', { format: 'png', clip: { ...rect, scale: 1 } }, page)).data as string, 'base64');
        expect(inkFraction(canvasShot), `${demo} on ${backend}: the canvas shows something`).toBeGreaterThan(0.02);
        const pageShot = Buffer.from((await cdp.send('Page.captureScreenshot', { format: 'png' }, page)).data as string, 'base64');
        writeFileSync(join(shots, `${demo}-${backend}.png`), pageShot);
      }
      // Memory stays flat: a longer run of a demo (after switching from another) ends with the same tensor count.
      const counts = await cdp.evaluate<Record<string, number[]>>(page, `(async () => {
        const out = {};
        for (const d of window.playground.demos) {
          const a = await window.playground.run(d, 'cpu', { steps: 3, renderEvery: 3 });
          const b = await window.playground.run(d, 'cpu', { steps: 6, renderEvery: 3 });
          out[d] = [a.numTensors, b.numTensors];
        }
        return out;
      })()`);
      for (const [d, [a, b]] of Object.entries(counts)) expect(b, `${d}: tensors after 6 steps vs 3`).toBe(a);
      // The stop button ends a run that has no step budget.
      const stopped = await cdp.evaluate<RunReport>(page, `(() => { const run = window.playground.run('circles', 'cpu'); setTimeout(() => document.getElementById('stop').click(), 300); return run; })()`);
      expect(stopped.stopped).toBe(true);
      expect(stopped.steps).toBeGreaterThan(0);
    } finally {
      await stopChromium(browser);
      server.close();
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      } catch {
        // a helper that outlived the kill may still hold the profile; the OS cleans /tmp
      }
    }
  }, 600_000);
});
