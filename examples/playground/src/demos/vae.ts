import * as soma from '@soma/core';
import { variationalAutoencoder, type VariationalAutoencoder } from '@soma/zoo';
import { loadDigits, type Demo, type Digits } from '../demo.js';
import { clear, imageGrid, scatter } from '../draw.js';

/** A VAE with a 2-D latent space on the bundled digits: the digits' codes, and digits decoded from a grid of codes. */
export function vaeDemo(): Demo {
  let vae: VariationalAutoencoder;
  let data: Digits;
  let cursor = 0;
  const batch = 64;
  let showSamples = false;
  return {
    title: 'Variational autoencoder',
    description: 'A dense VAE (784-256-2) maximizes the ELBO on the bundled digits. Left: the posterior means of 500 digits, coloured by digit; every other redraw shows digits decoded from a 6×6 grid of latent codes.',
    async setup() {
      data = await loadDigits();
      vae = variationalAutoencoder({ inputShape: [784], hiddenUnits: [256], latentDim: 2 });
      vae.compile({ optimizer: 'adam', loss: vae.elboLoss });
      cursor = 0;
    },
    async step() {
      const start = cursor;
      cursor = (cursor + batch) % (data.count - batch);
      const x = soma.tensor(data.images.subarray(start * 784, (start + batch) * 784), [batch, 784]);
      try {
        return { loss: (await vae.trainOnBatch(x, x)).loss };
      } finally {
        x.dispose();
      }
    },
    async render({ canvas }) {
      clear(canvas);
      showSamples = !showSamples;
      if (showSamples) {
        const codes = soma.tidy(() => {
          const axis = [-2, -1.2, -0.4, 0.4, 1.2, 2];
          return soma.tensor(axis.flatMap((b) => axis.flatMap((a) => [a, -b])), [36, 2]);
        });
        const images = vae.decode(codes);
        imageGrid(canvas, await images.data(), 36, 28);
        soma.dispose([codes, images]);
        return;
      }
      const n = 500;
      const x = soma.tensor(data.images.subarray(0, n * 784), [n, 784]);
      const { mean, logVar } = vae.encode(x);
      scatter(canvas, await mean.data(), data.labels.subarray(0, n));
      soma.dispose([x, mean, logVar]);
    },
    dispose() {
      vae.dispose();
    },
  };
}
