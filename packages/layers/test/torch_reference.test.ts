import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { layers, losses, type Layer, type LossFn } from '@soma/layers';
import fixtures from '../../../test/fixtures/torch_layers.json';

interface Fx { shape: number[]; data: number[]; dtype: string }
const up = (t: Fx): soma.Tensor => soma.tensor(t.data, t.shape, t.dtype as soma.DType);

function expectClose(actual: soma.Tensor, expected: Fx, what: string): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const a = actual.dataSync();
  let worst = 0;
  let at = -1;
  expected.data.forEach((e, i) => {
    const err = Math.abs(a[i] - e) - 1e-4 * Math.abs(e);
    if (err > worst) [worst, at] = [err, i];
  });
  expect(worst, `${what}: element ${at} is ${a[at]}, torch has ${expected.data[at]}`).toBeLessThanOrEqual(1e-4);
}

type Factory = (args: never) => Layer;

describe(`layers match PyTorch: forward and gradients for input and weights (${fixtures.generator})`, () => {
  for (const c of fixtures.layers) {
    it(c.name, () => {
      const before = soma.memory().numTensors;
      const layer = (layers as unknown as Record<string, Factory>)[c.factory](c.args as never);
      const x0 = up(c.input);
      soma.tidy(() => { layer.apply(x0, { training: false }); }); // builds the weights
      for (const w of c.weights) {
        const v = layer.weights.find((lw) => lw.name.endsWith(`/${w.name}`));
        expect(v, `weight ${w.name} among ${layer.weights.map((lw) => lw.name).join(', ')}`).toBeDefined();
        soma.tidy(() => v!.assign(up(w)));
      }
      const isFloat = c.input.dtype === 'float32';
      const x = isFloat ? soma.variable(x0, true, `input_of_${layer.name}`) : x0;
      const rs = c.r.map(up);
      let outs: soma.Tensor[] = [];
      const { grads, value } = soma.variableGrads(() => {
        const y = layer.apply(x, { training: c.training });
        outs = (Array.isArray(y) ? y : [y]).map((o) => soma.keep(o));
        return outs.map((o, i) => o.mul(rs[i]).sum()).reduce((a, b) => a.add(b));
      }, [...(isFloat ? [x as soma.Variable] : []), ...layer.weights]);
      outs.forEach((o, i) => expectClose(o, c.outputs[i], `output ${i}`));
      const expected = c.grads as unknown as Record<string, Fx | undefined>;
      if (isFloat) expectClose(grads[`input_of_${layer.name}`], expected.input!, 'gradient of the input');
      for (const w of c.weights) {
        const v = layer.weights.find((lw) => lw.name.endsWith(`/${w.name}`))!;
        const g = expected[w.name];
        if (g) expectClose(grads[v.name], g, `gradient of ${w.name}`);
      }
      for (const [name, expected] of Object.entries((c as { after?: Record<string, Fx> }).after ?? {})) {
        expectClose(layer.weights.find((lw) => lw.name.endsWith(`/${name}`))!, expected, `${name} after the training step`);
      }
      soma.dispose([x0, x, rs, outs, grads, value]);
      layer.dispose();
      expect(soma.memory().numTensors).toBe(before);
    });
  }
});

const LOSS_FNS: Record<string, (o: Record<string, unknown>) => LossFn> = {
  meanSquaredError: () => losses.meanSquaredError,
  meanAbsoluteError: () => losses.meanAbsoluteError,
  huber: () => losses.huber(),
  logCosh: () => losses.logCosh,
  binaryCrossentropy: (o) => losses.binaryCrossentropy(o),
  categoricalCrossentropy: (o) => losses.categoricalCrossentropy(o),
  sparseCategoricalCrossentropy: (o) => losses.sparseCategoricalCrossentropy(o),
  kullbackLeiblerDivergence: () => losses.kullbackLeiblerDivergence,
  hinge: () => losses.hinge,
  squaredHinge: () => losses.squaredHinge,
  cosineSimilarity: () => losses.cosineSimilarity,
};

describe('losses match PyTorch: batch-mean value and gradient with respect to the predictions', () => {
  for (const c of fixtures.losses) {
    it(c.name, () => {
      soma.tidy(() => {
        const fn = LOSS_FNS[c.loss](c.options);
        const yTrue = up(c.yTrue);
        const { value, grad } = soma.valueAndGrad((p) => fn(yTrue, p).mean())(up(c.yPred));
        expect(value.dataSync()[0]).toBeCloseTo(c.value, 4);
        expectClose(grad, c.gradPred, 'gradient of the predictions');
      });
    });
  }
});
