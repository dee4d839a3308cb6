import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { input, layers, loadModel, model, type LayersModel, type SymbolicTensor } from '@soma/layers';
import { decodeOnnx, encodeOnnx, exportOnnx, importOnnx, OnnxGraph } from '@soma/onnx-io';

/**
 * importOnnx(…, { as: 'layers' }): PyTorch exports (test/fixtures/onnx, written by
 * make_onnx_fixtures.py with PyTorch's outputs) come back as @soma/layers models whose predict
 * gives PyTorch's numbers, which train, summarize, save and load like any layers model.
 */

const fixture = (name: string) => JSON.parse(readFileSync(`test/fixtures/onnx/${name}.json`, 'utf8')) as {
  input: { shape: number[]; values: number[]; dtype: string };
  outputs: Record<string, { shape: number[]; values: number[] }>;
};

function expectClose(actual: soma.Tensor, expected: readonly number[], tolerance: number, what: string): void {
  const a = actual.dataSync();
  expect(a.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - expected[i]));
  expect(worst, what).toBeLessThan(tolerance);
}

async function imported(name: string): Promise<{ net: LayersModel; x: soma.Tensor; expected: number[][] }> {
  const net = await importOnnx(`test/fixtures/onnx/${name}.onnx`, { as: 'layers' });
  const f = fixture(name);
  const x = soma.tensor(f.input.values, f.input.shape, f.input.dtype === 'int64' ? 'int32' : (f.input.dtype as soma.DType));
  return { net, x, expected: Object.values(f.outputs).map((o) => o.values) };
}

const classes = (net: LayersModel) => net.layers.map((l) => l.className);

describe("importOnnx(…, { as: 'layers' })", () => {
  it('maps PyTorch CNNs to layers (conv, transposed conv, batch norm, pooling, padding, residual adds, reshapes, dense) and gives PyTorch\'s outputs', async () => {
    for (const [name, expectedLayers] of [
      ['conv_bn', ['InputLayer', 'Conv2D', 'BatchNormalization', 'Activation', 'GlobalAveragePooling2D', 'Flatten']],
      ['resnet_small', ['Conv2D', 'Add', 'GlobalAveragePooling2D', 'Dense']],
      ['lenet', ['Conv2D', 'ZeroPadding2D', 'AveragePooling2D', 'Flatten', 'Dense']],
      ['resnet18_torchvision', ['Conv2D', 'Add', 'GlobalAveragePooling2D', 'Dense']],
      ['decoder', ['Dense', 'Reshape', 'Conv2DTranspose', 'LeakyReLU']],
    ] as const) {
      const { net, x, expected } = await imported(name);
      for (const c of expectedLayers) expect(classes(net), name).toContain(c);
      // Every node of these is a layer (resnet's padded max pool runs as a graph).
      if (name !== 'resnet_small' && name !== 'resnet18_torchvision') expect(classes(net), name).not.toContain('OnnxGraph');
      expectClose(net.predict(x) as soma.Tensor, expected[0], 1e-5, name);
      const direct = await importOnnx(`test/fixtures/onnx/${name}.onnx`);
      const trainable = (ws: readonly soma.Variable[]) => ws.reduce((n, w) => n + w.size, 0);
      expect(trainable(net.trainableWeights), `${name}: the same trainable parameters as the graph`).toBe(trainable(direct.trainableVariables));
      direct.dispose();
      x.dispose();
      net.dispose();
    }
    // Layers are named after the PyTorch modules they come from.
    const resnet = await importOnnx('test/fixtures/onnx/resnet18_torchvision.onnx', { as: 'layers' });
    for (const name of ['conv1', 'layer1.0.conv1', 'layer2.0.downsample.0', 'fc']) expect(resnet.layers.map((l) => l.name)).toContain(name);
    resnet.dispose();
    // conv_bn's statistics are the layer's moving statistics, untrained.
    const { net } = await imported('conv_bn');
    const bn = net.layers.find((l) => l.className === 'BatchNormalization')!;
    expect(bn.nonTrainableWeights.map((w) => w.name.split('/').pop())).toEqual(['moving_mean', 'moving_variance']);
    net.dispose();
  });

  it('nodes that are no layer run as OnnxGraph layers: a GELU MLP with layer norm and an LSTM/GRU model give PyTorch\'s outputs', async () => {
    for (const name of ['mlp', 'lstm_gru']) {
      const { net, x, expected } = await imported(name);
      expect(classes(net), name).toContain('OnnxGraph');
      const y = net.predict(x);
      const ys = Array.isArray(y) ? y : [y];
      expect(ys).toHaveLength(expected.length);
      ys.forEach((t, i) => expectClose(t, expected[i], 1e-5, `${name} output ${i}`));
      soma.dispose([x, ...ys]);
      net.dispose();
    }
  });

  it('the PyTorch model suite (ViTs, a reflection-padded generator, a packed LSTM, a 3-D UNet) imports as layers with PyTorch\'s outputs', async () => {
    for (const [name, mapped] of [['vit_torchvision', 'Dense'], ['vit_block', 'Dense'], ['reflect_generator', 'Conv2D'], ['lstm_packed', 'Dense'], ['unet3d', 'Concatenate']] as const) {
      const net = await importOnnx(`test/fixtures/onnx/${name}.onnx`, { as: 'layers' });
      expect(classes(net), name).toContain(mapped);
      const ref = JSON.parse(readFileSync(`test/fixtures/onnx/${name}.json`, 'utf8')) as { inputs: Record<string, { shape: number[]; values: number[]; dtype: string }>; outputs: Record<string, { values: number[] }> };
      const xs = Object.values(ref.inputs).map((v) => soma.tensor(v.values, v.shape, v.dtype as soma.DType));
      const y = net.predict(xs.length === 1 ? xs[0] : xs) as soma.Tensor;
      expectClose(y, ref.outputs.output.values, 1e-4, name);
      soma.dispose([...xs, y]);
      net.dispose();
    }
  });

  it('trains with fit (through mapped and OnnxGraph layers alike), summarizes, saves and loads back with the same outputs', async () => {
    const { net, x } = await imported('mlp');
    const graphLayer = net.layers.find((l): l is OnnxGraph => l instanceof OnnxGraph)!;
    expect(graphLayer).toBeDefined();
    const lines: string[] = [];
    net.summary((l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/OnnxGraph/);
    const x8 = soma.randomNormal([8, ...x.shape.slice(1)], { seed: 1 });
    const target = soma.randomNormal([8, 4], { seed: 2 });
    const before = net.trainableWeights.map((w) => w.clone());
    net.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const history = await net.fit(x8, [target, soma.zeros([8, 1])], { epochs: 5, batchSize: 4, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    const moved = net.trainableWeights.map((w, i) => Math.max(...Array.from(w.dataSync(), (v, k) => Math.abs(v - before[i].dataSync()[k]))));
    expect(moved.every((m) => m > 0), 'every weight trained, those inside OnnxGraph layers too').toBe(true);
    const dir = mkdtempSync(join(os.tmpdir(), 'soma-onnx-layers-'));
    try {
      await net.save(dir);
      const back = await loadModel(dir);
      expect(classes(back)).toEqual(classes(net));
      const a = net.predict(x8);
      const b = back.predict(x8);
      const [la, lb] = [Array.isArray(a) ? a : [a], Array.isArray(b) ? b : [b]];
      la.forEach((t, i) => expectClose(lb[i], Array.from(t.dataSync()), 1e-6, `loaded output ${i}`));
      back.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    soma.dispose([x, x8, target, ...before]);
    net.dispose();
  });

  it('a Soma model exported to ONNX comes back as layers (convolutions, batch norm, dense) with the same outputs and trainable weights', async () => {
    const x0 = input({ shape: [3, 12, 12] });
    const h = layers.conv2d({ filters: 4, kernelSize: 3, padding: 1 }).apply(x0) as SymbolicTensor;
    const bn = layers.batchNormalization({}).apply(h) as SymbolicTensor;
    const pooled = layers.maxPool2d({ poolSize: 2 }).apply(layers.activation({ activation: 'relu' }).apply(bn) as SymbolicTensor) as SymbolicTensor;
    const out = layers.dense({ units: 3, activation: 'softmax' }).apply(layers.flatten().apply(pooled) as SymbolicTensor) as SymbolicTensor;
    const original = model({ inputs: x0, outputs: out });
    const bnLayer = original.layers.find((l) => l.className === 'BatchNormalization')!;
    bnLayer.setWeights(bnLayer.getWeights().map((w, i) => soma.randomUniform(w.shape, { min: 0.5, max: 1.5, seed: i })));
    const back = await importOnnx(await exportOnnx(original), { as: 'layers' });
    for (const c of ['Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Dense']) expect(classes(back)).toContain(c);
    const x = soma.randomNormal([5, 3, 12, 12], { seed: 9 });
    expectClose(back.predict(x) as soma.Tensor, Array.from((original.predict(x) as soma.Tensor).dataSync()), 1e-5, 'round trip');
    const count = (ws: readonly soma.Variable[]) => ws.reduce((n, w) => n + w.size, 0);
    expect(count(back.trainableWeights)).toBe(count(original.trainableWeights));
    soma.dispose(x);
    back.dispose();
    original.dispose();
  });

  it('{ trainable: false } freezes every layer, graph layers too', async () => {
    const net = await importOnnx('test/fixtures/onnx/mlp.onnx', { as: 'layers', trainable: false });
    expect(net.trainableWeights).toHaveLength(0);
    expect(net.nonTrainableWeights.length).toBeGreaterThan(0);
    net.dispose();
  });

  it('an OnnxGraph config from a file declaring absurd weight sizes is refused before anything is allocated', async () => {
    const net = await importOnnx('test/fixtures/onnx/mlp.onnx', { as: 'layers' });
    const layer = net.layers.find((l): l is OnnxGraph => l instanceof OnnxGraph && l.weights.length > 0)!;
    const config = layer.getConfig() as { onnx: string; outputShapes: (number | null)[][] };
    const proto = decodeOnnx(Uint8Array.from(atob(config.onnx), (c) => c.charCodeAt(0)));
    proto.graph!.initializer![0].dims = [1 << 20, 1 << 20];
    const onnx = Buffer.from(encodeOnnx(proto)).toString('base64');
    expect(() => new OnnxGraph({ onnx, outputShapes: config.outputShapes })).toThrow(/OnnxGraph 'onnx_graph\w*': initializer '.*': declares \d+ elements .* more than Soma reads/);
    net.dispose();
  });

  it('refuses what a layers model cannot be, naming it', async () => {
    await expect(importOnnx('test/fixtures/onnx/mlp.onnx', { as: 'graph' as 'model' })).rejects.toThrow(/importOnnx: as must be 'model' \(an OnnxModel\) or 'layers'/);
  });
});
