import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { input, layers, loadModel, sequential, type Layer, type SymbolicTensor } from '@soma/layers';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-5): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `${what}[${i}]`).toBeLessThan(tol);
}

const toLast = (t: soma.Tensor) => t.transpose([0, ...Array.from({ length: t.rank - 2 }, (_, i) => i + 2), 1]);
const toFirst = (t: soma.Tensor) => t.transpose([0, t.rank - 1, ...Array.from({ length: t.rank - 2 }, (_, i) => i + 1)]);

/** Each layer that takes dataFormat, with its options and a channels-first input shape. */
const CASES: [string, (o: { dataFormat?: 'channelsLast' }) => Layer, number[]][] = [
  ['conv2d', (o) => layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', ...o }), [2, 2, 7, 6]],
  ['depthwiseConv2d', (o) => layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, ...o }), [1, 2, 5, 5]],
  ['conv2dTranspose', (o) => layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, ...o }), [1, 3, 3, 4]],
  ['conv1d', (o) => layers.conv1d({ filters: 2, kernelSize: 3, padding: 'same', ...o }), [2, 3, 6]],
  ['maxPool2d', (o) => layers.maxPool2d({ poolSize: 2, ...o }), [1, 3, 4, 6]],
  ['avgPool2d same', (o) => layers.avgPool2d({ poolSize: 2, padding: 'same', ...o }), [1, 2, 5, 5]],
  ['maxPool1d', (o) => layers.maxPool1d({ poolSize: 2, ...o }), [2, 3, 6]],
  ['avgPool1d', (o) => layers.avgPool1d({ poolSize: 3, strides: 1, ...o }), [2, 3, 6]],
  ['globalAvgPool2d', (o) => layers.globalAvgPool2d(o), [2, 3, 3, 4]],
  ['globalMaxPool2d', (o) => layers.globalMaxPool2d(o), [2, 3, 3, 4]],
  ['batchNormalization', (o) => layers.batchNormalization({ betaInitializer: 'ones', ...o }), [3, 2, 4, 4]],
  ['upSampling2d', (o) => layers.upSampling2d({ size: [2, 3], ...o }), [1, 2, 2, 2]],
  ['zeroPadding2d', (o) => layers.zeroPadding2d({ padding: [[1, 0], [2, 1]], ...o }), [1, 2, 3, 3]],
];

describe("dataFormat: 'channelsLast' on every layer that takes it equals the channels-first layer on transposed data", () => {
  it.each(CASES)('%s: values, gradients and symbolic shapes', (_, make, shape) => {
    const first = make({});
    const last = make({ dataFormat: 'channelsLast' });
    const x = soma.randomNormal(shape, { seed: 3 });
    const xl = toLast(x);
    soma.tidy(() => {
      first.apply(x);
      last.apply(xl);
    });
    last.setWeights(first.getWeights());
    for (const training of [false, true]) {
      const a = soma.tidy(() => toLast(first.apply(x, { training }) as soma.Tensor));
      const b = last.apply(xl, { training }) as soma.Tensor;
      expect(b.shape).toEqual(a.shape);
      close(b.dataSync(), a.dataSync(), `training ${training}`);
      soma.dispose([a, b]);
    }
    // Gradients flow through the transposes to the input and the weights.
    const r = soma.randomNormal((first.apply(x) as soma.Tensor).shape, { seed: 5 });
    const gFirst = soma.grad((t: soma.Tensor) => (first.apply(t) as soma.Tensor).mul(r).sum())(x);
    const gLast = soma.grad((t: soma.Tensor) => (last.apply(t) as soma.Tensor).mul(toLast(r)).sum())(xl);
    close(toFirst(gLast).dataSync(), gFirst.dataSync(), 'input gradient');
    // Symbolic shapes are channels-last too.
    const sym = last.apply(input({ shape: xl.shape.slice(1) })) as SymbolicTensor;
    const yl = last.apply(xl) as soma.Tensor;
    expect(sym.shape).toEqual([null, ...yl.shape.slice(1)]);
    yl.dispose();
    soma.dispose([x, xl, r, gFirst, gLast]);
  });
});

describe('channels-last habits from Keras', () => {
  it('an MNIST-style NHWC model: summary in NHWC shapes, fit, save and load keep the layout', async () => {
    soma.setRandomSeed(1);
    const net = sequential([
      layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu', dataFormat: 'channelsLast' }),
      layers.maxPooling2d({ poolSize: 2, dataFormat: 'channelsLast' }),
      layers.batchNormalization({ dataFormat: 'channelsLast' }),
      layers.flatten(),
      layers.dense({ units: 2, activation: 'softmax' }),
    ]);
    const lines: string[] = [];
    net.summary((l) => lines.push(l));
    expect(lines.find((l) => l.includes('(Conv2D)'))).toMatch(/\(None, 10, 10, 4\)/);
    expect(lines.find((l) => l.includes('(MaxPooling2D)'))).toMatch(/\(None, 5, 5, 4\)/);
    // Bright top half or bright bottom half.
    const n = 64;
    const xs = soma.tidy(() => {
      const rows = soma.arange(0, 12).reshape([1, 12, 1, 1]);
      const top = soma.tensor(Array.from({ length: n }, (_, i) => i % 2), [n, 1, 1, 1]);
      const noise = soma.randomUniform([n, 12, 12, 1], { seed: 2, max: 0.2 });
      return soma.where(rows.less(6).equal(top.cast('bool')), 1, 0).add(noise).mul(soma.ones([1, 1, 12, 1]));
    });
    const ys = soma.tensor(Array.from({ length: n }, (_, i) => i % 2), [n], 'int32');
    net.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await net.fit(xs, ys, { epochs: 10, batchSize: 16, verbose: 0 });
    expect((h.history.accuracy as number[]).at(-1)).toBeGreaterThan(0.95);
    const dir = mkdtempSync(join(os.tmpdir(), 'soma-nhwc-'));
    try {
      await net.save(dir);
      const back = await loadModel(dir);
      expect(back.layers.find((l) => l.className === 'Conv2D')!.channelsLast).toBe(true);
      const a = net.predict(xs);
      const b = back.predict(xs) as soma.Tensor;
      close(b.dataSync(), a.dataSync(), 'reloaded predictions');
      soma.dispose([a, b]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    soma.dispose([xs, ys]);
  });

  it('NHWC data given to a channels-first layer is an error that names the layer and the layout', () => {
    expect(() => sequential([
      layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 5, name: 'c1' }),
      layers.flatten(),
      layers.dense({ units: 10 }),
    ])).toThrow(/c1: the input \[\*, 28, 28, 1\] is smaller than the window \[5, 5\].*channels first.*dataFormat: 'channelsLast'/);
    expect(() => layers.conv2d({ filters: 1, kernelSize: 1, dataFormat: 'NHWC' as never })).toThrow(/conv2d: dataFormat must be 'channelsFirst' \(NCHW, the default\) or 'channelsLast'/);
  });
});
