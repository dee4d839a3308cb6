import { afterEach, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import '@soma/backend-webgpu';
import { input, layers, loadModel, model } from '@soma/layers';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { backendsUnderTest } from '@soma/testing';

/** The Keras tutorial shape: two inputs, a shared trunk, a classification head and a regression head. */
function twoInTwoOut(seed: number) {
  soma.setRandomSeed(seed);
  const a = input({ shape: [4], name: 'features' });
  const b = input({ shape: [2], name: 'extra' });
  const trunk = layers.dense({ units: 16, activation: 'relu', name: 'trunk' }).apply(layers.concatenate().apply([a, b]) as soma_Sym) as soma_Sym;
  const cls = layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(trunk) as soma_Sym;
  const reg = layers.dense({ units: 1, name: 'reg' }).apply(trunk) as soma_Sym;
  return model({ inputs: [a, b], outputs: [cls, reg] });
}
type soma_Sym = ReturnType<typeof input>;

function data(n: number) {
  const xa = soma.randomNormal([n, 4], { seed: 1 });
  const xb = soma.randomNormal([n, 2], { seed: 2 });
  const yc = xa.argMax(1).mod(3).cast('float32');
  const yr = xa.sum(1, true).add(xb.sum(1, true).mul(0.5));
  return { xs: [xa, xb], ys: [yc, yr] };
}

describe.each(backendsUnderTest(['cpu', 'native', 'webgpu']))('a two-output model as Keras users compile it, on %s', (backend) => {
  afterEach(async () => {
    await soma.setBackend('cpu');
  });

  it('loss and metrics by output name, lossWeights: per-output logs under Keras names, and loss = Σ wᵢ·lossᵢ', async () => {
    await soma.setBackend(backend);
    const m = twoInTwoOut(1);
    m.compile({
      optimizer: 'adam',
      loss: { cls: 'sparseCategoricalCrossentropy', reg: 'meanSquaredError' },
      lossWeights: { cls: 1, reg: 0.5 },
      metrics: { cls: ['accuracy'], reg: ['mae'] },
    });
    const { xs, ys } = data(120);
    const h = await m.fit(xs, ys, { epochs: 8, batchSize: 16, validationSplit: 0.25, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(
      ['cls_accuracy', 'cls_loss', 'loss', 'reg_loss', 'reg_mae', 'val_cls_accuracy', 'val_cls_loss', 'val_loss', 'val_reg_loss', 'val_reg_mae'].sort(),
    );
    const last = (k: string) => (h.history[k] as number[])[h.history[k].length - 1];
    const first = (k: string) => (h.history[k] as number[])[0];
    expect(last('cls_loss')).toBeLessThan(first('cls_loss'));
    expect(last('reg_loss')).toBeLessThan(first('reg_loss'));
    const ev = await m.evaluate(xs, ys, { batchSize: 40 });
    expect(ev.loss).toBeCloseTo(ev.cls_loss + 0.5 * ev.reg_loss, 5);
    soma.dispose([xs, ys]);
  });

  it('a zero loss weight leaves that head untrained; the other head trains (weights applied to the gradients)', async () => {
    await soma.setBackend(backend);
    const m = twoInTwoOut(2);
    m.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'], lossWeights: [1, 0] });
    const head = async (name: string) => Array.from(await m.layers.find((l) => l.name === name)!.getWeights()[0].data());
    const [reg0, cls0] = [await head('reg'), await head('cls')];
    const { xs, ys } = data(64);
    await m.fit(xs, ys, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(await head('reg')).toEqual(reg0);
    expect(await head('cls')).not.toEqual(cls0);
    soma.dispose([xs, ys]);
  });

  it('an output left out of the loss record is not trained, and its metrics are still reported', async () => {
    await soma.setBackend(backend);
    const m = twoInTwoOut(3);
    m.compile({ optimizer: 'adam', loss: { cls: 'sparseCategoricalCrossentropy' }, metrics: [['accuracy'], ['mae']] });
    const reg0 = Array.from(await m.layers.find((l) => l.name === 'reg')!.getWeights()[0].data());
    const { xs, ys } = data(32);
    const h = await m.fit(xs, ys, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['cls_accuracy', 'cls_loss', 'loss', 'reg_mae']);
    expect(Array.from(await m.layers.find((l) => l.name === 'reg')!.getWeights()[0].data())).toEqual(reg0);
    soma.dispose([xs, ys]);
  });
});

describe('multi-output compile arguments: mistakes are errors that name the outputs', () => {
  it('an unknown output name, a wrong list length, a negative weight', () => {
    const m = twoInTwoOut(4);
    expect(() => m.compile({ optimizer: 'adam', loss: { cls: 'meanSquaredError', regression: 'meanSquaredError' } })).toThrow(/output name in loss 'regression'.*reg/);
    expect(() => m.compile({ optimizer: 'adam', loss: ['meanSquaredError'] })).toThrow(/loss has 1 entries for 2 outputs \(cls, reg\)/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'meanSquaredError', lossWeights: { cls: -1 } })).toThrow(/lossWeights for 'cls'/);
  });

  it('save and load keep losses, per-output metrics and loss weights', async () => {
    const m = twoInTwoOut(5);
    m.compile({ optimizer: 'adam', loss: { cls: 'sparseCategoricalCrossentropy', reg: 'meanSquaredError' }, lossWeights: [2, 0.25], metrics: { cls: ['accuracy'] } });
    const dir = mkdtempSync(join(os.tmpdir(), 'soma-multi-'));
    try {
      await m.save(dir);
      const back = await loadModel(dir);
      expect(back.training!.lossWeights).toEqual([2, 0.25]);
      expect(back.training!.lossNames).toEqual(['sparseCategoricalCrossentropy', 'meanSquaredError']);
      expect(back.training!.metricNames).toEqual([['accuracy'], []]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('summary() as Keras prints it', () => {
  it('a functional model gets a "Connected to" column, and long names never run into the next column', () => {
    const m = twoInTwoOut(6);
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    const header = lines.find((l) => l.includes('Layer (type)'))!;
    expect(header).toMatch(/Layer \(type\)\s+Output Shape\s+Param #\s+Connected to/);
    const at = (type: string) => lines.findIndex((l) => l.includes(`(${type})`) || l.trimStart().startsWith(`${type} (`));
    expect(lines[at('Concatenate')]).toMatch(/\(None, 6\)\s+0\s+features\[0\]\[0\]$/);
    expect(lines[at('Concatenate') + 1].trim()).toBe('extra[0][0]');
    expect(lines[at('cls')]).toMatch(/\(None, 3\)\s+51\s+trunk\[0\]\[0\]$/);
    // Every row: the name cell and the shape are separated by at least two spaces.
    const named = layers.batchNormalization({ name: 'batch_normalization_with_a_name_longer_than_the_column' });
    const inner = model({ inputs: m.inputs, outputs: named.apply(m.outputs[1]) as soma_Sym });
    const more: string[] = [];
    inner.summary((l) => more.push(l));
    const row = more.find((l) => l.includes('batch_normalization_with_a_name'))!;
    expect(row).toMatch(/\(BatchNormalization\) {2,}\(None, 1\)/);
  });
});
