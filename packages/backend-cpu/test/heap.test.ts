import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import type { Conv2dAttrs } from '@soma/core';
import { CpuBackend, Heap, HeapExhaustedError, sizeClass } from '@soma/backend-cpu';

describe('the cpu heap', () => {
  it('size classes are multiples of 16 with at most 25% slack, and monotonic', () => {
    let last = 0;
    for (let n = 1; n < 200_000; n += 1 + Math.floor(n / 50)) {
      const c = sizeClass(n);
      expect(c % 16).toBe(0);
      expect(c).toBeGreaterThanOrEqual(n);
      if (n > 64) expect(c).toBeLessThanOrEqual(n * 1.25 + 16);
      expect(c).toBeGreaterThanOrEqual(last);
      last = c;
    }
  });

  it('reuses freed blocks of a class and reports bytes in use and pooled', () => {
    const heap = Heap.create(true);
    const [a, size] = heap.alloc(1000);
    expect(heap.stats().bytesInUse).toBe(size);
    heap.release(a, size);
    expect(heap.stats()).toMatchObject({ bytesInUse: 0, bytesPooled: size });
    const [b] = heap.alloc(990);
    expect(b).toBe(a);
    expect(heap.stats().bytesPooled).toBe(0);
  });

  it('refuses to grow past its limit with an error that says what was asked and what it holds', () => {
    const heap = Heap.create(true, 1 << 20);
    heap.alloc(600_000);
    expect(() => heap.alloc(600_000)).toThrow(HeapExhaustedError);
    expect(() => heap.alloc(600_000)).toThrow(/600000 bytes were asked for.*cannot grow past 1\.0 MiB/);
    // Still usable for what fits.
    expect(heap.alloc(1000)[0]).toBeGreaterThan(0);
  });

  it('names the tensor a failed allocation was for, and keeps working afterwards', async () => {
    soma.registerBackend('cpu-small-heap', () => new CpuBackend('cpu-small-heap', { maxHeapBytes: 4 << 20 }));
    await soma.setBackend('cpu-small-heap');
    expect(() => soma.ones([2048, 2048])).toThrow(/out of memory.*float32 tensor of shape \[2048, 2048\]/);
    const t = soma.ones([16, 16]).sum();
    expect(t.dataSync()[0]).toBe(256);
    await soma.setBackend('cpu');
  });

  it('names an unknown option', () => {
    expect(() => new CpuBackend('typo', { thread: 2 } as never)).toThrow(/CpuBackend: unknown option 'thread'.*Did you mean 'threads'/);
  });

  it('an unshared heap (a page without cross-origin isolation) grows under running kernels and gives the same results', async () => {
    const unshared = new CpuBackend('unshared', { sharedMemory: false });
    const shared = new CpuBackend('shared', { threads: 1 });
    expect(unshared.memoryInfo()).toMatchObject({ sharedMemory: 0, threads: 1 });
    const start = unshared.memoryInfo().heapBytes;
    const results = [unshared, shared].map((b) => {
      const x = b.write(Float32Array.from({ length: 8 * 3 * 64 * 64 }, (_, i) => Math.sin(i)), [8, 3, 64, 64], 'float32');
      const w = b.write(Float32Array.from({ length: 16 * 3 * 3 * 3 }, (_, i) => Math.cos(i)), [16, 3, 3, 3], 'float32');
      // Each output is bigger than all the heap held before it, so every kernel grows the memory mid-run.
      const y = b.conv2d([x, w], { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 });
      const z = b.matmul([b.write(new Float32Array(512 * 700).fill(0.5), [1, 512, 700], 'float32'), b.write(new Float32Array(700 * 900).fill(0.25), [1, 700, 900], 'float32')], { transA: false, transB: false });
      return [b.readSync(y.dataId), b.readSync(z.dataId)];
    });
    // Growth replaced the memory's buffer (detaching every view the running kernels held) several times.
    expect(unshared.heap!.generation).toBeGreaterThan(3);
    expect(unshared.memoryInfo().heapBytes).toBeGreaterThan(start + (4 << 20));
    expect(Array.from(results[0][0])).toEqual(Array.from(results[1][0]));
    expect(Array.from(results[0][1])).toEqual(Array.from(results[1][1]));
  });
});

describe('the cpu worker threads', () => {
  it('start with setBackend and report themselves in memory()', async () => {
    soma.registerBackend('cpu-3t', () => new CpuBackend('cpu-3t', { threads: 3, minParallelWork: 0 }));
    await soma.setBackend('cpu-3t');
    soma.ones([2]);
    expect(soma.memory().backends['cpu-3t']).toMatchObject({ threads: 3, sharedMemory: 1 });
    await soma.setBackend('cpu');
    // removeBackend ends the workers.
    const b = soma.backend();
    soma.registerBackend('cpu-gone', () => new CpuBackend('cpu-gone', { threads: 2 }));
    await soma.setBackend('cpu-gone');
    const gone = soma.backend() as CpuBackend;
    expect(gone.threads).toBe(2);
    await soma.setBackend(b.name);
    soma.removeBackend('cpu-gone');
    expect(gone.threads).toBe(1);
  });

  it('split GEMMs and convolutions without changing a bit (filter gradients up to summation order)', async () => {
    const one = new CpuBackend('one', { threads: 1 });
    const many = new CpuBackend('many', { threads: 3, minParallelWork: 0 });
    await many.init();
    expect(many.threads).toBe(3);
    const run = (b: CpuBackend) => {
      const x = b.write(Float32Array.from({ length: 5 * 4 * 13 * 11 }, (_, i) => Math.sin(i * 0.7)), [5, 4, 13, 11], 'float32');
      const w = b.write(Float32Array.from({ length: 6 * 2 * 3 * 3 }, (_, i) => Math.cos(i * 0.3)), [6, 2, 3, 3], 'float32');
      const attrs: Conv2dAttrs = { strides: [2, 1], pads: [1, 0, 1, 2], dilations: [1, 2], group: 2 };
      const y = b.conv2d([x, w], attrs);
      const dx = b.conv2dBackpropInput([y, w], { ...attrs, inputShape: x.shape });
      const dw = b.conv2dBackpropFilter([x, y], { ...attrs, filterShape: w.shape });
      const m = b.matmul([b.write(Float32Array.from({ length: 37 * 93 }, (_, i) => Math.sin(i)), [1, 37, 93], 'float32'), b.write(Float32Array.from({ length: 93 * 29 }, (_, i) => Math.cos(i)), [1, 29, 93], 'float32')], { transA: false, transB: true });
      return [y, dx, dw, m].map((t) => Array.from(b.readSync(t.dataId)));
    };
    const [a, b] = [run(one), run(many)];
    expect(b[0]).toEqual(a[0]);
    expect(b[1]).toEqual(a[1]);
    expect(b[3]).toEqual(a[3]);
    b[2].forEach((v, i) => expect(v).toBeCloseTo(a[2][i], 4));
  });

  it('give the same filter gradient from run to run, whichever thread takes which images', async () => {
    const many = new CpuBackend('repeat', { threads: 3, minParallelWork: 0 });
    await many.init();
    const x = many.write(Float32Array.from({ length: 37 * 3 * 12 * 12 }, (_, i) => Math.sin(i * 0.37)), [37, 3, 12, 12], 'float32');
    const dy = many.write(Float32Array.from({ length: 37 * 8 * 10 * 10 }, (_, i) => Math.cos(i * 0.11)), [37, 8, 10, 10], 'float32');
    const attrs: Conv2dAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };
    const runs = Array.from({ length: 6 }, () => Array.from(many.readSync(many.conv2dBackpropFilter([x, dy], { ...attrs, filterShape: [8, 3, 3, 3] }).dataId)));
    for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
  });
});
