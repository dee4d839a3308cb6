import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
// @ts-expect-error: a plain JavaScript example module, without type declarations.
import { makeCircles, trainLogisticRegression, trainMlp } from '../examples/circles.mjs';

describe('README example: circles with grad and hand-written SGD', () => {
  it('logistic regression on squared features and the 2-20-1 MLP both exceed 95% training accuracy', async () => {
    await soma.setBackend('cpu');
    const before = soma.memory().numTensors;
    const { x, y } = makeCircles({ nSamples: 200, noise: 0.15, factor: 0.3, seed: 1 });
    const losses: number[] = [];
    const lr = trainLogisticRegression(x, y, {});
    const mlp = trainMlp(x, y, { log: (_: number, loss: number) => losses.push(loss) });
    soma.dispose([x, y]);
    expect(lr).toBeGreaterThan(0.95);
    expect(mlp).toBeGreaterThan(0.95);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 5);
    expect(soma.memory().numTensors).toBe(before);
  });
});
