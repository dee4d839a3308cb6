// Where native's compiled training step spends its time, by onnxruntime node type:
// `node ort_profile.mjs [resnet20|vgg11|densenet40|lstm] [steps]` trains one of train.mjs's
// workloads on a native backend with onnxruntime's own profiler on (createNativeBackend's
// `profile`), then sums each node type's kernel time from the traces endProfiling() writes.
import * as soma from '@soma/core';
import { createNativeBackend } from '@soma/backend-native';
import { adam } from '@soma/optimizers';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKLOADS, batchOf } from './src/train_workloads.mjs';

const [name = 'vgg11', stepsArg = '4'] = process.argv.slice(2);
const steps = Number(stepsArg);
const prefix = join(mkdtempSync(join(tmpdir(), 'soma-ort-')), 'step');
soma.registerBackend('native-profiled', () => createNativeBackend('native-profiled', { profile: prefix }));
await soma.setBackend('native-profiled');
const w = WORKLOADS[name];
const m = w.build();
m.compile({ optimizer: adam(), loss: w.loss() });
const [x, y] = batchOf(w);
for (let i = 0; i < steps; i++) await m.trainOnBatch(x, y);
const byType = {};
for (const file of await soma.backend().endProfiling()) {
  for (const e of JSON.parse(readFileSync(file, 'utf8'))) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    byType[op] = (byType[op] ?? 0) + e.dur / 1000;
  }
}
const total = Object.values(byType).reduce((a, b) => a + b, 0);
console.log(`${name} on native: ${(total / steps).toFixed(1)} ms of node kernels a step (mean of ${steps}, the first included)`);
for (const [op, ms] of Object.entries(byType).sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(ms / steps).toFixed(1).padStart(9)} ms  ${op}`);
