import * as soma from '@soma/core';
import type { Sequential } from '@soma/layers';
import { dcgan } from '@soma/zoo';
import { loadDigits, type Demo, type Digits } from '../demo.js';
import { imageGrid } from '../draw.js';

/** DCGAN on the bundled digits: the alternating loop, with samples from fixed noise redrawn as it trains. */
export function ganDemo(): Demo {
  let generator: Sequential;
  let discriminator: Sequential;
  let combined: Sequential;
  let data: Digits;
  let fixedNoise: soma.Tensor;
  let cursor = 0;
  const batch = 32;
  const latent = 16;
  return {
    title: 'DCGAN',
    description: 'Radford et al.\'s DCGAN (small: 8 filters) on the bundled digits. Each step trains the discriminator on real and generated digits, then the generator through the frozen discriminator; the loss plotted is the discriminator\'s. The grid shows the generator\'s digits for 16 fixed noise vectors.',
    async setup() {
      data = await loadDigits();
      ({ generator, discriminator, combined } = dcgan({ imageShape: [1, 28, 28], latentDim: latent, filters: 8 }));
      discriminator.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
      discriminator.trainable = false;
      combined.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
      fixedNoise = soma.randomNormal([16, latent], { seed: 1 });
      cursor = 0;
    },
    async step() {
      const start = cursor;
      cursor = (cursor + batch) % (data.count - batch);
      // Real digits scaled to the generator's tanh range [-1, 1].
      const real = soma.tidy(() => soma.tensor(data.images.subarray(start * 784, (start + batch) * 784), [batch, 1, 28, 28]).mul(2).sub(1));
      const noise = soma.randomNormal([batch, latent]);
      const fake = generator.predict(noise) as soma.Tensor;
      const xs = soma.concat([real, fake]);
      const ys = soma.tidy(() => soma.concat([soma.ones([batch, 1]), soma.zeros([batch, 1])]));
      const ones = soma.ones([batch, 1]);
      try {
        const d = await discriminator.trainOnBatch(xs, ys);
        await combined.trainOnBatch(noise, ones);
        return { loss: d.loss };
      } finally {
        soma.dispose([real, noise, fake, xs, ys, ones]);
      }
    },
    async render({ canvas }) {
      const samples = generator.predict(fixedNoise) as soma.Tensor;
      imageGrid(canvas, await samples.data(), 16, 28, -1, 1);
      samples.dispose();
    },
    dispose() {
      fixedNoise.dispose();
      // The combined model holds both networks and its own optimizer state: disposing it frees all three.
      combined.dispose();
    },
  };
}
