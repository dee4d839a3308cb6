// pnpm --filter @soma/bench bench:native — the native backend beside its peers, in one run:
// matmul 1024² against a bare onnxruntime-node MatMul session, LeNet-5 training against the cpu
// backend and PyTorch (when /usr/bin/python3 has torch), ResNet-18 inference imported from ONNX
// against the same file run directly in onnxruntime-node (when torchvision can export it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import { importOnnx, kernelToOnnx } from '@soma/onnx-io';
import ort from 'onnxruntime-node';
import { BATCH, somaLenet, tfjsLenet } from './lenet.mjs';
import { tfjsBackend } from './peers.mjs';
import { timeIt } from './timing.mjs';

const threads = os.availableParallelism?.() ?? os.cpus().length;
const rows = [];

// 1. matmul 1024x1024x1024, float32.
{
  const n = 1024;
  const flops = 2 * n ** 3;
  await soma.setBackend('native');
  const a = soma.randomNormal([n, n], { seed: 1 });
  const b = soma.randomNormal([n, n], { seed: 2 });
  const somaMs = await timeIt(() => soma.tidy(() => a.matmul(b).dataSync()));
  const bytes = kernelToOnnx('matmul', { transA: false, transB: false }, [{ dtype: 'float32', shape: [1, n, n] }, { dtype: 'float32', shape: [1, n, n] }], { dtype: 'float32', shape: null });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads });
  const feeds = { x0: new ort.Tensor('float32', a.dataSync(), [1, n, n]), x1: new ort.Tensor('float32', b.dataSync(), [1, n, n]) };
  const ortMs = await timeIt(() => session.run(feeds));
  rows.push(`| matmul ${n}³ | ${somaMs.toFixed(2)} ms (${(flops / somaMs / 1e6).toFixed(0)} GFLOPS) | ${ortMs.toFixed(2)} ms (${(flops / ortMs / 1e6).toFixed(0)} GFLOPS) | ${((ortMs / somaMs) * 100).toFixed(0)}% of bare onnxruntime |`);
  soma.dispose([a, b]);
}

// 2. LeNet-5 training, batch 64, Adam.
{
  const sps = {};
  for (const backend of ['cpu', 'native']) {
    await soma.setBackend(backend);
    const inst = somaLenet();
    const ms = await timeIt(() => inst.step(), { warmup: 2, minMs: 3000, minReps: 3, maxReps: 50 });
    inst.dispose();
    sps[backend] = (BATCH / ms) * 1000;
  }
  let torch = null;
  if (existsSync('/usr/bin/python3')) {
    try {
      torch = JSON.parse(execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./lenet_torch.py', import.meta.url)), String(threads)], { encoding: 'utf8' }));
    } catch {
      torch = null; // no torch: the column says n/a
    }
  }
  let tfjs = NaN;
  const tf = await tfjsBackend('cpu');
  if (tf) {
    const inst = tfjsLenet(tf);
    const ms = await timeIt(() => inst.step(), { warmup: 2, minMs: 3000, minReps: 3, maxReps: 50 });
    inst.dispose();
    tfjs = (BATCH / ms) * 1000;
  }
  const t = torch ? torch.samplesPerSecond : NaN;
  rows.push(`| LeNet-5 training (samples/s; native: fit's compiled step) | native ${sps.native.toFixed(0)}, cpu ${sps.cpu.toFixed(0)} | PyTorch ${torch ? `${t.toFixed(0)} (${torch.threads} threads)` : 'n/a'}, tfjs-cpu ${tfjs.toFixed(0)} | native/PyTorch ${(sps.native / t).toFixed(2)}x, cpu/PyTorch ${(sps.cpu / t).toFixed(2)}x, native/tfjs-cpu ${(sps.native / tfjs).toFixed(1)}x |`);
}

// 3. ResNet-18 inference, 1x3x224x224, exported by torchvision (random weights).
{
  const dir = mkdtempSync(join(os.tmpdir(), 'soma-bench-'));
  const file = join(dir, 'resnet18.onnx');
  try {
    execFileSync('/usr/bin/python3', ['-c', `import torch, torchvision; m = torchvision.models.resnet18().eval(); torch.onnx.export(m, torch.randn(1, 3, 224, 224), ${JSON.stringify(file)}, opset_version=13, input_names=['input'], output_names=['output'])`], { stdio: 'ignore' });
  } catch {
    // no torchvision here
  }
  if (existsSync(file)) {
    const x = soma.randomNormal([1, 3, 224, 224], { seed: 3 });
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads });
    const feed = { input: new ort.Tensor('float32', x.dataSync(), x.shape) };
    const ortMs = await timeIt(() => session.run(feed), { minMs: 3000 });
    await soma.setBackend('native');
    const m = await importOnnx(file);
    // predict: node by node (differentiable); run: onnxruntime's habit, traced once and run as one graph.
    const somaMs = await timeIt(() => soma.tidy(() => m.predict(x).output.dataSync()), { minMs: 3000 });
    const compiledMs = await timeIt(async () => {
      const { output } = await m.run(x);
      output.dataSync();
      output.dispose();
    }, { minMs: 3000 });
    m.dispose();
    rows.push(`| ResNet-18 inference 1x3x224x224 | Soma native: model.run ${compiledMs.toFixed(1)} ms, model.predict (node by node) ${somaMs.toFixed(1)} ms | onnxruntime-node ${ortMs.toFixed(1)} ms | run ${(compiledMs / ortMs).toFixed(2)}x, predict ${(somaMs / ortMs).toFixed(2)}x the latency |`);
    x.dispose();
  } else rows.push('| ResNet-18 inference | n/a (no torchvision to export the model) | | |');
}

console.log(`\n${new Date().toISOString().slice(0, 10)} — ${os.cpus()[0]?.model}, ${threads} threads, Node ${process.version}\n`);
console.log('| workload | Soma | peer | ratio |\n| --- | --- | --- | --- |');
for (const r of rows) console.log(r);
