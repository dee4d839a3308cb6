// pnpm --filter @soma/bench bench:webgpu — Soma's webgpu backend beside @tensorflow/tfjs-backend-webgpu,
// on the same GPU in one process (Dawn from the `webgpu` package): matmul 1024/2048/4096, conv2d on
// ResNet-18's 3×3 shapes, and LeNet-5 and ResNet-18 training steps. On SwiftShader (a CPU Vulkan)
// times mean nothing: set SOMA_BENCH_QUICK=1 there to check that every workload runs.
import { create, globals } from 'webgpu';
import * as soma from '@soma/core';
import '@soma/backend-webgpu';
import { adam } from '@soma/optimizers';
import { resnet } from '@soma/zoo';
import { somaLenetModel, tfjsLenetModel } from './lenet.mjs';

const quick = process.env.SOMA_BENCH_QUICK === '1';
Object.assign(globalThis, globals);
// tfjs-backend-webgpu registers itself only if navigator.gpu exists when it is imported.
const gpu = create([]);
Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
const tf = await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-webgpu');
const tfOk = await tf.setBackend('webgpu').catch(() => false);
if (tfOk) await tf.ready();

await soma.setBackend('webgpu');
const backend = soma.backend();
const adapterInfo = backend.adapterInfo;
const rows = [];
const say = (s) => { console.log(s); rows.push(s); };
say(`# webgpu bench — ${new Date().toISOString().slice(0, 10)} — adapter: ${adapterInfo} (${backend.source}); tfjs-webgpu ${tfOk ? 'ready' : 'unavailable'}${quick ? ' — QUICK (sizes reduced; times meaningless)' : ''}`);

/** Median ms per call of `step` (which enqueues GPU work), each timed sample ending with `sync`. */
async function gpuTime(step, sync, { warmup = 3, reps = quick ? 2 : 10, inner = 1 } = {}) {
  for (let i = 0; i < warmup; i++) step();
  await sync();
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) step();
    await sync();
    times.push((performance.now() - t0) / inner);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
const somaSync = () => backend.sync();
// tfjs: reading one element of the last result waits for all queued work.
let tfLast = null;
const tfSync = async () => {
  if (tfLast) {
    const t = tfLast;
    tfLast = null;
    await t.data();
    t.dispose();
  }
};
const tfKeep = (t) => {
  tfLast?.dispose();
  tfLast = t;
};

// 1. matmul
say('\n| matmul (float32) | soma webgpu | tfjs-webgpu | soma/tfjs |');
say('| --- | --- | --- | --- |');
for (const n of quick ? [128, 256] : [1024, 2048, 4096]) {
  const flops = 2 * n ** 3;
  const a = soma.randomNormal([n, n], { seed: 1 });
  const b = soma.randomNormal([n, n], { seed: 2 });
  const inner = quick ? 1 : Math.max(1, Math.round(4096 / n) ** 2);
  const sMs = await gpuTime(() => soma.tidy(() => { a.matmul(b); }), somaSync, { inner });
  soma.dispose([a, b]);
  let tMs = NaN;
  if (tfOk) {
    const ta = tf.randomNormal([n, n], 0, 1, 'float32', 1);
    const tb = tf.randomNormal([n, n], 0, 1, 'float32', 2);
    tMs = await gpuTime(() => tfKeep(tf.matMul(ta, tb)), tfSync, { inner });
    tf.dispose([ta, tb]);
  }
  say(`| ${n}×${n}×${n} | ${sMs.toFixed(3)} ms (${(flops / sMs / 1e9).toFixed(2)} TFLOPS) | ${tMs.toFixed(3)} ms (${(flops / tMs / 1e9).toFixed(2)} TFLOPS) | ${(tMs / sMs).toFixed(2)}x |`);
}

// 2. conv2d, ResNet-18's 3×3 stride-1 layers at batch 8 (NCHW for Soma, NHWC for tfjs).
say('\n| conv2d 3×3, batch 8 | soma webgpu | tfjs-webgpu | soma/tfjs |');
say('| --- | --- | --- | --- |');
for (const [c, hw] of quick ? [[16, 14]] : [[64, 56], [128, 28], [256, 14], [512, 7]]) {
  const flops = 2 * 8 * c * c * 9 * hw * hw;
  const x = soma.randomNormal([8, c, hw, hw], { seed: 3 });
  const w = soma.randomNormal([c, c, 3, 3], { seed: 4 });
  const sMs = await gpuTime(() => soma.tidy(() => { soma.conv2d(x, w, { padding: 1 }); }), somaSync, { inner: quick ? 1 : 10 });
  soma.dispose([x, w]);
  let tMs = NaN;
  if (tfOk) {
    const tx = tf.randomNormal([8, hw, hw, c]);
    const tw = tf.randomNormal([3, 3, c, c]);
    tMs = await gpuTime(() => tfKeep(tf.conv2d(tx, tw, 1, 'same')), tfSync, { inner: quick ? 1 : 10 });
    tf.dispose([tx, tw]);
  }
  say(`| ${c}→${c}, ${hw}×${hw} | ${sMs.toFixed(3)} ms (${(flops / sMs / 1e9).toFixed(2)} TFLOPS) | ${tMs.toFixed(3)} ms | ${(tMs / sMs).toFixed(2)}x |`);
}

// 3. Training steps: forward, loss, backward, Adam. Soma's step is the optimizer's minimize over
// model.apply (fit's eager step does the same work plus host-side checks); tfjs runs trainOnBatch.
function somaStep(net, x, onehot) {
  const opt = adam();
  const loss = () => {
    const logits = net.apply(x, { training: true });
    return soma.logSoftmax(logits).mul(onehot).sum(1).mean().neg();
  };
  return () => soma.tidy(() => { opt.minimize(loss, true); });
}

async function trainRow(name, batch, somaNet, tfNet, shape, classes) {
  const x = soma.randomNormal([batch, ...shape], { seed: 5 });
  const ids = soma.randomUniform([batch], { min: 0, max: classes, dtype: 'int32', seed: 6 });
  const onehot = soma.oneHot(ids, classes);
  const sMs = await gpuTime(somaStep(somaNet, x, onehot), somaSync, { warmup: 2, reps: quick ? 2 : 8 });
  soma.dispose([x, ids, onehot]);
  somaNet.dispose();
  let tMs = NaN;
  if (tfOk && tfNet) {
    const tx = tf.randomNormal([batch, shape[1], shape[2], shape[0]]);
    const ty = tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32'), classes);
    tfNet.compile({ optimizer: tf.train.adam(), loss: 'categoricalCrossentropy' });
    // trainOnBatch reads the loss back (one readback per step, as Soma's step does not).
    tMs = await gpuTime(() => tfKeep(tf.tidy(() => { tfNet.trainOnBatch(tx, ty); return tf.scalar(0); })), async () => { await tfSync(); }, { warmup: 2, reps: quick ? 2 : 8 });
    tf.dispose([tx, ty]);
  }
  say(`| ${name}, batch ${batch} | ${sMs.toFixed(2)} ms (${((batch / sMs) * 1000).toFixed(0)} samples/s) | ${tMs.toFixed(2)} ms (${((batch / tMs) * 1000).toFixed(0)} samples/s) | ${(tMs / sMs).toFixed(2)}x |`);
}

/** ResNet-18 (torchvision layout) in tfjs layers, NHWC. */
function tfResnet18(hw, classes) {
  const L = tf.layers;
  const convBn = (x, f, k, s, relu = true) => {
    let y = L.conv2d({ filters: f, kernelSize: k, strides: s, padding: 'same', useBias: false }).apply(x);
    y = L.batchNormalization().apply(y);
    return relu ? L.reLU().apply(y) : y;
  };
  const inp = tf.input({ shape: [hw, hw, 3] });
  let x = convBn(inp, 64, 7, 2);
  x = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x);
  let ch = 64;
  [64, 128, 256, 512].forEach((planes, stage) => {
    for (let i = 0; i < 2; i++) {
      const s = i === 0 && stage > 0 ? 2 : 1;
      const y = convBn(convBn(x, planes, 3, s), planes, 3, 1, false);
      const short = s !== 1 || ch !== planes ? convBn(x, planes, 1, s, false) : x;
      x = L.reLU().apply(L.add().apply([y, short]));
      ch = planes;
    }
  });
  x = L.globalAveragePooling2d({}).apply(x);
  const out = L.dense({ units: classes, activation: 'softmax' }).apply(x);
  return tf.model({ inputs: inp, outputs: out });
}

say('\n| training step (Adam) | soma webgpu | tfjs-webgpu | soma/tfjs |');
say('| --- | --- | --- | --- |');
await trainRow('LeNet-5 28×28', 64, somaLenetModel(), tfOk ? tfjsLenetModel(tf) : null, [1, 28, 28], 10);
const rhw = quick ? 64 : 224;
const rb = quick ? 2 : 32;
await trainRow(`ResNet-18 ${rhw}×${rhw}`, rb, resnet({ depth: 18, numClasses: 1000, inputShape: [3, rhw, rhw] }), tfOk ? tfResnet18(rhw, 1000) : null, [3, rhw, rhw], 1000);

// 4. Inference through a compiled graph: its elementwise chains (batch norm, relu, residual adds)
// run fused, one kernel each.
{
  say('\n| ResNet-18 inference, batch 8 | eager | compiled (fused chains) | eager/compiled |');
  say('| --- | --- | --- | --- |');
  const hw = quick ? 64 : 224;
  const net = resnet({ depth: 18, numClasses: 1000, inputShape: [3, hw, hw] });
  const x = soma.randomNormal([quick ? 1 : 8, 3, hw, hw], { seed: 9 });
  const eagerMs = await gpuTime(() => soma.tidy(() => { net.apply(x, { training: false }); }), somaSync, { warmup: 2, reps: quick ? 2 : 8 });
  const compiled = soma.compile((t) => net.apply(t, { training: false }));
  const before = soma.memory().backends.webgpu.fusedChains;
  const fusedMs = await gpuTime(() => soma.tidy(() => { compiled(x); }), somaSync, { warmup: 2, reps: quick ? 2 : 8 });
  const chains = soma.memory().backends.webgpu.fusedChains - before;
  // Host time alone (encoding, no wait), to tell the CPU side from the GPU side.
  const hostMs = async (f) => {
    await somaSync();
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) soma.tidy(f);
    const ms = (performance.now() - t0) / 5;
    await somaSync();
    return ms;
  };
  const eagerHost = await hostMs(() => { net.apply(x, { training: false }); });
  const compiledHost = await hostMs(() => { compiled(x); });
  const dispatches = async (f) => {
    await somaSync();
    const d0 = soma.memory().backends.webgpu.dispatches;
    soma.tidy(f);
    await somaSync();
    return soma.memory().backends.webgpu.dispatches - d0;
  };
  const eagerD = await dispatches(() => { net.apply(x, { training: false }); });
  const compiledD = await dispatches(() => { compiled(x); });
  say(`| ${hw}×${hw} | ${eagerMs.toFixed(2)} ms (host ${eagerHost.toFixed(2)} ms, ${eagerD} dispatches) | ${fusedMs.toFixed(2)} ms (host ${compiledHost.toFixed(2)} ms, ${compiledD} dispatches; ${chains} fused chains run) | ${(eagerMs / fusedMs).toFixed(2)}x |`);
  compiled.dispose();
  net.dispose();
  x.dispose();
}

const mem = soma.memory().backends?.webgpu ?? {};
say(`\nwebgpu backend: ${mem.pipelinesCompiled} pipelines, ${mem.dispatches} dispatches in ${mem.submissions} submissions, ${(mem.gpuBytesInUse / 2 ** 20).toFixed(1)} MiB in use, ${(mem.gpuBytesPooled / 2 ** 20).toFixed(1)} MiB pooled`);
if (process.env.OUT) (await import('node:fs')).writeFileSync(`${process.env.OUT}/webgpu_bench.md`, rows.join('\n') + '\n');
process.exit(0);
