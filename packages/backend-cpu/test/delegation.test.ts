import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';

/** The TypeScript cpu kernels, except conv2d, which it explicitly hands to the 'cpu' backend. */
class DelegatingBackend extends CpuBackend {
  override readonly conv2d = soma.delegateKernel('cpu-delegating', 'conv2d', 'cpu');
}

describe('explicit, counted delegation of a kernel to another backend', () => {
  it('runs the kernel there, returns the same values here, and counts every call', async () => {
    soma.registerBackend('cpu-delegating', () => new DelegatingBackend('cpu-delegating', { wasm: false }), 0);
    const x = soma.randomNormal([1, 2, 6, 6], { seed: 1 });
    const w = soma.randomNormal([3, 2, 3, 3], { seed: 2 });
    await soma.setBackend('cpu');
    const expected = soma.conv2d(x, w, { padding: 1 });
    await soma.setBackend('cpu-delegating');
    const before = soma.delegatedKernels()['cpu-delegating']?.conv2d?.calls ?? 0;
    const tensorsBefore = soma.memory().numTensors;
    const y = soma.conv2d(x, w, { padding: 1 });
    expect(y.dataSync()).toEqual(expected.dataSync());
    expect(soma.getBackendName()).toBe('cpu-delegating');
    expect(soma.delegatedKernels()['cpu-delegating'].conv2d).toEqual({ to: 'cpu', calls: before + 1 });
    // Nothing is left behind on either backend but the result.
    expect(soma.memory().numTensors).toBe(tensorsBefore + 1);
    soma.dispose([x, w, y, expected]);
    await soma.setBackend('cpu');
  });
});
