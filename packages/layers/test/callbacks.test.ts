import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { Callback, csvLogger, earlyStopping, layers, learningRateScheduler, loadModel, modelCheckpoint, reduceLROnPlateau, sequential } from '@soma/layers';
import { sgd } from '@soma/optimizers';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { weightsPathOf } from './helpers/saved_model';

const dir = mkdtempSync(join(tmpdir(), 'soma-cb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** y = 2x on a few points; a large learning rate makes the loss climb after the first epochs. */
function data() {
  return { x: soma.tensor([[1], [2], [3], [4]]), y: soma.tensor([[2], [4], [6], [8]]) };
}
const tiny = () => sequential([layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' })]);

describe('callbacks', () => {
  it('earlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const { x, y } = data();
    const net = tiny();
    // lr 0.14 overshoots: the loss rises every epoch from the start, so epoch 0 stays best.
    net.compile({ optimizer: sgd({ learningRate: 0.14 }), loss: 'mse' });
    const es = earlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    const seenWeights: number[] = [];
    const h = await net.fit(x, y, {
      epochs: 50, batchSize: 4, verbose: 0,
      callbacks: [{ onEpochEnd: async () => { seenWeights.push(net.weights[0].dataSync()[0]); } }, es],
    });
    expect(h.epoch.length).toBeLessThan(50);
    expect(es.stoppedEpoch).toBe(es.bestEpoch + 3);
    expect(net.weights[0].dataSync()[0]).toBeCloseTo(seenWeights[es.bestEpoch], 6);
    net.dispose();
    soma.dispose([x, y]);
  });

  it('stopTraining set in onBatchEnd stops after that batch, as in Keras and TF.js (the epoch still ends with its logs)', async () => {
    const x = soma.randomNormal([40, 1], { seed: 3 });
    const y = x.mul(2);
    const net = tiny();
    net.compile({ optimizer: sgd({ learningRate: 0.01 }), loss: 'mse' });
    const batches: number[] = [];
    const epochEnds: number[] = [];
    const h = await net.fit(x, y, {
      epochs: 5, batchSize: 4, verbose: 0,
      callbacks: {
        onBatchEnd: async (batch) => {
          batches.push(batch);
          if (batch === 2) net.stopTraining = true;
        },
        onEpochEnd: async (epoch) => {
          epochEnds.push(epoch);
        },
      },
    });
    expect(batches).toEqual([0, 1, 2]);
    expect(epochEnds).toEqual([0]);
    expect(h.history.loss).toHaveLength(1);
    net.dispose();
    soma.dispose([x, y]);
  });

  it("evaluate runs the onTest hooks and stops after the batch that sets stopEvaluating (Keras 3's stop_evaluating)", async () => {
    // y = 2x, batches of 4: the first batch is exact (weight 2), the second is not.
    const x = soma.tensor([[1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11], [12]]);
    const y = soma.tensor([[2], [4], [6], [8], [0], [0], [0], [0], [0], [0], [0], [0]]);
    const net = sequential([layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'ones' })]);
    net.compile({ optimizer: sgd({ learningRate: 0.01 }), loss: 'mse' });
    const full = await net.evaluate(x, y, { batchSize: 4 });
    const seen: string[] = [];
    class StopAfterFirst extends Callback {
      override async onTestBegin() { seen.push('begin'); }
      override async onTestBatchBegin(batch: number) { seen.push(`batch ${batch}`); }
      override async onTestBatchEnd(batch: number, logs?: Record<string, number>) {
        seen.push(`end ${batch} ${logs?.loss}`);
        this.model.stopEvaluating = true;
      }
      override async onTestEnd(logs?: Record<string, number>) { seen.push(`done ${logs?.loss}`); }
    }
    const first = await net.evaluate(x, y, { batchSize: 4, callbacks: [new StopAfterFirst()] });
    // weight 1: the first batch's loss is mean((x - 2x)^2) over x = 1..4 = 7.5.
    expect(first.loss).toBeCloseTo(7.5, 5);
    expect(full.loss).toBeGreaterThan(7.5);
    expect(seen).toEqual(['begin', 'batch 0', 'end 0 7.5', 'done 7.5']);
    // The flag is reset: the next evaluate runs every batch.
    expect((await net.evaluate(x, y, { batchSize: 4 })).loss).toBeCloseTo(full.loss, 5);
    net.dispose();
    soma.dispose([x, y]);
  });

  it("fit's validation calls its callbacks' onTest hooks once per epoch, as Keras does", async () => {
    const { x, y } = data();
    const net = tiny();
    net.compile({ optimizer: sgd({ learningRate: 0.01 }), loss: 'mse' });
    const tests: number[] = [];
    await net.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0, validationData: [x, y], callbacks: { onTestEnd: (logs) => { tests.push(logs?.loss ?? NaN); } } });
    expect(tests).toHaveLength(3);
    expect(tests.every(Number.isFinite)).toBe(true);
    net.dispose();
    soma.dispose([x, y]);
  });

  it("predict runs the onPredict hooks with each batch's outputs and returns the batches done when stopPredicting is set", () => {
    const x = soma.tensor([[1], [2], [3], [4], [5]]);
    const net = sequential([layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'ones' })]);
    const sizes: number[] = [];
    const firstValues: number[] = [];
    const out = net.predict(x, {
      batchSize: 2,
      callbacks: {
        onPredictBatchEnd(batch, logs) {
          sizes.push(logs.size);
          firstValues.push((logs.outputs as soma.Tensor).dataSync()[0]);
          if (batch === 1) net.stopPredicting = true;
        },
      },
    }) as soma.Tensor;
    expect(sizes).toEqual([2, 2]);
    expect(firstValues).toEqual([1, 3]);
    expect(out.shape).toEqual([4, 1]);
    expect(Array.from(out.dataSync())).toEqual([1, 2, 3, 4]);
    const all = net.predict(x, { batchSize: 2 }) as soma.Tensor;
    expect(all.shape).toEqual([5, 1]);
    soma.dispose([out, all]);
    net.dispose();
    x.dispose();
  });

  it('predict refuses an async predict hook with an error that says why, and frees what it made', () => {
    const x = soma.tensor([[1], [2], [3]]);
    const net = sequential([layers.dense({ units: 1, inputShape: [1] })]);
    net.predict(x).dispose(); // build first, so the count below is only predict's own tensors
    const before = soma.memory().numTensors;
    const hooks = { onPredictBatchEnd: async () => {} };
    expect(() => net.predict(x, { callbacks: hooks as never })).toThrow(/predict: callback onPredictBatchEnd returned a promise; predict is synchronous/);
    expect(soma.memory().numTensors).toBe(before);
    expect(() => net.predict(x, { batchsize: 2 } as never)).toThrow(/batchsize/);
    net.dispose();
    x.dispose();
  });

  it('learningRateScheduler and reduceLROnPlateau change the optimizer rate', async () => {
    const { x, y } = data();
    const net = tiny();
    const opt = sgd({ learningRate: 0.01 });
    net.compile({ optimizer: opt, loss: 'mse' });
    const h = await net.fit(x, y, { epochs: 3, verbose: 0, callbacks: [learningRateScheduler((epoch) => 0.01 / (epoch + 1))] });
    expect(h.history.lr.map((v) => +v.toFixed(6))).toEqual([0.01, 0.005, 0.003333]);
    opt.learningRate = 0.14;
    const h2 = await net.fit(x, y, { epochs: 4, verbose: 0, callbacks: [reduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5 })] });
    expect(h2.history.lr[h2.history.lr.length - 1]).toBeLessThan(0.14);
    net.dispose();
    soma.dispose([x, y]);
  });

  it('modelCheckpoint saves loadable models and csvLogger writes one row per epoch', async () => {
    const { x, y } = data();
    const net = tiny();
    net.compile({ optimizer: sgd({ learningRate: 0.01 }), loss: 'mse', metrics: ['mae'] });
    const csv = join(dir, 'log.csv');
    await net.fit(x, y, { epochs: 3, verbose: 0, callbacks: [modelCheckpoint({ filepath: join(dir, 'ckpt-{epoch}') }), csvLogger({ filename: csv })] });
    expect(existsSync(weightsPathOf(join(dir, 'ckpt-3')))).toBe(true);
    const back = await loadModel(join(dir, 'ckpt-3'));
    expect(back.weights[0].dataSync()[0]).toBe(net.weights[0].dataSync()[0]);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('epoch,loss,mae');
    expect(rows).toHaveLength(4);
    back.dispose();
    net.dispose();
    soma.dispose([x, y]);
  });
});
