import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-webgpu';
import { adam, adamw, clipByGlobalNorm, clipByNorm, clipByValue, schedules, sgd, type Optimizer } from '@soma/optimizers';
import { backendsUnderTest } from '@soma/testing';

describe('learning-rate schedules', () => {
  it('inverseTimeDecay: lr0 / (1 + k t)', () => {
    const s = schedules.inverseTimeDecay({ initialLearningRate: 0.1, decayRate: 0.5 });
    expect([0, 1, 4].map((t) => s.at(t))).toEqual([0.1, 0.1 / 1.5, 0.1 / 3]);
  });
  it('exponentialDecay: lr0 · rate^(t/steps), and floored with staircase', () => {
    const s = schedules.exponentialDecay({ initialLearningRate: 1, decayRate: 0.5, decaySteps: 10 });
    expect(s.at(5)).toBeCloseTo(0.5 ** 0.5, 12);
    const st = schedules.exponentialDecay({ initialLearningRate: 1, decayRate: 0.5, decaySteps: 10, staircase: true });
    expect([9, 10, 25].map((t) => st.at(t))).toEqual([1, 0.5, 0.25]);
  });
  it('inverseSqrt: lr0 / sqrt(t) over 1-based steps, after an optional linear warmup', () => {
    const s = schedules.inverseSqrt({ initialLearningRate: 1 });
    expect([0, 3, 99].map((t) => s.at(t))).toEqual([1, 0.5, 0.1]);
    const w = schedules.inverseSqrt({ initialLearningRate: 1, warmupSteps: 4 });
    expect([0, 3, 4, 7].map((t) => w.at(t))).toEqual([0.25, 1, 1, 0.5]);
  });
  it('piecewiseConstant picks the value of the interval', () => {
    const s = schedules.piecewiseConstant({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect([0, 9, 10, 19, 20, 1000].map((t) => s.at(t))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
    expect(() => schedules.piecewiseConstant({ boundaries: [10], values: [1] })).toThrow('values needs 2 entries for 1 boundaries, got 1');
  });
  it('cosineDecay with warmup: linear ramp to the target, cosine to alpha·target, then flat', () => {
    const s = schedules.cosineDecay({ initialLearningRate: 0, warmupTarget: 1, warmupSteps: 10, decaySteps: 100, alpha: 0.1 });
    expect(s.at(0)).toBe(0);
    expect(s.at(5)).toBeCloseTo(0.5, 12);
    expect(s.at(10)).toBeCloseTo(1, 12);
    expect(s.at(60)).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(s.at(110)).toBeCloseTo(0.1, 12);
    expect(s.at(500)).toBeCloseTo(0.1, 12);
  });
  it('an optimizer reads its schedule at its step count', () => {
    const w = soma.variable(soma.scalar(0), true, 'sched_w');
    const opt = sgd({ learningRate: schedules.piecewiseConstant({ boundaries: [2], values: [1, 0.1] }) });
    const g = soma.scalar(1);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push(opt.currentLearningRate());
      opt.applyGradients([[w, g]]);
    }
    expect(seen).toEqual([1, 1, 0.1, 0.1]);
    expect(w.dataSync()[0]).toBeCloseTo(-2.2, 6);
    soma.dispose([w, g]);
  });
});

describe('gradient clipping', () => {
  it('by value, by norm and by global norm', () => {
    soma.tidy(() => {
      const a = soma.tensor([3, -4]);
      const b = soma.tensor([12]);
      expect(Array.from(clipByValue([a], 2)[0].dataSync())).toEqual([2, -2]);
      const [n] = clipByNorm([a], 1);
      expect(Array.from(n.dataSync()).map((v) => +v.toFixed(6))).toEqual([0.6, -0.8]);
      const { grads, norm } = clipByGlobalNorm([a, b], 6.5);
      expect(norm.dataSync()[0]).toBeCloseTo(13, 5);
      expect(grads[0].dataSync()[0]).toBeCloseTo((3 * 6.5) / (13 + 1e-6), 5);
      expect(grads[1].dataSync()[0]).toBeCloseTo((12 * 6.5) / (13 + 1e-6), 5);
    });
  });
});

describe('optimizer state', () => {
  it('getState/setState resumes a run exactly where it stopped', () => {
    const make = () => soma.tidy(() => soma.variable(soma.tensor([1, -2, 3]), true, 'state_w'));
    const loss = (w: soma.Tensor) => () => w.square().sum().add(w.sum().sin());
    const steps = (opt: ReturnType<typeof adam>, w: soma.Variable, n: number) => {
      for (let i = 0; i < n; i++) opt.minimize(loss(w), [w]).dispose();
    };
    const w1 = make();
    const o1 = adam({ learningRate: 0.1, amsgrad: true });
    steps(o1, w1, 10);

    const w2 = make();
    const o2 = adam({ learningRate: 0.1, amsgrad: true });
    steps(o2, w2, 4);
    const state = o2.getState();
    const o3 = adam({ learningRate: 0.1, amsgrad: true });
    o3.setState(state, [w2]);
    soma.dispose(Object.values(state.slots).flatMap((s) => Object.values(s)));
    o2.dispose();
    steps(o3, w2, 6);
    expect(o3.iterations).toBe(10);
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w1.dataSync()));
    soma.dispose([w1, w2]);
    o1.dispose();
    o3.dispose();
  });

  it('rejects a state for other variables or another optimizer', () => {
    const w = soma.tidy(() => soma.variable(soma.zeros([2]), true, 'x_w'));
    const o = adam();
    o.minimize(() => w.square().sum(), [w]).dispose();
    const state = o.getState();
    expect(() => sgd().setState(state, [w])).toThrow("sgd.setState: the state was saved by 'adam'");
    const other = soma.tidy(() => soma.variable(soma.zeros([2]), true, 'other_w'));
    expect(() => adam().setState(state, [other])).toThrow("adam.setState: no variable named 'x_w'");
    soma.dispose([w, other, ...Object.values(state.slots.x_w)]);
    o.dispose();
  });
});

describe('errors and memory', () => {
  it('names the variable whose gradient has the wrong shape', () => {
    const w = soma.tidy(() => soma.variable(soma.zeros([2, 2]), true, 'shape_w'));
    const g = soma.zeros([3]);
    expect(() => sgd().applyGradients([[w, g]])).toThrow("sgd.applyGradients: gradient for 'shape_w' has shape [3] but the variable is [2,2]");
    soma.dispose([w, g]);
  });

  it('an update loop leaves the tensor count unchanged after the first step', () => {
    const w = soma.tidy(() => soma.variable(soma.randomNormal([4, 4], { seed: 1 }), true, 'mem_w'));
    const o = adam({ learningRate: 0.01, globalClipNorm: 1 });
    o.minimize(() => w.matmul(w).sum(), [w]).dispose();
    const count = soma.memory().numTensors;
    for (let i = 0; i < 20; i++) o.minimize(() => w.matmul(w).sum(), [w]).dispose();
    expect(soma.memory().numTensors).toBe(count);
    o.dispose();
    w.dispose();
  });
});

describe('optimizer config', () => {
  it('getConfig → optimizerFromConfig gives an optimizer that takes the same steps, schedules included', async () => {
    const { optimizerFromConfig } = await import('@soma/optimizers');
    const a = adam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.1, decayRate: 0.5, decaySteps: 2 }), amsgrad: true, globalClipNorm: 1 });
    const b = optimizerFromConfig(JSON.parse(JSON.stringify(a.getConfig())));
    expect(b.getConfig()).toEqual(a.getConfig());
    const run = (o: Optimizer) => {
      const w = soma.tidy(() => soma.variable(soma.tensor([1, -2]), true, 'cfg_w'));
      for (let i = 0; i < 5; i++) o.minimize(() => w.square().sum(), [w]).dispose();
      const v = Array.from(w.dataSync());
      w.dispose();
      o.dispose();
      return v;
    };
    expect(run(b)).toEqual(run(a));
    expect(() => optimizerFromConfig({ name: 'adamm', options: {} })).toThrow("unknown optimizer 'adamm'; valid names: sgd, rmsprop, adam");
  });
});

describe('fused updates (one pass per parameter where the backend has the kernel)', () => {
  const configs: [string, () => Optimizer, () => Optimizer][] = [
    ['adam', () => adam({ learningRate: 0.01 }), () => adam({ learningRate: 0.01, fused: false })],
    ['adam with L2 and amsgrad', () => adam({ learningRate: 0.01, weightDecay: 0.1, amsgrad: true }), () => adam({ learningRate: 0.01, weightDecay: 0.1, amsgrad: true, fused: false })],
    ['adamw with a schedule', () => adamw({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.02, decaySteps: 3, decayRate: 0.5 }) }), () => adamw({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.02, decaySteps: 3, decayRate: 0.5 }), fused: false })],
    ['sgd with momentum and dampening', () => sgd({ learningRate: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }), () => sgd({ learningRate: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, fused: false })],
    ['sgd nesterov', () => sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), () => sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true, fused: false })],
  ];
  for (const backend of backendsUnderTest(['cpu', 'webgpu'])) {
    for (const [name, fused, plain] of configs) {
      it(`${name} on ${backend}: the same parameters and slots as the op-by-op update`, async () => {
        await soma.setBackend(backend);
        const run = async (make: () => Optimizer) => {
          const opt = make();
          const w = soma.tidy(() => soma.variable(soma.randomNormal([3, 50], { seed: 1 }), true, `fused_${name}`));
          const target = soma.randomNormal([3, 50], { seed: 2 });
          const fusedCount = () => (soma.memory().backends?.[backend] as Record<string, number>).fusedUpdates;
          const before = fusedCount();
          for (let i = 0; i < 8; i++) opt.minimize(() => w.sub(target).square().sum().mul(soma.scalar(0.5)), [w]).dispose();
          const fusedSteps = fusedCount() - before;
          const values = Array.from(await w.data());
          const state = opt.getState();
          const slots = await Promise.all(Object.values(state.slots[w.name]).map(async (t) => Array.from(await t.data())));
          soma.dispose(Object.values(state.slots[w.name]));
          soma.dispose([w, target]);
          opt.dispose();
          return { values, slots, fusedSteps };
        };
        const a = await run(fused);
        const b = await run(plain);
        expect(a.fusedSteps).toBe(8);
        expect(b.fusedSteps).toBe(0);
        a.values.forEach((v, i) => expect(v).toBeCloseTo(b.values[i], 6));
        a.slots.forEach((s, k) => s.forEach((v, i) => expect(v).toBeCloseTo(b.slots[k][i], 6)));
        // cpu's fused update (WebAssembly SIMD) rounds every step to float32 in order: the same bits.
        if (backend === 'cpu') expect({ values: a.values, slots: a.slots }).toEqual({ values: b.values, slots: b.slots });
        await soma.setBackend('cpu');
      });
    }
  }
});
