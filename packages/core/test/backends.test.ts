import { beforeAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';

// A second, differently named cpu instance stands in for "another backend": tensors really live in
// separate storage, so moves between them are real copies.
beforeAll(() => {
  soma.registerBackend('other', () => new CpuBackend('other', { wasm: false }));
  soma.registerBackend('slow-start', async () => {
    await new Promise((r) => setTimeout(r, 5));
    return new CpuBackend('slow-start');
  });
});

describe('backend registry', () => {
  it('lists registered backends and picks cpu by default', () => {
    expect(soma.listBackends()).toEqual(expect.arrayContaining(['cpu', 'other', 'slow-start']));
    expect(soma.getBackendName()).toBe('cpu');
  });

  it('names the registered backends when asked for an unknown one', async () => {
    await expect(soma.setBackend('gpu')).rejects.toThrow(/setBackend: no backend named 'gpu' is registered \(registered: cpu, other, slow-start\)/);
  });

  it('initialises an asynchronous backend on setBackend', async () => {
    await soma.setBackend('slow-start');
    expect(soma.getBackendName()).toBe('slow-start');
    const t = soma.tensor([1, 2]);
    expect(t.backendName).toBe('slow-start');
    t.dispose();
    await soma.setBackend('cpu');
  });
});

describe('swapping backends mid-program', () => {
  it('keeps existing tensors where they are and runs new ops on the active backend', async () => {
    await soma.setBackend('cpu');
    const a = soma.tensor([1, 2, 3]);
    await soma.setBackend('other');
    const b = soma.tensor([10, 20, 30]);
    expect(a.backendName).toBe('cpu');
    expect(b.backendName).toBe('other');
    // Mixed inputs: `a` is copied to the active backend for this call.
    const c = a.add(b);
    expect(c.backendName).toBe('other');
    expect(Array.from(c.dataSync())).toEqual([11, 22, 33]);
    await soma.setBackend('cpu');
    const d = c.mul(2);
    expect(d.backendName).toBe('cpu');
    expect(Array.from(d.dataSync())).toEqual([22, 44, 66]);
    soma.dispose([a, b, c, d]);
  });

  it('moves explicitly with to(), counting memory per backend, and gradients flow across the move', async () => {
    await soma.setBackend('cpu');
    const before = soma.memory().backends.other?.numTensors ?? 0;
    const x = soma.tensor([1, 2]);
    const y = x.to('other');
    expect(y.backendName).toBe('other');
    expect(soma.memory().backends.other.numTensors).toBe(before + 1);
    const g = soma.grad((t) => t.to('other').square().sum())(x);
    expect(Array.from(g.dataSync())).toEqual([2, 4]);
    soma.dispose([x, y, g]);
    expect(soma.memory().backends.other.numTensors).toBe(before);
  });

  it('trains across a backend switch', async () => {
    await soma.setBackend('cpu');
    const w = soma.variable(soma.tensor([0.0]), true, 'swap_w');
    const step = () => {
      const { grads } = soma.variableGrads(() => w.sub(3).square().sum(), [w]);
      soma.tidy(() => w.assign(w.sub(grads.swap_w.mul(0.25))));
      soma.dispose(grads);
    };
    for (let i = 0; i < 5; i++) step();
    await soma.setBackend('other');
    for (let i = 0; i < 15; i++) step();
    expect(w.backendName).toBe('other');
    expect(w.dataSync()[0]).toBeCloseTo(3, 4);
    w.dispose();
    await soma.setBackend('cpu');
  });
});
