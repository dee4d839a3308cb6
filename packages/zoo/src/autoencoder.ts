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
