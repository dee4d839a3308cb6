// Where a CIFAR ResNet-20 training step (batch 64, Adam) spends its time, kernel by kernel, from
// soma.profile: `node resnet20_kernels.mjs [cpu|native] [steps]`.
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { cifarResnet } from '@soma/zoo';
import { adam } from '@soma/optimizers';

const backend = process.argv[2] ?? 'cpu';
const n = Number(process.argv[3] ?? 5);
await soma.setBackend(backend);
const m = cifarResnet({ depth: 20, numClasses: 10 });
m.compile({ optimizer: adam(), loss: "sparseCategoricalCrossentropy", runEagerly: process.argv[4] === "eager" });
const x = soma.randomNormal([64, 3, 32, 32], { seed: 1 });
const y = soma.tensor(Array.from({ length: 64 }, (_, i) => i % 10), [64], 'int32');
for (let i = 0; i < 4; i++) await m.trainOnBatch(x, y);
const t0 = performance.now();
for (let i = 0; i < n; i++) await m.trainOnBatch(x, y);
const plainStep = (performance.now() - t0) / n;
const info = await soma.profile(async () => {
  for (let i = 0; i < n; i++) await m.trainOnBatch(x, y);
});
const step = info.wallMs / n;
console.log(`${backend}: unprofiled step ${plainStep.toFixed(1)} ms (${((64 * 1000) / plainStep).toFixed(0)} samples/s); profiled ${step.toFixed(1)} ms, in kernels ${(info.kernelMs / n).toFixed(1)} ms; peak ${(info.peakBytes / 2 ** 20).toFixed(1)} MB`);
console.log(soma.formatProfile(info.kernels, { per: n, top: 25 }));
