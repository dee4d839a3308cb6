import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
// @ts-expect-error: a plain JavaScript example module, without type declarations.
import { makeCircles, trainLogisticRegression, trainMlp } from '../examples/circles.mjs';

describe('README example: circles with grad and hand-written SGD', () => {
  it('logistic regression on squared features and the 2-20-1 MLP both exceed 95% training accuracy', async () => {
    await soma.setBackend('cpu');
    const before = soma.memory().numTensors;
    const { x, y } = makeCircles({ nSamples: 200, noise: 0.15, factor: 0.3, seed: 1 });
    const losses: number[] = [];
    const lr = trainLogisticRegression(x, y, {});
    const mlp = trainMlp(x, y, { log: (_: number, loss: number) => losses.push(loss) });
    soma.dispose([x, y]);
    expect(lr).toBeGreaterThan(0.95);
    expect(mlp).toBeGreaterThan(0.95);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 5);
    expect(soma.memory().numTensors).toBe(before);
  });
});

describe("README main command: the classic circles example through @soma/layers", () => {
  it('prints the summary (60/21/81), one progress line per epoch and a final accuracy of at least 95%', async () => {
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    // `pnpm test:all` builds the packages first, so the example runs on the built dist as a user would.
    const out = execFileSync(process.execPath, [fileURLToPath(new URL('../examples/train-circles.mjs', import.meta.url))], { encoding: 'utf8' });
    expect(out).toMatch(/dense \(Dense\)\s+\(None, 20\)\s+60/);
    expect(out).toMatch(/dense_1 \(Dense\)\s+\(None, 1\)\s+21/);
    expect(out).toContain('Total params: 81');
    expect(out.match(/^Epoch \d+\/100 /gm)).toHaveLength(100);
    const acc = Number(/accuracy (\d+\.\d)%/.exec(out)?.[1]);
    expect(acc).toBeGreaterThanOrEqual(95);
  }, 120_000);
});

describe('README example: the circles MLP from a @soma/data pipeline', () => {
  it('split, scaler fitted on the training part, shuffled batches: validation accuracy of at least 95%', async () => {
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const out = execFileSync(process.execPath, [fileURLToPath(new URL('../examples/circles-dataset.mjs', import.meta.url))], { encoding: 'utf8' });
    expect(out.match(/^Epoch \d+\/60 /gm)).toHaveLength(60);
    expect(Number(/validation accuracy (\d+\.\d)%/.exec(out)?.[1])).toBeGreaterThanOrEqual(95);
  }, 120_000);
});

describe('README example: a PyTorch-exported CNN imported, evaluated, fine-tuned and exported again', () => {
  it('reaches at least 85% on held-out real digits after two epochs, and onnxruntime-node agrees with the export', async () => {
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const out = execFileSync(process.execPath, [fileURLToPath(new URL('../examples/onnx-finetune.mjs', import.meta.url))], { encoding: 'utf8' });
    const before = Number(/before fine-tuning: test accuracy (\d+\.\d)%/.exec(out)?.[1]);
    const after = Number(/epoch 2: loss [\d.]+, test accuracy (\d+\.\d)%/.exec(out)?.[1]);
    expect(before).toBeLessThan(30);
    expect(after).toBeGreaterThanOrEqual(85);
    expect(Number(/matches Soma to ([\d.e+-]+)/.exec(out)?.[1])).toBeLessThan(1e-4);
  }, 120_000);
});

describe("README's first command: LeNet-5 on the mnist package's real digits through the soma command line", () => {
  it('reaches at least 97% on the 2,000 held-out digits, exports to ONNX checked in onnxruntime-node, and writes the plot', async () => {
    const { execFileSync } = await import('node:child_process');
    const { existsSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const os = await import('node:os');
    const { fileURLToPath } = await import('node:url');
    const pkg = JSON.parse((await import('node:fs')).readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { scripts: Record<string, string> };
    // The same soma arguments as the README's `pnpm run lenet`, into a temporary run directory.
    const args = pkg.scripts.lenet.split('node packages/cli/bin/soma.mjs ')[1].split(' ');
    const out = args.indexOf('--out');
    const dir = mkdtempSync(join(os.tmpdir(), 'soma-lenet-'));
    args[out + 1] = join(dir, 'lenet5');
    try {
      const text = execFileSync(process.execPath, [fileURLToPath(new URL('../packages/cli/bin/soma.mjs', import.meta.url)), ...args, '--quiet'], { encoding: 'utf8' });
      const acc = Number(/^accuracy (\d\.\d{4}) on 2000 held-out samples$/m.exec(text)?.[1]);
      expect(acc).toBeGreaterThanOrEqual(0.97);
      expect(text).toMatch(/onnxruntime-node runs model\.onnx: largest difference from Soma/);
      for (const f of ['model/model.json', 'model.onnx', 'plot.svg', 'metrics.jsonl', 'report.json']) expect(existsSync(join(dir, 'lenet5', f)), f).toBe(true);
      expect(text).toMatch(/files:\n {2}model: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('example: the GAN recipe with its alternating loop (examples/gan.mjs)', () => {
  it('the generator learns to draw points on the ring the real data lies on', async () => {
    // @ts-expect-error: a plain JavaScript example module, without type declarations.
    const { trainRingGan } = await import('../examples/gan.mjs');
    await soma.setBackend('cpu');
    const untrained = await trainRingGan({ steps: 0 });
    const trained = await trainRingGan({});
    // Untrained, the points sit near the origin; trained, around the ring of radius 0.8.
    expect(untrained.meanRadius).toBeLessThan(0.5);
    expect(Math.abs(trained.meanRadius - 0.8)).toBeLessThan(0.15);
    expect(trained.sectorsCovered).toBeGreaterThanOrEqual(0.75);
  }, 120_000);
});

describe('quiet commands', () => {
  it('a build with nothing changed prints one line (the commands that build first show their own output)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    // `pnpm test:all` has just built everything, so every package comes from the build cache.
    const out = execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.trim().split('\n')).toHaveLength(1);
    const packages = (await import('node:fs')).readdirSync(fileURLToPath(new URL('../packages', import.meta.url))).length;
    expect(out).toMatch(new RegExp(`^build: 0 of ${packages} packages built, ${packages} unchanged`));
  }, 120_000);
});
