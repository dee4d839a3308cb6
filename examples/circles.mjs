// Training with nothing but @soma/core autodiff and a hand-written SGD step, on the cpu backend.
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { datasets } from '@soma/data';

/**
 * make_circles data from @soma/data (scikit-learn's semantics), with the labels as a float column
 * [n, 1] so they line up with the models' one-unit outputs in the hand-written loss below.
 */
export function makeCircles({ nSamples = 200, noise = 0.15, factor = 0.3, seed = 1 } = {}) {
  const { x, y } = datasets.makeCircles({ nSamples, noise, factor, seed });
  const column = soma.tidy(() => y.cast('float32').reshape([-1, 1]));
  y.dispose();
  return { x, y: column };
}

const accuracy = (probs, y) => soma.tidy(() => probs.greater(0.5).cast('float32').equal(y).cast('float32').mean().dataSync()[0]);
const bce = (logits, y) => logits.relu().sub(logits.mul(y)).add(logits.abs().neg().exp().log1p()).mean(); // stable BCE from logits

/** Plain gradient descent on a list of variables: w ← w − lr·∂loss/∂w. */
function sgdStep(loss, params, lr) {
  const { value, grads } = soma.variableGrads(loss, params);
  soma.tidy(() => params.forEach((p) => p.assign(p.sub(grads[p.name].mul(lr)))));
  const l = value.dataSync()[0];
  soma.dispose([value, grads]);
  return l;
}

/** Logistic regression. Circles are not linearly separable, so it sees x, y and their squares. */
export function trainLogisticRegression(x, y, { steps = 300, lr = 0.5, log = () => {} } = {}) {
  const features = soma.tidy(() => soma.concat([x, x.square()], 1));
  const [w, b] = soma.tidy(() => [soma.variable(soma.zeros([4, 1]), true, 'lr_w'), soma.variable(soma.zeros([1]), true, 'lr_b')]);
  const logits = () => features.matmul(w).add(b);
  for (let step = 0; step <= steps; step++) {
    const loss = sgdStep(() => bce(logits(), y), [w, b], lr);
    if (step % 100 === 0) log(step, loss);
  }
  const acc = soma.tidy(() => accuracy(logits().sigmoid(), y));
  soma.dispose([features, w, b]);
  return acc;
}

/** A 2-20-1 MLP: relu hidden layer, sigmoid output, binary cross-entropy. */
export function trainMlp(x, y, { steps = 1000, lr = 0.5, seed = 2, log = () => {} } = {}) {
  // He-normal weights; tidy frees the initial values once the variables have copied them.
  const [w1, b1, w2, b2] = soma.tidy(() => [
    soma.variable(soma.randomNormal([2, 20], { std: Math.sqrt(2 / 2), seed }), true, 'w1'),
    soma.variable(soma.zeros([20]), true, 'b1'),
    soma.variable(soma.randomNormal([20, 1], { std: Math.sqrt(2 / 20), seed: seed + 1 }), true, 'w2'),
    soma.variable(soma.zeros([1]), true, 'b2'),
  ]);
  const logits = () => x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
  for (let step = 0; step <= steps; step++) {
    const loss = sgdStep(() => bce(logits(), y), [w1, b1, w2, b2], lr);
    if (step % 200 === 0) log(step, loss);
  }
  const acc = soma.tidy(() => accuracy(logits().sigmoid(), y));
  soma.dispose([w1, b1, w2, b2]);
  return acc;
}
