import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-webgpu';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { layers, sequential } from '@soma/layers';
import { adam } from '@soma/optimizers';
import { decodeOnnx, encodeOnnx, exportOnnx, importOnnx } from '@soma/onnx-io';
import ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backendsUnderTest } from '@soma/testing';

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

describe("OnnxModel.run on 'native': one graph per input shape, as fast as the file in onnxruntime, PyTorch's outputs", () => {
  it.each(['lenet', 'resnet_small', 'conv_bn', 'decoder', 'mlp', 'lstm_gru', 'volume3d'])('%s', async (name) => {
    await soma.setBackend('native');
    try {
      const ref = reference(name);
      const m = await importOnnx(fixture(`${name}.onnx`));
      const x = soma.tensor(ref.input.values, ref.input.shape, ref.input.dtype);
      const stats = () => soma.memory().backends.native as Record<string, number>;
      const before = stats();
      for (let i = 0; i < 2; i++) {
        const out = await m.run(x);
        for (const [k, r] of Object.entries(ref.outputs)) expectClose(out[k].dataSync(), r.values);
        soma.dispose(out);
      }
      expect(stats().graphRuns - before.graphRuns).toBe(2);
      expect(stats().graphsCompiled - before.graphsCompiled).toBe(1);
      expect(stats().graphFallbacks - before.graphFallbacks).toBe(0);
      // Weights are baked into the session; assigning one rebuilds it, so run sees the new value.
      const w = m.trainableVariables[0];
      w.assign(w.mul(0));
      const zeroed = m.predict(x);
      const out = await m.run(x);
      for (const k of Object.keys(ref.outputs)) expectClose(out[k].dataSync(), zeroed[k].dataSync());
      expect(stats().graphsCompiled - before.graphsCompiled).toBe(2);
      soma.dispose([x, out, zeroed]);
      m.dispose();
    } finally {
      await soma.setBackend('cpu');
    }
  });
});

describe.each(backendsUnderTest(['cpu', 'webgpu']))('importOnnx: models exported by PyTorch match PyTorch, on %s', (backend) => {
  it.each(['lenet', 'resnet_small', 'resnet18_torchvision', 'conv_bn', 'decoder', 'mlp', 'lstm_gru', 'volume3d'])('%s', async (name) => {
    await soma.setBackend(backend);
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
      expectClose(await out[k].data(), r.values);
    }
    soma.dispose([x, out]);
    m.dispose();
    await soma.setBackend('cpu');
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

  it.each(backendsUnderTest(['cpu', 'native']))('Soma → ONNX → Soma → ONNX keeps the outputs, on %s', async (backend) => {
    await soma.setBackend(backend);
    const net = sequential([
      layers.conv2d({ inputShape: [2, 6, 6], filters: 3, kernelSize: 3, activation: 'relu' }), layers.globalAvgPool2d(), layers.dense({ units: 2 }),
    ]);
    const once = await importOnnx(await exportOnnx(net));
    const twice = await importOnnx(await exportOnnx((x: soma.Tensor) => Object.values(once.predict(x))[0], { inputShapes: [[1, 2, 6, 6]] }));
    const x = soma.randomNormal([4, 2, 6, 6], { seed: 2 });
    const a = net.predict(x) as soma.Tensor;
    const b = Object.values(twice.predict(x))[0];
    expectClose(b.dataSync(), a.dataSync(), 1e-5);
    const c = Object.values(await twice.run(x))[0];
    expectClose(c.dataSync(), a.dataSync(), 1e-5);
    soma.dispose([x, a, b, c]);
    [once, twice].forEach((m) => m.dispose());
    net.dispose();
    await soma.setBackend('cpu');
  });
});

describe('importOnnx: IsNaN and IsInf (Soma exports NaN-propagating max and min with IsNaN)', () => {
  it('match onnxruntime-node on NaN, ±Infinity and finite values, detect_positive/detect_negative included', async () => {
    const info = (name: string, elem: number) => ({ name, type: { tensor_type: { elem_type: elem, shape: { dim: [{ dim_value: 4 }] } } } });
    const bytes = encodeOnnx({
      ir_version: 8, opset_import: [{ domain: '', version: 17 }], producer_name: 'test',
      graph: {
        name: 'g',
        node: [
          { op_type: 'IsNaN', input: ['x'], output: ['nan'] },
          { op_type: 'IsInf', input: ['x'], output: ['inf'] },
          { op_type: 'IsInf', input: ['x'], output: ['posinf'], attribute: [{ name: 'detect_negative', type: 2, i: 0 }] },
        ],
        input: [info('x', 1)],
        output: [info('nan', 9), info('inf', 9), info('posinf', 9)],
      },
    } as never);
    const x = soma.tensor([NaN, Infinity, -Infinity, 2]);
    const ours = (await importOnnx(bytes)).predict({ x });
    const session = await ort.InferenceSession.create(bytes);
    const theirs = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [4]) });
    for (const k of ['nan', 'inf', 'posinf']) expect(Array.from(ours[k].dataSync()).map(Boolean), k).toEqual(Array.from(theirs[k].data as Uint8Array).map(Boolean));
    expect(Array.from(ours.posinf.dataSync())).toEqual([0, 1, 0, 0]);
    soma.dispose([x, ours]);
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

describe('importOnnx: stored element types and external data', () => {
  const lenetBytes = () => new Uint8Array(readFileSync(fixture('lenet.onnx')));
  type Init = { name: string; dims: number[]; data_type: number; raw_data?: Uint8Array; data_location?: number; external_data?: { key: string; value: string }[] };
  const initializers = (m: Record<string, unknown>) => (m.graph as { initializer: Init[] }).initializer;

  async function outputsOf(bytes: Uint8Array, path?: string): Promise<Float32Array> {
    const m = await importOnnx(path ?? bytes);
    const x = soma.tensor(reference('lenet').input.values, reference('lenet').input.shape);
    const y = m.predict(x).output;
    const values = Float32Array.from(y.dataSync());
    soma.dispose([x, y]);
    m.dispose();
    return values;
  }

  it('double initializers become float32, and int64 values that overflow int32 are an error naming them', async () => {
    const base = await outputsOf(lenetBytes());
    const model = decodeOnnx(lenetBytes()) as Record<string, unknown>;
    for (const t of initializers(model)) {
      if (t.data_type !== 1 || !t.raw_data) continue;
      const f = new Float32Array(t.raw_data.slice().buffer);
      t.raw_data = new Uint8Array(Float64Array.from(f).buffer);
      t.data_type = 11;
    }
    expectClose(await outputsOf(encodeOnnx(model)), base, 1e-6);
    const big = decodeOnnx(lenetBytes()) as Record<string, unknown>;
    initializers(big).push({ name: 'huge_index', dims: [1], data_type: 7, raw_data: new Uint8Array(new BigInt64Array([2n ** 40n]).buffer) });
    const g = big.graph as { node: { op_type: string; input: string[]; output: string[] }[]; output: { name: string }[] };
    g.node.push({ op_type: 'Gather', input: ['output', 'huge_index'], output: ['picked'] });
    g.output.push({ name: 'picked', type: { tensor_type: { elem_type: 1 } } } as never);
    const m = await importOnnx(encodeOnnx(big));
    const x = soma.zeros([1, 1, 28, 28]);
    expect(() => m.predict(x)).toThrow(/value 1099511627776 does not fit in int32, Soma's integer type/);
    x.dispose();
    m.dispose();
  });

  it('external-data initializers are read from files in the model folder, and never from outside it', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'soma-onnx-ext-'));
    try {
      const base = await outputsOf(lenetBytes());
      const model = decodeOnnx(lenetBytes()) as Record<string, unknown>;
      const chunks: Uint8Array[] = [];
      let offset = 0;
      for (const t of initializers(model)) {
        if (!t.raw_data || t.raw_data.length < 1024) continue;
        chunks.push(t.raw_data);
        t.external_data = [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(t.raw_data.length) }];
        t.data_location = 1;
        offset += t.raw_data.length;
        delete t.raw_data;
      }
      const blob = new Uint8Array(offset);
      let at = 0;
      for (const c of chunks) {
        blob.set(c, at);
        at += c.length;
      }
      writeFileSync(join(dir, 'weights.bin'), blob);
      writeFileSync(join(dir, 'model.onnx'), encodeOnnx(model));
      expect(chunks.length).toBeGreaterThan(2);
      expectClose(await outputsOf(new Uint8Array(0), join(dir, 'model.onnx')), base, 1e-7);
      initializers(model).find((t) => t.data_location === 1)!.external_data![0].value = '../../etc/hostname';
      writeFileSync(join(dir, 'escape.onnx'), encodeOnnx(model));
      await expect(importOnnx(join(dir, 'escape.onnx'))).rejects.toThrow(/external data '..\/..\/etc\/hostname' (lies outside the model's folder|cannot be read)|cannot read external data/);
      await expect(importOnnx(encodeOnnx(model))).rejects.toThrow(/needs a file path \(or ImportOptions\.baseDir\) to be found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
