import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { layers, sequential } from '@soma/layers';
import { adam } from '@soma/optimizers';
import { decodeOnnx, encodeOnnx, exportOnnx, importOnnx } from '@soma/onnx-io';
import ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** PyTorch-exported models (test/fixtures/make_onnx_fixtures.py) with PyTorch's own outputs. */
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/onnx/${name}`, import.meta.url));
interface Reference {
  input: { shape: number[]; dtype: 'float32' | 'int32'; values: number[] };
  outputs: Record<string, { shape: number[]; values: number[] }>;
}
const reference = (name: string) => JSON.parse(readFileSync(fixture(`${name}.json`), 'utf8')) as Reference;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  expect(worst).toBeLessThan(tol);
}

describe('importOnnx: models exported by PyTorch match PyTorch', () => {
  it.each(['lenet', 'resnet_small', 'conv_bn', 'decoder', 'mlp', 'lstm_gru'])('%s', async (name) => {
    const ref = reference(name);
    const m = await importOnnx(fixture(`${name}.onnx`));
    expect(m.inputs[0].shape[0]).toBe('batch');
    // Batch-norm running statistics are imported as non-trainable state.
    if (name === 'conv_bn') expect(m.trainableVariables.map((v) => v.name).sort()).toEqual(['bn.bias', 'bn.weight', 'conv.bias', 'conv.weight']);
    // Integer inputs (token ids) as a tensor; the model casts them as the file says.
    const x = soma.tensor(ref.input.values, ref.input.shape, ref.input.dtype);
    const out = m.predict(x);
    for (const [k, r] of Object.entries(ref.outputs)) {
      expect(out[k].shape).toEqual(r.shape);
      expectClose(out[k].dataSync(), r.values);
    }
    soma.dispose([x, out]);
    m.dispose();
  });

  it('a model with operators Soma lacks fails with one error listing every such node', async () => {
    await expect(importOnnx(fixture('unsupported.onnx'))).rejects.toThrow(`importOnnx: ${fixture('unsupported.onnx')}: 2 node(s) cannot run in Soma:\n  node 'determinant' (Det), domain 'ai.onnx', opset 13: operator not supported\n  node 'unique' (Unique), domain 'ai.onnx', opset 13: operator not supported`);
  });
});

describe('importOnnx: fine-tuning and round trips', () => {
  it('an imported PyTorch CNN fine-tunes (the loss falls), then exports again and runs in onnxruntime-node', async () => {
    const m = await importOnnx(fixture('lenet.onnx'));
    expect(m.trainableVariables.length).toBe(10);
    const x = soma.randomNormal([16, 1, 28, 28], { seed: 1 });
    const y = soma.oneHot(soma.tensor(Array.from({ length: 16 }, (_, i) => i % 10), [16], 'int32'), 10);
    const opt = adam({ learningRate: 0.01 });
    const lossOf = () => soma.tidy(() => {
      const logits = m.predict(x).output;
      return soma.logSoftmax(logits, -1).mul(y).sum(-1).neg().mean();
    });
    const read = () => {
      const l = lossOf();
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    };
    const first = read();
    for (let i = 0; i < 20; i++) opt.minimize(lossOf, m.trainableVariables).dispose();
    const last = read();
    expect(last).toBeLessThan(first * 0.5);
    const bytes = await exportOnnx((input: soma.Tensor) => m.predict(input).output, { inputShapes: [[2, 1, 28, 28]], inputNames: ['input'], outputNames: ['output'] });
    const session = await ort.InferenceSession.create(bytes);
    const r = await session.run({ input: new ort.Tensor('float32', x.dataSync(), x.shape) });
    const ours = m.predict(x).output;
    expectClose(r.output.data as Float32Array, ours.dataSync());
    soma.dispose([x, y, ours]);
    opt.dispose();
    m.dispose();
  });

  it('Soma → ONNX → Soma → ONNX keeps the outputs', async () => {
    const net = sequential([
      layers.conv2d({ inputShape: [2, 6, 6], filters: 3, kernelSize: 3, activation: 'relu' }), layers.globalAvgPool2d(), layers.dense({ units: 2 }),
    ]);
    const once = await importOnnx(await exportOnnx(net));
    const twice = await importOnnx(await exportOnnx((x: soma.Tensor) => Object.values(once.predict(x))[0], { inputShapes: [[1, 2, 6, 6]] }));
    const x = soma.randomNormal([4, 2, 6, 6], { seed: 2 });
    const a = net.predict(x) as soma.Tensor;
    const b = Object.values(twice.predict(x))[0];
    expectClose(b.dataSync(), a.dataSync(), 1e-5);
    soma.dispose([x, a, b]);
    [once, twice].forEach((m) => m.dispose());
    net.dispose();
  });
});

describe('importOnnx: malformed files are refused with clear errors', () => {
  const lenet = () => new Uint8Array(readFileSync(fixture('lenet.onnx')));

  it('random bytes, a truncated file, an empty file', async () => {
    const rng = new soma.Prng(3);
    const noise = Uint8Array.from({ length: 4096 }, () => Math.floor(rng.nextFloat() * 256));
    await expect(importOnnx(noise)).rejects.toThrow(/^importOnnx: model (is not an ONNX model|has no graph)/);
    await expect(importOnnx(lenet().slice(0, 5000))).rejects.toThrow(/^importOnnx: model is not an ONNX model \(.+\)/);
    await expect(importOnnx(new Uint8Array(0))).rejects.toThrow('importOnnx: model has no graph');
  });

  async function edited(edit: (model: Record<string, unknown>) => void): Promise<Uint8Array> {
    const obj = decodeOnnx(lenet()) as Record<string, unknown>;
    edit(obj);
    return encodeOnnx(obj);
  }
  type G = { node: { input: string[]; output: string[]; op_type: string }[]; initializer: { name: string; dims: number[]; data_type: number }[] };

  it('a missing initializer (a dangling edge), a cycle, wrong element types and a declared tensor of 10^12 elements', async () => {
    const tensorsBefore = soma.memory().numTensors;
    const missing = await edited((m) => {
      const g = m.graph as G;
      g.initializer = g.initializer.filter((t) => !/c1\.weight/.test(t.name));
    });
    await expect(importOnnx(missing)).rejects.toThrow(/1 dangling edge\(s\):\n {2}node .* \(Conv\) reads 'c1\.weight', which no input, initializer or node defines/);
    const cycle = await edited((m) => {
      const g = m.graph as G;
      const [a, b] = [g.node[0], g.node[1]];
      a.input = [b.output[0], ...a.input.slice(1)];
    });
    await expect(importOnnx(cycle)).rejects.toThrow(/importOnnx: the graph has a cycle: node .* -> node .*/);
    const strings = await edited((m) => {
      (m.graph as G).initializer[0].data_type = 8;
    });
    await expect(importOnnx(strings)).rejects.toThrow(/initializer '.*': element type string is not supported/);
    const huge = await edited((m) => {
      (m.graph as G).initializer[0].dims = [1_000_000, 1_000_000];
    });
    await expect(importOnnx(huge)).rejects.toThrow(/declares 1000000000000 elements \(dims \[1000000, 1000000\]\), more than Soma reads/);
    const wrongSize = await edited((m) => {
      (m.graph as G).initializer[0].dims = [7];
    });
    await expect(importOnnx(wrongSize)).rejects.toThrow(/raw data is \d+ bytes, but dims \[7\] of float need 28/);
    // A refused model leaves nothing allocated.
    expect(soma.memory().numTensors).toBe(tensorsBefore);
  });

  it('wrong inputs at run time name the input and the shapes', async () => {
    const m = await importOnnx(fixture('lenet.onnx'));
    const x = soma.zeros([2, 1, 20, 20]);
    expect(() => m.predict(x)).toThrow("OnnxModel.predict: input 'input' must be [batch, 1, 28, 28], got [2, 1, 20, 20]");
    expect(() => m.predict({ images: x })).toThrow("OnnxModel.predict: unknown input 'images'; the model's inputs: input");
    x.dispose();
    m.dispose();
  });
});
