import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { initializers, layers, sequential } from '@soma/layers';

describe('initializers as Keras and TF.js users write them', () => {
  it("constant({ value }) (TF.js/Keras), constant(value) and the name 'constant' all work", () => {
    expect(Array.from(initializers.constant({ value: 0.5 }).apply([3], 'float32').dataSync())).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(initializers.constant(2).apply([2], 'float32').dataSync())).toEqual([2, 2]);
    const net = sequential([layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'constant', biasInitializer: initializers.constant({ value: 0.25 }) })]);
    const [kernel, bias] = net.getWeights();
    expect(Array.from(kernel.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(bias.dataSync())).toEqual([0.25, 0.25]);
  });

  it('bad options are errors when the initializer is made, never NaN weights later', () => {
    expect(() => initializers.constant({ val: 0.5 } as never)).toThrow(/initializers.constant.*'val'/);
    expect(() => initializers.constant(Number.NaN)).toThrow(/initializers.constant.*value/);
    expect(() => initializers.randomNormal({ stddev: -1 })).toThrow(/initializers.randomNormal.*stddev/);
    expect(() => initializers.randomNormal({ std: 1 } as never)).toThrow(/initializers.randomNormal.*'std'/);
    expect(() => initializers.randomUniform({ minval: 1, maxval: 0 })).toThrow(/maxval \(0\) must be >= minval \(1\)/);
    expect(() => initializers.varianceScaling({ mode: 'fan_in' as never })).toThrow(/mode must be one of 'fanIn', 'fanOut', 'fanAvg'/);
    expect(() => initializers.glorotUniform({ seed: 1.5 })).toThrow(/initializers.glorotUniform.*seed/);
    expect(() => initializers.orthogonal({ gain: 'big' } as never)).toThrow(/initializers.orthogonal.*gain/);
  });

  it("every Keras initializer is available by name and by factory, 'varianceScaling' included", () => {
    for (const name of ['zeros', 'ones', 'constant', 'varianceScaling', 'randomNormal', 'randomUniform', 'truncatedNormal', 'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunUniform', 'lecunNormal', 'orthogonal', 'identity'] as const) {
      const w = initializers.getInitializer(name).apply([4, 4], 'float32');
      expect(w.shape, name).toEqual([4, 4]);
      expect(Array.from(w.dataSync()).every(Number.isFinite), name).toBe(true);
      w.dispose();
    }
    const vs = initializers.varianceScaling({ scale: 2, mode: 'fanAvg', distribution: 'untruncatedNormal', seed: 3 }).apply([400, 400], 'float32');
    const std = Math.sqrt(soma.variance(vs).dataSync()[0]);
    expect(std).toBeGreaterThan(0.9 * Math.sqrt(2 / 400));
    expect(std).toBeLessThan(1.1 * Math.sqrt(2 / 400));
  });
});
