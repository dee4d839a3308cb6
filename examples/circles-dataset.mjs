// The circles MLP fed by a @soma/data pipeline: a stratified split, a scaler fitted on the training
// part only, per-epoch seeded shuffling, batching, prefetching. Run after a build:
//   node examples/circles-dataset.mjs
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { Dataset, datasets, scalers } from '@soma/data';
import { layers, sequential } from '@soma/layers';

soma.setRandomSeed(1); // initial weights, dropout and unseeded shuffles become reproducible
const { x, y } = datasets.makeCircles({ nSamples: 300, noise: 0.15, factor: 0.3, seed: 1 });
const all = Dataset.fromTensors({ xs: x, ys: y });
const [train, val] = await all.split([0.8, 0.2], { seed: 1, stratifyBy: (e) => e.ys.dataSync()[0] });

// Statistics come from the training split only.
const [{ xs: trainXs }] = await train.batch(train.size).toArray();
const scaler = scalers.standard().fit(trainXs);
const scale = ({ xs, ys }) => ({ xs: scaler.transform(xs), ys });

const trainBatches = train.shuffle(train.size, { seed: 2 }).batch(10).map(scale).prefetch(2);
const valBatches = val.batch(30).map(scale);

const net = sequential([
  layers.dense({ units: 20, activation: 'relu', inputShape: [2] }),
  layers.dense({ units: 1, activation: 'sigmoid' }),
]);
net.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
const history = await net.fit(trainBatches, { epochs: 60, validationData: valBatches, verbose: 2 });
const last = history.history.val_accuracy.at(-1);
console.log(`validation accuracy ${(last * 100).toFixed(1)}% (scaler mean ${scaler.serialize().offset.map((v) => v.toFixed(3)).join(', ')})`);
net.dispose();
soma.dispose([x, y, trainXs]);
