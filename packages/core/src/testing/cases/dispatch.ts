import { getEngine } from '../../engine/engine.js';
import { dispose, tidy } from '../../memory.js';
import * as ops from '../../ops/index.js';
import { profile } from '../../profile.js';
import { check } from '../assertions.js';
import type { ConformanceCase } from './index.js';

const g = 'kernel dispatch';
export const dispatchCases: ConformanceCase[] = [
  { group: g, name: 'profile sees every kernel call with its name, op, bytes and the run it belongs to', runAsync: async () => {
    const x = ops.ones([2, 3, 8, 8]);
    const w = ops.ones([4, 3, 3, 3]);
    const info = await profile(() => tidy(() => ops.conv2d(x, w, { padding: 1 }).relu().sum()));
    const byName = new Map(info.kernels.map((k) => [k.name, k]));
    const conv = byName.get('conv2d');
    check(conv?.calls === 1, () => `conv2d: expected 1 call, got ${conv?.calls}`);
    check(conv!.bytesIn === (2 * 3 * 64 + 4 * 27) * 4 && conv!.bytesOut === 2 * 4 * 64 * 4, () => `conv2d bytes in/out ${conv!.bytesIn}/${conv!.bytesOut}`);
    check(byName.get('unary.relu')?.calls === 1 && byName.get('reduce.sum')?.calls === 1, () => `kernels seen: ${[...byName.keys()].join(', ')}`);
    check(info.kernelCalls === info.kernels.reduce((a, k) => a + k.calls, 0), () => 'kernelCalls is not the sum of the calls');
    check(info.newTensors === 1 && info.peakBytes >= conv!.bytesOut, () => `newTensors ${info.newTensors}, peakBytes ${info.peakBytes}`);
    check((await info.result.data())[0] > 0, () => 'the result is returned');
    dispose([x, w, info.result]);
  } },
  { group: g, name: 'observers see kernel calls only while registered', run: () => {
    const seen: string[] = [];
    const stop = getEngine().observeKernels({ timed: false, onKernel: (c) => seen.push(c.kernel) });
    ops.ones([2]).add(1);
    stop();
    ops.ones([2]).add(1);
    check(seen.join() === 'binary', () => `expected one binary call, saw [${seen.join(', ')}]`);
  } },
];
