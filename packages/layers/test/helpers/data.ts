import * as soma from '@soma/core';

/** scikit-learn's make_circles: outer ring label 0, inner ring (radius `factor`) label 1, Gaussian noise. */
export function makeCircles(nSamples: number, noise: number, factor: number, seed: number): { x: soma.Tensor; y: soma.Tensor } {
  const rng = new soma.Prng(seed);
  const nOut = Math.floor(nSamples / 2);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < nSamples; i++) {
    const inner = i >= nOut;
    const count = inner ? nSamples - nOut : nOut;
    const angle = (2 * Math.PI * (inner ? i - nOut : i)) / count;
    const r = inner ? factor : 1;
    xs.push(r * Math.cos(angle) + noise * rng.nextNormal(), r * Math.sin(angle) + noise * rng.nextNormal());
    ys.push(inner ? 1 : 0);
  }
  return { x: soma.tensor(xs, [nSamples, 2]), y: soma.tensor(ys, [nSamples, 1]) };
}

/**
 * Synthetic 1×16×16 images of three classes: a horizontal bar, a vertical bar or a diagonal, at a
 * random position, with noise. Labels are integer class ids.
 */
export function makeShapes(n: number, seed: number): { x: soma.Tensor; y: soma.Tensor } {
  const rng = new soma.Prng(seed);
  const size = 16;
  const data = new Float32Array(n * size * size);
  const labels = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const cls = s % 3;
    labels[s] = cls;
    const off = s * size * size;
    for (let i = 0; i < size * size; i++) data[off + i] = 0.3 * rng.nextNormal();
    const a = 2 + Math.floor(rng.nextFloat() * 12);
    const b = 2 + Math.floor(rng.nextFloat() * 6);
    for (let k = 0; k < 8; k++) {
      const [r, c] = cls === 0 ? [a, b + k] : cls === 1 ? [b + k, a] : [b + k, Math.min(size - 1, 2 + k + (a % 6))];
      data[off + r * size + c] += 1.5;
    }
  }
  return { x: soma.tensor(data, [n, 1, size, size]), y: soma.tensor(labels, [n], 'int32') };
}
