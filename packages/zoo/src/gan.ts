import { layers, sequential, type Sequential } from '@soma/layers';
import { modelOptions, positiveInt } from './options.js';

/** Options of `gan`: latent size, data size, hidden units of generator and discriminator, and the generator's output activation. */
export interface GanOptions {
  /** Size of the noise vector the generator reads. */
  latentDim: number;
  /** Features of one real sample (a flattened image: 784 for MNIST). */
  dataDim: number;
  hiddenUnits: number;
  /** 'tanh' for data scaled to [−1, 1] (the usual GAN setup), 'sigmoid' for [0, 1]. */
  outputActivation: 'tanh' | 'sigmoid';
}

/**
 * A small GAN (Goodfellow et al. 2014) as Keras's recipe builds it: the generator (noise →
 * sample), the discriminator (sample → probability it is real, compiled on its own) and the
 * combined model (generator then a frozen discriminator) that trains the generator. The
 * alternating loop is examples/gan.mjs.
 */
export function gan(options?: Partial<GanOptions>): { generator: Sequential; discriminator: Sequential; combined: Sequential } {
  const o = modelOptions<GanOptions>('gan', options, { latentDim: 16, dataDim: 784, hiddenUnits: 128, outputActivation: 'tanh' });
  const latent = positiveInt('gan', 'latentDim', o.latentDim);
  const dataDim = positiveInt('gan', 'dataDim', o.dataDim);
  const hidden = positiveInt('gan', 'hiddenUnits', o.hiddenUnits);
  const generator = sequential({
    name: 'generator',
    layers: [layers.dense({ inputShape: [latent], units: hidden }), layers.leakyRelu({ alpha: 0.2 }), layers.dense({ units: dataDim, activation: o.outputActivation })],
  });
  const discriminator = sequential({
    name: 'discriminator',
    layers: [layers.dense({ inputShape: [dataDim], units: hidden }), layers.leakyRelu({ alpha: 0.2 }), layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  const combined = sequential({ name: 'gan', layers: [generator, discriminator] });
  return { generator, discriminator, combined };
}
