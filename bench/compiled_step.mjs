import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import '@soma/backend-webgpu';
import { cifarResnet, lenet5 } from '@soma/zoo';
import { adam } from '@soma/optimizers';
const [backend, model = 'lenet', eager = '0', steps = '8', bs = '64'] = process.argv.slice(2);
await soma.setBackend(backend);
const B = Number(bs);
const m = model === 'lenet' ? lenet5() : cifarResnet({ depth: 20, numClasses: 10 });
m.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy', runEagerly: eager === '1' });
const x = soma.randomNormal(model === 'lenet' ? [B, 1, 28, 28] : [B, 3, 32, 32], { seed: 1 });
const y = soma.tensor(Array.from({ length: B }, (_, i) => i % 10), [B], 'int32');
const times = [];
for (let i = 0; i < Number(steps); i++) {
  const t = performance.now();
  await m.trainOnBatch(x, y);
  times.push(performance.now() - t);
}
const tail = times.slice(3).sort((a, b) => a - b);
console.log(backend, model, eager === '1' ? 'eager' : 'compiled', 'first', times.slice(0, 3).map((t) => t.toFixed(0)).join(','), 'median', tail[tail.length >> 1].toFixed(1), 'ms', JSON.stringify(soma.compileStats()));
