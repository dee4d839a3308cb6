// A small GAN with its alternating training loop, as Keras's recipe writes it: the generator
// learns to draw points on a ring of radius 1 (a 2-D "dataset" anyone can check by eye).
//   node examples/gan.mjs            (after a build; prints the mean radius of generated points)
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { adam } from '@soma/optimizers';
import { gan } from '@soma/zoo';

export async function trainRingGan({ steps = 3000, batch = 64, seed = 1, log = () => {} } = {}) {
  soma.setRandomSeed(seed);
  const latentDim = 4;
  const { generator, discriminator, combined } = gan({ latentDim, dataDim: 2, hiddenUnits: 32, outputActivation: 'tanh' });
  // 1. The discriminator is compiled (and so trained) on its own...
  discriminator.compile({ optimizer: adam({ learningRate: 2e-3, beta1: 0.5 }), loss: 'binaryCrossentropy' });
  // 2. ...and frozen inside the combined model, which trains only the generator (Keras's rule:
  //    what is trainable is fixed when a model is compiled).
  discriminator.trainable = false;
  combined.compile({ optimizer: adam({ learningRate: 2e-3, beta1: 0.5 }), loss: 'binaryCrossentropy' });
  const rng = new soma.Prng(seed);
  const realBatch = () => {
    const pts = new Float32Array(batch * 2);
    for (let i = 0; i < batch; i++) {
      const a = 2 * Math.PI * rng.nextFloat();
      pts[2 * i] = 0.8 * Math.cos(a);
      pts[2 * i + 1] = 0.8 * Math.sin(a);
    }
    return soma.tensor(pts, [batch, 2]);
  };
  const ones = soma.ones([batch, 1]);
  const zeros = soma.zeros([batch, 1]);
  for (let step = 0; step < steps; step++) {
    const real = realBatch();
    const noise = soma.randomNormal([batch, latentDim]);
    const fake = generator.predict(noise);
    const d1 = await discriminator.trainOnBatch(real, ones);
    const d2 = await discriminator.trainOnBatch(fake, zeros);
    const g = await combined.trainOnBatch(soma.randomNormal([batch, latentDim]), ones);
    if (step % 250 === 0) log(step, (d1.loss + d2.loss) / 2, g.loss);
    soma.dispose([real, noise, fake]);
  }
  const samples = generator.predict(soma.randomNormal([500, latentDim], { seed: 9 }));
  const radius = soma.tidy(() => samples.square().sum(1).sqrt());
  const mean = soma.tidy(() => radius.mean().dataSync()[0]);
  const spread = soma.tidy(() => radius.sub(mean).abs().mean().dataSync()[0]);
  // How evenly the points go round: the fraction of 8 angular sectors that get at least 5% of them.
  const xy = samples.dataSync();
  const sectors = new Array(8).fill(0);
  for (let i = 0; i < 500; i++) sectors[Math.floor(((Math.atan2(xy[2 * i + 1], xy[2 * i]) + Math.PI) / (2 * Math.PI)) * 8) % 8]++;
  soma.dispose([samples, radius, ones, zeros]);
  return { meanRadius: mean, radiusSpread: spread, sectorsCovered: sectors.filter((c) => c >= 25).length / 8 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await trainRingGan({ log: (step, d, g) => console.log(`step ${step}: discriminator loss ${d.toFixed(3)}, generator loss ${g.toFixed(3)}`) });
  console.log(`generated points: mean radius ${r.meanRadius.toFixed(3)} (real: 0.8), mean distance from it ${r.radiusSpread.toFixed(3)}, ${(r.sectorsCovered * 8).toFixed(0)}/8 sectors covered`);
}
