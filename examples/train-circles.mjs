// The README's main command runs this: the classic circles example through @soma/layers —
// make_circles data, a 2-20-1 MLP, summary(), fit with the progress bar, final accuracy.
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { layers, sequential } from '@soma/layers';
import { adam } from '@soma/optimizers';
import { datasets } from '@soma/data';

await soma.setBackend('cpu');
soma.setRandomSeed(1); // initial weights, dropout and unseeded shuffles become reproducible
const { x, y } = datasets.makeCircles({ nSamples: 100, noise: 0.15, factor: 0.3, seed: 1 });

const net = sequential([
  layers.dense({ units: 20, activation: 'relu', inputShape: [2] }),
  layers.dense({ units: 1, activation: 'sigmoid' }),
]);
net.summary();
net.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
await net.fit(x, y, { batchSize: 10, epochs: 100, shuffle: true, seed: 1 });

const { loss, accuracy } = await net.evaluate(x, y);
console.log(`\nFinal training loss ${loss.toFixed(4)}, accuracy ${(accuracy * 100).toFixed(1)}%`);
net.dispose();
soma.dispose([x, y]);
