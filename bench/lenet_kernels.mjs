// Where a LeNet-5 training step spends its time, kernel by kernel, from soma.profile.
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { somaLenet } from './src/lenet.mjs';

await soma.setBackend('cpu');
const m = somaLenet();
for (let i = 0; i < 30; i++) await m.step();
const n = 10;
// The same steps unprofiled and profiled, alternated five times (medians): profile runs the same
// (fused) kernels, so the two should agree; alternating keeps a noisy machine's drift out of the ratio.
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const plain = [];
const profiled = [];
let info;
for (let round = 0; round < 5; round++) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await m.step();
  plain.push((performance.now() - t0) / n);
  info = await soma.profile(async () => {
    for (let i = 0; i < n; i++) await m.step();
  });
  profiled.push(info.wallMs / n);
}
const plainStep = median(plain);
const step = median(profiled);
const inKernels = info.kernelMs / n;
console.log(`unprofiled step ${plainStep.toFixed(1)} ms; profiled step ${step.toFixed(1)} ms (${(step / plainStep).toFixed(2)}× the unprofiled step)`);
console.log(`step ${step.toFixed(1)} ms, in kernels ${inKernels.toFixed(1)} ms, outside ${(step - inKernels).toFixed(1)} ms; peak ${(info.peakBytes / 2 ** 20).toFixed(1)} MB`);
console.log(soma.formatProfile(info.kernels, { per: n, top: 18 }));
