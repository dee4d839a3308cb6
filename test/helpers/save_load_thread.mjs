// A worker thread that saves a model to a folder and loads the folder back, over and over, while
// another thread of the same process does the same: saves of two threads must never collide.
import { parentPort, workerData } from 'node:worker_threads';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { layers, loadModel, sequential } from '@soma/layers';

const { dir, rounds, value } = workerData;
const m = sequential([layers.dense({ units: 64, inputShape: [32], name: 'fc' })]);
m.setWeights(m.weights.map((w) => soma.fill(w.shape, value)));
const failures = [];
for (let i = 0; i < rounds; i++) {
  try {
    await m.save(dir);
    (await loadModel(dir)).dispose();
  } catch (e) {
    failures.push(e.message);
  }
}
parentPort.postMessage(failures);
