// The memory of a long training run: `node train_memory.mjs [resnet20] [cpu|native] [steps]` trains
// one of train.mjs's workloads through trainOnBatch (fit's compiled step) and prints, every tenth
// of the run, the backend's bytes in use (cpu: the heap's blocks in use, pooled and its size) and
// the process' RSS — the training-speed issue's "1,000 ResNet-20 steps leave the heap flat on cpu
// and RSS flat on native".
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { adam } from '@soma/optimizers';
import { WORKLOADS, batchOf } from './src/train_workloads.mjs';

const [name = 'resnet20', backend = 'cpu', stepsArg = '1000'] = process.argv.slice(2);
const steps = Number(stepsArg);
const w = WORKLOADS[name];
await soma.setBackend(backend);
const m = w.build();
m.compile({ optimizer: adam(), loss: w.loss() });
const [x, y] = batchOf(w);
const mib = (b) => (b / 2 ** 20).toFixed(1);
const snapshot = (step) => {
  const mem = soma.memory();
  const b = mem.backends[backend] ?? {};
  const heap = backend === 'cpu' ? `in use ${mib(b.bytesInUse)} MiB, pooled ${mib(b.bytesPooled)} MiB, heap ${mib(b.heapBytes)} MiB; ` : '';
  return { step, tensors: mem.numTensors, inUse: b.bytesInUse ?? 0, rss: process.memoryUsage().rss, line: `step ${String(step).padStart(5)}: ${heap}tensors ${mem.numTensors}; RSS ${mib(process.memoryUsage().rss)} MiB` };
};
// Warm-up: the first steps trace, compile and size the heap.
for (let i = 0; i < 10; i++) await m.trainOnBatch(x, y);
const first = snapshot(0);
console.log(`${name} on ${backend}, ${steps} steps after 10 of warm-up`);
console.log(first.line);
let last = first;
const t0 = performance.now();
for (let i = 1; i <= steps; i++) {
  await m.trainOnBatch(x, y);
  if (i % Math.max(1, Math.floor(steps / 10)) === 0) console.log((last = snapshot(i)).line);
}
console.log(`${((performance.now() - t0) / steps).toFixed(1)} ms a step; tensors ${first.tensors} → ${last.tensors}; in use ${mib(first.inUse)} → ${mib(last.inUse)} MiB; RSS ${mib(first.rss)} → ${mib(last.rss)} MiB`);
