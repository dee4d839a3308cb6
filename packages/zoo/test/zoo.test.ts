import { afterEach, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { losses, type LayersModel } from '@soma/layers';
import { decodeOnnx, exportOnnx, importOnnx } from '@soma/onnx-io';
import { datasets } from '@soma/data';
import ort from 'onnxruntime-node';
import { backendsUnderTest } from '@soma/testing';
import {
  cifarDensenet, cifarResnet, convAutoencoder, densenet121, denseAutoencoder, gan, lenet5, lstmClassifier, lstmLanguageModel, lstmRegressor, mlp,
  resnet18, resnet50, vgg11, vgg16, GETTYSBURG_ADDRESS,
} from '@soma/zoo';

const trainable = (m: LayersModel) => m.trainableWeights.reduce((a, w) => a + w.size, 0);

describe('parameter counts equal the references (torchvision counts parameters(): the trainable weights)', () => {
  const cases: [string, () => LayersModel, number][] = [
    ['lenet5 (LeCun et al. 1998, 10 classes)', () => lenet5(), 61_706],
    ['vgg16, 1000 classes (torchvision)', () => vgg16(), 138_357_544],
    ['resnet18, 1000 classes (torchvision)', () => resnet18(), 11_689_512],
    ['resnet50, 1000 classes (torchvision)', () => resnet50(), 25_557_032],
    ['densenet121, 1000 classes (torchvision)', () => densenet121(), 7_978_856],
    ['CIFAR ResNet-20 (He et al. §4.2, option A)', () => cifarResnet({ depth: 20 }), 269_722],
    ['CIFAR ResNet-32', () => cifarResnet({ depth: 32 }), 464_154],
    ['CIFAR ResNet-44', () => cifarResnet({ depth: 44 }), 658_586],
    ['CIFAR ResNet-56', () => cifarResnet({ depth: 56 }), 853_018],
  ];
  it.each(cases)('%s', (_, make, expected) => {
    const m = make();
    expect(trainable(m)).toBe(expected);
    // summary() prints the same count.
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    expect(lines.find((l) => l.startsWith('Trainable params'))).toBe(`Trainable params: ${expected.toLocaleString('en-US')}`);
    m.dispose();
  }, 60_000);
});

/** Each model small enough for a test, with a batch of inputs and targets and its loss. */
const SMALL: [string, () => { model: LayersModel; x: soma.Tensor; y: soma.Tensor; loss: Parameters<LayersModel['compile']>[0]['loss'] }][] = [
  ['lenet5', () => ({ model: lenet5(), x: soma.randomNormal([4, 1, 28, 28], { seed: 1 }), y: soma.tensor([0, 3, 9, 1], [4], 'int32'), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) })],
  ['lenet5 32×32 relu max', () => ({ model: lenet5({ inputShape: [1, 32, 32], activation: 'relu', pooling: 'max' }), x: soma.randomNormal([2, 1, 32, 32], { seed: 1 }), y: soma.tensor([2, 5], [2], 'int32'), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) })],
  ['vgg11 cifar with batch norm', () => ({ model: vgg11({ inputShape: [3, 32, 32], classifier: 'cifar', batchNorm: true, numClasses: 10 }), x: soma.randomNormal([2, 3, 32, 32], { seed: 2 }), y: soma.tensor([1, 7], [2], 'int32'), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) })],
  ['resnet18 on 64×64', () => ({ model: resnet18({ inputShape: [3, 64, 64], numClasses: 5 }), x: soma.randomNormal([2, 3, 64, 64], { seed: 3 }), y: soma.tensor([0, 4], [2], 'int32'), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) })],
  ['CIFAR ResNet-20', () => ({ model: cifarResnet({ depth: 20 }), x: soma.randomNormal([2, 3, 32, 32], { seed: 4 }), y: soma.tensor([3, 8], [2], 'int32'), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) })],
  ['DenseNet-BC-40 for CIFAR', () => ({ model: cifarDensenet({ depth: 40 }), x: soma.randomNormal([2, 3, 32, 32], { seed: 5 }), y: soma.tensor([6, 2], [2], 'int32'), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) })],
  ['lstmClassifier (bidirectional GRU, 2 layers)', () => ({
    model: lstmClassifier({ vocabSize: 20, embeddingDim: 8, sequenceLength: 6, units: 4, layers: 2, cell: 'gru', bidirectional: true }),
    x: soma.tensor([[3, 4, 5, 0, 0, 0], [7, 1, 2, 9, 11, 0]], [2, 6], 'int32'), y: soma.tensor([[1], [0]]), loss: 'binaryCrossentropy',
  })],
  ['lstmRegressor', () => ({ model: lstmRegressor({ inputShape: [5, 2], units: 4, layers: 2 }), x: soma.randomNormal([3, 5, 2], { seed: 6 }), y: soma.randomNormal([3, 1], { seed: 7 }), loss: 'meanSquaredError' })],
  ['mlp with batch norm and dropout', () => ({ model: mlp({ inputDim: 3, hiddenUnits: [8, 6], outputUnits: 2, batchNorm: true, dropout: 0.1, outputActivation: 'softmax' }), x: soma.randomNormal([4, 3], { seed: 8 }), y: soma.tensor([0, 1, 1, 0], [4], 'int32'), loss: 'sparseCategoricalCrossentropy' })],
  ['denseAutoencoder', () => {
    const x = soma.randomUniform([4, 12], { seed: 9 });
    return { model: denseAutoencoder({ inputDim: 12, hiddenUnits: [8], latentDim: 3 }), x, y: x.clone(), loss: 'binaryCrossentropy' };
  }],
  ['convAutoencoder', () => {
    const x = soma.randomUniform([2, 1, 8, 8], { seed: 10 });
    return { model: convAutoencoder({ inputShape: [1, 8, 8], filters: [4, 2] }), x, y: x.clone(), loss: 'meanSquaredError' };
  }],
];

describe.each(backendsUnderTest(['cpu', 'native']))('every model runs forward and takes a training step on %s', (backend) => {
  afterEach(async () => {
    await soma.setBackend('cpu');
  });
  it.each(SMALL)('%s', async (_, make) => {
    await soma.setBackend(backend);
    soma.setRandomSeed(1);
    const { model, x, y, loss } = make();
    const before = model.trainableWeights.map((w) => w.dataSync().slice());
    model.compile({ optimizer: 'adam', loss });
    const h = await model.fit(x, y, { epochs: 2, batchSize: x.shape[0], verbose: 0 });
    const l = h.history.loss as number[];
    expect(Number.isFinite(l[1])).toBe(true);
    const moved = model.trainableWeights.filter((w, i) => w.dataSync().some((v, k) => v !== before[i][k])).length;
    expect(moved).toBeGreaterThan(model.trainableWeights.length / 2);
    soma.dispose([x, y]);
    model.dispose();
  }, 60_000);
});

describe('exports to ONNX: onnxruntime-node gives the same outputs', () => {
  it.each(SMALL)('%s', async (_, make) => {
    soma.setRandomSeed(2);
    const { model, x, y } = make();
    const expected = model.predict(x) as soma.Tensor;
    const bytes = await exportOnnx(model);
    const session = await ort.InferenceSession.create(bytes);
    const graph = decodeOnnx(bytes).graph!;
    // Token ids are declared int64, as PyTorch writes them.
    const int64 = graph.input![0].type?.tensor_type?.elem_type === 7;
    expect(int64, 'ids are int64').toBe(x.dtype === 'int32');
    const feed = { [session.inputNames[0]]: int64 ? new ort.Tensor('int64', BigInt64Array.from(x.dataSync(), (v) => BigInt(v)), x.shape) : new ort.Tensor('float32', Float32Array.from(x.dataSync()), x.shape) };
    const out = (await session.run(feed))[session.outputNames[0]];
    const got = out.data as Float32Array;
    const want = expected.dataSync();
    expect(got.length).toBe(want.length);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    expect(worst).toBeLessThan(1e-4);
    // Each recurrent layer (and direction) is one ONNX node, not a MatMul per step.
    const recurrent = graph.node!.filter((n) => ['LSTM', 'GRU', 'RNN'].includes(n.op_type ?? '')).length;
    const directions = model.layers.reduce((n, l) => n + (l.className === 'Bidirectional' ? 2 : ['LSTM', 'GRU', 'SimpleRNN'].includes(l.className) ? 1 : 0), 0);
    expect(recurrent).toBe(directions);
    // A re-import trains exactly the model's trainable weights (batch-norm statistics stay state).
    const back = await importOnnx(bytes);
    expect(back.trainableVariables.map((v) => v.name).sort()).toEqual(model.trainableWeights.map((w) => w.name).sort());
    back.dispose();
    soma.dispose([x, y, expected]);
    model.dispose();
  }, 60_000);
});

describe('the LSTM language model and the GAN, used as their recipes say', () => {
  it('a character model learns a repeating text and generate() continues it; seeded sampling repeats', async () => {
    soma.setRandomSeed(3);
    const text = 'abcabcabcabcabcabcabcabc';
    const lm = lstmLanguageModel({ vocabulary: 'abc', embeddingDim: 4, units: 16 });
    const ids = lm.encode(text);
    const x = ids.slice([0, 0], [1, text.length - 1]);
    const y = ids.slice([0, 1], [1, text.length - 1]);
    lm.compile({ optimizer: 'adam', loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
    await lm.fit(x, y, { epochs: 150, verbose: 0 });
    expect(await lm.generate('ab', { length: 7, temperature: 0 })).toBe('abcabcabc');
    expect(await lm.generate('c', { length: 10, temperature: 1, seed: 5 })).toBe(await lm.generate('c', { length: 10, temperature: 1, seed: 5 }));
    await expect(lm.generate('abz')).rejects.toThrow(/character "z" at position 2 is not in the vocabulary/);
    // generate steps the recurrent state one character at a time: the same text as re-reading the
    // whole prefix for every character (greedy decoding on the full network).
    let greedy = 'cab';
    for (let i = 0; i < 8; i++) {
      const ids = lm.encode(greedy);
      const logits = lm.predict(ids) as soma.Tensor;
      const next = logits.slice([0, greedy.length - 1, 0], [1, 1, -1]).argMax(-1);
      greedy += 'abc'[next.dataSync()[0]];
      soma.dispose([ids, logits, next]);
    }
    expect(await lm.generate('cab', { length: 8, temperature: 0 })).toBe(greedy);
    soma.dispose([ids, x, y]);
  }, 60_000);

  it('the GAN recipe: a compiled discriminator, a frozen copy in the combined model; both train', async () => {
    soma.setRandomSeed(4);
    const { generator, discriminator, combined } = gan({ latentDim: 4, dataDim: 6, hiddenUnits: 8 });
    discriminator.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    discriminator.trainable = false;
    combined.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const g0 = generator.trainableWeights[0].dataSync().slice();
    const d0 = discriminator.weights[0].dataSync().slice();
    const real = soma.randomNormal([8, 6], { seed: 1 }).tanh();
    const noise = soma.randomNormal([8, 4], { seed: 2 });
    const fake = generator.predict(noise) as soma.Tensor;
    await discriminator.trainOnBatch(soma.concat([real, fake]), soma.concat([soma.ones([8, 1]), soma.zeros([8, 1])]));
    const dAfter = discriminator.weights[0].dataSync().slice();
    await combined.trainOnBatch(noise, soma.ones([8, 1]));
    expect(Array.from(dAfter)).not.toEqual(Array.from(d0));
    // The combined step trains the generator and leaves the discriminator where its own step left it.
    expect(Array.from(generator.trainableWeights[0].dataSync())).not.toEqual(Array.from(g0));
    expect(Array.from(discriminator.weights[0].dataSync())).toEqual(Array.from(dAfter));
    soma.dispose([real, noise, fake]);
    combined.dispose();
  });

  it('bad options are errors that name the model and the option', () => {
    expect(() => lenet5({ inputShape: [1, 64, 64] })).toThrow(/lenet5: inputShape must be \[channels, 28, 28\] or \[channels, 32, 32\]/);
    expect(() => resnet18({ numClass: 10 } as never)).toThrow(/resnet: unknown option 'numClass'.*Did you mean 'numClasses'/);
    expect(() => cifarResnet({ depth: 21 })).toThrow(/cifarResnet: depth must be 6n \+ 2/);
    expect(() => vgg16({ inputShape: [3, 32, 32] })).toThrow(/vgg: the 'imagenet' classifier needs height and width that are multiples of 224.*classifier: 'cifar'/);
  });
});

describe('pretrained LeNet-5, shipped in the package', () => {
  it('classifies the 2,000 held-out real digits of the mnist package at 98% or better, offline', async () => {
    const { test } = await datasets.loadMnistDigits({ seed: 0 });
    const net = lenet5({ pretrained: true });
    const logits = net.predict(test.x, { batchSize: 500 });
    const hits = soma.tidy(() => logits.argMax(1).equal(test.y).cast('float32').mean().dataSync()[0]);
    expect(test.x.shape[0]).toBe(2000);
    expect(hits).toBeGreaterThanOrEqual(0.98);
    soma.dispose([test.x, test.y, logits]);
    net.dispose();
  });

  it('refuses a layout the weights were not trained for', () => {
    expect(() => lenet5({ pretrained: true, activation: 'relu' })).toThrow(/lenet5: the pretrained weights are for 10 classes, \[1, 28, 28\] inputs, tanh and average pooling/);
  });
});

describe('the pretrained character model, trained on the public-domain text the package ships', () => {
  it('continues the Gettysburg Address from its opening words, and samples reproducibly with a seed', async () => {
    const lm = lstmLanguageModel({ pretrained: true });
    expect(GETTYSBURG_ADDRESS.startsWith('Four score and seven years ago')).toBe(true);
    expect(await lm.generate('Four score and ', { length: 24, temperature: 0 })).toBe('Four score and seven years ago our fath');
    const a = await lm.generate('We are ', { length: 40, temperature: 0.8, seed: 3 });
    expect(a).toBe(await lm.generate('We are ', { length: 40, temperature: 0.8, seed: 3 }));
    expect(a).toHaveLength(47);
    expect(() => lstmLanguageModel({ pretrained: true, units: 32 })).toThrow(/lstmLanguageModel: the pretrained model has its own units; leave them out/);
    lm.dispose();
  });
});
