// Training steps of the models people train, Soma beside PyTorch in the same run (the
// training-speed issue's table): CIFAR ResNet-20, DenseNet-BC-40 and VGG-11 (batch 64) and a
// character LSTM language model (vocab 64, embedding 32, LSTM 128, sequence 64, batch 32), Adam,
// through `trainOnBatch` (fit's compiled step). `node src/train.mjs [workload...] [--backends cpu,native]`;
// PyTorch runs in a child process (/usr/bin/python3 with Debian's python3-torch) with the same
// thread count. Writes results/train_latest.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { adam } from '@soma/optimizers';
import { timeIt } from './timing.mjs';
import { WORKLOADS, batchOf } from './train_workloads.mjs';


const args = process.argv.slice(2);
const backendsArg = args.find((a) => a.startsWith('--backends='));
const backends = backendsArg ? backendsArg.slice('--backends='.length).split(',') : ['cpu', 'native'];
const chosen = args.filter((a) => !a.startsWith('--'));
const names = chosen.length ? chosen : Object.keys(WORKLOADS);
const threads = os.availableParallelism();

function torchFigure(name) {
  try {
    const out = execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./train_torch.py', import.meta.url)), name, String(threads)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return JSON.parse(out);
  } catch {
    return null;
  }
}

async function somaFigure(name, backend) {
  await soma.setBackend(backend);
  const w = WORKLOADS[name];
  const m = w.build();
  m.compile({ optimizer: adam(), loss: w.loss() });
  const [x, y] = batchOf(w);
  const ms = await timeIt(() => m.trainOnBatch(x, y), { warmup: 4, minMs: 6000, minReps: 5 });
  const parameters = m.countParams();
  soma.dispose([x, y]);
  m.dispose();
  return { samplesPerSecond: (w.batch * 1000) / ms, msPerStep: ms, parameters };
}

const results = [];
for (const name of names) {
  if (!WORKLOADS[name]) throw new Error(`train.mjs: unknown workload '${name}' (${Object.keys(WORKLOADS).join(', ')})`);
  const torch = torchFigure(name);
  const row = { workload: name, torch };
  for (const b of backends) row[b] = await somaFigure(name, b);
  results.push(row);
  const cells = backends.map((b) => `${b} ${row[b].samplesPerSecond.toFixed(0)}/s (${row[b].msPerStep.toFixed(0)} ms${torch ? `, ${(row[b].samplesPerSecond / torch.samplesPerSecond).toFixed(2)}x PyTorch` : ''})`);
  console.log(`${name} (${row[backends[0]].parameters} parameters): PyTorch ${torch ? `${torch.samplesPerSecond.toFixed(0)}/s (${torch.msPerStep.toFixed(0)} ms, ${torch.parameters} parameters)` : 'not installed'}; ${cells.join('; ')}`);
}
writeFileSync(new URL('../results/train_latest.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, threads, results }, null, 2));
