import { describe, expect, it, vi } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { input, Layer, layers, model, sequential, type DataBatch, type LayerInput, type LayerShape, type SymbolicTensor } from '@soma/layers';
import { adam } from '@soma/optimizers';
import { makeCircles } from './helpers/data';

const one = (t: SymbolicTensor | SymbolicTensor[]): SymbolicTensor => t as SymbolicTensor;

describe('models', () => {
  it('fit accepts any async iterable of { xs, ys } batches', async () => {
    const { x, y } = makeCircles(120, 0.1, 0.3, 3);
    async function* batches(): AsyncGenerator<DataBatch> {
      for (let i = 0; i < 120; i += 20) {
        const b = { xs: soma.slice(x, [i], [20]), ys: soma.slice(y, [i], [20]) };
        yield b;
        soma.dispose([b.xs, b.ys]);
      }
    }
    const net = sequential([layers.dense({ units: 16, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
    net.compile({ optimizer: adam({ learningRate: 0.02 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await net.fit({ [Symbol.asyncIterator]: batches }, { epochs: 60, verbose: 0 });
    expect(h.history.accuracy[59]).toBeGreaterThan(0.9);
    const evalOnDataset = await net.evaluate({ [Symbol.asyncIterator]: batches });
    expect(evalOnDataset.accuracy).toBeGreaterThan(0.9);
    net.dispose();
    soma.dispose([x, y]);
  });

  it('a frozen layer keeps its weights while the rest trains', async () => {
    const { x, y } = makeCircles(40, 0.1, 0.3, 4);
    const first = layers.dense({ units: 8, activation: 'relu', inputShape: [2] });
    const net = sequential([first, layers.dense({ units: 1, activation: 'sigmoid' })]);
    first.trainable = false;
    net.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const before = first.weights.map((w) => Array.from(w.dataSync()));
    const lastBefore = Array.from(net.layers[1].weights[0].dataSync());
    await net.fit(x, y, { epochs: 3, verbose: 0 });
    expect(first.weights.map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(Array.from(net.layers[1].weights[0].dataSync())).not.toEqual(lastBefore);
    expect(net.trainableWeights).toHaveLength(2);
    net.dispose();
    soma.dispose([x, y]);
  });

  it('a custom layer by subclassing Layer trains inside a model', async () => {
    class Scale extends Layer {
      readonly className = 'Scale';
      scale!: soma.Variable;
      override build(): void {
        this.scale = this.addWeight('scale', [1], 'ones');
      }
      call(inputs: LayerInput): soma.Tensor {
        return (inputs as soma.Tensor).mul(this.scale);
      }
      override computeOutputShape(s: LayerShape | LayerShape[]): LayerShape | LayerShape[] {
        return s;
      }
    }
    const x = soma.tensor([[1], [2], [3]]);
    const y = soma.tensor([[3], [6], [9]]);
    const scale = new Scale();
    const net = sequential([scale], { name: 'custom' });
    net.compile({ optimizer: adam({ learningRate: 0.1 }), loss: 'mse' });
    await net.fit(x, y, { epochs: 150, verbose: 0 });
    expect(scale.scale.dataSync()[0]).toBeCloseTo(3, 1);
    net.dispose();
    soma.dispose([x, y]);
  });

  it('a custom layer that branches in JavaScript on a value runs eagerly in fit and predict, each batch taking its own branch', async () => {
    // Flips the sign of a batch whose sum is negative: the branch must follow each batch, not the traced example.
    class SignFlip extends Layer {
      readonly className = 'SignFlip';
      call(inputs: LayerInput): soma.Tensor {
        const x = inputs as soma.Tensor;
        return x.sum().dataSync()[0] < 0 ? x.neg() : x.mul(1);
      }
      override computeOutputShape(s: LayerShape | LayerShape[]): LayerShape | LayerShape[] {
        return s;
      }
    }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const net = sequential([new SignFlip({ inputShape: [2] })], { name: 'branchy' });
    net.compile({ optimizer: adam({ learningRate: 0.1 }), loss: 'mse' });
    const before = soma.compileStats();
    const pos = soma.tensor([[1, 2], [3, 4], [5, 6]]);
    const neg = soma.tensor([[-1, -2], [-3, -4]]);
    for (let i = 0; i < 3; i++) await net.fit(i % 2 ? neg : pos, i % 2 ? neg.neg() : pos, { epochs: 1, verbose: 0 });
    expect(soma.compileStats().graphFallbacks).toBeGreaterThan(before.graphFallbacks);
    expect(soma.compileStats().fallbackReasons.some((r) => r.name === 'branchy.fit' && /dataSync/.test(r.reason))).toBe(true);
    expect(warn.mock.calls.some((c) => /branchy\.fit/.test(String(c[0])))).toBe(true);
    const p1 = net.predict(pos) as soma.Tensor;
    const p2 = net.predict(neg) as soma.Tensor;
    expect(await p1.array()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(await p2.array()).toEqual([[1, 2], [3, 4]]);
    warn.mockRestore();
    net.dispose();
    soma.dispose([pos, neg, p1, p2]);
  });

  it('a functional model with two inputs, two outputs and a concatenate trains both heads', async () => {
    const a = input({ shape: [3], name: 'a' });
    const b = input({ shape: [2], name: 'b' });
    const joined = one(layers.concatenate().apply([a, b]));
    const hidden = one(layers.dense({ units: 8, activation: 'tanh' }).apply(joined));
    const reg = one(layers.dense({ units: 1, name: 'reg' }).apply(hidden));
    const cls = one(layers.dense({ units: 1, activation: 'sigmoid', name: 'cls' }).apply(hidden));
    const m = model({ inputs: [a, b], outputs: [reg, cls] });
    m.compile({ optimizer: adam({ learningRate: 0.02 }), loss: ['mse', 'binaryCrossentropy'], metrics: ['accuracy'] });
    const xa = soma.randomNormal([64, 3], { seed: 1 });
    const xb = soma.randomNormal([64, 2], { seed: 2 });
    const yr = soma.tidy(() => xa.sum(1, true).add(xb.sum(1, true)));
    const yc = soma.tidy(() => yr.greater(0).cast('float32'));
    const h = await m.fit([xa, xb], [yr, yc], { epochs: 80, batchSize: 16, verbose: 0 });
    expect(h.history.loss[79]).toBeLessThan(h.history.loss[0] / 3);
    expect(h.history.cls_accuracy[79]).toBeGreaterThan(0.9);
    const [pr, pc] = m.predict([xa, xb]) as soma.Tensor[];
    expect(pr.shape).toEqual([64, 1]);
    expect(pc.shape).toEqual([64, 1]);
    soma.dispose([xa, xb, yr, yc, pr, pc]);
    m.dispose();
  });

  it('classWeight weights the loss per class', async () => {
    const x = soma.tensor([[0], [0], [0], [0]]);
    const y = soma.tensor([[0], [0], [0], [1]]);
    const fitWith = async (classWeight?: Record<number, number>) => {
      const net = sequential([layers.dense({ units: 1, inputShape: [1], activation: 'sigmoid', kernelInitializer: 'zeros' })]);
      net.compile({ optimizer: adam({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
      await net.fit(x, y, { epochs: 100, batchSize: 4, verbose: 0, classWeight });
      const p = soma.tidy(() => (net.predict(x) as soma.Tensor).dataSync()[0]);
      net.dispose();
      return p;
    };
    // Unweighted the optimum is p = 1/4; with class 1 weighted 3, p = 1/2.
    expect(await fitWith()).toBeCloseTo(0.25, 2);
    expect(await fitWith({ 0: 1, 1: 3 })).toBeCloseTo(0.5, 2);
    soma.dispose([x, y]);
  });

  it('regularizers add their penalty to the loss and shrink the weights', async () => {
    const x = soma.randomNormal([32, 4], { seed: 1 });
    const y = soma.randomNormal([32, 1], { seed: 2 });
    const norm = async (reg?: 'l2') => {
      const net = sequential([layers.dense({ units: 1, inputShape: [4], kernelRegularizer: reg, kernelInitializer: 'ones' })]);
      net.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'mse' });
      await net.fit(x, y, { epochs: 100, batchSize: 32, verbose: 0 });
      const n = soma.tidy(() => net.weights[0].square().sum().dataSync()[0]);
      net.dispose();
      return n;
    };
    expect(await norm('l2')).toBeLessThan(await norm());
    soma.dispose([x, y]);
  });
});

describe('scikit-style labels', () => {
  it('int32 labels [n] train a one-unit sigmoid output, with accuracy, precision and recall computed per sample', async () => {
    const { x, y: y2 } = makeCircles(80, 0.05, 0.3, 9);
    const y = soma.tidy(() => y2.reshape([-1]).cast('int32'));
    const net = sequential([layers.dense({ units: 16, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
    net.compile({ optimizer: adam({ learningRate: 0.03 }), loss: 'binaryCrossentropy', metrics: ['accuracy', 'precision', 'recall'] });
    await net.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0, seed: 1 });
    const r = await net.evaluate(x, y);
    expect(r.accuracy).toBeGreaterThan(0.95);
    expect(r.precision).toBeGreaterThan(0.9);
    expect(r.recall).toBeGreaterThan(0.9);
    net.dispose();
    soma.dispose([x, y, y2]);
  });
});
