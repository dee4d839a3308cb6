import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';

// A TF.js snippet ported line by line: the rank-checked constructors and getBackend() as a name.
describe('TF.js names, typed the way TF.js users type them', () => {
  it('tensor1d … tensor6d make tensors of that rank and refuse values of another', () => {
    expect(soma.tensor1d([1, 2, 3]).shape).toEqual([3]);
    expect(soma.tensor1d([1, 2], 'int32').dtype).toBe('int32');
    expect(soma.tensor2d([[1, 2], [3, 4]]).shape).toEqual([2, 2]);
    expect(soma.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]).shape).toEqual([3, 2]);
    expect(soma.tensor3d([[[1], [2]]]).shape).toEqual([1, 2, 1]);
    expect(soma.tensor4d(new Float32Array(24), [1, 2, 3, 4]).shape).toEqual([1, 2, 3, 4]);
    expect(soma.tensor5d(new Float32Array(2), [1, 1, 1, 1, 2]).rank).toBe(5);
    expect(soma.tensor6d(new Float32Array(2), [1, 1, 1, 1, 1, 2]).rank).toBe(6);
    expect(() => soma.tensor1d([[1, 2]])).toThrow(/tensor1d: expected 1-D values, got 2-D values of shape \[1, 2\]/);
    expect(() => soma.tensor2d([1, 2, 3, 4])).toThrow(/tensor2d: expected 2-D values, got 1-D .*flat values need a shape of 2 dimensions/);
    expect(() => soma.tensor2d([1, 2, 3, 4], [4])).toThrow(/tensor2d: shape must have 2 dimensions, got \[4\]/);
    expect(soma.scalar(2).shape).toEqual([]);
  });

  it("getBackend() is the active backend's name (so `getBackend() === 'cpu'` works); backend() is the object", async () => {
    await soma.setBackend('cpu');
    expect(soma.getBackend()).toBe('cpu');
    expect(soma.getBackend() === 'cpu').toBe(true);
    expect(soma.backend().name).toBe('cpu');
    expect(soma.getBackendName()).toBe(soma.getBackend());
  });
});

describe('TF.js names Soma keeps elsewhere say how to write them in Soma', () => {
  it('soma.train.adam(0.01), soma.sequential(…), soma.loadLayersModel(…): the error names the Soma spelling', () => {
    const t = soma as unknown as Record<string, Record<string, (...a: unknown[]) => unknown> & ((...a: unknown[]) => unknown)>;
    expect(() => t.train.adam(0.01)).toThrow(/soma\.train\.adam: is TF\.js's name; in Soma, optimizers are in @soma\/optimizers: import \{ train \} from '@soma\/optimizers'/);
    expect(() => t.layers.dense({ units: 1 })).toThrow(/soma\.layers\.dense: .*import \{ layers \} from '@soma\/layers'/);
    expect(() => t.sequential({ layers: [] })).toThrow(/soma\.sequential: .*import \{ sequential \} from '@soma\/layers'/);
    expect(() => t.loadLayersModel('file://./m/model.json')).toThrow(/import \{ loadModel \} from '@soma\/layers'/);
    expect(() => t.engine()).toThrow(/soma\.memory\(\)/);
    expect(() => t.clipByValue(1, 0, 1)).toThrow(/soma\.clipByValue: is TF\.js's name; in Soma, soma\.clip\(x, min, max\)/);
    expect(() => t.range(0, 5)).toThrow(/soma\.range: .*soma\.arange\(start, stop, step\)/);
  });

  it("TF.js's positional random draws (randomUniform(shape, minval, maxval), randomNormal(shape, mean, stdDev, dtype, seed)) name the options object that says the same", () => {
    const r = soma as unknown as Record<string, (...a: unknown[]) => unknown>;
    expect(() => r.randomUniform([2, 2], -1, 1)).toThrow(/randomUniform: takes an options object, not TF\.js's positional arguments: write randomUniform\(shape, \{ min: -1, max: 1 \}\)/);
    expect(() => r.randomNormal([3], 0, 2, 'float32', 7)).toThrow(/write randomNormal\(shape, \{ mean: 0, std: 2, dtype: "float32", seed: 7 \}\)/);
    expect(() => r.truncatedNormal([3], 0.5)).toThrow(/write truncatedNormal\(shape, \{ mean: 0\.5 \}\)/);
    expect(soma.randomUniform([2], { min: -1, max: 1, seed: 3 }).shape).toEqual([2]);
  });

  it('every name in the table has a stub that throws its hint, and the stubs are harmless to inspect', async () => {
    for (const name of Object.keys(soma.TFJS_NAMES)) {
      const stub = (soma as unknown as Record<string, unknown>)[name];
      expect(stub, name).toBeDefined();
      const call = typeof stub === 'function' ? () => (stub as () => unknown)() : () => (stub as Record<string, () => unknown>).anything();
      expect(call, name).toThrow(soma.TFJS_NAMES[name].slice(0, 20));
    }
    // Awaiting, printing or serializing a namespace stub does not throw.
    expect(await Promise.resolve(soma.train)).toBe(soma.train);
    expect(JSON.stringify(soma.data)).toBe('{}');
  });
});
