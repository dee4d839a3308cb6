import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import {
  input, layers, model, registerLayerClass, sequential, Layer,
  type CallArgs, type LayerArgs, type LayerInput, type LayerShape, type LayersModel, type LossFn, type Sequential, type SymbolicTensor,
} from '@soma/layers';
import { modelOptions, positiveInt } from './options.js';

/**
 * The reparameterization trick (Kingma & Welling 2014): z = mean + exp(logVar / 2)·ε with
 * ε ~ N(0, I), so the sample is differentiable in mean and logVar. At inference z is the mean, so
 * predict reconstructs deterministically.
 */
export class Sampling extends Layer<'single'> {
  readonly className = 'Sampling';
  constructor(args: LayerArgs = {}) {
    super(args, 'sampling');
  }
  call(inputs: LayerInput, args: CallArgs): Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`${this.name}: expects [mean, logVar], got ${Array.isArray(inputs) ? `${inputs.length} tensors` : 'one tensor'}`);
    const [mean, logVar] = inputs;
    if (!args.training) return mean.reshape(mean.shape);
    return soma.tidy(() => mean.add(logVar.mul(0.5).exp().mul(soma.randomNormal(mean.shape))));
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shapes = inputShape as LayerShape[];
    if (shapes.length !== 2 || shapes[0].join() !== shapes[1].join()) throw new Error(`${this.name}: mean and logVar must have the same shape, got ${JSON.stringify(shapes)}`);
    return shapes[0];
  }
}
registerLayerClass('Sampling', Sampling);

/**
 * KL(q(z|x) ‖ N(0, I)) per sample for a diagonal Gaussian posterior:
 * −½ Σ (1 + logVar − mean² − exp(logVar)) over the latent axis.
 */
export function gaussianKl(mean: Tensor, logVar: Tensor): Tensor {
  return soma.tidy(() => logVar.add(1).sub(mean.square()).sub(logVar.exp()).sum(-1).mul(-0.5));
}

/** How a VAE scores its reconstruction, summed over every feature of a sample. */
export type ReconstructionLoss = 'binaryCrossentropy' | 'meanSquaredError';

/**
 * The negative ELBO per sample: the reconstruction loss summed over the sample's features plus
 * β·KL(q(z|x) ‖ N(0, I)). Binary cross-entropy clips probabilities to [1e-7, 1 − 1e-7] as Keras.
 */
export function negativeElbo(x: Tensor, reconstruction: Tensor, mean: Tensor, logVar: Tensor, options: { reconstructionLoss?: ReconstructionLoss; beta?: number } = {}): Tensor {
  soma.checkOptions('negativeElbo', options, ['reconstructionLoss', 'beta']);
  const kind = options.reconstructionLoss ?? 'binaryCrossentropy';
  const beta = options.beta ?? 1;
  if (x.shape.join() !== reconstruction.shape.join()) throw new Error(`negativeElbo: targets [${x.shape.join(', ')}] and reconstructions [${reconstruction.shape.join(', ')}] must have the same shape`);
  if (mean.shape[0] !== x.shape[0]) throw new Error(`negativeElbo: ${x.shape[0]} targets but a posterior for ${mean.shape[0]} samples`);
  return soma.tidy(() => {
    const flat = (t: Tensor) => t.reshape([t.shape[0], -1]);
    const y = flat(x.dtype === 'float32' ? x : x.cast('float32'));
    const p = flat(reconstruction);
    let perFeature: Tensor;
    if (kind === 'binaryCrossentropy') {
      const q = soma.clip(p, 1e-7, 1 - 1e-7);
      perFeature = y.mul(q.log()).add(y.neg().add(1).mul(q.neg().add(1).log())).neg();
    } else if (kind === 'meanSquaredError') {
      perFeature = p.sub(y).square();
    } else {
      throw new Error(`negativeElbo: reconstructionLoss must be 'binaryCrossentropy' or 'meanSquaredError', got ${JSON.stringify(kind)}`);
    }
    return perFeature.sum(-1).add(gaussianKl(mean, logVar).mul(beta));
  });
}

/** Options of `variationalAutoencoder`. */
export interface VariationalAutoencoderOptions {
  /** 'dense' (Kingma & Welling's MLP, PyTorch's example) or 'conv' (Keras's example: strided convolutions down, transposed convolutions up). */
  architecture: 'dense' | 'conv';
  /** One sample's shape: [features] for 'dense', [channels, height, width] (height and width divisible by 4) for 'conv'. */
  inputShape: number[];
  latentDim: number;
  /** Widths of the dense hidden layers between the input (or the convolutions) and the latent code; a dense decoder mirrors them, a conv decoder projects z straight to the feature map (as Keras's example). */
  hiddenUnits: number[];
  /** 'conv': the filters of the two stride-2 convolutions. */
  filters: [number, number];
  /** 'binaryCrossentropy' for data in [0, 1] (sigmoid output), 'meanSquaredError' for real-valued data (linear output). */
  reconstructionLoss: ReconstructionLoss;
  /** Weight of the KL term (β-VAE; 1 is the ELBO). */
  beta: number;
  name: string;
}

/** A VAE: fit it on (x, x) with `elboLoss`; encode, decode and sample with its halves. */
export type VariationalAutoencoder = LayersModel<'single'> & {
  /** x → [mean, logVar] of q(z|x). */
  readonly encoder: LayersModel;
  /** z → reconstruction. */
  readonly decoder: Sequential;
  /** The negative ELBO per sample (reconstruction summed over features + β·KL of the encoder's posterior of the targets, which are the inputs) as a loss for compile/fit/evaluate. */
  readonly elboLoss: LossFn;
  /** The posterior's mean and log-variance for a batch of inputs. */
  encode(x: Tensor): { mean: Tensor; logVar: Tensor };
  /** Reconstructions (or new samples) from latent codes [batch, latentDim]. */
  decode(z: Tensor): Tensor;
  /** n new samples: the decoder on z ~ N(0, I). */
  sample(n: number, options?: { seed?: number }): Tensor;
};

/**
 * A variational autoencoder (Kingma & Welling 2014): the encoder gives the mean and log-variance
 * of q(z|x), the `Sampling` layer draws z by the reparameterization trick, the decoder maps z back.
 * `elboLoss` is the negative ELBO, so `fit(x, x)` maximizes the ELBO.
 */
export function variationalAutoencoder(options?: Partial<VariationalAutoencoderOptions>): VariationalAutoencoder {
  const fn = 'variationalAutoencoder';
  const architecture = options?.architecture ?? 'dense';
  const o = modelOptions<VariationalAutoencoderOptions>(fn, options, {
    architecture,
    inputShape: architecture === 'conv' ? [1, 28, 28] : [784],
    latentDim: architecture === 'conv' ? 2 : 20,
    hiddenUnits: architecture === 'conv' ? [16] : [400],
    filters: [32, 64],
    reconstructionLoss: 'binaryCrossentropy',
    beta: 1,
    name: 'vae',
  });
  if (o.architecture !== 'dense' && o.architecture !== 'conv') throw new Error(`${fn}: architecture must be 'dense' or 'conv', got ${JSON.stringify(o.architecture)}`);
  if (o.reconstructionLoss !== 'binaryCrossentropy' && o.reconstructionLoss !== 'meanSquaredError') throw new Error(`${fn}: reconstructionLoss must be 'binaryCrossentropy' or 'meanSquaredError', got ${JSON.stringify(o.reconstructionLoss)}`);
  const latent = positiveInt(fn, 'latentDim', o.latentDim);
  const hidden = o.hiddenUnits.map((u, i) => positiveInt(fn, `hiddenUnits[${i}]`, u));
  o.inputShape.forEach((d, i) => positiveInt(fn, `inputShape[${i}]`, d));
  const outActivation = o.reconstructionLoss === 'binaryCrossentropy' ? 'sigmoid' : 'linear';

  const x = input({ shape: o.inputShape, name: `${o.name}_input` });
  let h: SymbolicTensor = x;
  let decoderLayers: Layer[];
  if (o.architecture === 'dense') {
    if (o.inputShape.length !== 1) throw new Error(`${fn}: the 'dense' architecture takes inputShape [features], got [${o.inputShape.join(', ')}]; use architecture: 'conv' for images`);
    for (const u of hidden) h = layers.dense({ units: u, activation: 'relu' }).apply(h) as SymbolicTensor;
    decoderLayers = [...[...hidden].reverse(), o.inputShape[0]].map((u, i) =>
      layers.dense({ units: u, activation: i === hidden.length ? outActivation : 'relu', ...(i === 0 ? { inputShape: [latent] } : {}) }));
  } else {
    if (o.inputShape.length !== 3 || o.inputShape[1] % 4 || o.inputShape[2] % 4) throw new Error(`${fn}: the 'conv' architecture takes inputShape [channels, height, width] with height and width divisible by 4, got [${o.inputShape.join(', ')}]`);
    const [c, ih, iw] = o.inputShape;
    const [f1, f2] = o.filters.map((f, i) => positiveInt(fn, `filters[${i}]`, f));
    h = layers.conv2d({ filters: f1, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(h) as SymbolicTensor;
    h = layers.conv2d({ filters: f2, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(h) as SymbolicTensor;
    h = layers.flatten().apply(h) as SymbolicTensor;
    for (const u of hidden) h = layers.dense({ units: u, activation: 'relu' }).apply(h) as SymbolicTensor;
    const [fh, fw] = [ih / 4, iw / 4];
    // As Keras's example: the decoder projects z straight to the feature map.
    decoderLayers = [
      layers.dense({ units: f2 * fh * fw, activation: 'relu', inputShape: [latent] }),
      layers.reshape({ targetShape: [f2, fh, fw] }),
      layers.conv2dTranspose({ filters: f2, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      layers.conv2dTranspose({ filters: f1, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      layers.conv2dTranspose({ filters: c, kernelSize: 3, padding: 'same', activation: outActivation }),
    ];
  }
  const mean = layers.dense({ units: latent, name: `${o.name}_z_mean` }).apply(h) as SymbolicTensor;
  const logVar = layers.dense({ units: latent, name: `${o.name}_z_log_var` }).apply(h) as SymbolicTensor;
  const z = new Sampling({ name: `${o.name}_sampling` }).apply([mean, logVar]) as SymbolicTensor;
  const decoder = sequential({ name: `${o.name}_decoder`, layers: decoderLayers });
  const reconstruction = decoder.apply(z) as SymbolicTensor;
  const encoder = model({ inputs: x, outputs: [mean, logVar], name: `${o.name}_encoder` });
  const vae = model({ inputs: x, outputs: reconstruction, name: o.name });

  const lossOptions = { reconstructionLoss: o.reconstructionLoss, beta: o.beta };
  // The KL term comes from the encoder's posterior of the targets, which for a VAE are its inputs
  // (fit(x, x)). Recomputing it costs one more encoder pass per step, but holds wherever the loss
  // runs: eagerly, in a traced training step, or after a compiled forward pass in evaluate.
  const elboLoss: LossFn = (yTrue, yPred) => {
    if (yTrue.rank !== o.inputShape.length + 1 || o.inputShape.some((d, i) => yTrue.shape[i + 1] !== d)) {
      throw new Error(`${o.name}.elboLoss: the targets are the VAE's inputs, [batch, ${o.inputShape.join(', ')}], got [${yTrue.shape.join(', ')}] (fit a VAE on (x, x))`);
    }
    return soma.tidy(() => {
      const [mean, logVar] = encoder.apply(yTrue, { training: true }) as Tensor[];
      return negativeElbo(yTrue, yPred, mean, logVar, lossOptions);
    });
  };
  return Object.assign(vae, {
    encoder,
    decoder,
    elboLoss,
    encode(t: Tensor) {
      const [m, lv] = encoder.predict(t) as Tensor[];
      return { mean: m, logVar: lv };
    },
    decode(t: Tensor) {
      return decoder.predict(t) as Tensor;
    },
    sample(n: number, sampleOptions: { seed?: number } = {}) {
      soma.checkOptions(`${o.name}.sample`, sampleOptions, ['seed']);
      positiveInt(`${o.name}.sample`, 'n', n);
      const codes = soma.randomNormal([n, latent], { seed: sampleOptions.seed });
      try {
        return decoder.predict(codes) as Tensor;
      } finally {
        codes.dispose();
      }
    },
  });
}
