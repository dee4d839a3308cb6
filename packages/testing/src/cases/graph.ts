import { variableGrads } from '@soma/core';
import { dispose } from '@soma/core';
import * as ops from '@soma/core';
import { runGraph } from '@soma/core';
import { trace } from '@soma/core';
import { compile } from '@soma/core';
import { hostInput } from '@soma/core';
import type { Tensor } from '@soma/core';
import { variable, type Variable } from '@soma/core';
import { check, expectValuesClose } from '../assertions.js';
import type { ConformanceCase } from './index.js';

const g = 'graph';

function mlpParams(): Variable[] {
  return [
    variable(ops.randomNormal([3, 5], { seed: 1 }), true, 'w1'), variable(ops.randomNormal([5], { seed: 2 }), true, 'b1'),
    variable(ops.randomNormal([5, 2], { seed: 3 }), true, 'w2'), variable(ops.randomNormal([2], { seed: 4 }), true, 'b2'),
  ];
}
const mlp = ([w1, b1, w2, b2]: Variable[]) => (x: Tensor) => x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).softmax();

export const graphCases: ConformanceCase[] = [
  { group: g, name: 'trace records a forward pass; runGraph on new inputs equals running it eagerly', runAsync: async () => {
    const params = mlpParams();
    const f = mlp(params);
    const graph = trace(f, [ops.randomNormal([4, 3], { seed: 5 })], { inputNames: ['x'] });
    const text = graph.toString();
    check(/^graph\(%x: float32\[4,3\]\) -> \(%\d+: float32\[4,2\]\)/.test(text), () => `unexpected header:\n${text}`);
    check(text.includes('unary(') && text.includes('op: "tanh"'), () => `tanh should print as a unary kernel with its op:\n${text}`);
    check(text.includes('reshape(%x)') && text.includes('reshape(@w1)') && /= matmul\(%\d+, %\d+\) \{transA: false, transB: false\}/.test(text), () => `the first matmul should read views of the input and of variable w1:\n${text}`);
    check(graph.variables.size === 4, () => `expected 4 variables, got ${graph.variables.size}`);
    const x = ops.randomNormal([4, 3], { seed: 6 });
    const [y] = runGraph(graph, [x]);
    expectValuesClose((await y.data()), (await f(x).data()), { rtol: 1e-6, atol: 1e-7 });
    graph.dispose();
    dispose(params);
  } },
  { group: g, name: 'a dynamic batch axis: shapes and shape attributes follow it, so one graph runs any batch size', runAsync: async () => {
    const w = variable(ops.randomNormal([4, 2, 3, 3], { seed: 7 }), true, 'k');
    const f = (x: Tensor) => ops.maxPool2d(ops.conv2d(x, w, { padding: 1 }).relu(), { kernelSize: 2 }).reshape([x.shape[0], -1]).sum(1);
    const graph = trace(f, [ops.randomNormal([3, 2, 6, 6], { seed: 8 })], { inputNames: ['images'], dynamicAxes: { 0: { 0: 'batch' } } });
    check(graph.inputs[0].shape.join() === 'batch,2,6,6', () => `input shape ${graph.inputs[0].shape.join()}`);
    check(graph.outputs[0].shape.join() === 'batch', () => `output shape ${graph.outputs[0].shape.join()}`);
    for (const n of [1, 5]) {
      const x = ops.randomNormal([n, 2, 6, 6], { seed: 9 + n });
      const [y] = runGraph(graph, [x]);
      check(y.shape.join() === String(n), () => `batch ${n}: output shape ${y.shape.join()}`);
      expectValuesClose((await y.data()), (await f(x).data()), { rtol: 1e-5, atol: 1e-6 });
    }
    let threw = false;
    try {
      runGraph(graph, [ops.zeros([2, 3, 6, 6])]);
    } catch (e) {
      threw = /runGraph: input 0 \(images\) must be float32\[batch,2,6,6\], got float32\[2,3,6,6\]/.test((e as Error).message);
    }
    check(threw, () => 'a wrong input shape must be an error naming the input and both shapes');
    graph.dispose();
    w.dispose();
  } },
  { group: g, name: 'a traced training step (forward, backward, update) trains the real weights when run, and tracing does not', runAsync: async () => {
    const params = mlpParams();
    const copies = params.map((p) => variable(p, true, `${p.name}_eager`));
    const x = ops.randomNormal([6, 3], { seed: 11 });
    const y = ops.oneHot(ops.tensor([0, 1, 1, 0, 1, 0], [6], 'int32'), 2);
    const step = (ps: Variable[]) => (input: Tensor) => {
      const { value, grads } = variableGrads(() => mlp(ps)(input).sub(y).square().mean(), ps);
      for (const p of ps) p.assign(p.sub(grads[p.name].mul(0.5)));
      return value;
    };
    const before = (await params[0].data()).slice();
    const graph = trace(step(params), [x]);
    expectValuesClose((await params[0].data()), before, { rtol: 0, atol: 0 }, 'w1 after tracing');
    check(graph.nodes.filter((n) => n.op === 'assign').length === 4, () => `expected 4 assign nodes:\n${graph.toString()}`);
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [loss] = runGraph(graph, [x]);
      losses.push((await loss.data())[0]);
      const eager = step(copies)(x);
      expectValuesClose((await loss.data()), (await eager.data()), { rtol: 1e-5, atol: 1e-6 }, `loss at step ${i}`);
    }
    for (const [i, p] of params.entries()) expectValuesClose(await p.data(), await copies[i].data(), { rtol: 1e-5, atol: 1e-6 }, p.name);
    check(losses[2] < losses[0], () => `the loss should fall: ${losses.join(', ')}`);
    graph.dispose();
    dispose([params, copies]);
  } },
  { group: g, name: 'two symbolic dimensions (batch and time) through a whole recurrent kernel: one graph runs every batch and sequence length; a product of the two is refused', runAsync: async () => {
    const k = ops.randomNormal([3, 12], { seed: 21 }).mul(0.5);
    const rk = ops.randomNormal([4, 12], { seed: 22 }).mul(0.5);
    const bias = ops.randomNormal([2, 12], { seed: 23 });
    const f = (x: Tensor) => {
      const [b, t] = x.shape;
      const y = ops.recurrentSequence(x, k, rk, { cell: 'gru', bias });
      return y.slice([0, t - 1, 0], [b, 1, 4]).reshape([b, 4]).add(y.sum(1));
    };
    const graph = trace(f, [ops.randomNormal([3, 5, 3], { seed: 24 })], { dynamicAxes: { 0: { 0: 'batch', 1: 'time' } }, wholeOptionalKernels: true });
    check(graph.inputs[0].shape.join() === 'batch,time,3', () => `input shape ${graph.inputs[0].shape.join()}`);
    check(graph.outputs[0].shape.join() === 'batch,4', () => `output shape ${graph.outputs[0].shape.join()}`);
    check(graph.nodes.filter((n) => n.op === 'recurrentSequence').length === 1, () => `expected one recurrentSequence node:\n${graph.toString()}`);
    for (const [n, t] of [[1, 1], [2, 7], [6, 3]]) {
      const x = ops.randomNormal([n, t, 3], { seed: 30 + n + t });
      const [y] = runGraph(graph, [x]);
      check(y.shape.join() === `${n},4`, () => `batch ${n}, time ${t}: output shape ${y.shape.join()}`);
      expectValuesClose((await y.data()), (await f(x).data()), { rtol: 1e-5, atol: 1e-6 });
    }
    graph.dispose();
    let message = '';
    try {
      trace((x: Tensor) => x.reshape([x.shape[0] * x.shape[1], 3]).sum(1), [ops.ones([3, 4, 3])], { dynamicAxes: { 0: { 0: 'batch', 1: 'time' } } });
    } catch (e) {
      message = (e as Error).message;
    }
    check(/follows several symbolic dimensions \('batch' and 'time'\)/.test(message), () => `a [batch·time] dimension must be refused, naming both; got: ${message}`);
    dispose([k, rk, bias]);
  } },
  { group: g, name: 'a tensor of one value built from the batch size is made again at each run; other values built from it are refused, naming the fix', runAsync: async () => {
    const graph = trace((x: Tensor) => x.add(ops.fill([x.shape[0], 2], 0.5)), [ops.ones([3, 2])], { dynamicAxes: { 0: { 0: 'batch' } } });
    for (const n of [1, 5]) {
      const [y] = runGraph(graph, [ops.ones([n, 2])]);
      check(y.shape.join() === `${n},2`, () => `batch ${n}: shape ${y.shape.join()}`);
      expectValuesClose(await y.data(), new Array(n * 2).fill(1.5));
    }
    graph.dispose();
    let message = '';
    try {
      trace((x: Tensor) => x.add(ops.arange(0, x.shape[0]).reshape([-1, 1])), [ops.ones([3, 2])], { dynamicAxes: { 0: { 0: 'batch' } } });
    } catch (e) {
      message = (e as Error).message;
    }
    check(/trace: a tensor made inside the function has shape \[3(,1)?\] in one trace and \[2(,1)?\] in the other: it follows 'batch' but is a constant/.test(message), () => `got: ${message}`);
  } },
  { group: g, name: 'compile traces once per signature and runs the graph: the same results as eager, any batch size', runAsync: async () => {
    const w = variable(ops.randomNormal([3, 4], { seed: 31 }), true, 'cw');
    const f = (x: Tensor) => x.matmul(w).relu().sum(1);
    const compiled = compile(f, { dynamicAxes: { 0: { 0: 'batch' } } });
    for (const n of [2, 5, 2]) {
      const x = ops.randomNormal([n, 3], { seed: n });
      expectValuesClose((await (compiled(x) as Tensor).data()), (await f(x).data()), { rtol: 1e-5, atol: 1e-6 });
    }
    check(compiled.graphs === 1, () => `expected one graph, got ${compiled.graphs}`);
    compiled.dispose();
    w.dispose();
  } },
  { group: g, name: 'chains of elementwise kernels in a graph (fused where the backend fuses) equal the kernels run eagerly: per-channel, row and scalar broadcasts, transcendentals, clip, leakyRelu, a tail', runAsync: async () => {
    const fns: [number[][], (...t: Tensor[]) => Tensor][] = [
      [[[3, 4, 5, 6], [4, 1, 1], [4, 1, 1]], (x, s, b) => x.mul(s).add(b).relu().mul(x.step())],
      [[[6, 13], [13]], (x, b) => ops.clip(ops.leakyRelu(x.add(b), 0.1), -0.6, 0.8).exp()],
      [[[5, 24], [5, 24], [5, 24], []], (i, f, c, k) => ops.sigmoid(f).mul(c).add(ops.sigmoid(i).mul(ops.tanh(c.div(k)))).square().sqrt()],
      [[[1031], [1031]], (x, y) => x.abs().add(1).reciprocal().sub(y.neg()).mul(y)],
    ];
    for (const [shapes, fn] of fns) {
      const inputs = shapes.map((s, k) => ops.randomNormal(s, { seed: 40 + k }).add(k === shapes.length - 1 && !s.length ? 2 : 0));
      const compiled = compile(fn);
      const y = compiled(...inputs) as Tensor;
      const want = fn(...inputs);
      check(y.shape.join() === want.shape.join(), () => `compiled shape [${y.shape}] differs from eager [${want.shape}]`);
      expectValuesClose((await y.data()), (await want.data()), { rtol: 1e-6, atol: 1e-6 });
      compiled.dispose();
      dispose([...inputs, y, want]);
    }
  } },
  { group: g, name: 'a training step with a mean over the batch compiles once and trains as eager steps at every batch size (the count n is computed per run)', runAsync: async () => {
    const params = mlpParams();
    const copies = params.map((p) => variable(p, true, `${p.name}_eager_n`));
    const step = (ps: Variable[]) => (input: Tensor, target: Tensor) => {
      // mean's gradient divides by the batch size, which is a host number while tracing
      const { value, grads } = variableGrads(() => mlp(ps)(input).sub(target).square().mean(), ps);
      for (const p of ps) p.assign(p.sub(grads[p.name].mul(0.5)));
      return value;
    };
    const compiled = compile(step(params), { dynamicAxes: { 0: { 0: 'batch' }, 1: { 0: 'batch' } } });
    for (const n of [4, 7, 1]) {
      const x = ops.randomNormal([n, 3], { seed: 40 + n });
      const y = ops.oneHot(ops.tensor(Array.from({ length: n }, (_, i) => i % 2), [n], 'int32'), 2);
      const loss = compiled(x, y) as Tensor;
      expectValuesClose((await loss.data()), (await step(copies)(x, y).data()), { rtol: 1e-5, atol: 1e-6 }, `loss at batch ${n}`);
    }
    for (const [i, p] of params.entries()) expectValuesClose(await p.data(), await copies[i].data(), { rtol: 1e-5, atol: 1e-6 }, p.name);
    check(compiled.graphs === 1, () => `expected one graph, got ${compiled.graphs}`);
    compiled.dispose();
    dispose([params, copies]);
  } },
  { group: g, name: 'gradients of strided and reversed slices and of gather keep a symbolic batch: the step compiles once and matches eager at every batch size', runAsync: async () => {
    const w = variable(ops.randomNormal([3, 2, 1, 1], { seed: 50 }), true, 'slice_w');
    const w2 = variable(ops.randomNormal([3, 2, 1, 1], { seed: 50 }), true, 'slice_w_eager');
    // A ResNet shortcut's x[:, :, ::2, ::2] beside a reversed and a gathered read of the batch.
    const loss = (v: Variable, x: Tensor) => {
      const y = ops.conv2d(x, v);
      const shortcut = ops.stridedSlice(y, [0, 0, 0, 0], [y.shape[0], 3, 6, 5], [1, 1, 2, 2]);
      const flipped = ops.stridedSlice(y, [0, 2, 5, 0], [y.shape[0], -4, -7, 5], [1, -1, -2, 1]);
      const picked = ops.gather(y, ops.tensor([0, 2, 2], [3], 'int32'), 1);
      return shortcut.square().mean().add(flipped.mul(0.5).sum()).add(picked.square().sum().mul(0.01));
    };
    const step = (v: Variable) => (x: Tensor) => {
      const { value, grads } = variableGrads(() => loss(v, x), [v]);
      v.assign(v.sub(grads[v.name].mul(0.1)));
      return value;
    };
    const compiled = compile(step(w), { dynamicAxes: { 0: { 0: 'batch' } } });
    for (const n of [2, 5, 3]) {
      const x = ops.randomNormal([n, 2, 6, 5], { seed: 60 + n });
      const got = compiled(x) as Tensor;
      expectValuesClose(await got.data(), await step(w2)(x).data(), { rtol: 1e-5, atol: 1e-6 }, `loss at batch ${n}`);
      expectValuesClose(await w.data(), await w2.data(), { rtol: 1e-5, atol: 1e-6 }, `weights after batch ${n}`);
      dispose([x, got]);
    }
    check(compiled.graphs === 1, () => `expected one graph, got ${compiled.graphs}`);
    compiled.dispose();
    dispose([w, w2]);
  } },
  { group: g, name: 'hostInput is recomputed at every run of a graph; a size-derived constant that is not a count is refused', runAsync: async () => {
    let rate = 1;
    const f = (x: Tensor) => x.mul(hostInput([], () => ops.scalar(rate)));
    const compiled = compile(f);
    const x = ops.ones([2]);
    const seen: number[] = [];
    for (const r of [1, 2, 3]) {
      rate = r;
      seen.push((await (compiled(x) as Tensor).data())[0]);
    }
    check(seen.join() === '1,2,3', () => `a traced host input should follow the host value, got ${seen.join()}`);
    compiled.dispose();
    let message = '';
    try {
      trace((t: Tensor) => t.mul(1 / t.shape[0]), [ops.ones([3, 2])], { dynamicAxes: { 0: { 0: 'batch' } } });
    } catch (e) {
      message = (e as Error).message;
    }
    check(/trace: a constant made inside the function \(float32\[\], an input of binary\) has other values when 'batch' changes/.test(message), () => `got: ${message}`);
  } },
];
