import { afterEach, describe, expect, it, vi } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';

const delta = (before: soma.CompileStats) => {
  const now = soma.compileStats();
  return { traced: now.graphsTraced - before.graphsTraced, runs: now.graphRuns - before.graphRuns, fallbacks: now.graphFallbacks - before.graphFallbacks };
};

describe('soma.compiled: the one compiled entrance', () => {
  afterEach(() => vi.restoreAllMocks());

  it('traces once per signature (batch free with dynamicAxes) and gives what the function gives', async () => {
    const w = soma.variable(soma.tensor([[1, 2], [3, 4]]), false, 'compiled_w');
    const fn = (x: soma.Tensor) => [soma.relu(x.matmul(w)).sum(1)];
    const c = soma.compiled(fn, { name: 'test.relu', dynamicAxes: () => ({ 0: { 0: 'batch' } }) });
    const before = soma.compileStats();
    for (const n of [3, 5, 3]) {
      const x = soma.randomNormal([n, 2], { seed: n });
      const [got] = c.run([x]);
      const [want] = fn(x);
      expect(Array.from(await got.data())).toEqual(Array.from(await want.data()));
      soma.dispose([x, got, want]);
    }
    expect(delta(before)).toEqual({ traced: 1, runs: 3, fallbacks: 0 });
    expect(c.graphs).toBe(1);
    c.dispose();
    expect(c.graphs).toBe(0);
    w.dispose();
  });

  it('runs eagerCalls eager calls per signature before tracing', () => {
    let calls = 0;
    const c = soma.compiled((x) => (calls++, [x.add(1)]), { name: 'test.warm', eagerCalls: 1 });
    const before = soma.compileStats();
    const x = soma.ones([2]);
    soma.dispose([c.run([x]), c.run([x]), c.run([x])].flat());
    // call 1 eager, call 2 traces (one run of fn) and runs the graph, call 3 runs the graph.
    expect(calls).toBe(2);
    expect(delta(before)).toEqual({ traced: 1, runs: 2, fallbacks: 0 });
    c.dispose();
    x.dispose();
  });

  it('remembers at most 256 signatures without a graph, so calls with ever new shapes do not accumulate records', () => {
    const c = soma.compiled((x) => [x.add(1)], { name: 'test.shapes', eagerCalls: 1 });
    // Each shape is seen once: every call is an eager warm-up call, no graph is traced.
    for (let n = 1; n <= 600; n++) {
      const x = soma.ones([n]);
      soma.dispose([...c.run([x]), x]);
    }
    expect(c.graphs).toBe(0);
    expect(c.signatures).toBe(256);
    // A shape seen again soon after is still remembered: its second call traces a graph.
    const x = soma.ones([600]);
    soma.dispose(c.run([x]));
    expect(c.graphs).toBe(1);
    expect(c.signatures).toBe(256);
    c.dispose();
    x.dispose();
  });

  it('maxGraphs frees the least recently used graph', () => {
    const c = soma.compiled((x) => [x.mul(2)], { name: 'test.lru', maxGraphs: 2 });
    const [a, b, d] = [soma.ones([1]), soma.ones([2]), soma.ones([3])];
    const before = soma.compileStats();
    for (const x of [a, b, a, d, a]) soma.dispose(c.run([x]));
    // a, b traced; a reused; d traced and b (least recently used) freed; a still held.
    expect(delta(before)).toEqual({ traced: 3, runs: 5, fallbacks: 0 });
    expect(c.graphs).toBe(2);
    soma.dispose(c.run([b]));
    expect(soma.compileStats().graphsTraced - before.graphsTraced).toBe(4);
    c.dispose();
    soma.dispose([a, b, d]);
  });

  it('a signature that cannot be traced runs eagerly: counted, its reason kept, one warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // The branch follows the batch size, so the two traces (batch 2 and 3) record different kernels.
    const fn = (x: soma.Tensor) => [x.shape[0] === 2 ? x.mul(2) : x.exp()];
    const c = soma.compiled(fn, { name: 'test.branchy', dynamicAxes: () => ({ 0: { 0: 'batch' } }) });
    const before = soma.compileStats();
    const x = soma.ones([2, 2]);
    const outs = [c.run([x]), c.run([x])].flat();
    expect(Array.from(await outs[1].data())).toEqual([2, 2, 2, 2]);
    expect(delta(before)).toEqual({ traced: 0, runs: 0, fallbacks: 2 });
    expect(c.fallbacks).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^test\.branchy: could not be compiled \(.+\); it runs eagerly\.$/);
    expect(soma.compileStats().fallbackReasons.at(-1)?.name).toBe('test.branchy');
    soma.dispose([x, ...outs]);
    c.dispose();
  });

  it("onFallback 'throw' reports the trace error (soma.compile's choice)", () => {
    const c = soma.compiled((x) => [x.shape[0] === 2 ? x.mul(2) : x.exp()], { name: 'test.strict', dynamicAxes: () => ({ 0: { 0: 'batch' } }), onFallback: 'throw' });
    const x = soma.ones([2, 2]);
    expect(() => c.run([x])).toThrow(/trace/);
    x.dispose();
  });

  it('passThrough errors leave the entrance as they are, not as a fallback, and the signature is traced again', () => {
    class Ask extends Error {}
    let ask = true;
    const c = soma.compiled((x) => {
      if (ask) throw new Ask('needs a value');
      return [x.mul(2)];
    }, { name: 'test.passThrough', passThrough: (e) => e instanceof Ask });
    const before = soma.compileStats();
    const x = soma.ones([2]);
    expect(() => c.run([x])).toThrow(Ask);
    expect(delta(before)).toEqual({ traced: 0, runs: 0, fallbacks: 0 });
    expect(c.fallbacks).toBe(0);
    ask = false;
    const [y] = c.run([x]);
    expect(delta(before)).toEqual({ traced: 1, runs: 1, fallbacks: 0 });
    soma.dispose([x, y]);
    c.dispose();
  });

  it('maxGraphs bounds the graphs held (the least recently traced goes first) and frees their constants', () => {
    const c = soma.compiled((x) => [x.add(soma.scalar(1))], { name: 'test.bounded', maxGraphs: 2 });
    const tensorsBefore = soma.memory().numTensors;
    for (const n of [1, 2, 3, 4]) {
      const x = soma.ones([n]);
      soma.dispose([x, ...c.run([x])]);
    }
    expect(c.graphs).toBe(2);
    c.dispose();
    expect(soma.memory().numTensors).toBe(tensorsBefore);
  });

  it('refuses an unknown option, naming it', () => {
    expect(() => soma.compiled((x) => [x], { name: 'test.options', maxGraph: 2 } as never)).toThrow(/compiled.*maxGraph/);
  });

  it('names itself when given something other than tensors', () => {
    const c = soma.compiled((x) => [x], { name: 'test.inputs' });
    expect(() => c.run([1 as unknown as soma.Tensor])).toThrow(/test\.inputs: a compiled function takes tensors/);
  });
});

describe('trace refuses host reads of values that change from run to run', () => {
  afterEach(() => vi.restoreAllMocks());
  // A JavaScript branch on a value: a graph would keep the example's branch for every run.
  const branchy = (x: soma.Tensor) => (x.sum().dataSync()[0] > 0 ? x.mul(2) : x.neg());

  it('names the read and the way out, for inputs, what follows from them and variables', () => {
    expect(() => soma.trace(branchy, [soma.tensor([1, 2])])).toThrow(/trace: the function read a tensor's values on the host \(dataSync\) that depend on its inputs or variables \(shape \[\], float32\).*soma\.where/);
    expect(() => soma.trace((x) => (x.arraySync(), x), [soma.tensor([1, 2])])).toThrow(/\(arraySync\)/);
    const v = soma.variable(soma.tensor([3]), false, 'host_read_v');
    expect(() => soma.trace((x) => x.mul(v.dataSync()[0]), [soma.tensor([1, 2])])).toThrow(/\(dataSync\).*shape \[1\]/);
    v.dispose();
  });

  it('fails the trace even when the function catches the error', () => {
    const sneaky = (x: soma.Tensor) => {
      try {
        x.dataSync();
      } catch {
        // swallowed
      }
      return x.add(1);
    };
    expect(() => soma.trace(sneaky, [soma.tensor([1, 2])])).toThrow(/trace: the function read/);
  });

  it('lets through reads of constants, of tensors from outside, and printing', () => {
    const outside = soma.tensor([5]);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const fn = (x: soma.Tensor) => {
      const k = soma.tensor([2]).dataSync()[0] + outside.dataSync()[0];
      x.print();
      return [x.mul(k)];
    };
    const c = soma.compiled(fn, { name: 'test.reads', onFallback: 'throw' });
    const before = soma.compileStats();
    const [y] = c.run([soma.tensor([3, 4])]);
    expect(delta(before)).toEqual({ traced: 1, runs: 1, fallbacks: 0 });
    expect(log).toHaveBeenCalled();
    expect(Array.from(y.dataSync())).toEqual([21, 28]);
    soma.dispose([outside, y]);
    c.dispose();
  });

  it('compiled() runs such a function eagerly, so each call takes its own branch', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const c = soma.compiled((x) => [branchy(x)], { name: 'test.branch', dynamicAxes: () => ({ 0: { 0: 'batch' } }) });
    const before = soma.compileStats();
    const pos = c.run([soma.tensor([1, 2, 3])])[0];
    const neg = c.run([soma.tensor([-1, -2])])[0];
    expect(Array.from(await pos.data())).toEqual([2, 4, 6]);
    expect(Array.from(await neg.data())).toEqual([1, 2]);
    expect(delta(before)).toEqual({ traced: 0, runs: 0, fallbacks: 2 });
    expect(soma.compileStats().fallbackReasons.find((r) => r.name === 'test.branch')?.reason).toMatch(/dataSync/);
    expect(warn).toHaveBeenCalledTimes(1);
    c.dispose();
  });
});
