// Training with core autodiff and a hand-written SGD step only (no layers): node examples/circles-autodiff.mjs
import * as soma from '@soma/core';
import { makeCircles, trainLogisticRegression, trainMlp } from './circles.mjs';

await soma.setBackend('cpu');
const { x, y } = makeCircles({ nSamples: 200, noise: 0.15, factor: 0.3, seed: 1 });
const log = (step, loss) => console.log(`  step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`);

console.log(`Soma on backend '${soma.getBackendName()}': make_circles, 200 points, noise 0.15, factor 0.3\n`);
console.log('Logistic regression on [x, y, x², y²] (plain SGD, lr 0.5):');
const lrAcc = trainLogisticRegression(x, y, { log });
console.log(`  training accuracy ${(lrAcc * 100).toFixed(1)}%\n`);
console.log('MLP 2-20-1, relu + sigmoid (plain SGD, lr 0.5):');
const mlpAcc = trainMlp(x, y, { log });
console.log(`  training accuracy ${(mlpAcc * 100).toFixed(1)}%\n`);
soma.dispose([x, y]);
console.log(`Live tensors at the end: ${soma.memory().numTensors}`);
