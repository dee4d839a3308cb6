import * as soma from '@soma/core';
import { losses, type Sequential } from '@soma/layers';
import { lenet5 } from '@soma/zoo';
import { loadDigits, type Demo, type Digits } from '../demo.js';
import { imageGrid } from '../draw.js';

/** LeNet-5 trained on the bundled digits; draw a digit on the pad and it classifies it. */
export function lenetDemo(): Demo {
  let net: Sequential;
  let data: Digits;
  let cursor = 0;
  const batch = 32;
  const shown = 16;
  return {
    title: 'LeNet-5 on digits',
    description: 'LeCun et al.\'s LeNet-5 (tanh, average pooling) trains on 2,000 real MNIST digits bundled with the page. Draw a digit to classify it.',
    async setup() {
      data = await loadDigits();
      net = lenet5();
      net.compile({ optimizer: 'adam', loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
      cursor = 0;
    },
    async step() {
      const start = cursor;
      cursor = (cursor + batch) % (data.count - batch);
      const x = soma.tensor(data.images.subarray(start * 784, (start + batch) * 784), [batch, 1, 28, 28]);
      const y = soma.tensor(data.labels.subarray(start, start + batch), [batch], 'int32');
      try {
        const logs = await net.trainOnBatch(x, y);
        return { loss: logs.loss, accuracy: logs.accuracy };
      } finally {
        soma.dispose([x, y]);
      }
    },
    async render({ canvas, output }) {
      // The last digits of the set (held out from the first batches) and what the model says.
      const from = data.count - shown;
      const pixels = data.images.subarray(from * 784, data.count * 784);
      imageGrid(canvas, pixels, shown, 28);
      const x = soma.tensor(pixels, [shown, 1, 28, 28]);
      const predicted = soma.tidy(() => (net.predict(x) as soma.Tensor).argMax(-1));
      const guesses = Array.from(await predicted.data());
      soma.dispose([x, predicted]);
      output.textContent = `predicted: ${guesses.join(' ')}\nlabels:    ${Array.from(data.labels.subarray(from)).join(' ')}`;
    },
    async classify(pixels) {
      const x = soma.tensor(pixels, [1, 1, 28, 28]);
      const p = soma.tidy(() => soma.softmax(net.predict(x) as soma.Tensor));
      const probs = Array.from(await p.data());
      soma.dispose([x, p]);
      const best = probs.indexOf(Math.max(...probs));
      return `${best} (${(100 * probs[best]).toFixed(0)}%)`;
    },
    dispose() {
      net.dispose();
    },
  };
}
