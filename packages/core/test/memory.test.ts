import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';

const gc = (globalThis as { gc?: () => void }).gc;

describe('memory', () => {
  it('frees storage of tensors garbage-collected without dispose (FinalizationRegistry)', async () => {
    expect(gc, 'vitest runs with --expose-gc').toBeTypeOf('function');
    const start = soma.memory();
    (() => {
      for (let i = 0; i < 50; i++) soma.ones([1000]).mul(i); // 100 tensors, all dropped
    })();
    expect(soma.memory().numTensors).toBe(start.numTensors + 100);
    for (let i = 0; i < 20 && soma.memory().numTensors > start.numTensors; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    const end = soma.memory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBytes).toBe(start.numBytes);
    expect(end.numReclaimed - start.numReclaimed).toBe(100);
  });

  it('a training loop leaves memory().numTensors where it was after the first step', () => {
    const x = soma.randomNormal([64, 8], { seed: 1 });
    const y = soma.randomNormal([64, 1], { seed: 2 });
    const [w1, w2] = soma.tidy(() => [
      soma.variable(soma.randomNormal([8, 16], { seed: 3, std: 0.3 }), true, 'mem_w1'),
      soma.variable(soma.randomNormal([16, 1], { seed: 4, std: 0.3 }), true, 'mem_w2'),
    ]);
    const step = (): number => {
      const { value, grads } = soma.variableGrads(() => x.matmul(w1).tanh().matmul(w2).sub(y).square().mean());
      soma.tidy(() => [w1, w2].forEach((w) => w.assign(w.sub(grads[w.name].mul(0.05)))));
      const loss = value.dataSync()[0];
      soma.dispose([value, grads]);
      return loss;
    };
    const first = step();
    const after1 = soma.memory();
    let last = first;
    for (let i = 0; i < 50; i++) last = step();
    expect(soma.memory().numTensors).toBe(after1.numTensors);
    expect(soma.memory().numBytes).toBe(after1.numBytes);
    expect(last).toBeLessThan(first);
    soma.dispose([x, y, w1, w2]);
  });
});
