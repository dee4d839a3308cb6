import { describe, expect, it } from 'vitest';
import '@soma/backend-cpu';
import * as soma from '@soma/core';
import { Dataset } from '@soma/data';

describe('mapInWorkers', () => {
  it('runs in worker threads, keeps the order, and returns plain data', async () => {
    const images = Array.from({ length: 12 }, (_, i) => new Uint8Array(1000).fill(i));
    const out = await Dataset.fromArrays(images).mapInWorkers((img: Uint8Array) => {
      // Self-contained: it runs as source text in a worker (a CommonJS context), so it requires what it needs.
      const { threadId } = require('node:worker_threads') as typeof import('node:worker_threads');
      let sum = 0;
      for (const v of img) sum += v;
      return { mean: sum / img.length, threadId, pixels: Float32Array.from(img, (v) => v / 255) };
    }, { workers: 2 }).toArray();
    expect(out.map((o) => o.mean)).toEqual(images.map((_, i) => i));
    expect(out.every((o) => o.threadId !== 0)).toBe(true);
    expect(new Set(out.map((o) => o.threadId)).size).toBe(2);
    expect(out[3].pixels[0]).toBeCloseTo(3 / 255, 6);
  });

  it('reports an error thrown inside a worker, and rejects tensors', async () => {
    const failing = Dataset.range(4).mapInWorkers((x: number) => {
      if (x === 2) throw new Error('bad sample 2');
      return x;
    });
    await expect(failing.toArray()).rejects.toThrow(/mapInWorkers: the function threw in a worker: Error: bad sample 2/);
    const t = soma.zeros([2]);
    await expect(Dataset.fromArrays([t]).mapInWorkers((x) => x).toArray()).rejects.toThrow('mapInWorkers: elements must be plain data');
    t.dispose();
  });
});
