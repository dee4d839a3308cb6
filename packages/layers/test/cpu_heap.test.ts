import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { layers, sequential } from '@soma/layers';
import { adam } from '@soma/optimizers';

// The cpu backend keeps every tensor in one WebAssembly heap that never shrinks, so a leak of one
// block per step would grow it without bound. After warm-up, a training loop must reuse its blocks:
// bytes in use, the heap's size and the tensor count stay where they are.
describe('cpu heap over a training run', () => {
  it('1,000 training steps of a small convolutional net leave the heap and the tensor count flat', async () => {
    await soma.setBackend('cpu');
    soma.setRandomSeed(7);
    const m = sequential([
      layers.conv2d({ inputShape: [1, 12, 12], filters: 4, kernelSize: 3, activation: 'tanh', padding: 'same' }),
      layers.averagePooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 3 }),
    ]);
    m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = soma.randomNormal([16, 1, 12, 12], { seed: 1 });
    const y = soma.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 3), [16], 'int32');
    const heap = () => soma.memory().backends.cpu as Record<string, number>;
    for (let i = 0; i < 20; i++) await m.trainOnBatch(x, y);
    const before = { ...heap() };
    const tensors = soma.memory().numTensors;
    let first = NaN;
    let last = NaN;
    for (let i = 0; i < 1000; i++) {
      const { loss } = await m.trainOnBatch(x, y);
      if (i === 0) first = loss;
      last = loss;
    }
    expect(last).toBeLessThan(first);
    expect(heap().bytesInUse).toBe(before.bytesInUse);
    expect(heap().heapBytes).toBe(before.heapBytes);
    expect(soma.memory().numTensors).toBe(tensors);
    soma.dispose([x, y]);
    m.dispose();
  });
});
