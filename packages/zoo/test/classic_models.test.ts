import { afterEach, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { layers, modelFromArtifacts, modelToArtifacts, sequential, type LayersModel } from '@soma/layers';
import { exportOnnx } from '@soma/onnx-io';
import ort from 'onnxruntime-node';
import { backendsUnderTest } from '@soma/testing';
import { alexnet, dcgan, denoisingAutoencoder, negativeElbo, variationalAutoencoder } from '@soma/zoo';
import vaeReference from '../../../test/fixtures/torch_vae.json';

// AlexNet, the variational and denoising autoencoders and DCGAN: their sizes against the
// references that define them, the ELBO against PyTorch's, training, and export to onnxruntime.

const trainable = (m: LayersModel) => m.trainableWeights.reduce((a, w) => a + w.size, 0);
const fromJson = (t: { shape: number[]; data: number[] }) => soma.tensor(t.data, t.shape);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
};

describe('parameter counts equal the references', () => {
  const cases: [string, () => LayersModel, number][] = [
    ['alexnet, 1000 classes (torchvision)', () => alexnet(), 61_100_840],
    ["alexnet({ classifier: 'cifar' }), 10 classes (the 32×32 variant)", () => alexnet({ classifier: 'cifar', inputShape: [3, 32, 32], numClasses: 10 }), 2_472_266],
    ['variationalAutoencoder() (pytorch/examples vae: 784-400-20)', () => variationalAutoencoder(), 652_824],
    ["variationalAutoencoder({ architecture: 'conv' }) (Keras's VAE example, latent 2)", () => variationalAutoencoder({ architecture: 'conv' }), 134_165],
    ['dcgan 3×64×64 generator (PyTorch DCGAN tutorial, nz 100, ngf 64)', () => dcgan({ imageShape: [3, 64, 64] }).generator, 3_576_704],
    ['dcgan 3×64×64 discriminator (ndf 64)', () => dcgan({ imageShape: [3, 64, 64] }).discriminator, 2_765_568],
  ];
  it.each(cases)('%s', (_, make, expected) => {
    const m = make();
    expect(trainable(m)).toBe(expected);
    m.dispose();
  }, 60_000);
});

describe('the variational autoencoder', () => {
  it("the negative ELBO and its gradients equal PyTorch's on fixed weights (pytorch/examples' VAE, z = mean)", () => {
    const r = vaeReference;
    const vae = variationalAutoencoder({ inputShape: [r.sizes.inputDim], hiddenUnits: [r.sizes.hidden], latentDim: r.sizes.latentDim });
    const weights = r.weights.map(fromJson);
    vae.setWeights(weights);
    const x = fromJson(r.x);
    const posterior = vae.encode(x);
    expect(maxDiff(posterior.mean.dataSync(), r.mean.data)).toBeLessThan(1e-5);
    expect(maxDiff(posterior.logVar.dataSync(), r.logVar.data)).toBeLessThan(1e-5);
    const recon = vae.predict(x) as soma.Tensor;
    expect(maxDiff(recon.dataSync(), r.reconstruction.data)).toBeLessThan(1e-5);
    const perSample = negativeElbo(x, recon, posterior.mean, posterior.logVar);
    expect(maxDiff(perSample.dataSync(), r.negativeElbo.data)).toBeLessThan(1e-5);
    // The loss fit minimizes, through the model's own forward pass, and its gradients.
    const { value, grads } = soma.variableGrads(() => vae.elboLoss(x, vae.apply(x, { training: false }) as soma.Tensor).mean(), vae.trainableWeights);
    expect(Math.abs(value.dataSync()[0] - r.loss) / r.loss).toBeLessThan(1e-5);
    vae.trainableWeights.forEach((w, i) => {
      expect(maxDiff(grads[w.name].dataSync(), r.gradients[i].data), w.name).toBeLessThan(1e-5);
    });
    soma.dispose([weights, x, posterior.mean, posterior.logVar, recon, perSample, value, grads]);
    vae.dispose();
  });

  it('sampling draws z = mean + exp(logVar / 2)·ε while training and is the mean at inference', () => {
    soma.setRandomSeed(11);
    const vae = variationalAutoencoder({ inputShape: [6], hiddenUnits: [5], latentDim: 2 });
    const sampling = vae.layers.find((l) => l.className === 'Sampling')!;
    const mean = soma.tensor([[0.5, -1]]).tile([20000, 1]);
    const logVar = soma.tensor([[Math.log(4), Math.log(0.25)]]).tile([20000, 1]);
    const z = sampling.apply([mean, logVar], { training: true }) as soma.Tensor;
    const m = z.mean(0).dataSync();
    const sd = z.sub(z.mean(0)).square().mean(0).sqrt().dataSync();
    expect(m[0]).toBeCloseTo(0.5, 1);
    expect(m[1]).toBeCloseTo(-1, 1);
    expect(sd[0]).toBeCloseTo(2, 1);
    expect(sd[1]).toBeCloseTo(0.5, 1);
    const atInference = sampling.apply([mean, logVar]) as soma.Tensor;
    expect(Array.from(atInference.dataSync())).toEqual(Array.from(mean.dataSync()));
    soma.dispose([mean, logVar, z, atInference]);
    vae.dispose();
  });

  it('bad targets and options are errors that say what was expected', () => {
    const vae = variationalAutoencoder({ inputShape: [4], hiddenUnits: [3], latentDim: 2 });
    const x = soma.ones([2, 4]);
    expect(() => vae.elboLoss(soma.ones([2, 3]), x)).toThrow(/vae\.elboLoss: the targets are the VAE's inputs, \[batch, 4\], got \[2, 3\] \(fit a VAE on \(x, x\)\)/);
    expect(() => variationalAutoencoder({ architecture: 'conv', inputShape: [1, 30, 30] })).toThrow(/variationalAutoencoder: the 'conv' architecture takes inputShape \[channels, height, width\] with height and width divisible by 4, got \[1, 30, 30\]/);
    expect(() => variationalAutoencoder({ latentDims: 2 } as never)).toThrow(/variationalAutoencoder: unknown option 'latentDims'.*latentDim/);
    expect(() => negativeElbo(x, soma.ones([2, 3]), soma.zeros([2, 2]), soma.zeros([2, 2]))).toThrow(/negativeElbo: targets \[2, 4\] and reconstructions \[2, 3\] must have the same shape/);
    x.dispose();
    vae.dispose();
  });

  it('saves and loads (the Sampling layer is registered), predicting the same', () => {
    soma.setRandomSeed(5);
    const vae = variationalAutoencoder({ inputShape: [6], hiddenUnits: [5], latentDim: 2 });
    const x = soma.randomUniform([3, 6], { seed: 1 });
    const loaded = modelFromArtifacts(modelToArtifacts(vae));
    const a = vae.predict(x) as soma.Tensor;
    const b = loaded.predict(x) as soma.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    soma.dispose([x, a, b]);
    vae.dispose();
    loaded.dispose();
  });
});

/** Two blurry strokes in an 8×8 image: data with structure a VAE can compress into 2 numbers. */
function strokes(n: number, seed: number): soma.Tensor {
  return soma.tidy(() => {
    const u = soma.randomUniform([n, 2, 1, 1], { seed });
    const grid = soma.linspace(0, 1, 8);
    const rows = grid.reshape([1, 1, 8, 1]).sub(u.slice([0, 0, 0, 0], [n, 1, 1, 1])).square().mul(-20).exp();
    const cols = grid.reshape([1, 1, 1, 8]).sub(u.slice([0, 1, 0, 0], [n, 1, 1, 1])).square().mul(-20).exp();
    return soma.maximum(rows, cols).reshape([n, 64]);
  });
}

describe.each(backendsUnderTest(['cpu', 'native']))('the classic models train on %s', (backend) => {
  afterEach(async () => {
    await soma.setBackend('cpu');
  });

  it('a dense VAE fit with elboLoss lowers the negative ELBO; encode/decode/sample work on the trained model', async () => {
    await soma.setBackend(backend);
    soma.setRandomSeed(1);
    const x = strokes(256, 3);
    const vae = variationalAutoencoder({ inputShape: [64], hiddenUnits: [32], latentDim: 2 });
    vae.compile({ optimizer: 'adam', loss: vae.elboLoss });
    const before = (await vae.evaluate(x, x, { batchSize: 256 })).loss;
    await vae.fit(x, x, { epochs: 30, batchSize: 32, verbose: 0 });
    const after = (await vae.evaluate(x, x, { batchSize: 256 })).loss;
    expect(after).toBeLessThan(before * 0.85);
    const { mean, logVar } = vae.encode(x);
    expect(mean.shape).toEqual([256, 2]);
    expect(logVar.shape).toEqual([256, 2]);
    // predict reconstructs from the posterior mean: decode(encode(x).mean).
    const viaHalves = vae.decode(mean);
    const whole = vae.predict(x) as soma.Tensor;
    expect(maxDiff(await viaHalves.data(), await whole.data())).toBeLessThan(1e-5);
    const samples = vae.sample(5, { seed: 2 });
    expect(samples.shape).toEqual([5, 64]);
    expect(Array.from(await samples.data())).toEqual(Array.from(await vae.sample(5, { seed: 2 }).data()));
    soma.dispose([x, mean, logVar, viaHalves, whole, samples]);
    vae.dispose();
  }, 120_000);

  it('a conv VAE takes training steps', async () => {
    await soma.setBackend(backend);
    soma.setRandomSeed(2);
    const x = strokes(8, 4).reshape([8, 1, 8, 8]);
    const vae = variationalAutoencoder({ architecture: 'conv', inputShape: [1, 8, 8], filters: [4, 8], hiddenUnits: [8], latentDim: 2 });
    vae.compile({ optimizer: 'adam', loss: vae.elboLoss });
    const h = await vae.fit(x, x, { epochs: 3, batchSize: 8, verbose: 0 });
    const l = h.history.loss as number[];
    expect(l.every(Number.isFinite)).toBe(true);
    expect(l[2]).toBeLessThan(l[0]);
    soma.dispose(x);
    vae.dispose();
  }, 60_000);

  it('a denoising autoencoder learns to undo its noise: clean reconstructions improve, and the noise is off in predict', async () => {
    await soma.setBackend(backend);
    soma.setRandomSeed(3);
    const x = strokes(256, 5);
    const dae = denoisingAutoencoder({ inputDim: 64, hiddenUnits: [32], latentDim: 8, noiseLevel: 0.3 });
    dae.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const error = async () => {
      const r = dae.predict(x) as soma.Tensor;
      const e = r.sub(x).square().mean();
      const v = (await e.data())[0];
      soma.dispose([r, e]);
      return v;
    };
    const before = await error();
    await dae.fit(x, x, { epochs: 20, batchSize: 32, verbose: 0 });
    expect(await error()).toBeLessThan(before * 0.5);
    const a = dae.predict(x) as soma.Tensor;
    const b = dae.predict(x) as soma.Tensor;
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    const masking = denoisingAutoencoder({ inputDim: 64, hiddenUnits: [16], latentDim: 4, noise: 'masking' });
    expect(masking.noise.className).toBe('Dropout');
    soma.dispose([x, a, b]);
    dae.dispose();
    masking.dispose();
  }, 120_000);

  it('DCGAN: the alternating loop trains both networks (28×28, as Keras/PyTorch recipes)', async () => {
    await soma.setBackend(backend);
    soma.setRandomSeed(4);
    const { generator, discriminator, combined } = dcgan({ imageShape: [1, 28, 28], latentDim: 8, filters: 4 });
    discriminator.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    discriminator.trainable = false;
    combined.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const real = soma.tidy(() => strokes(8, 6).reshape([8, 1, 8, 8]).pad([[0, 0], [0, 0], [10, 10], [10, 10]]).mul(2).sub(1));
    const g0 = Array.from(generator.trainableWeights[0].dataSync());
    let dLoss = 0;
    let gLoss = 0;
    for (let step = 0; step < 3; step++) {
      const noise = soma.randomNormal([8, 8]);
      const fake = generator.predict(noise) as soma.Tensor;
      expect(fake.shape).toEqual([8, 1, 28, 28]);
      const xs = soma.concat([real, fake]);
      const ys = soma.concat([soma.ones([8, 1]), soma.zeros([8, 1])]);
      dLoss = (await discriminator.trainOnBatch(xs, ys)).loss;
      const d = Array.from(discriminator.weights[0].dataSync());
      gLoss = (await combined.trainOnBatch(noise, soma.ones([8, 1]))).loss;
      expect(Array.from(discriminator.weights[0].dataSync())).toEqual(d);
      soma.dispose([noise, fake, xs, ys]);
    }
    expect(Number.isFinite(dLoss) && Number.isFinite(gLoss)).toBe(true);
    expect(Array.from(generator.trainableWeights[0].dataSync())).not.toEqual(g0);
    soma.dispose(real);
    combined.dispose();
  }, 120_000);

  it("alexnet({ classifier: 'cifar' }) takes a training step", async () => {
    await soma.setBackend(backend);
    soma.setRandomSeed(5);
    const net = alexnet({ classifier: 'cifar', inputShape: [3, 32, 32], numClasses: 10 });
    const x = soma.randomNormal([2, 3, 32, 32], { seed: 1 });
    const y = soma.tensor([3, 7], [2], 'int32');
    const before = Array.from(net.trainableWeights[0].dataSync());
    net.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const h = await net.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Number.isFinite((h.history.loss as number[])[0])).toBe(true);
    expect(Array.from(net.trainableWeights[0].dataSync())).not.toEqual(before);
    soma.dispose([x, y]);
    net.dispose();
  }, 60_000);
});

describe('the classic models export to ONNX: onnxruntime-node gives the same outputs', () => {
  const cases: [string, () => LayersModel, number[]][] = [
    ['alexnet (torchvision layout, 2 classes, 224×224)', () => alexnet({ numClasses: 2 }), [1, 3, 224, 224]],
    ["alexnet({ classifier: 'cifar' })", () => alexnet({ classifier: 'cifar', inputShape: [3, 32, 32], numClasses: 10 }), [2, 3, 32, 32]],
    ['variationalAutoencoder (dense)', () => variationalAutoencoder({ inputShape: [16], hiddenUnits: [8], latentDim: 2 }), [3, 16]],
    ["variationalAutoencoder({ architecture: 'conv' })", () => variationalAutoencoder({ architecture: 'conv', inputShape: [1, 8, 8], filters: [4, 8], hiddenUnits: [8] }), [2, 1, 8, 8]],
    ['variationalAutoencoder encoder (two outputs: mean and logVar)', () => variationalAutoencoder({ inputShape: [16], hiddenUnits: [8], latentDim: 2 }).encoder, [3, 16]],
    ['denoisingAutoencoder', () => denoisingAutoencoder({ inputDim: 16, hiddenUnits: [8], latentDim: 3 }), [3, 16]],
    ['dcgan generator (3×32×32)', () => dcgan({ imageShape: [3, 32, 32], latentDim: 8, filters: 4 }).generator, [2, 8]],
    ['dcgan discriminator (3×32×32)', () => dcgan({ imageShape: [3, 32, 32], latentDim: 8, filters: 4 }).discriminator, [2, 3, 32, 32]],
    ['dcgan generator (1×28×28)', () => dcgan({ latentDim: 8, filters: 4 }).generator, [2, 8]],
  ];
  it.each(cases)('%s', async (_, make, shape) => {
    soma.setRandomSeed(6);
    const model = make();
    const x = soma.randomUniform(shape, { seed: 3 });
    const expected = [model.predict(x)].flat() as soma.Tensor[];
    const session = await ort.InferenceSession.create(await exportOnnx(model));
    const outputs = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.dataSync()), shape) });
    expect(session.outputNames.length).toBe(expected.length);
    session.outputNames.forEach((name, i) => {
      expect(maxDiff(outputs[name].data as Float32Array, expected[i].dataSync())).toBeLessThan(1e-4);
    });
    soma.dispose([x, expected]);
    model.dispose();
  }, 120_000);
});

describe('bad options name the model and the option', () => {
  it('alexnet, dcgan, denoisingAutoencoder', () => {
    expect(() => alexnet({ inputShape: [3, 32, 32] })).toThrow(/alexnet: the 'imagenet' classifier needs inputs whose features are a multiple of 6×6.*classifier: 'cifar'/);
    expect(() => alexnet({ classifier: 'cifar' })).toThrow(/alexnet: the 'cifar' classifier needs 32×32 inputs/);
    expect(() => dcgan({ imageShape: [3, 30, 30] })).toThrow(/dcgan: imageShape must be square with a side of 4·2\^k/);
    expect(() => denoisingAutoencoder({ noise: 'salt' as never })).toThrow(/denoisingAutoencoder: noise must be 'gaussian' or 'masking'/);
    expect(() => denoisingAutoencoder({ noise: 'masking', noiseLevel: 1 })).toThrow(/a masking noiseLevel is a probability in \[0, 1\), got 1/);
    // The noise layers are layers of their own, usable in any model.
    const net = sequential([layers.gaussianNoise({ inputShape: [3], stddev: 0.1 }), layers.gaussianDropout({ rate: 0.2 }), layers.dense({ units: 1 })]);
    expect(() => layers.gaussianNoise({ stddev: -1 })).toThrow(/stddev must be a finite number >= 0, got -1/);
    expect(() => layers.gaussianDropout({ rate: 1 })).toThrow(/gaussian_dropout_\d+: rate must be .*got 1/);
    net.dispose();
  });
});
