import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { layers, sequential } from '@soma/layers';
import { adam } from '@soma/optimizers';

/** The same CNN, same seed, trained a few Adam steps on 'cpu' and on 'native': the weights must agree. */
async function trainOn(backend: string): Promise<Float32Array[]> {
  await soma.setBackend(backend);
  soma.setRandomSeed(7);
  const net = sequential([
    layers.conv2d({ inputShape: [1, 8, 8], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.maxPool2d({ poolSize: 2 }),
    layers.conv2d({ filters: 4, kernelSize: 3, activation: 'tanh' }),
    layers.avgPool2d({ poolSize: 2 }),
    layers.flatten(),
    layers.dense({ units: 3 }),
  ]);
  net.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = soma.randomNormal([6, 1, 8, 8], { seed: 1 });
  const y = soma.tensor([0, 1, 2, 0, 1, 2], [6], 'int32');
  for (let i = 0; i < 4; i++) await net.trainOnBatch(x, y);
  const weights = net.weights.map((w) => Float32Array.from(w.dataSync()));
  soma.dispose([x, y]);
  net.dispose();
  return weights;
}

describe("training on 'native' equals training on 'cpu'", () => {
  it('a CNN with max and average pooling takes the same Adam steps (1e-5), every kernel (gradients too) in onnxruntime', async () => {
    const cpu = await trainOn('cpu');
    const native = await trainOn('native');
    native.forEach((w, i) => {
      let worst = 0;
      w.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - cpu[i][k]))));
      expect(worst, `weight ${i}`).toBeLessThan(1e-5);
    });
    expect(soma.delegatedKernels().native).toBeUndefined();
    expect(soma.memory().backends.native.sessionsCreated).toBeGreaterThan(0);
    await soma.setBackend('cpu');
  });

  it('onnxruntime-node exposes the synchronous session this backend is built on (pinned version)', async () => {
    await soma.setBackend('native');
    const info = soma.memory().backends.native;
    const t = soma.tensor([-1, 2]).relu();
    expect(Array.from(t.dataSync())).toEqual([0, 2]);
    expect(soma.memory().backends.native.sessionsCreated).toBeGreaterThanOrEqual(info.sessionsCreated);
    t.dispose();
    await soma.setBackend('cpu');
  });
});

describe('the kernel session cache is bounded', () => {
  it('past sessionCacheSize the least recently used sessions are released and counted, and results stay right', async () => {
    const { createNativeBackend } = await import('@soma/backend-native');
    soma.registerBackend('native-small-cache', () => createNativeBackend('native-small-cache', { sessionCacheSize: 8 }), -1);
    await soma.setBackend('native-small-cache');
    try {
      const x = soma.tensor([1, 2, 3]);
      for (let round = 0; round < 2; round++) {
        for (let k = 1; k <= 20; k++) {
          // Each pad width is a kernel signature of its own.
          const y = soma.pad(x, [[k, 0]]);
          const v = Array.from(y.dataSync());
          expect(v.length).toBe(k + 3);
          expect(v.slice(k)).toEqual([1, 2, 3]);
          y.dispose();
        }
      }
      x.dispose();
      const info = soma.memory().backends['native-small-cache'];
      expect(info.sessions).toBe(8);
      expect(info.sessionsCreated).toBeGreaterThanOrEqual(40);
      expect(info.sessionsEvicted).toBe(info.sessionsCreated - 8);
    } finally {
      await soma.setBackend('cpu');
    }
  });
});
