// A LeNet-5 training step (batch 64, Adam) on the cpu backend, timed without the profiler (so the
// fused optimizer update runs): the median of 5 rounds of 20 steps, and the heap after them.
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { BATCH, somaLenet } from './src/lenet.mjs';

await soma.setBackend(process.argv[2] ?? 'cpu');
const m = somaLenet();
for (let i = 0; i < 5; i++) await m.step();
const rounds = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) await m.step();
  rounds.push((performance.now() - t0) / 20);
}
rounds.sort((a, b) => a - b);
const med = rounds[2];
const mem = soma.memory().backends[soma.getBackendName()];
console.log(`LeNet-5 step ${med.toFixed(2)} ms (${Math.round(BATCH / med * 1000)} samples/s); rounds ${rounds.map((r) => r.toFixed(1)).join(', ')}`);
console.log(`heap ${(mem.heapBytes / 2 ** 20).toFixed(1)} MiB, in use ${(mem.bytesInUse / 2 ** 20).toFixed(1)} MiB, pooled ${(mem.bytesPooled / 2 ** 20).toFixed(1)} MiB, threads ${mem.threads ?? 1}`);
