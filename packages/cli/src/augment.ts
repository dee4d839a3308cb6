import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { Dataset } from '@soma/data';

/**
 * Training batches for image data, reshuffled and randomly shifted by up to `maxShift` pixels every
 * epoch (seeded): a few thousand digits generalize much better with it. NCHW float images.
 */
export async function shiftedBatches(x: Tensor, y: Tensor, batchSize: number, maxShift: number, seed: number): Promise<Dataset<{ xs: Tensor; ys: Tensor }>> {
  const [n, c, h, w] = x.shape;
  const images = await x.data();
  const labels = await y.data();
  const plane = h * w;
  let epoch = 0;
  return Dataset.fromGenerator(function* () {
    const rng = new soma.Prng(seed * 7919 + epoch++);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.nextFloat() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let start = 0; start < n; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const out = new Float32Array(idx.length * c * plane);
      idx.forEach((src, k) => {
        const dx = Math.floor(rng.nextFloat() * (2 * maxShift + 1)) - maxShift;
        const dy = Math.floor(rng.nextFloat() * (2 * maxShift + 1)) - maxShift;
        for (let ch = 0; ch < c; ch++) {
          const from = (src * c + ch) * plane;
          const to = (k * c + ch) * plane;
          for (let r = 0; r < h; r++) {
            const sr = r - dy;
            if (sr < 0 || sr >= h) continue;
            for (let col = 0; col < w; col++) {
              const sc = col - dx;
              if (sc >= 0 && sc < w) out[to + r * w + col] = images[from + sr * w + sc];
            }
          }
        }
      });
      yield { xs: soma.tensor(out, [idx.length, c, h, w]), ys: soma.tensor(Int32Array.from(idx, (i) => labels[i]), [idx.length], 'int32') };
    }
  }, Math.ceil(n / batchSize));
}
