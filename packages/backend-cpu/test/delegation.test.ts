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

/** A backend that offers whole-graph execution: here it answers graphs of one input with a copy of it, and declines others. */
class WholeGraphBackend extends CpuBackend {
  calls = 0;
  runGraph(graph: soma.Graph, inputs: readonly soma.KernelTensor[]): soma.KernelTensor[] | null {
    this.calls++;
    return graph.nodes.length === 1 ? [this.cast([inputs[0]], { to: 'float32' })] : null;
  }
}

describe('Backend.runGraph: a backend may run a whole graph itself', () => {
  it('runGraph hands the graph to the backend, and runs it node by node when the backend declines', async () => {
    const backend = new WholeGraphBackend('cpu-whole-graph', { wasm: false });
    soma.registerBackend('cpu-whole-graph', () => backend, 0);
    await soma.setBackend('cpu-whole-graph');
    const x = soma.tensor([1, 2, 3]);
    const one = soma.trace((t: soma.Tensor) => t.neg(), [x]);
    const two = soma.trace((t: soma.Tensor) => t.neg().exp(), [x]);
    const [a] = soma.runGraph(one, [x]);
    expect(Array.from(a.dataSync())).toEqual([1, 2, 3]); // the backend's answer, not neg's
    const [b] = soma.runGraph(two, [x]);
    expect(Array.from(b.dataSync())).toEqual([Math.exp(-1), Math.exp(-2), Math.exp(-3)].map((v) => Math.fround(v)));
    expect(backend.calls).toBe(2);
    soma.dispose([x, a, b]);
    [one, two].forEach((g) => g.dispose());
    await soma.setBackend('cpu');
  });
});
