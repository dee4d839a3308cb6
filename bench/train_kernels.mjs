// Where a training step of one of bench/src/train.mjs's workloads spends its time, kernel by
// kernel, from soma.profile: `node train_kernels.mjs resnet20|densenet40|vgg11|lstm [cpu|native] [steps] [eager]`.
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { adam } from '@soma/optimizers';
import { WORKLOADS, batchOf } from './src/train_workloads.mjs';

const [name = 'resnet20', backend = 'cpu', steps = '5', mode] = process.argv.slice(2);
const w = WORKLOADS[name];
if (!w) throw new Error(`train_kernels.mjs: unknown workload '${name}' (${Object.keys(WORKLOADS).join(', ')})`);
const n = Number(steps);
await soma.setBackend(backend);
const m = w.build();
m.compile({ optimizer: adam(), loss: w.loss(), runEagerly: mode === 'eager' });
const [x, y] = batchOf(w);
for (let i = 0; i < 4; i++) await m.trainOnBatch(x, y);
const t0 = performance.now();
for (let i = 0; i < n; i++) await m.trainOnBatch(x, y);
const plainStep = (performance.now() - t0) / n;
const info = await soma.profile(async () => {
  for (let i = 0; i < n; i++) await m.trainOnBatch(x, y);
});
const step = info.wallMs / n;
console.log(`${name} on ${backend}${mode === 'eager' ? ' (eager)' : ''}: unprofiled step ${plainStep.toFixed(1)} ms (${((w.batch * 1000) / plainStep).toFixed(0)} samples/s); profiled ${step.toFixed(1)} ms, in kernels ${(info.kernelMs / n).toFixed(1)} ms; peak ${(info.peakBytes / 2 ** 20).toFixed(1)} MB`);
console.log(soma.formatProfile(info.kernels, { per: n, top: 25 }));
