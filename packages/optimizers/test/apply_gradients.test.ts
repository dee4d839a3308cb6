import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { sgd } from '@soma/optimizers';

// TF.js: `const { value, grads } = tf.variableGrads(f); optimizer.applyGradients(grads);`
describe('applyGradients with the grads record of variableGrads (the TF.js idiom)', () => {
  it('finds the variables by name and applies the update', () => {
    const w = soma.variable(soma.tensor([1, 2]), true, 'tfjs_idiom_w');
    const opt = sgd({ learningRate: 0.5 });
    const { value, grads } = soma.variableGrads(() => w.square().sum());
    opt.applyGradients(grads);
    expect(Array.from(w.dataSync())).toEqual([0, 0]);          // w − 0.5 · 2w
    soma.dispose([value, grads, w]);
  });

  it('a name no live variable has, or two variables share, is an error that says what to pass instead', () => {
    const opt = sgd({ learningRate: 0.1 });
    expect(() => opt.applyGradients({ no_such_variable: soma.ones([2]) })).toThrow(/no live variable is named 'no_such_variable'/);
    const a = soma.variable(soma.ones([2]), true, 'twice_named');
    const b = soma.variable(soma.ones([2]), true, 'twice_named');
    expect(() => opt.applyGradients({ twice_named: soma.ones([2]) })).toThrow(/2 live variables are named 'twice_named'; pass what variableGrads returns/);
    b.dispose();
    opt.applyGradients({ twice_named: soma.ones([2]) });       // one left: it is found
    expect(Array.from(a.dataSync())).toEqual([0.9, 0.9].map((x) => Math.fround(x)));
    a.dispose();
    expect(() => opt.applyGradients({ twice_named: soma.ones([2]) })).toThrow(/no live variable/);
  });
});

describe("train.* with TF.js's positional arguments", () => {
  it('train.adam(0.01) is Adam with learning rate 0.01; train.momentum and train.rmsprop map their arguments', async () => {
    const { train } = await import('@soma/optimizers');
    const a = train.adam(0.01, 0.8, 0.99, 1e-7);
    expect(a.name).toBe('adam');
    expect(a.currentLearningRate()).toBe(0.01);
    expect(a.getConfig().options).toMatchObject({ learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-7 });
    expect(train.momentum(0.1, 0.9, true).getConfig().options).toMatchObject({ learningRate: 0.1, momentum: 0.9, nesterov: true });
    expect(train.rmsprop(0.01, 0.95).getConfig().options).toMatchObject({ learningRate: 0.01, rho: 0.95 });
    expect(train.sgd(0.5).currentLearningRate()).toBe(0.5);
    expect(() => train.adam(-1)).toThrow(/learningRate/);
  });
});
