// Where a LeNet-5 training step spends its time, kernel by kernel, from soma.profile.
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { somaLenet } from './src/lenet.mjs';

await soma.setBackend('cpu');
const m = somaLenet();
for (let i = 0; i < 30; i++) await m.step();
const n = 10;
// The same steps unprofiled first: profile runs the same (fused) kernels, so the two should agree.
const t0 = performance.now();
for (let i = 0; i < n; i++) await m.step();
const plainStep = (performance.now() - t0) / n;
const info = await soma.profile(async () => {
  for (let i = 0; i < n; i++) await m.step();
});
const step = info.wallMs / n;
const inKernels = info.kernelMs / n;
console.log(`unprofiled step ${plainStep.toFixed(1)} ms; profiled step ${step.toFixed(1)} ms (${(step / plainStep).toFixed(2)}× the unprofiled step)`);
console.log(`step ${step.toFixed(1)} ms, in kernels ${inKernels.toFixed(1)} ms, outside ${(step - inKernels).toFixed(1)} ms; peak ${(info.peakBytes / 2 ** 20).toFixed(1)} MB`);
console.log(soma.formatProfile(info.kernels, { per: n, top: 18 }));
