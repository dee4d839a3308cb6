import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { somaLenet } from './src/lenet.mjs';
await soma.setBackend('cpu');
const b = soma.getBackend();
const times = {}; const counts = {};
const proto = Object.getPrototypeOf(b);
for (const k of Object.getOwnPropertyNames(proto)) {
  if (k === 'constructor' || typeof b[k] !== 'function') continue;
  const orig = b[k].bind(b);
  b[k] = (...a) => { const t = performance.now(); const r = orig(...a); const key = k === 'unary' || k === 'binary' || k === 'reduce' ? `${k}:${a[0]}` : k; times[key] = (times[key] || 0) + performance.now() - t; counts[key] = (counts[key] || 0) + 1; return r; };
}
const m = somaLenet();
for (let i = 0; i < 3; i++) await m.step();
for (const k in times) { times[k] = 0; counts[k] = 0; }
const n = 10; const t0 = performance.now();
for (let i = 0; i < n; i++) await m.step();
const total = (performance.now() - t0) / n;
const inKernels = Object.values(times).reduce((a, b) => a + b, 0) / n;
console.log(`step ${total.toFixed(1)} ms, in kernels ${inKernels.toFixed(1)} ms, outside ${(total - inKernels).toFixed(1)} ms`);
Object.entries(times).sort((a, b) => b[1] - a[1]).slice(0, 18).forEach(([k, v]) => console.log(`${(v / n).toFixed(2).padStart(7)} ms  ${String(counts[k] / n).padStart(4)} calls  ${k}`));
