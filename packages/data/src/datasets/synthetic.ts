import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

/** Features [nSamples, nFeatures] (float32) and integer labels [nSamples] (int32), as scikit-learn returns. */
export interface LabeledData {
  x: Tensor;
  y: Tensor;
}

/** Options every synthetic dataset takes. */
export interface SyntheticOptions {
  nSamples?: number;
  /** Shuffle the samples (default true). */
  shuffle?: boolean;
  /** Standard deviation of Gaussian noise added to the features. */
  noise?: number;
  seed?: number;
}

function finish(op: string, points: number[][], labels: number[], o: SyntheticOptions): LabeledData {
  const rng = new soma.Prng(o.seed ?? soma.nextRandomSeed());
  const n = points.length;
  const order = Array.from({ length: n }, (_, i) => i);
  if (o.shuffle ?? true) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.nextFloat() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const noise = o.noise ?? 0;
  if (noise < 0) throw new Error(`${op}: noise must be >= 0, got ${noise}`);
  const d = points[0]?.length ?? 2;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  order.forEach((src, i) => {
    for (let k = 0; k < d; k++) x[i * d + k] = points[src][k] + (noise ? noise * rng.nextNormal() : 0);
    y[i] = labels[src];
  });
  return { x: soma.tensor(x, [n, d]), y: soma.tensor(y, [n], 'int32') };
}

function count(op: string, n: number | undefined, dflt: number): number {
  const v = n ?? dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: nSamples must be a positive integer, got ${v}`);
  return v;
}

/** Two concentric circles (scikit-learn make_circles): outer ring label 0, inner ring of radius `factor` label 1. */
export function makeCircles(o: SyntheticOptions & { factor?: number } = {}): LabeledData {
  const n = count('makeCircles', o.nSamples, 100);
  const factor = o.factor ?? 0.8;
  if (!(factor >= 0 && factor < 1)) throw new Error(`makeCircles: factor must be in [0, 1), got ${factor}`);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const ring = (m: number, r: number) => Array.from({ length: m }, (_, i) => [r * Math.cos((2 * Math.PI * i) / m), r * Math.sin((2 * Math.PI * i) / m)]);
  return finish('makeCircles', [...ring(nOut, 1), ...ring(nIn, factor)], [...new Array(nOut).fill(0), ...new Array(nIn).fill(1)], o);
}

/** Two interleaving half circles (scikit-learn make_moons). */
export function makeMoons(o: SyntheticOptions = {}): LabeledData {
  const n = count('makeMoons', o.nSamples, 100);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const t = (i: number, m: number) => (m > 1 ? (Math.PI * i) / (m - 1) : 0);
  const outer = Array.from({ length: nOut }, (_, i) => [Math.cos(t(i, nOut)), Math.sin(t(i, nOut))]);
  const inner = Array.from({ length: nIn }, (_, i) => [1 - Math.cos(t(i, nIn)), 1 - Math.sin(t(i, nIn)) - 0.5]);
  return finish('makeMoons', [...outer, ...inner], [...new Array(nOut).fill(0), ...new Array(nIn).fill(1)], o);
}

/** Gaussian blobs (scikit-learn make_blobs): `centers` random centres in centerBox, or the given coordinates. */
export function makeBlobs(o: SyntheticOptions & { centers?: number | number[][]; clusterStd?: number; nFeatures?: number; centerBox?: [number, number] } = {}): LabeledData & { centers: number[][] } {
  const n = count('makeBlobs', o.nSamples, 100);
  const rng = new soma.Prng((o.seed ?? soma.nextRandomSeed()) + 1);
  const [lo, hi] = o.centerBox ?? [-10, 10];
  const centers = Array.isArray(o.centers)
    ? o.centers
    : Array.from({ length: o.centers ?? 3 }, () => Array.from({ length: o.nFeatures ?? 2 }, () => lo + (hi - lo) * rng.nextFloat()));
  const std = o.clusterStd ?? 1;
  const points: number[][] = [];
  const labels: number[] = [];
  centers.forEach((c, k) => {
    const m = Math.floor(n / centers.length) + (k < n % centers.length ? 1 : 0);
    for (let i = 0; i < m; i++) {
      points.push(c.map((v) => v + std * rng.nextNormal()));
      labels.push(k);
    }
  });
  return { ...finish('makeBlobs', points, labels, o), centers };
}

/** Interleaved spirals, one per class, each turning `turns` times around the origin. */
export function spirals(o: SyntheticOptions & { classes?: number; turns?: number } = {}): LabeledData {
  const n = count('spirals', o.nSamples, 100);
  const classes = o.classes ?? 2;
  const turns = o.turns ?? 1;
  const points: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    const r = (Math.floor(i / classes) + 1) / Math.ceil(n / classes);
    const angle = 2 * Math.PI * turns * r + (2 * Math.PI * k) / classes;
    points.push([r * Math.cos(angle), r * Math.sin(angle)]);
    labels.push(k);
  }
  return finish('spirals', points, labels, o);
}

/** Points uniform in [−1, 1]²; label 1 where the coordinates have different signs (XOR of the quadrants). */
export function xor(o: SyntheticOptions = {}): LabeledData {
  const n = count('xor', o.nSamples, 100);
  const rng = new soma.Prng((o.seed ?? soma.nextRandomSeed()) + 2);
  const points = Array.from({ length: n }, () => [rng.nextFloat() * 2 - 1, rng.nextFloat() * 2 - 1]);
  return finish('xor', points, points.map(([a, b]) => (a * b < 0 ? 1 : 0)), o);
}

/**
 * Sine waves with random frequency and phase for sequence models: x [nSamples, length, 1] holds
 * `length` steps, y [nSamples, 1] the next value.
 */
export function sineSequences(o: { nSamples?: number; length?: number; noise?: number; seed?: number } = {}): LabeledData {
  const n = count('sineSequences', o.nSamples, 100);
  const len = o.length ?? 20;
  const rng = new soma.Prng(o.seed ?? soma.nextRandomSeed());
  const x = new Float32Array(n * len);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const freq = 0.1 + 0.4 * rng.nextFloat();
    const phase = 2 * Math.PI * rng.nextFloat();
    for (let t = 0; t <= len; t++) {
      const v = Math.sin(freq * t + phase) + (o.noise ?? 0) * rng.nextNormal();
      if (t < len) x[i * len + t] = v;
      else y[i] = v;
    }
  }
  return { x: soma.tensor(x, [n, len, 1]), y: soma.tensor(y, [n, 1]) };
}
