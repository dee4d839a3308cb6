import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';
import '@soma/backend-native';
import '@soma/backend-webgpu';
import { checkGradients, backendsUnderTest } from '@soma/testing';
import { layers, type Layer, type LayerShape } from '@soma/layers';
import { adam, adadelta, adagrad, adamax, adamw, nadam, rmsprop, sgd } from '@soma/optimizers';

// Every backend registered in this run; webgpu and native join automatically once their packages
// register. Registered at load time because describe.each reads the list while collecting tests.
if (!soma.listBackends().includes('cpu-js')) soma.registerBackend('cpu-js', () => new CpuBackend('cpu-js', { wasm: false }));
const backends = (): string[] => backendsUnderTest(soma.listBackends());

/** Each layer family with arguments and an input shape (batch first). */
const CASES: [string, () => Layer, number[]][] = [
  ['dense', () => layers.dense({ units: 3, activation: 'tanh' }), [2, 4]],
  ['activation gelu', () => layers.activation({ activation: 'gelu' }), [2, 5]],
  ['leakyRelu', () => layers.leakyRelu({ alpha: 0.1 }), [2, 5]],
  ['prelu', () => layers.prelu({ alphaInitializer: 'ones' }), [2, 3, 2, 2]],
  ['flatten', () => layers.flatten(), [2, 3, 2, 2]],
  ['reshape', () => layers.reshape({ targetShape: [3, -1] }), [2, 6]],
  ['permute', () => layers.permute({ dims: [2, 1] }), [2, 3, 4]],
  ['repeatVector', () => layers.repeatVector({ n: 3 }), [2, 4]],
  ['conv1d', () => layers.conv1d({ filters: 2, kernelSize: 3, padding: 'same' }), [2, 3, 6]],
  ['conv2d', () => layers.conv2d({ filters: 2, kernelSize: 3, strides: 2 }), [2, 2, 5, 5]],
  ['depthwiseConv2d', () => layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }), [1, 2, 5, 5]],
  ['conv2dTranspose', () => layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2 }), [1, 2, 3, 3]],
  ['maxPool1d', () => layers.maxPool1d({ poolSize: 2 }), [2, 3, 6]],
  ['avgPool1d', () => layers.avgPool1d({ poolSize: 3, strides: 1 }), [2, 3, 6]],
  ['avgPool2d same', () => layers.avgPool2d({ poolSize: 2, padding: 'same' }), [1, 2, 5, 5]],
  ['globalMaxPool2d', () => layers.globalMaxPool2d(), [2, 3, 3, 3]],
  ['zeroPadding2d', () => layers.zeroPadding2d({ padding: [[1, 0], [2, 1]] }), [1, 2, 3, 3]],
  ['upSampling2d', () => layers.upSampling2d({ size: [2, 3] }), [1, 2, 2, 2]],
  ['layerNormalization', () => layers.layerNormalization(), [2, 3, 4]],
  ['simpleRnn', () => layers.simpleRnn({ units: 3, returnSequences: true }), [2, 4, 3]],
  ['lstm with peepholes', () => layers.lstm({ units: 3, peephole: true }), [2, 4, 3]],
  ['gru without resetAfter', () => layers.gru({ units: 3, resetAfter: false, returnSequences: true }), [2, 4, 3]],
  ['bidirectional lstm', () => layers.bidirectional({ layer: layers.lstm({ units: 2, returnSequences: true }) }), [2, 4, 3]],
  ['timeDistributed dense', () => layers.timeDistributed({ layer: layers.dense({ units: 2 }) }), [2, 4, 3]],
];

describe.each(backends())('layers on backend %s', (backend) => {
  for (const [name, make, shape] of CASES) {
    it(`${name}: output shape as computed symbolically, and input gradient matches central differences`, async () => {
      await soma.setBackend(backend);
      const layer = make();
      const x = soma.randomNormal(shape, { seed: 5 });
      const y = soma.tidy(() => layer.apply(x) as soma.Tensor);
      const predicted = layer.computeOutputShape([null, ...shape.slice(1)]) as LayerShape;
      expect([shape[0], ...predicted.slice(1)]).toEqual(y.shape);
      // Perturb weights away from symmetric initial values so the check is not trivially zero.
      soma.tidy(() => layer.weights.forEach((w, i) => w.assign(soma.randomNormal(w.shape, { seed: 10 + i, std: 0.5 }))));
      await checkGradients((t) => layer.apply(t) as soma.Tensor, [x], { tolerance: 2e-2 });
      soma.dispose([x, y]);
      layer.dispose();
      await soma.setBackend('cpu');
    });
  }

  it('every optimizer decreases a quadratic', async () => {
    await soma.setBackend(backend);
    for (const opt of [sgd({ learningRate: 0.1 }), rmsprop(), adam({ learningRate: 0.05 }), adamw({ learningRate: 0.05 }), adagrad({ learningRate: 0.5 }), adadelta({ learningRate: 10 }), adamax({ learningRate: 0.05 }), nadam({ learningRate: 0.05 })]) {
      const w = soma.tidy(() => soma.variable(soma.tensor([3, -2]), true, `q_${opt.name}`));
      const loss = () => w.sub(1).square().sum();
      const read = async () => {
        const t = loss();
        const v = (await t.data())[0];
        t.dispose();
        return v;
      };
      const first = await read();
      for (let i = 0; i < 30; i++) opt.minimize(loss, [w]).dispose();
      const last = await read();
      expect(last, opt.name).toBeLessThan(first * 0.9);
      expect(w.backendName).toBe(backend);
      opt.dispose();
      w.dispose();
    }
    await soma.setBackend('cpu');
  });
});
