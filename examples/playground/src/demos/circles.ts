import * as soma from '@soma/core';
import { datasets } from '@soma/data';
import { layers, sequential, type Sequential } from '@soma/layers';
import { adam } from '@soma/optimizers';
import type { Demo } from '../demo.js';
import { heatmap, scatter } from '../draw.js';

/** An MLP separating two noisy concentric circles; the decision boundary is redrawn as it trains. */
export function circlesDemo(): Demo {
  let net: Sequential;
  let x: soma.Tensor;
  let y: soma.Tensor;
  let grid: soma.Tensor;
  const G = 40;
  return {
    title: 'Circles MLP',
    description: 'A 2-16-16-1 MLP (tanh, Adam) learns to separate two noisy circles; the background is its probability of the inner class.',
    async setup() {
      ({ x, y } = datasets.makeCircles({ nSamples: 256, noise: 0.08, factor: 0.5, seed: 1 }));
      net = sequential([
        layers.dense({ inputShape: [2], units: 16, activation: 'tanh' }),
        layers.dense({ units: 16, activation: 'tanh' }),
        layers.dense({ units: 1, activation: 'sigmoid' }),
      ]);
      net.compile({ optimizer: adam({ learningRate: 0.03 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      // Row r, column c of the map: x from left to right, y from top to bottom.
      const cells = new Float32Array(G * G * 2);
      for (let r = 0; r < G; r++) {
        for (let c = 0; c < G; c++) cells.set([-1.5 + (3 * c) / (G - 1), 1.5 - (3 * r) / (G - 1)], 2 * (r * G + c));
      }
      grid = soma.tensor(cells, [G * G, 2]);
    },
    async step() {
      const logs = await net.trainOnBatch(x, y);
      return { loss: logs.loss, accuracy: logs.accuracy };
    },
    async render({ canvas }) {
      const p = net.predict(grid) as soma.Tensor;
      heatmap(canvas, await p.data(), G, G);
      p.dispose();
      scatter(canvas, await x.data(), await y.data(), { bounds: [-1.5, 1.5, -1.5, 1.5] });
    },
    dispose() {
      soma.dispose([x, y, grid]);
      net.dispose();
    },
  };
}
