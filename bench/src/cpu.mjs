// The cpu-speed issue's ratios, measured in one process (PyTorch in a child process, same
// machine, same thread count): LeNet-5 training against PyTorch; conv2d (the bench's workload and
// ResNet-18's 3×3 layers at batch 8) and matmul 1024² against tfjs-backend-wasm, each with all
// its threads; the heap and RSS over 1,000 LeNet steps. `pnpm --filter @soma/bench bench:cpu`;
// SOMA_BENCH_QUICK=1 runs a short version.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';
import { BATCH, somaLenet } from './lenet.mjs';
import { timeIt } from './timing.mjs';

const quick = process.env.SOMA_BENCH_QUICK === '1';
const threads = os.availableParallelism();
const timing = quick ? { warmup: 1, minMs: 100, minReps: 2 } : { warmup: 3, minMs: 2000, minReps: 8 };
soma.registerBackend('cpu-1t', () => new CpuBackend('cpu-1t', { threads: 1 }));

// tfjs-backend-wasm with its threads (its threaded SIMD build; Node has SharedArrayBuffer).
const tf = await import('@tensorflow/tfjs');
const tfwasm = await import('@tensorflow/tfjs-backend-wasm');
tfwasm.setThreadsCount?.(threads);
let tfjsThreads = 'n/a';
try {
  await tf.setBackend('wasm');
  await tf.ready();
  tfjsThreads = tfwasm.getThreadsCount?.() ?? '?';
} catch {
  console.log('tfjs-backend-wasm did not start');
}

const rows = [];
const row = (...cells) => rows.push(`| ${cells.join(' | ')} |`);

// 1. LeNet-5 training step.
async function lenet(backend) {
  await soma.setBackend(backend);
  const m = somaLenet();
  const ms = await timeIt(() => m.step(), timing);
  m.dispose();
  return BATCH / ms * 1000;
}
const soma2 = await lenet('cpu');
const soma1 = await lenet('cpu-1t');
let torch = null;
if (existsSync('/usr/bin/python3')) {
  try {
    torch = JSON.parse(execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./lenet_torch.py', import.meta.url)), String(threads)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    torch = null;
  }
}
const pt = torch?.samplesPerSecond ?? NaN;
row('LeNet-5 training step, batch 64 (samples/s)', `${soma2.toFixed(0)} (${threads} threads), ${soma1.toFixed(0)} (1 thread)`, torch ? `PyTorch ${torch.torch}: ${pt.toFixed(0)} (${torch.threads} threads)` : 'PyTorch: n/a', torch ? `${(soma2 / pt).toFixed(2)}x` : 'n/a', '≥ 0.5x');

// 2. conv2d and 3. matmul against tfjs-wasm, NCHW for Soma and NHWC for tfjs (each its native layout).
// Both compute synchronously, so a kernel is done when its call returns; the times leave out
// reading the result back, which on this kind of virtual machine mostly measures page faults of
// the fresh array the copy needs (0.1 to 9 ms for 2 MB, for either library).
const convs = [
  ['conv2d b32 3->16 32x32 k3', 32, 3, 16, 32],
  ['ResNet-18 3x3 64->64 56x56 b8', 8, 64, 64, 56],
  ['ResNet-18 3x3 128->128 28x28 b8', 8, 128, 128, 28],
  ['ResNet-18 3x3 256->256 14x14 b8', 8, 256, 256, 14],
  ['ResNet-18 3x3 512->512 7x7 b8', 8, 512, 512, 7],
];
async function somaTime(backend, make) {
  await soma.setBackend(backend);
  const { run, dispose } = make();
  const ms = await timeIt(run, timing);
  dispose();
  return ms;
}
for (const [name, n, c, m, hw] of convs) {
  const somaConv = () => {
    const x = soma.randomNormal([n, c, hw, hw], { seed: 1 });
    const w = soma.randomNormal([m, c, 3, 3], { seed: 2 });
    return { run: () => soma.conv2d(x, w, { padding: 'same' }).dispose(), dispose: () => soma.dispose([x, w]) };
  };
  const s = await somaTime('cpu', somaConv);
  const s1 = await somaTime('cpu-1t', somaConv);
  const x = tf.randomNormal([n, hw, hw, c]);
  const w = tf.randomNormal([3, 3, c, m]);
  const t = await timeIt(() => tf.conv2d(x, w, 1, 'same').dispose(), timing);
  tf.dispose([x, w]);
  row(name, `${s.toFixed(2)} ms (${threads} threads), ${s1.toFixed(2)} ms (1 thread)`, `tfjs-wasm ${t.toFixed(2)} ms (${tfjsThreads} threads)`, `${(t / s).toFixed(2)}x`, '≥ 1.5x');
}
{
  const make = () => {
    const a = soma.randomNormal([1024, 1024], { seed: 1 });
    const b = soma.randomNormal([1024, 1024], { seed: 2 });
    return { run: () => soma.matmul(a, b).dispose(), dispose: () => soma.dispose([a, b]) };
  };
  const s = await somaTime('cpu', make);
  const s1 = await somaTime('cpu-1t', make);
  const a = tf.randomNormal([1024, 1024]);
  const b = tf.randomNormal([1024, 1024]);
  const t = await timeIt(() => tf.matMul(a, b).dispose(), timing);
  tf.dispose([a, b]);
  const gflops = (ms) => (2 * 1024 ** 3 / ms / 1e6).toFixed(1);
  row('matmul 1024x1024x1024', `${s.toFixed(2)} ms, ${gflops(s)} GFLOPS (${threads} threads); ${s1.toFixed(2)} ms (1 thread)`, `tfjs-wasm ${t.toFixed(2)} ms, ${gflops(t)} GFLOPS (${tfjsThreads} threads)`, `${(t / s).toFixed(2)}x`, '≥ 2x');
}

// 4. The heap and RSS over 1,000 LeNet steps after warm-up. The heap is flat from the first step;
// RSS settles after about 1,000 steps (V8 sizing its young generation and compiling), so that is
// the warm-up.
{
  await soma.setBackend('cpu');
  const m = somaLenet();
  const steps = quick ? 50 : 1000;
  const warmup = quick ? 20 : 1000;
  for (let i = 0; i < warmup; i++) await m.step();
  const heap0 = { ...soma.memory().backends.cpu };
  const rss0 = process.memoryUsage().rss;
  for (let i = 0; i < steps; i++) await m.step();
  const heap1 = soma.memory().backends.cpu;
  const rss1 = process.memoryUsage().rss;
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  row(`heap over ${steps} LeNet steps (after ${warmup})`, `in use ${mib(heap0.bytesInUse)} → ${mib(heap1.bytesInUse)} MiB; heap ${mib(heap0.heapBytes)} → ${mib(heap1.heapBytes)} MiB`, `RSS ${mib(rss0)} → ${mib(rss1)} MiB`, heap1.bytesInUse === heap0.bytesInUse ? 'flat' : 'grew', 'flat');
  m.dispose();
}

console.log(`\n${new Date().toISOString().slice(0, 10)} — ${os.cpus()[0]?.model ?? 'cpu'}, ${threads} threads, Node ${process.version}\n`);
console.log('| workload | soma cpu | peer | ratio | target |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
