// pnpm bench: every workload on every Soma backend and every peer, in one process, one table.
// Ratios compare runs made seconds apart on the same machine; absolute numbers move with load.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';
import { tfjsBackend } from './peers.mjs';
import { timeIt } from './timing.mjs';
import { workloads } from './workloads.mjs';
import { BATCH, somaLenet, tfjsLenet } from './lenet.mjs';

soma.registerBackend('cpu-js', () => new CpuBackend('cpu-js', { wasm: false }));
const only = process.argv[2];
const selected = workloads.filter((w) => !only || w.name.includes(only));

const runners = [
  { name: 'soma cpu (wasm simd)', setup: async () => (await soma.setBackend('cpu'), true), make: (w) => w.soma() },
  { name: 'soma cpu-js', setup: async () => (await soma.setBackend('cpu-js'), true), make: (w) => w.soma() },
  { name: 'tfjs cpu', setup: async () => (runners.tf = await tfjsBackend('cpu')) !== null, make: (w) => w.tfjs(runners.tf) },
  { name: 'tfjs wasm', setup: async () => (runners.tf = await tfjsBackend('wasm')) !== null, make: (w) => w.tfjs(runners.tf) },
];

const results = [];
for (const w of selected) {
  const row = { workload: w.name, ms: {}, gflops: {} };
  for (const r of runners) {
    if (!(await r.setup())) continue;
    const inst = r.make(w);
    const ms = await timeIt(inst.run);
    inst.dispose();
    row.ms[r.name] = ms;
    row.gflops[r.name] = w.flops / ms / 1e6;
  }
  const base = (peer) => row.ms[peer];
  row.ratios = {
    'soma cpu vs tfjs cpu': base('tfjs cpu') / row.ms['soma cpu (wasm simd)'],
    'soma cpu vs tfjs wasm': base('tfjs wasm') / row.ms['soma cpu (wasm simd)'],
  };
  results.push(row);
  const cells = Object.entries(row.ms).map(([k, v]) => `${k}: ${v.toFixed(2)} ms (${row.gflops[k].toFixed(1)} GFLOPS)`);
  console.log(`${w.name}\n  ${cells.join('\n  ')}\n  ratios: ${Object.entries(row.ratios).map(([k, v]) => `${k} ${v.toFixed(1)}x`).join(', ')}`);
}

console.log('\n| workload | ' + runners.map((r) => r.name).join(' | ') + ' | soma/tfjs-cpu | soma/tfjs-wasm |');
console.log('|' + ' --- |'.repeat(runners.length + 3));
for (const r of results) {
  const cells = runners.map((x) => (r.ms[x.name] === undefined ? 'n/a' : `${r.ms[x.name].toFixed(2)} ms`));
  console.log(`| ${r.workload} | ${cells.join(' | ')} | ${r.ratios['soma cpu vs tfjs cpu'].toFixed(1)}x | ${r.ratios['soma cpu vs tfjs wasm'].toFixed(2)}x |`);
}
// Training throughput: LeNet-5, batch 64, Adam, sparse categorical cross-entropy.
const training = [];
if (!only || 'lenet5 training'.includes(only)) {
  const contenders = [
    { name: 'soma cpu (wasm simd)', setup: async () => (await soma.setBackend('cpu'), true), make: () => somaLenet() },
    { name: 'soma cpu-js', setup: async () => (await soma.setBackend('cpu-js'), true), make: () => somaLenet() },
    { name: 'tfjs cpu', setup: async () => (runners.tf = await tfjsBackend('cpu')) !== null, make: () => tfjsLenet(runners.tf) },
  ];
  const row = { workload: `lenet5 training, batch ${BATCH}`, samplesPerSecond: {} };
  for (const c of contenders) {
    if (!(await c.setup())) continue;
    const inst = c.make();
    const ms = await timeIt(() => inst.step(), { warmup: 2, minMs: 3000, minReps: 3, maxReps: 50 });
    inst.dispose();
    row.samplesPerSecond[c.name] = (BATCH / ms) * 1000;
  }
  row.ratio = row.samplesPerSecond['soma cpu (wasm simd)'] / row.samplesPerSecond['tfjs cpu'];
  training.push(row);
  console.log(`\n| workload | ${contenders.map((c) => c.name).join(' | ')} | soma/tfjs-cpu |`);
  console.log('|' + ' --- |'.repeat(contenders.length + 2));
  console.log(`| ${row.workload} (samples/s) | ${contenders.map((c) => (row.samplesPerSecond[c.name] ?? NaN).toFixed(0)).join(' | ')} | ${row.ratio.toFixed(1)}x |`);
}

const out = new URL('../results/latest.json', import.meta.url);
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, results, training }, null, 2));
console.log(`\nwrote ${out.pathname}`);
