// The data issue's figure: loading the bundled MNIST digits and one epoch of batching 8,000 of
// them at batch 64, beside one LeNet-5 training epoch over the same 8,000 on the cpu backend.
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { Dataset, datasets } from '@soma/data';
import { BATCH, somaLenet } from './lenet.mjs';

await soma.setBackend('cpu');
let t = performance.now();
const { train, test } = await datasets.loadMnistDigits({ seed: 1 });
const loadMs = performance.now() - t;

const epoch = Dataset.fromTensors({ xs: train.x, ys: train.y }).shuffle(Infinity, { seed: 1 }).batch(BATCH).prefetch(2);
t = performance.now();
let batches = 0;
for await (const b of epoch) {
  soma.dispose(b);
  batches++;
}
const batchMs = performance.now() - t;

const net = somaLenet();
for (let i = 0; i < 3; i++) await net.step();
const steps = 10;
t = performance.now();
for (let i = 0; i < steps; i++) await net.step();
const stepMs = (performance.now() - t) / steps;
net.dispose();
const lenetEpochMs = stepMs * Math.ceil(train.x.shape[0] / BATCH);
soma.dispose([train, test]);

console.log(`load 10,000 bundled digits: ${loadMs.toFixed(0)} ms`);
console.log(`one epoch of shuffle + batch(${BATCH}) + prefetch over ${batches} batches (8,000 digits): ${batchMs.toFixed(0)} ms`);
console.log(`one LeNet-5 training epoch over the same 8,000 (from ${steps} timed steps): ${lenetEpochMs.toFixed(0)} ms`);
console.log(`batching is ${((batchMs / lenetEpochMs) * 100).toFixed(1)}% of a training epoch; loading ${((loadMs / lenetEpochMs) * 100).toFixed(1)}%`);
