// The cpu backend's 3×3 stride-1 convolutions with and without Winograd F(2×2, 3×3), kernel by
// kernel (forward, input gradient, filter gradient) on ResNet/VGG shapes, then whole training
// steps: `node conv_algorithms.mjs [resnet20|vgg11|densenet40 ...]`. Both run in this process,
// interleaved, so the ratio holds on a noisy machine better than two separate runs.
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';
import { adam } from '@soma/optimizers';
import { WORKLOADS, batchOf } from './src/train_workloads.mjs';

soma.registerBackend('cpu-direct', () => new CpuBackend('cpu-direct', { winograd: false }));
const paths = ['cpu', 'cpu-direct'];
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

const shapes = [[64, 16, 32, 32, 16], [64, 32, 16, 16, 32], [64, 64, 8, 8, 64], [64, 64, 32, 32, 64], [32, 128, 16, 16, 128], [16, 256, 8, 8, 256]];
console.log('[n, c, h, w] → m      forward (winograd / direct)   input gradient   filter gradient');
for (const [n, c, h, w, m] of shapes) {
  const ms = {};
  for (const path of paths) {
    await soma.setBackend(path);
    const x = soma.randomNormal([n, c, h, w], { seed: 1 });
    const dy = soma.randomNormal([n, m, h, w], { seed: 2 });
    const f = soma.randomNormal([m, c, 3, 3], { seed: 3 });
    const g = soma.grads((xx, ff) => soma.conv2d(xx, ff, { padding: 'same' }).mul(dy).sum());
    soma.dispose(g([x, f]));
    const runs = { conv2d: [], conv2dBackpropInput: [], conv2dBackpropFilter: [] };
    for (let r = 0; r < 3; r++) {
      const info = await soma.profile(async () => { for (let i = 0; i < 3; i++) soma.dispose(g([x, f])); });
      for (const k of Object.keys(runs)) runs[k].push((info.kernels.find((e) => e.kernel === k)?.timeMs ?? 0) / 3);
    }
    ms[path] = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
    soma.dispose([x, dy, f]);
  }
  const col = (k) => `${ms.cpu[k].toFixed(2)} / ${ms['cpu-direct'][k].toFixed(2)} ms`.padEnd(20);
  console.log(`[${n}, ${c}, ${h}, ${w}] → ${m}`.padEnd(22), col('conv2d'), col('conv2dBackpropInput'), col('conv2dBackpropFilter'));
}

for (const name of process.argv.slice(2).length ? process.argv.slice(2) : ['resnet20']) {
  const w = WORKLOADS[name];
  const steps = {};
  const models = {};
  for (const path of paths) {
    await soma.setBackend(path);
    models[path] = w.build();
    models[path].compile({ optimizer: adam(), loss: w.loss() });
    steps[path] = [];
  }
  for (let r = 0; r < 6; r++) {
    for (const path of paths) {
      await soma.setBackend(path);
      const [x, y] = batchOf(w);
      await models[path].trainOnBatch(x, y);
      const t = performance.now();
      for (let i = 0; i < 3; i++) await models[path].trainOnBatch(x, y);
      if (r > 0) steps[path].push((performance.now() - t) / 3);
      soma.dispose([x, y]);
    }
  }
  const [a, b] = paths.map((p) => median(steps[p]));
  console.log(`${name} training step, batch ${w.batch}: winograd ${a.toFixed(1)} ms, direct ${b.toFixed(1)} ms (${(b / a).toFixed(2)}×)`);
}
