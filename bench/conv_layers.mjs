// Every convolution of a CIFAR ResNet-20 training step on the cpu backend beside PyTorch's, layer
// shape by layer shape, in the same run: forward, and the two gradients together (PyTorch times
// forward + backward and subtracts its forward). `node conv_layers.mjs` (PyTorch through
// /usr/bin/python3 with Debian's python3-torch, on as many threads as Soma's pool). Per-step
// totals weight each shape by how often ResNet-20 runs it.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as soma from '@soma/core';
import '@soma/backend-cpu';

// [n, c, h, w, m, kernel, stride, pad] and how many layers of a ResNet-20 step have it.
const LAYERS = [
  [[64, 3, 32, 32, 16, 3, 1, 1], 1], [[64, 16, 32, 32, 16, 3, 1, 1], 6], [[64, 16, 32, 32, 32, 3, 2, 1], 1],
  [[64, 32, 16, 16, 32, 3, 1, 1], 5], [[64, 32, 16, 16, 64, 3, 2, 1], 1], [[64, 64, 8, 8, 64, 3, 1, 1], 5],
];
const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
await soma.setBackend('cpu');
const threads = os.availableParallelism();
let torch = null;
try {
  const script = fileURLToPath(new URL('./src/conv_layers_torch.py', import.meta.url));
  torch = JSON.parse(execFileSync('/usr/bin/python3', [script, JSON.stringify(LAYERS.map(([s]) => s)), String(threads)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
} catch {
  console.log('conv_layers: no PyTorch (/usr/bin/python3 with python3-torch); Soma only');
}
const totals = { soma: 0, torch: 0 };
console.log('[n, c, h, w] → m, k, stride       Soma forward / gradients     PyTorch forward / gradients    ratio');
for (const [i, [[n, c, h, w, m, k, s, p], count]] of LAYERS.entries()) {
  const x = soma.randomNormal([n, c, h, w], { seed: 1 });
  const f = soma.randomNormal([m, c, k, k], { seed: 3 });
  const dy = soma.randomNormal(soma.conv2d(x, f, { padding: p, stride: s }).shape, { seed: 2 });
  const g = soma.grads((xx, ff) => soma.conv2d(xx, ff, { padding: p, stride: s }).mul(dy).sum());
  soma.dispose(g([x, f]));
  const fwd = [];
  const grads = [];
  for (let r = 0; r < 7; r++) {
    const info = await soma.profile(async () => { for (let j = 0; j < 3; j++) soma.dispose(g([x, f])); });
    const ms = (kernel) => (info.kernels.find((e) => e.kernel === kernel)?.timeMs ?? 0) / 3;
    fwd.push(ms('conv2d'));
    grads.push(ms('conv2dBackpropInput') + ms('conv2dBackpropFilter'));
  }
  soma.dispose([x, f, dy]);
  const ours = median(fwd) + median(grads);
  totals.soma += count * ours;
  const t = torch?.[i];
  if (t) totals.torch += count * (t.forward + t.backward);
  const theirs = t ? `${t.forward.toFixed(2)} / ${t.backward.toFixed(2)} ms`.padEnd(30) + `${((t.forward + t.backward) / ours).toFixed(2)}×` : '';
  console.log(`[${n}, ${c}, ${h}, ${w}] → ${m}, ${k}×${k}, ${s}`.padEnd(33), `${median(fwd).toFixed(2)} / ${median(grads).toFixed(2)} ms`.padEnd(28), theirs);
}
console.log(`per ResNet-20 step: Soma ${totals.soma.toFixed(1)} ms${torch ? `, PyTorch ${totals.torch.toFixed(1)} ms (${(totals.torch / totals.soma).toFixed(2)}×)` : ''}`);
