import * as soma from '@soma/core';
import { losses } from '@soma/layers';
import { GETTYSBURG_ADDRESS, lstmLanguageModel, type LanguageModel } from '@soma/zoo';
import type { Demo } from '../demo.js';
import { clear } from '../draw.js';

/** A character LSTM learning the Gettysburg Address; it writes a continuation at every redraw. */
export function charLstmDemo(): Demo {
  let lm: LanguageModel;
  let x: soma.Tensor;
  let y: soma.Tensor;
  const length = 64;
  const batch = 16;
  let cursor = 0;
  return {
    title: 'Character LSTM',
    description: 'A character-level LSTM (embedding 16, LSTM 128) learns the Gettysburg Address, 64 characters at a time, and continues "Four score and " in the box below.',
    async setup() {
      const text = GETTYSBURG_ADDRESS;
      lm = lstmLanguageModel({ vocabulary: [...new Set(text)].sort().join(''), embeddingDim: 16, units: 128 });
      lm.compile({ optimizer: 'adam', loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
      const ids = lm.encode(text);
      // Every window of length + 1 characters, one step apart: inputs and next-character targets.
      const starts = Array.from({ length: [...text].length - length - 1 }, (_, i) => i);
      x = soma.tidy(() => soma.stack(starts.map((s) => ids.slice([0, s], [1, length]).reshape([length]))));
      y = soma.tidy(() => soma.stack(starts.map((s) => ids.slice([0, s + 1], [1, length]).reshape([length]))));
      ids.dispose();
      cursor = 0;
    },
    async step() {
      const n = x.shape[0];
      const start = cursor;
      cursor = (cursor + batch * 7) % (n - batch);
      const xb = x.slice([start, 0], [batch, -1]);
      const yb = y.slice([start, 0], [batch, -1]);
      try {
        const logs = await lm.trainOnBatch(xb, yb);
        return { loss: logs.loss, accuracy: logs.accuracy };
      } finally {
        soma.dispose([xb, yb]);
      }
    },
    async render({ canvas, output }) {
      clear(canvas);
      const g = canvas.getContext('2d')!;
      const text = await lm.generate('Four score and ', { length: 100, temperature: 0.5, seed: 1 });
      g.fillStyle = '#222';
      g.font = '14px ui-monospace, monospace';
      const words = text.split(' ');
      let line = '';
      let row = 0;
      for (const w of words) {
        if ((line + w).length > 40) {
          g.fillText(line, 10, 30 + 20 * row++);
          line = '';
        }
        line += `${w} `;
      }
      g.fillText(line, 10, 30 + 20 * row);
      output.textContent = text;
    },
    dispose() {
      soma.dispose([x, y]);
      lm.dispose();
    },
  };
}
