import { grads } from '@soma/core';
import { type KernelCall } from '@soma/core';
import { getEngine } from '@soma/core/internal';
import { runGraph } from '@soma/core';
import { trace } from '@soma/core';
import { KERNELS, outputMeta } from '@soma/core';
import type { KernelName } from '@soma/core';
import { dispose, tidy } from '@soma/core';
import * as ops from '@soma/core';
import { profile } from '@soma/core';
import { check, expectValuesClose } from '../assertions.js';
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
  { group: g, name: 'the registry\'s meta rule gives the shape and dtype of every kernel\'s output, for every required kernel', runAsync: async () => {
    const calls: KernelCall[] = [];
    const stop = getEngine().observeKernels({ timed: false, onKernel: (c) => calls.push(c) });
    const kept: unknown[] = [];
    try {
      const x = ops.randomNormal([2, 3, 7, 6], { seed: 3 });
      const w = ops.randomNormal([4, 3, 3, 3], { seed: 4 });
      const b = ops.randomNormal([4], { seed: 5 });
      const m = ops.randomNormal([3, 5], { seed: 6 });
      kept.push(x, w, b, m);
      kept.push(grads((xx: ops.Tensor, ww: ops.Tensor) => {
        const y = ops.conv2d(xx, ww, { stride: 2, padding: 1, bias: b });
        const p = ops.maxPool2d(y, { kernelSize: 2, stride: 1 }).add(ops.avgPool2d(y, { kernelSize: 2, stride: 1, padding: 1 }).slice([0, 0, 0, 0], [2, 4, 3, 2]));
        const picked = ops.gather(p.reshape([2, -1]), ops.tensor([0, 2, 2], undefined, 'int32'), 1);
        return ops.leakyRelu(picked, 0.1).add(ops.clip(p, -1, 1).sum()).softmax().sum();
      })([x, w]));
      kept.push(ops.matmul(m, m, { transposeB: true }), ops.fused.matmul(m, m.transpose(), { bias: ops.zeros([3]), activation: 'relu' }));
      kept.push(ops.fused.conv2d(x, w, { bias: b, activation: 'sigmoid' }), ops.logSoftmax(m, 0));
      kept.push(m.exp(), m.greater(0), ops.any(m.greater(0), 1), m.argMax(1), m.cast('int32'), ops.where(m.less(0), m, ops.zeros([1, 5])));
      kept.push(ops.topK(m, 2)[1], ops.tile(m, [2, 1]), ops.pad(m, [[1, 0], [0, 2]]), ops.concat([m, m], 1), ops.transpose(x, [0, 2, 3, 1]));
      kept.push(ops.scatterAdd(ops.zeros([4, 5]), ops.tensor([1, 1, 3], undefined, 'int32'), ops.ones([3, 5]), 0));
    } finally {
      stop();
    }
    const seen = new Set<string>();
    for (const c of calls) {
      seen.add(c.kernel);
      if (c.kernel === 'fusedUpdate') continue;
      const meta = outputMeta(c.kernel, c.inputs, c.attrs as never);
      check(meta.dtype === c.output.dtype && meta.shape.join() === c.output.shape.join(),
        () => `${c.kernel} ${JSON.stringify(c.attrs)}: the registry says ${meta.dtype}[${meta.shape.join(',')}], the backend gave ${c.output.dtype}[${c.output.shape.join(',')}]`);
    }
    const required = (Object.keys(KERNELS) as KernelName[]).filter((k) => !KERNELS[k].optional);
    const missing = required.filter((k) => !seen.has(k));
    check(missing.length === 0, () => `the workload did not reach: ${missing.join(', ')}`);
    dispose(kept);
  } },
  { group: g, name: 'fused kernels go through the dispatch point: profile shows what runs, and a trace replays it', runAsync: async () => {
    const backend = getEngine().backend;
    const x = ops.randomNormal([2, 3, 6, 6], { seed: 1 });
    const w = ops.randomNormal([4, 3, 3, 3], { seed: 2 });
    const b = ops.randomNormal([4], { seed: 3 });
    const fc = ops.randomNormal([144, 5], { seed: 4 });
    const fb = ops.randomNormal([5], { seed: 5 });
    const net = (t: ops.Tensor) => {
      const y = ops.fused.conv2d(t, w, { padding: 1, bias: b, activation: 'relu' }).reshape([t.shape[0], -1]);
      return ops.fused.matmul(y, fc, { bias: fb, activation: 'tanh' }).softmax();
    };
    const info = await profile(() => tidy(() => net(x)));
    const names = info.kernels.map((k) => k.name);
    for (const k of ['conv2dActivated', 'matmulActivated', 'softmax'] as const) {
      // What the backend offers runs as one kernel; elsewhere the default body's plain kernels run.
      check(names.includes(k) === !!backend[k], () => `${k}: the backend ${backend[k] ? 'has' : 'lacks'} it, profile saw [${names.join(', ')}]`);
    }
    if (!backend.conv2dActivated) check(names.includes('conv2d') && names.includes('unary.relu'), () => `the default body's kernels: [${names.join(', ')}]`);
    const graph = trace(net, [x]);
    const ops_ = graph.nodes.map((n) => n.op);
    check(ops_.includes('conv2dActivated') === !!backend.conv2dActivated, () => `trace recorded [${ops_.join(', ')}]`);
    const x2 = ops.randomNormal([2, 3, 6, 6], { seed: 9 });
    const [replayed] = runGraph(graph, [x2]);
    const eager = net(x2);
    expectValuesClose(await replayed.data(), await eager.data(), { atol: 1e-6 }, 'replayed vs eager');
    graph.dispose();
    dispose([x, w, b, fc, fb, x2, replayed, eager, info.result]);
  } },
];
