// A PyTorch-exported CNN through Soma: import the ONNX file, evaluate it on real MNIST digits,
// fine-tune its imported weights for two epochs, export it again and run the export in
// onnxruntime-node. Run after a build:  node examples/onnx-finetune.mjs
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { datasets } from '@soma/data';
import { exportOnnx, importOnnx } from '@soma/onnx-io';
import { adam } from '@soma/optimizers';
import ort from 'onnxruntime-node';

soma.setRandomSeed(1);
// LeNet-5 exported by torch.onnx (test/fixtures/make_onnx_fixtures.py), with untrained weights.
const model = await importOnnx(new URL('../test/fixtures/onnx/lenet.onnx', import.meta.url).pathname);
const { train, test } = await datasets.loadMnistDigits({ trainFraction: 0.8, seed: 1 });
const logits = (x) => model.predict({ input: x }).output;
const accuracy = (x, y) => soma.tidy(() => logits(x).argMax(-1).equal(y).cast('float32').mean().dataSync()[0]);

const testX = test.x.slice([0], [1000]);
const testY = test.y.slice([0], [1000]);
console.log(`before fine-tuning: test accuracy ${(accuracy(testX, testY) * 100).toFixed(1)}%`);

const opt = adam({ learningRate: 2e-3 });
const n = 4000;
const batch = 64;
for (let epoch = 1; epoch <= 2; epoch++) {
  let loss = 0;
  for (let start = 0; start + batch <= n; start += batch) {
    const xb = train.x.slice([start], [batch]);
    const yb = soma.oneHot(train.y.slice([start], [batch]), 10);
    const l = opt.minimize(() => soma.logSoftmax(logits(xb), -1).mul(yb).sum(-1).neg().mean(), model.trainableVariables);
    loss += l.dataSync()[0];
    soma.dispose([xb, yb, l]);
  }
  console.log(`epoch ${epoch}: loss ${(loss / Math.floor(n / batch)).toFixed(3)}, test accuracy ${(accuracy(testX, testY) * 100).toFixed(1)}%`);
}

// Export the fine-tuned model (batch stays symbolic) and check onnxruntime agrees.
const bytes = await exportOnnx((x) => logits(x), { inputShapes: [[1, 1, 28, 28]], inputNames: ['input'], outputNames: ['output'] });
const session = await ort.InferenceSession.create(bytes);
const probe = testX.slice([0], [8]);
const theirs = (await session.run({ input: new ort.Tensor('float32', probe.dataSync(), probe.shape) })).output.data;
const ours = logits(probe).dataSync();
const worst = Math.max(...Array.from(ours, (v, i) => Math.abs(v - theirs[i])));
console.log(`exported ${bytes.length} bytes; onnxruntime-node matches Soma to ${worst.toExponential(1)}`);
soma.dispose([train, test, testX, testY, probe]);
opt.dispose();
model.dispose();
