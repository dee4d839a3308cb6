// The cpu backend's recurrentSequence kernel (one GEMM for the input projection, then a GEMM and
// the gate loops per step) against core's step-by-step default body (a kernel dispatch per op and
// step), in one process: the character LSTM of bench:train predicting a batch (32 × 64
// characters) and generating 200 characters one at a time. `node recurrent_inference.mjs`.
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';
import { timeIt } from './src/timing.mjs';
import { WORKLOADS, batchOf } from './src/train_workloads.mjs';

const stepByStep = new CpuBackend('cpu-step-by-step');
Object.defineProperty(stepByStep, 'recurrentSequence', { value: undefined });
soma.registerBackend('cpu-step-by-step', () => stepByStep);

const w = WORKLOADS.lstm;
const figures = {};
for (const backend of ['cpu', 'cpu-step-by-step']) {
  await soma.setBackend(backend);
  const m = w.build();
  const [x] = batchOf(w);
  const predict = await timeIt(async () => soma.dispose(await m.predict(x)), { warmup: 2, minMs: 3000 });
  const generate = await timeIt(() => m.generate('0123', { length: 200, seed: 1 }), { warmup: 1, minMs: 3000, minReps: 3 });
  figures[backend] = { predict, generate };
  soma.dispose(x);
  m.dispose();
}
const [k, s] = [figures.cpu, figures['cpu-step-by-step']];
console.log(`char LSTM predict, batch 32 × 64: kernel ${k.predict.toFixed(1)} ms, step by step ${s.predict.toFixed(1)} ms (${(s.predict / k.predict).toFixed(2)}×)`);
console.log(`generate 200 characters: kernel ${k.generate.toFixed(0)} ms, step by step ${s.generate.toFixed(0)} ms (${(s.generate / k.generate).toFixed(2)}×)`);
