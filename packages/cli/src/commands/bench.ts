import * as soma from '@soma/core';
import { losses } from '@soma/layers';
import { lenet5 } from '@soma/zoo';
import type { CommandSpec, Parsed } from '../args.js';
import { backendStatuses } from '../backends.js';

export const benchSpec: CommandSpec = {
  name: 'bench',
  usage: 'soma bench [--seconds N]',
  title: 'measure matmul and LeNet-5 training on every backend that loads',
  summary: 'A quick measurement on this machine, per backend that loads: matmul 512³ (GFLOPS) and LeNet-5 training steps at batch 64 (samples/s). The repository\'s bench/ compares with peers in depth.',
  positionals: [],
  options: { seconds: { type: 'string', help: 'time spent per measurement', default: '2' } },
  examples: ['soma bench', 'soma bench --seconds 5'],
};

async function timed(seconds: number, step: () => unknown): Promise<number> {
  await step();
  await step();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export async function benchCommand(p: Parsed, print: (line: string) => void): Promise<number> {
  const seconds = Number(p.values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got '${p.values.seconds}'`);
  print('backend   matmul 512³          LeNet-5 training (batch 64)');
  for (const b of await backendStatuses()) {
    if (!b.ok) {
      print(`${b.name.padEnd(10)}does not load: ${b.reason}`);
      continue;
    }
    await soma.setBackend(b.name);
    const a = soma.randomNormal([512, 512], { seed: 1 });
    // data(): every backend reads asynchronously, a GPU only so.
    const ms = await timed(seconds, async () => {
      const c = a.matmul(a);
      await c.data();
      c.dispose();
    });
    a.dispose();
    const net = lenet5();
    net.compile({ optimizer: 'adam', loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
    const x = soma.randomNormal([64, 1, 28, 28], { seed: 2 });
    const y = soma.randomUniform([64], { min: 0, max: 10, dtype: 'int32', seed: 3 });
    const stepMs = await timed(seconds, () => net.trainOnBatch(x, y));
    soma.dispose([x, y]);
    net.dispose();
    print(`${b.name.padEnd(10)}${`${((2 * 512 ** 3) / ms / 1e6).toFixed(1)} GFLOPS`.padEnd(21)}${((64 / stepMs) * 1000).toFixed(0)} samples/s`);
  }
  await soma.setBackend('cpu');
  return 0;
}
