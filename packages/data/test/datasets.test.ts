import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { datasets } from '@soma/data';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'soma-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function idxBytes(type: number, shape: number[], values: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const v = new DataView(header.buffer);
  header.set([0, 0, type, shape.length]);
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  return new Uint8Array([...header, ...values]);
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('synthetic datasets (scikit-learn semantics)', () => {
  it('makeCircles: outer ring label 0 at radius 1, inner ring label 1 at radius factor, seeded', () => {
    soma.tidy(() => {
      const { x, y } = datasets.makeCircles({ nSamples: 101, factor: 0.3, seed: 1 });
      expect(x.shape).toEqual([101, 2]);
      expect(y.dtype).toBe('int32');
      const r = x.square().sum(1).sqrt().dataSync();
      const labels = y.dataSync();
      expect(Array.from(labels).filter((l) => l === 1)).toHaveLength(51);
      labels.forEach((l, i) => expect(r[i]).toBeCloseTo(l ? 0.3 : 1, 5));
      const again = datasets.makeCircles({ nSamples: 101, factor: 0.3, seed: 1, noise: 0.1 });
      const once = datasets.makeCircles({ nSamples: 101, factor: 0.3, seed: 1, noise: 0.1 });
      expect(again.x.arraySync()).toEqual(once.x.arraySync());
    });
  });

  it('makeMoons, makeBlobs, spirals, xor and sineSequences have the documented shapes and labels', () => {
    soma.tidy(() => {
      const moons = datasets.makeMoons({ nSamples: 50, seed: 2, shuffle: false });
      expect(moons.x.arraySync()).toContainEqual([1, 0]); // the outer moon starts at (cos 0, sin 0)
      const blobs = datasets.makeBlobs({ nSamples: 90, centers: [[0, 0], [10, 10], [-10, 5]], clusterStd: 0.5, seed: 3 });
      const counts = [0, 1, 2].map((k) => Array.from(blobs.y.dataSync()).filter((l) => l === k).length);
      expect(counts).toEqual([30, 30, 30]);
      const sp = datasets.spirals({ nSamples: 60, classes: 3, seed: 4 });
      expect(new Set(sp.y.dataSync()).size).toBe(3);
      const xo = datasets.xor({ nSamples: 40, seed: 5 });
      const xv = xo.x.arraySync() as number[][];
      Array.from(xo.y.dataSync()).forEach((l, i) => expect(l).toBe(xv[i][0] * xv[i][1] < 0 ? 1 : 0));
      const sine = datasets.sineSequences({ nSamples: 8, length: 12, seed: 6 });
      expect(sine.x.shape).toEqual([8, 12, 1]);
      expect(sine.y.shape).toEqual([8, 1]);
    });
  });
});

describe('file readers', () => {
  it('readIdx reads plain and gzipped IDX files; readMnist checks counts', async () => {
    const images = idxBytes(0x08, [2, 2, 3], [0, 255, 10, 20, 30, 40, 1, 2, 3, 4, 5, 6]);
    const labels = idxBytes(0x08, [2], [7, 3]);
    writeFileSync(join(dir, 'images.idx'), images);
    writeFileSync(join(dir, 'labels.idx.gz'), await gzip(labels));
    const t = await datasets.readIdx(join(dir, 'images.idx'));
    expect(t.shape).toEqual([2, 2, 3]);
    expect(Array.from(t.dataSync()).slice(0, 2)).toEqual([0, 255]);
    const { x, y } = await datasets.readMnist(join(dir, 'images.idx'), join(dir, 'labels.idx.gz'));
    expect(x.shape).toEqual([2, 1, 2, 3]);
    expect(x.dataSync()[1]).toBeCloseTo(1, 6);
    expect(Array.from(y.dataSync())).toEqual([7, 3]);
    writeFileSync(join(dir, 'three.idx'), idxBytes(0x08, [3], [1, 2, 3]));
    await expect(datasets.readMnist(join(dir, 'images.idx'), join(dir, 'three.idx'))).rejects.toThrow(/readMnist: 2 images in .*images\.idx but 3 labels in .*three\.idx/);
    soma.dispose([t, x, y]);
  });

  it('bad IDX files give errors naming the file, never a partial tensor', async () => {
    writeFileSync(join(dir, 'bad.idx'), new Uint8Array([1, 2, 3, 4, 5]));
    await expect(datasets.readIdx(join(dir, 'bad.idx'))).rejects.toThrow(/readIdx: .*bad\.idx: wrong magic number 01 02 03 04/);
    writeFileSync(join(dir, 'short.idx'), idxBytes(0x08, [4, 2], [1, 2, 3]));
    await expect(datasets.readIdx(join(dir, 'short.idx'))).rejects.toThrow(/readIdx: .*short\.idx: truncated: shape \[4, 2\] needs 20 bytes, the file has 15/);
    await expect(datasets.readIdx(join(dir, 'missing.idx'))).rejects.toThrow(/readIdx: cannot read .*missing\.idx/);
  });

  it('readCifar reads CIFAR-10 and CIFAR-100 records and rejects truncated files', async () => {
    const rec10 = (label: number) => [label, ...Array.from({ length: 3072 }, (_, i) => i % 256)];
    writeFileSync(join(dir, 'c10.bin'), new Uint8Array([...rec10(3), ...rec10(9)]));
    const c10 = await datasets.readCifar(join(dir, 'c10.bin'));
    expect(c10.x.shape).toEqual([2, 3, 32, 32]);
    expect(Array.from(c10.y.dataSync())).toEqual([3, 9]);
    expect(c10.x.dataSync()[255]).toBeCloseTo(1, 6);
    const rec100 = [4, 88, ...Array.from({ length: 3072 }, () => 0)];
    writeFileSync(join(dir, 'c100.bin'), new Uint8Array(rec100));
    const fine = await datasets.readCifar(join(dir, 'c100.bin'), { variant: 'cifar100' });
    const coarse = await datasets.readCifar(join(dir, 'c100.bin'), { variant: 'cifar100', label: 'coarse' });
    expect([fine.y.dataSync()[0], coarse.y.dataSync()[0]]).toEqual([88, 4]);
    writeFileSync(join(dir, 'cut.bin'), new Uint8Array(rec10(1).slice(0, 3000)));
    await expect(datasets.readCifar(join(dir, 'cut.bin'))).rejects.toThrow(/readCifar: .*cut\.bin: 3000 bytes is not a whole number of cifar10 records of 3073 bytes/);
    soma.dispose([c10, fine, coarse]);
  });
});

describe('the bundled MNIST digits (optional mnist package)', () => {
  it('10,000 real digits as NCHW float32 in [0, 1], split 80/20, the same split for the same seed', async () => {
    const a = await datasets.loadMnistDigits({ seed: 1 });
    expect(a.train.x.shape).toEqual([8000, 1, 28, 28]);
    expect(a.test.x.shape).toEqual([2000, 1, 28, 28]);
    expect(soma.max(a.train.x).dataSync()[0]).toBeLessThanOrEqual(1);
    expect(soma.min(a.train.x).dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(new Set(a.train.y.dataSync()).size).toBe(10);
    const b = await datasets.loadMnistDigits({ seed: 1 });
    expect(Array.from(b.test.y.dataSync().slice(0, 50))).toEqual(Array.from(a.test.y.dataSync().slice(0, 50)));
    soma.dispose([a, b]);
  });
});
