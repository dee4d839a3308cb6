import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import * as optimizers from '@soma/optimizers';
import type { Optimizer } from '@soma/optimizers';
import fixtures from '../../../test/fixtures/torch_optimizers.json';

type Factory = (o: Record<string, unknown>) => Optimizer;
const FACTORIES: Record<string, Factory> = {
  sgd: optimizers.sgd, rmsprop: optimizers.rmsprop, adam: optimizers.adam, adamw: optimizers.adamw,
  adagrad: optimizers.adagrad, adadelta: optimizers.adadelta, adamax: optimizers.adamax, nadam: optimizers.nadam,
};

const { problem } = fixtures;
/** The fixture's loss, written with Soma ops: mean((1.5·tanh(xw + b) − y)²) + 0.01·Σw⁴. */
function lossOf(x: soma.Tensor, y: soma.Tensor, w: soma.Tensor, b: soma.Tensor): soma.Tensor {
  return x.matmul(w).add(b).tanh().mul(1.5).sub(y).square().mean().add(w.pow(4).sum().mul(0.01));
}

function expectClose(actual: ArrayLike<number>, expected: number[], what: string): void {
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-5 * Math.abs(expected[i]) + 1e-6;
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`${what}[${i}] is ${actual[i]}, torch has ${expected[i]} (|diff| ${Math.abs(actual[i] - expected[i]).toExponential(2)} > ${tol.toExponential(2)})`);
    }
  }
}

describe(`optimizers match torch.optim step by step (${fixtures.generator})`, () => {
  for (const c of fixtures.cases) {
    it(`${c.optimizer} ${JSON.stringify(c.options)}: ${c.trajectory.length} steps`, () => {
      const before = soma.memory().numTensors;
      const x = soma.tensor(problem.x, [8, 3]);
      const y = soma.tensor(problem.y, [8, 2]);
      const [w, b] = soma.tidy(() => [
        soma.variable(soma.tensor(problem.w0, [3, 2]), true, 'w'),
        soma.variable(soma.tensor(problem.b0, [2]), true, 'b'),
      ]);
      const opt = FACTORIES[c.optimizer](c.options);
      c.trajectory.forEach((step, i) => {
        const loss = opt.minimize(() => lossOf(x, y, w, b), [w, b]);
        expect(loss.dataSync()[0]).toBeCloseTo(step.loss, 5);
        loss.dispose();
        expectClose(w.dataSync(), step.w, `step ${i + 1}: w`);
        expectClose(b.dataSync(), step.b, `step ${i + 1}: b`);
      });
      expect(opt.iterations).toBe(c.trajectory.length);
      opt.dispose();
      soma.dispose([x, y, w, b]);
      expect(soma.memory().numTensors).toBe(before);
    });
  }
});
