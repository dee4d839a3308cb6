// One CIFAR ResNet-20 training step (batch 64, Adam) on a backend: `node resnet20_step.mjs native`.
// Prints each step's time and the backend's counters (native: graphsCompiled / graphFallbacks).
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { cifarResnet } from '@soma/zoo';
import { adam } from '@soma/optimizers';

const backend = process.argv[2] ?? 'cpu';
const steps = Number(process.argv[3] ?? 8);
await soma.setBackend(backend);
const m = cifarResnet({ depth: 20, numClasses: 10 });
m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
const x = soma.randomNormal([64, 3, 32, 32], { seed: 1 });
const y = soma.tensor(Array.from({ length: 64 }, (_, i) => i % 10), [64], 'int32');
for (let i = 0; i < steps; i++) {
  const t = performance.now();
  await m.trainOnBatch(x, y);
  const ms = performance.now() - t;
  console.log(`${backend} step ${i}: ${ms.toFixed(0)} ms (${((64 * 1000) / ms).toFixed(0)} samples/s)`);
}
console.log(JSON.stringify(soma.memory().backends[backend]));
