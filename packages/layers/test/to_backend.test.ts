import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { CpuBackend } from '@soma/backend-cpu';
import { layers, sequential } from '@soma/layers';
import { adam } from '@soma/optimizers';
import { backendsUnderTest } from '@soma/testing';

// A second cpu instance stands in for another backend in the fast tier (separate storage: a move
// is a real copy); the full tier also moves to and from native.
if (!soma.listBackends().includes('cpu-other')) soma.registerBackend('cpu-other', () => new CpuBackend('cpu-other', { wasm: false }), 0);

describe.each(backendsUnderTest(['cpu', 'native']).map((b) => [b]))('model.toBackend: a model trained on %s moves with its optimizer state', (from) => {
  it('every weight and optimizer slot moves; predictions and the next training steps are unchanged', async () => {
    const to = from === 'cpu' ? 'cpu-other' : 'cpu';
    await soma.setBackend(from);
    const x = soma.randomNormal([16, 3], { seed: 1 });
    const y = x.sum(-1, true);
    const make = () => {
      const net = sequential([layers.dense({ units: 4, activation: 'tanh', inputShape: [3], kernelInitializer: 'glorotUniform' }), layers.dense({ units: 1 })]);
      net.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'mse' });
      return net;
    };
    soma.setRandomSeed(7);
    const a = make();
    soma.setRandomSeed(7);
    const b = make();
    await a.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
    await b.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });

    await b.toBackend(to);
    expect(b.weights.every((w) => w.backendName === to)).toBe(true);
    expect(soma.getBackend()).toBe(from);                  // the active backend did not change
    const state = b.training!.optimizer.getState();
    const slots = Object.values(state.slots).flatMap((s) => Object.values(s));
    expect(slots.length).toBeGreaterThan(0);
    expect(slots.every((t) => t.backendName === to), "Adam's moments moved").toBe(true);
    soma.dispose(slots);
    await soma.setBackend(to);
    const xt = await x.toAsync(to);
    const yt = await y.toAsync(to);
    const pa = await (a.predict(await x.toAsync(to)) as soma.Tensor).data();
    const pb = await (b.predict(xt) as soma.Tensor).data();
    for (let i = 0; i < pa.length; i++) expect(pb[i]).toBeCloseTo(pa[i], 5);
    // The moved model trains on its new backend exactly as the other continues (Adam's moments moved too).
    await a.fit(await x.toAsync(to), await y.toAsync(to), { epochs: 1, batchSize: 8, verbose: 0, shuffle: false });
    await b.fit(xt, yt, { epochs: 1, batchSize: 8, verbose: 0, shuffle: false });
    const wa = await Promise.all(a.getWeights().map((w) => w.data()));
    const wb = await Promise.all(b.getWeights().map((w) => w.data()));
    wa.forEach((w, i) => Array.from(w).forEach((v, j) => expect(wb[i][j]).toBeCloseTo(v, 4)));
    await soma.setBackend('cpu');
  });

  it('an unknown backend is a clear error', async () => {
    const net = sequential([layers.dense({ units: 1, inputShape: [2] })]);
    await expect(net.toBackend('tpu')).rejects.toThrow(/toBackend: no backend named 'tpu' is registered/);
  });
});
