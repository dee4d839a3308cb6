import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst).toBeLessThan(tol);
}

describe("whole-graph execution on 'native': soma.compile runs a traced function as one onnxruntime session", () => {
  it('a CNN forward pass equals eager execution, for any batch size, with one graph', async () => {
    await soma.setBackend('native');
    const w1 = soma.variable(soma.randomNormal([4, 2, 3, 3], { seed: 1 }), true, 'w1');
    const w2 = soma.variable(soma.randomNormal([16, 3], { seed: 2 }), true, 'w2');
    const f = (x: soma.Tensor) => soma.maxPool2d(soma.conv2d(x, w1, { padding: 1 }).relu(), { kernelSize: 2 }).mean([2, 3]).matmul(soma.ones([4, 16])).matmul(w2).softmax();
    const compiled = soma.compile(f, { dynamicAxes: { 0: { 0: 'batch' } } });
    const before = soma.memory().backends.native.graphRuns;
    for (const n of [3, 5]) {
      const x = soma.randomNormal([n, 2, 8, 8], { seed: n });
      const y = compiled(x) as soma.Tensor;
      const eager = f(x);
      expect(y.shape).toEqual(eager.shape);
      close(y.dataSync(), eager.dataSync());
      soma.dispose([x, y, eager]);
    }
    expect(compiled.graphs).toBe(1);
    expect(soma.memory().backends.native.graphRuns - before).toBe(2);
    compiled.dispose();
    soma.dispose([w1, w2]);
    await soma.setBackend('cpu');
  });

  it('a whole SGD training step (forward, backward, update) runs as one session and trains exactly as eager steps', async () => {
    await soma.setBackend('native');
    const make = (suffix: string) => [
      soma.variable(soma.randomNormal([3, 8], { seed: 3 }), true, `a${suffix}`), soma.variable(soma.zeros([8]), true, `b${suffix}`),
      soma.variable(soma.randomNormal([8, 1], { seed: 4 }), true, `c${suffix}`),
    ];
    const x = soma.randomNormal([16, 3], { seed: 5 });
    const y = x.sum(1, true).greater(0).cast('float32');
    const step = (ps: soma.Variable[]) => (input: soma.Tensor) => {
      const { value, grads } = soma.variableGrads(() => input.matmul(ps[0]).add(ps[1]).tanh().matmul(ps[2]).sigmoid().sub(y).square().mean(), ps);
      for (const p of ps) p.assign(p.sub(grads[p.name].mul(0.3)));
      soma.dispose(grads);
      return value;
    };
    const graphParams = make('_g');
    const eagerParams = make('_e');
    const compiled = soma.compile(step(graphParams));
    const runsBefore = soma.memory().backends.native.graphRuns;
    for (let i = 0; i < 4; i++) {
      const l1 = compiled(x) as soma.Tensor;
      const l2 = step(eagerParams)(x);
      close(l1.dataSync(), l2.dataSync());
      soma.dispose([l1, l2]);
    }
    graphParams.forEach((p, i) => close(p.dataSync(), eagerParams[i].dataSync()));
    expect(soma.memory().backends.native.graphRuns - runsBefore).toBe(4);
    compiled.dispose();
    soma.dispose([x, y, graphParams, eagerParams]);
    await soma.setBackend('cpu');
  });
});
