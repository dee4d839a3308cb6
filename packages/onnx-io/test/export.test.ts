import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { input, layers, model, sequential, type LayersModel, type SymbolicTensor } from '@soma/layers';
import { decodeOnnx, exportOnnx, importOnnx } from '@soma/onnx-io';
import ort from 'onnxruntime-node';
import { expectOrtMatchesExport } from './helpers/ort.js';

/**
 * Every exportable layer, exported and run in onnxruntime-node on a batch size other than the one
 * traced (the batch is symbolic): outputs must match Soma's predict to 1e-4.
 */

const one = (t: SymbolicTensor | SymbolicTensor[]): SymbolicTensor => t as SymbolicTensor;

async function expectOrtMatches(net: LayersModel, inputs: soma.Tensor[], opset?: number): Promise<void> {
  await expectOrtMatchesExport(net, await exportOnnx(net, { opset }), inputs);
}

const image = (n: number, c = 2, h = 8, w = 8) => soma.randomNormal([n, c, h, w], { seed: 3 });

const cases: [string, () => LayersModel, () => soma.Tensor[]][] = [
  ['dense with every activation', () => sequential([
    layers.dense({ units: 6, inputShape: [4], activation: 'relu' }), layers.dense({ units: 6, activation: 'elu' }), layers.dense({ units: 6, activation: 'selu' }),
    layers.dense({ units: 6, activation: 'gelu' }), layers.dense({ units: 6, activation: 'softplus' }), layers.dense({ units: 6, activation: 'softsign' }),
    layers.dense({ units: 6, activation: 'swish' }), layers.dense({ units: 6, activation: 'hardSigmoid' }), layers.dense({ units: 6, activation: 'relu6' }),
    layers.dense({ units: 6, activation: 'tanh' }), layers.dense({ units: 6, activation: 'sigmoid' }), layers.dense({ units: 5, activation: 'logSoftmax' }),
    layers.leakyRelu({ alpha: 0.1 }), layers.prelu(), layers.activation({ activation: 'softmax' }),
  ]), () => [soma.randomNormal([3, 4], { seed: 1 })]],
  ['a CNN: conv (strides, dilation, groups), batch norm, pooling, dropout, flatten', () => sequential([
    layers.conv2d({ inputShape: [2, 8, 8], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, groups: 2, padding: 'valid' }),
    layers.batchNormalization(),
    layers.conv2d({ filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same', useBias: false }),
    layers.maxPool2d({ poolSize: 2, padding: 'same' }),
    layers.dropout({ rate: 0.5 }), layers.flatten(), layers.dense({ units: 3, activation: 'softmax' }),
  ]), () => [image(3)]],
  ['average pooling, global pooling, zero padding, up-sampling, depthwise and transposed convolution', () => {
    const x = input({ shape: [2, 8, 8] });
    const a = one(layers.avgPool2d({ poolSize: 2 }).apply(one(layers.zeroPadding2d({ padding: 1 }).apply(x))));
    const b = one(layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }).apply(a));
    const c = one(layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(one(layers.upSampling2d({ size: 2 }).apply(one(layers.maxPool2d({ poolSize: 2 }).apply(x))))));
    const g1 = one(layers.globalAvgPool2d().apply(b));
    const g2 = one(layers.globalMaxPool2d().apply(c));
    return model({ inputs: x, outputs: [g1, g2] });
  }, () => [image(3)]],
  ['recurrent layers: embedding, LSTM, GRU, simple RNN, bidirectional', () => sequential([
    layers.embedding({ inputDim: 10, outputDim: 4, inputShape: [5] }),
    layers.bidirectional({ layer: layers.lstm({ units: 3, returnSequences: true }) }),
    layers.gru({ units: 3, returnSequences: true }),
    layers.simpleRnn({ units: 2 }),
    layers.dense({ units: 1 }),
  ]), () => [soma.tensor(Array.from({ length: 15 }, (_, i) => (i * 7) % 10), [3, 5], 'int32')]],
  ['a functional model with two inputs, two outputs, merges, layer norm, reshape and permute', () => {
    const a = input({ shape: [6], name: 'left' });
    const b = input({ shape: [6], name: 'right' });
    const sum = one(layers.add().apply([a, b]));
    const prod = one(layers.multiply().apply([a, b]));
    const cat = one(layers.concatenate().apply([sum, prod, one(layers.subtract().apply([a, b])), one(layers.maximum().apply([a, b]))]));
    const normed = one(layers.layerNormalization().apply(cat));
    const r = one(layers.permute({ dims: [2, 1] }).apply(one(layers.reshape({ targetShape: [4, 6] }).apply(normed))));
    const out1 = one(layers.dense({ units: 2, name: 'head_a' }).apply(one(layers.flatten().apply(r))));
    const out2 = one(layers.dense({ units: 3, activation: 'softmax', name: 'head_b' }).apply(one(layers.average().apply([a, b]))));
    return model({ inputs: [a, b], outputs: [out1, out2] });
  }, () => [soma.randomNormal([3, 6], { seed: 4 }), soma.randomNormal([3, 6], { seed: 5 })]],
  ['conv1d and 1-D pooling', () => sequential([
    layers.conv1d({ inputShape: [3, 12], filters: 4, kernelSize: 3, activation: 'tanh' }),
    layers.maxPool1d({ poolSize: 2 }), layers.avgPool1d({ poolSize: 2 }), layers.flatten(), layers.dense({ units: 2 }),
  ]), () => [soma.randomNormal([3, 3, 12], { seed: 6 })]],
];

describe('exportOnnx: Soma models run in onnxruntime-node with the same outputs', () => {
  it.each(cases)('%s', async (_, make, inputs) => {
    const net = make();
    const xs = inputs();
    await expectOrtMatches(net, xs);
    soma.dispose(xs);
    net.dispose();
  });

  it.each([13, 18, 21])('opset %i', async (opset) => {
    const net = cases[1][1]();
    const xs = cases[1][2]();
    await expectOrtMatches(net, xs, opset);
    soma.dispose(xs);
    net.dispose();
  });

  it('a function with topK (a fixed batch: takeAlongAxis builds its positions from the shape) exports and runs', async () => {
    const f = (x: soma.Tensor) => soma.topK(x.mul(2).add(1), 3)[0].relu();
    // With a dynamic batch the trace refuses, naming why, instead of baking the example's size in.
    await expect(exportOnnx(f, { inputShapes: [[2, 6]] })).rejects.toThrow(/trace: a tensor made inside the function has shape \[2\] in one trace and \[3\] in the other/);
    const session = await ort.InferenceSession.create(await exportOnnx(f, { inputShapes: [[4, 6]], dynamicBatch: false }));
    const x = soma.randomNormal([4, 6], { seed: 9 });
    const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x.dataSync(), x.shape) });
    const ours = f(x);
    expect(Array.from(r[session.outputNames[0]].data as Float32Array)).toEqual(Array.from(ours.dataSync()));
    soma.dispose([x, ours]);
  });

  it.each([13, 18])('training-mode batch norm (the cpu backend\'s fused channel kernels) exports and matches at another batch size, opset %i', async (opset) => {
    const weight = soma.tensor([1.5, -0.5, 0.8]);
    const bias = soma.tensor([0.1, 0.2, -0.3]);
    const f = (x: soma.Tensor) => {
      const [y, mean, variance] = soma.fused.batchNorm(x, { weight, bias, epsilon: 1e-3 });
      return y.add(mean.add(variance).reshape([1, 3, 1, 1]));
    };
    const session = await ort.InferenceSession.create(await exportOnnx(f, { inputShapes: [[4, 3, 5, 5]], opset }));
    const x = soma.randomNormal([6, 3, 5, 5], { seed: 9, mean: 2 });
    const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x.dataSync(), x.shape) });
    const ours = f(x);
    const graph = soma.trace(f, [x]);
    expect(graph.nodes.map((n) => n.op)).toEqual(expect.arrayContaining(['channelMoments', 'channelAffine']));
    graph.dispose();
    const theirs = r[session.outputNames[0]].data as Float32Array;
    const a = ours.dataSync();
    let worst = 0;
    for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - theirs[k]));
    expect(worst).toBeLessThan(1e-4);
    soma.dispose([x, ours, weight, bias]);
    await session.release();
  });

  it('names inputs, outputs and initializers after the layers and weights', async () => {
    const net = sequential([layers.dense({ units: 2, inputShape: [3], name: 'fc' })]);
    const session = await ort.InferenceSession.create(await exportOnnx(net));
    expect(session.inputNames).toEqual([net.inputs[0].sourceLayer.name]);
    expect(session.outputNames).toEqual(['fc']);
    net.dispose();
  });

  it('only weights are initializers: constants are Constant nodes, so a re-imported export trains exactly the model\'s weights', async () => {
    // hardSigmoid adds and divides by constants; softmax is written as ONNX's Softmax.
    const net = sequential([layers.dense({ units: 4, inputShape: [3], activation: 'hardSigmoid' }), layers.dense({ units: 2, activation: 'softmax' })]);
    const bytes = await exportOnnx(net);
    const proto = decodeOnnx(bytes);
    expect(proto.graph?.node?.map((n) => n.op_type)).toContain('Softmax');
    // Float initializers are the weights; integer ones (shapes, axes) are never trained.
    expect((proto.graph?.initializer ?? []).filter((t) => t.data_type === 1).map((t) => t.name).sort()).toEqual(net.weights.map((w) => w.name).sort());
    expect(proto.graph?.node?.some((n) => n.op_type === 'Constant')).toBe(true);
    const back = await importOnnx(bytes);
    expect(back.trainableVariables.map((v) => v.size).reduce((a, b) => a + b, 0)).toBe(net.countParams());
    back.dispose();
    net.dispose();
  });

  it('batch normalization exports as BatchNormalization with its statistics as initializers that a re-import does not train', async () => {
    const x0 = input({ shape: [2, 8, 8] });
    const conv = one(layers.conv2d({ filters: 3, kernelSize: 3 }).apply(x0));
    const bn = one(layers.batchNormalization({}).apply(conv));
    const flat = one(layers.flatten({}).apply(one(layers.activation({ activation: 'relu' }).apply(bn))));
    const noScale = one(layers.batchNormalization({ scale: false, center: false }).apply(one(layers.dense({ units: 4 }).apply(flat))));
    const net = model({ inputs: x0, outputs: noScale });
    // Statistics that are not zeros and ones, so a wrong input order shows.
    net.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = image(6);
    const y = soma.randomNormal([6, 4], { seed: 4 });
    await net.fit(x, y, { epochs: 2, batchSize: 3, verbose: 0 });
    const bytes = await exportOnnx(net);
    const nodes = decodeOnnx(bytes).graph?.node ?? [];
    expect(nodes.filter((n) => n.op_type === 'BatchNormalization')).toHaveLength(2);
    expect(nodes.some((n) => n.op_type === 'Sqrt' || n.op_type === 'Reciprocal')).toBe(false);
    const back = await importOnnx(bytes);
    expect(back.trainableVariables.map((v) => v.name).sort()).toEqual(net.trainableWeights.map((w) => w.name).sort());
    await expectOrtMatches(net, [image(5)]);
    const theirs = back.predict(image(5));
    const ours = net.predict(image(5)) as soma.Tensor;
    expect(Array.from(await theirs[back.outputs[0].name].data()).map((v, i) => Math.abs(v - ours.dataSync()[i])).every((d) => d < 1e-5)).toBe(true);
    soma.dispose([x, y, ours, theirs]);
    back.dispose();
    net.dispose();
  });

  it('an imported PyTorch LSTM/GRU model (initial states shaped from the batch) re-exports with a symbolic batch; a batch mean\'s count is computed in the graph', async () => {
    const imported = await importOnnx('test/fixtures/onnx/lstm_gru.onnx');
    const fn = (x: soma.Tensor) => imported.predict({ [imported.inputs[0].name]: x })[imported.outputs[0].name];
    const bytes = await exportOnnx(fn, { inputShapes: [[2, 7]] });
    const graph = decodeOnnx(bytes).graph!;
    expect(graph.input!.map((i) => i.name), 'the zero states are computed, not inputs').toHaveLength(1);
    expect(graph.node!.some((n) => n.op_type === 'ConstantOfShape')).toBe(true);
    const session = await ort.InferenceSession.create(bytes);
    const ids = soma.tensor(Array.from({ length: 35 }, (_, i) => (i * 5) % 16), [5, 7], 'int32');
    const got = await session.run({ [session.inputNames[0]]: new ort.Tensor('int64', BigInt64Array.from(ids.dataSync(), (v) => BigInt(v)), [5, 7]) });
    const want = fn(ids).dataSync();
    const theirs = got[session.outputNames[0]].data as Float32Array;
    expect(theirs.length).toBe(want.length);
    want.forEach((v, i) => expect(Math.abs(v - theirs[i])).toBeLessThan(1e-5));
    await session.release();
    imported.dispose();
    // x − mean over the batch: the mean's 1/n follows the batch size.
    const centered = await ort.InferenceSession.create(await exportOnnx((x: soma.Tensor) => x.sub(x.mean(0)).mul(soma.fill([x.shape[0], 3], 2)), { inputShapes: [[4, 3]] }));
    const x = soma.randomNormal([6, 3], { seed: 5 });
    const out = (await centered.run({ [centered.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [6, 3]) }))[centered.outputNames[0]].data as Float32Array;
    const expected = x.sub(x.mean(0)).mul(2).dataSync();
    expected.forEach((v, i) => expect(Math.abs(v - out[i])).toBeLessThan(1e-5));
    expect(centered.inputNames).toHaveLength(1);
    await centered.release();
    soma.dispose([ids, x]);
  });

  it('options as PyTorch users type them are refused with the Soma name (exportOnnx, importOnnx)', async () => {
    const net = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    await expect(exportOnnx(net, { dynamic_axes: { 0: { 1: 'sequence' } } } as never)).rejects.toThrow(/exportOnnx: unknown option 'dynamic_axes'; valid options: .*dynamicAxes/);
    await expect(exportOnnx(net, { opsetVersion: 13 } as never)).rejects.toThrow(/exportOnnx: unknown option 'opsetVersion'/);
    await expect(importOnnx(await exportOnnx(net), { asLayers: true } as never)).rejects.toThrow(/importOnnx: unknown option 'asLayers'/);
    net.dispose();
  });

  it('a random draw inside an exported function is refused, saying to pass it as an input', async () => {
    await expect(exportOnnx((x: soma.Tensor) => x.add(soma.randomNormal(x.shape)), { inputShapes: [[2, 3]] })).rejects.toThrow(/exportOnnx: 1 value\(s\) drawn again at every run \(a random op inside the function\) have no ONNX form; draw them outside and pass them as inputs/);
  });

  it('a training step is refused with every reason listed at once (and gradient kernels before opset 16)', async () => {
    const w = soma.variable(soma.ones([2, 2]), true, 'w');
    const step = (x: soma.Tensor) => {
      const g = soma.grad((v: soma.Tensor) => soma.maxPool2d(v.reshape([1, 1, 2, 2]), { kernelSize: 2 }).sum())(x.matmul(w));
      w.assign(w.sub(0.1));
      return g;
    };
    // Before opset 16 ScatterElements cannot add, so the max-pooling gradient has no ONNX form there.
    await expect(exportOnnx(step, { inputShapes: [[2, 2]], dynamicBatch: false, opset: 13 })).rejects.toThrow(/exportOnnx: 2 node\(s\) cannot be written as ONNX:\n {2}node \d+ \(maxPool2dGrad\): a max-pooling gradient before opset 16[^\n]*\n {2}node \d+ \(assign\): a variable assignment/);
    // At opset 17 only the assignment remains.
    await expect(exportOnnx(step, { inputShapes: [[2, 2]], dynamicBatch: false })).rejects.toThrow(/exportOnnx: 1 node\(s\) cannot be written as ONNX:\n {2}node \d+ \(assign\): a variable assignment/);
    w.dispose();
  });
});
