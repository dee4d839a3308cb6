import { afterEach, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-webgpu';
import { layers, loadModel, sequential, type LayersModel } from '@soma/layers';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { adam } from '@soma/optimizers';

// fit, evaluate, predict, callbacks, metrics, clipping and the class-id checks on a backend that
// cannot read synchronously: webgpu throws on dataSync(), so a run that finishes read nothing
// synchronously. The same seed on cpu gives the reference loss curve.

function blobs(n: number): { x: soma.Tensor; y: soma.Tensor } {
  return soma.tidy(() => {
    const y = soma.tensor(Int32Array.from({ length: n }, (_, i) => i % 3), [n], 'int32');
    const centers = soma.tensor([[2, 0, -1, 1], [-2, 1, 1, 0], [0, -2, 0, -1]]);
    const x = soma.gather(centers, y, 0).add(soma.randomNormal([n, 4], { seed: 3, std: 0.7 }));
    return { x, y: y.cast('float32') };
  });
}

function net(): LayersModel {
  soma.setRandomSeed(42);
  const m = sequential([layers.dense({ inputShape: [4], units: 16, activation: 'relu' }), layers.dense({ units: 3 })]);
  m.compile({ optimizer: adam({ learningRate: 0.02, globalClipNorm: 1 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function train(backend: string) {
  await soma.setBackend(backend);
  const { x, y } = blobs(96);
  const m = net();
  const seen: number[] = [];
  const h = await m.fit(x, y, { epochs: 6, batchSize: 32, shuffle: false, verbose: 0, validationSplit: 0.25, callbacks: [{ onBatchEnd: async (_b, logs) => { seen.push(logs!.loss as number); } }] });
  const ev = await m.evaluate(x, y, { batchSize: 48 });
  const p = m.predict(x) as soma.Tensor;
  const ids = p.argMax(-1);
  const predicted = Array.from(await ids.data());
  soma.dispose([x, y, p, ids]);
  m.dispose();
  return { history: h.history, seen, ev, predicted };
}

describe('layers training on webgpu (no synchronous reads)', () => {
  afterEach(async () => {
    await soma.setBackend('cpu');
  });

  it('fit, evaluate, predict and callbacks give the loss curve cpu gives from the same seed', async () => {
    const cpu = await train('cpu');
    const gpu = await train('webgpu');
    expect(Object.keys(gpu.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 3));
    close(gpu.history.loss as number[], cpu.history.loss as number[]);
    close(gpu.history.val_loss as number[], cpu.history.val_loss as number[]);
    close(gpu.seen, cpu.seen);
    expect(gpu.history.accuracy).toEqual(cpu.history.accuracy);
    expect(gpu.ev.loss).toBeCloseTo(cpu.ev.loss, 3);
    expect(gpu.ev.accuracy).toBeGreaterThan(0.85);
    expect(gpu.predicted).toEqual(cpu.predicted);
  });

  it('a class id out of range fails the batch with a message naming it', async () => {
    await soma.setBackend('webgpu');
    const m = net();
    const x = soma.randomNormal([4, 4], { seed: 1 });
    const y = soma.tensor([0, 1, 5, 2]);
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, shuffle: false })).rejects.toThrow(/class ids must be integers in \[0, 3\), got 5 at position 2/);
    const fractional = soma.tensor([0, 1.5, 1, 2]);
    await expect(m.evaluate(x, fractional)).rejects.toThrow(/got 1.5 at position 1/);
    soma.dispose([x, y, fractional]);
    m.dispose();
  });

  it('classWeight, precision, recall and auc run on the device', async () => {
    await soma.setBackend('webgpu');
    soma.setRandomSeed(7);
    const m = sequential([layers.dense({ inputShape: [2], units: 1, activation: 'sigmoid' })]);
    m.compile({ optimizer: adam({ learningRate: 0.1 }), loss: 'binaryCrossentropy', metrics: ['precision', 'recall', 'auc'] });
    const x = soma.tensor([[2, 1], [1, 2], [-1, -2], [-2, -1], [1.5, 1.5], [-1.5, -1.5]]);
    const y = soma.tensor([[1], [1], [0], [0], [1], [0]]);
    const h = await m.fit(x, y, { epochs: 30, batchSize: 6, verbose: 0, classWeight: { 0: 1, 1: 2 } });
    expect((h.history.auc as number[]).at(-1)).toBe(1);
    expect((h.history.precision as number[]).at(-1)).toBe(1);
    expect((h.history.recall as number[]).at(-1)).toBe(1);
    soma.dispose([x, y]);
    m.dispose();
  });

  it('1,000 training steps leave GPU memory and the tensor count flat', async () => {
    await soma.setBackend('webgpu');
    const m = net();
    const { x, y } = blobs(16);
    const gpuBytes = () => (soma.memory().backends?.webgpu as Record<string, number>).gpuBytesInUse;
    for (let i = 0; i < 20; i++) await m.trainOnBatch(x, y);
    const bytes = gpuBytes();
    const tensors = soma.memory().numTensors;
    const reclaimed = soma.memory().numReclaimed;
    for (let i = 0; i < 1000; i++) await m.trainOnBatch(x, y);
    // A tensor an earlier test forgot would be reclaimed by the garbage collector at some point in
    // the loop and move both counts: the earlier tests dispose everything they make.
    expect(soma.memory().numReclaimed).toBe(reclaimed);
    expect(gpuBytes()).toBe(bytes);
    expect(soma.memory().numTensors).toBe(tensors);
    soma.dispose([x, y]);
    m.dispose();
  });

  it('save() during and after training on webgpu (a checkpoint callback), and the saved model loads on cpu with the same predictions', async () => {
    await soma.setBackend('webgpu');
    const dir = mkdtempSync(join(os.tmpdir(), 'soma-webgpu-save-'));
    try {
      const m = net();
      const { x, y } = blobs(48);
      let saved = 0;
      await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, callbacks: [{ onEpochEnd: async () => { await m.save(join(dir, 'ckpt')); saved++; } }] });
      expect(saved).toBe(2);
      const p = m.predict(x) as soma.Tensor;
      const expected = Array.from(await p.data());
      const xv = await x.data();
      soma.dispose([p, x, y]);
      m.dispose();
      await soma.setBackend('cpu');
      const back = await loadModel(join(dir, 'ckpt'));
      expect(back.training?.optimizer.iterations).toBe(6);
      const q = back.predict(soma.tensor(xv, [48, 4])) as soma.Tensor;
      Array.from(q.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
      q.dispose();
      back.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
