// The training workloads of bench/src/train.mjs and bench/train_kernels.mjs: the zoo's models
// as the training-speed issue measures them, with a batch of inputs and labels for each.
import * as soma from '@soma/core';
import { losses } from '@soma/layers';
import { cifarDensenet, cifarResnet, lstmLanguageModel, vgg11 } from '@soma/zoo';

const VOCABULARY = Array.from({ length: 64 }, (_, i) => String.fromCharCode(48 + i)).join('');

export const WORKLOADS = {
  resnet20: { batch: 64, build: () => cifarResnet({ depth: 20, numClasses: 10 }), image: true, loss: () => 'sparseCategoricalCrossentropy' },
  densenet40: { batch: 64, build: () => cifarDensenet({ depth: 40, growthRate: 12, numClasses: 10 }), image: true, loss: () => 'sparseCategoricalCrossentropy' },
  vgg11: { batch: 64, build: () => vgg11({ numClasses: 10, inputShape: [3, 32, 32], classifier: 'cifar' }), image: true, loss: () => 'sparseCategoricalCrossentropy' },
  lstm: { batch: 32, build: () => lstmLanguageModel({ vocabulary: VOCABULARY, embeddingDim: 32, units: 128 }), image: false, loss: () => losses.sparseCategoricalCrossentropy({ fromLogits: true }) },
};

/** Inputs and labels of one batch of workload `w` (images 3×32×32 and 10 classes, or 64-character sequences). */
export function batchOf(w) {
  if (w.image) {
    return [soma.randomNormal([w.batch, 3, 32, 32], { seed: 1 }), soma.tensor(Array.from({ length: w.batch }, (_, i) => i % 10), [w.batch], 'int32')];
  }
  const ids = (k) => soma.tensor(Array.from({ length: w.batch * 64 }, (_, i) => (i * k) % 64), [w.batch, 64], 'int32');
  return [ids(7), ids(5)];
}
