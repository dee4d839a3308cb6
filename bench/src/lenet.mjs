// LeNet-5 training throughput (issue: 28×28 input, 5×5 conv 6 'same' tanh, avgPool 2, 5×5 conv 16
// tanh, avgPool 2, dense 120 tanh, 84 tanh, 10; batch 64; Adam; sparse categorical cross-entropy).
import * as soma from '@soma/core';
import { layers, losses, sequential } from '@soma/layers';
import { adam } from '@soma/optimizers';

export const BATCH = 64;

/** The LeNet-5 of the bench, uncompiled (Soma, NCHW). */
export function somaLenetModel() {
  return sequential([
    layers.conv2d({ inputShape: [1, 28, 28], filters: 6, kernelSize: 5, padding: 'same', activation: 'tanh' }),
    layers.avgPool2d({ poolSize: 2 }),
    layers.conv2d({ filters: 16, kernelSize: 5, strides: 1, activation: 'tanh' }),
    layers.avgPool2d({ poolSize: 2 }),
    layers.flatten(),
    layers.dense({ units: 120, activation: 'tanh' }),
    layers.dense({ units: 84, activation: 'tanh' }),
    layers.dense({ units: 10 }),
  ]);
}

export function somaLenet() {
  const net = somaLenetModel();
  net.compile({ optimizer: adam(), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
  const x = soma.randomNormal([BATCH, 1, 28, 28], { seed: 1 });
  const y = soma.randomUniform([BATCH], { min: 0, max: 10, dtype: 'int32', seed: 2 });
  return { step: () => net.trainOnBatch(x, y), dispose: () => { net.dispose(); soma.dispose([x, y]); } };
}

/** The same network in tfjs layers (NHWC, softmax output), uncompiled. */
export function tfjsLenetModel(tf) {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'tanh' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'tanh' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'tanh' }),
      tf.layers.dense({ units: 84, activation: 'tanh' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

export function tfjsLenet(tf) {
  const net = tfjsLenetModel(tf);
  net.compile({ optimizer: tf.train.adam(), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.randomNormal([BATCH, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.randomUniform([BATCH, 1], 0, 10, 'int32', 2).cast('float32');
  return { step: () => net.trainOnBatch(x, y), dispose: () => { net.dispose(); tf.dispose([x, y]); } };
}
