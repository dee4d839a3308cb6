import { layers, sequential, type Layer, type Sequential } from '@soma/layers';
import { modelOptions, positiveInt } from './options.js';

/** An autoencoder with its two halves: fit the autoencoder on (x, x), then encode with `encoder`. */
export type Autoencoder = Sequential & { readonly encoder: Sequential; readonly decoder: Sequential };

/** Options of `denseAutoencoder`: input size, hidden sizes, latent size and output activation. */
export interface DenseAutoencoderOptions {
  inputDim: number;
  /** Hidden widths of the encoder, outside in; the decoder mirrors them. */
  hiddenUnits: number[];
  latentDim: number;
  /** 'sigmoid' for inputs in [0, 1] (images), 'linear' otherwise. */
  outputActivation: 'sigmoid' | 'linear';
  name: string;
}

function joined(name: string, encoder: Sequential, decoder: Sequential): Autoencoder {
  return Object.assign(sequential({ name, layers: [encoder, decoder] }), { encoder, decoder });
}

/** Dense autoencoder: inputDim → hiddenUnits → latentDim → mirrored hiddenUnits → inputDim. */
export function denseAutoencoder(options?: Partial<DenseAutoencoderOptions>): Autoencoder {
  const o = modelOptions<DenseAutoencoderOptions>('denseAutoencoder', options, { inputDim: 784, hiddenUnits: [128], latentDim: 32, outputActivation: 'sigmoid', name: 'autoencoder' });
  positiveInt('denseAutoencoder', 'inputDim', o.inputDim);
  positiveInt('denseAutoencoder', 'latentDim', o.latentDim);
  const dense = (units: number, activation: 'relu' | 'sigmoid' | 'linear', inputDim?: number) => layers.dense({ units, activation, ...(inputDim ? { inputShape: [inputDim] } : {}) });
  const widths = o.hiddenUnits.map((u, i) => positiveInt('denseAutoencoder', `hiddenUnits[${i}]`, u));
  const encLayers: Layer[] = [...widths, o.latentDim].map((u, i) => dense(u, i === widths.length ? 'linear' : 'relu', i === 0 ? o.inputDim : undefined));
  const decLayers: Layer[] = [...[...widths].reverse(), o.inputDim].map((u, i) => dense(u, i === widths.length ? o.outputActivation : 'relu', i === 0 ? o.latentDim : undefined));
  return joined(o.name, sequential({ name: `${o.name}_encoder`, layers: encLayers }), sequential({ name: `${o.name}_decoder`, layers: decLayers }));
}

/** Options of `denoisingAutoencoder`: a dense autoencoder's, and the corruption applied while training. */
export interface DenoisingAutoencoderOptions extends DenseAutoencoderOptions {
  /**
   * 'gaussian': add N(0, noiseLevel²) (Keras's recipe); 'masking': zero each input with
   * probability noiseLevel (Vincent et al. 2008), as dropout does (the kept inputs scaled by
   * 1/(1 − noiseLevel), so clean inputs at inference have the same mean).
   */
  noise: 'gaussian' | 'masking';
  /** The Gaussian noise's standard deviation, or the masking probability (in [0, 1)). */
  noiseLevel: number;
}

/** A denoising autoencoder: the autoencoder's halves and the noise layer in front of them. */
export type DenoisingAutoencoder = Autoencoder & { readonly noise: Layer };

/**
 * Denoising autoencoder (Vincent et al. 2008): a dense autoencoder behind a noise layer that
 * corrupts the input only while training, so `fit(x, x)` learns to reconstruct clean inputs from
 * corrupted ones; predict and the encoder see clean inputs.
 */
export function denoisingAutoencoder(options?: Partial<DenoisingAutoencoderOptions>): DenoisingAutoencoder {
  const noiseKind = options?.noise ?? 'gaussian';
  const o = modelOptions<DenoisingAutoencoderOptions>('denoisingAutoencoder', options, {
    inputDim: 784, hiddenUnits: [128], latentDim: 32, outputActivation: 'sigmoid', name: 'denoising_autoencoder', noise: noiseKind, noiseLevel: noiseKind === 'masking' ? 0.3 : 0.5,
  });
  const { noise: kind, noiseLevel, ...dense } = o;
  const inputShape = [positiveInt('denoisingAutoencoder', 'inputDim', o.inputDim)];
  let noise: Layer;
  if (kind === 'gaussian') noise = layers.gaussianNoise({ inputShape, stddev: noiseLevel });
  else if (kind === 'masking') {
    if (!(noiseLevel < 1)) throw new Error(`denoisingAutoencoder: a masking noiseLevel is a probability in [0, 1), got ${noiseLevel}`);
    noise = layers.dropout({ inputShape, rate: noiseLevel });
  } else throw new Error(`denoisingAutoencoder: noise must be 'gaussian' or 'masking', got ${JSON.stringify(kind)}`);
  const { encoder, decoder } = denseAutoencoder(dense);
  return Object.assign(sequential({ name: o.name, layers: [noise, encoder, decoder] }), { encoder, decoder, noise });
}

/** Options of `convAutoencoder`: input shape and the filters of its two stages. */
export interface ConvAutoencoderOptions {
  /** [channels, height, width]; height and width divisible by 4. */
  inputShape: [number, number, number];
  /** Filters of the two encoder convolutions (the decoder mirrors them). */
  filters: [number, number];
  name: string;
}

/** Convolutional autoencoder: two conv + 2×2 max-pool stages down, two conv + upsampling stages up, a sigmoid convolution out. */
export function convAutoencoder(options?: Partial<ConvAutoencoderOptions>): Autoencoder {
  const o = modelOptions<ConvAutoencoderOptions>('convAutoencoder', options, { inputShape: [1, 28, 28], filters: [16, 8], name: 'conv_autoencoder' });
  const [c, h, w] = o.inputShape;
  if (h % 4 || w % 4) throw new Error(`convAutoencoder: height and width must be divisible by 4, got ${h}×${w}`);
  const [f1, f2] = o.filters.map((f, i) => positiveInt('convAutoencoder', `filters[${i}]`, f));
  const conv = (filters: number, activation: 'relu' | 'sigmoid', inputShape?: number[]) => layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation, ...(inputShape ? { inputShape } : {}) });
  const encoder = sequential({ name: `${o.name}_encoder`, layers: [conv(f1, 'relu', [c, h, w]), layers.maxPool2d({ poolSize: 2 }), conv(f2, 'relu'), layers.maxPool2d({ poolSize: 2 })] });
  const decoder = sequential({
    name: `${o.name}_decoder`,
    layers: [conv(f2, 'relu', [f2, h / 4, w / 4]), layers.upSampling2d({ size: 2 }), conv(f1, 'relu'), layers.upSampling2d({ size: 2 }), conv(c, 'sigmoid')],
  });
  return joined(o.name, encoder, decoder);
}
