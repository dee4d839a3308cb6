import { grads } from '../autodiff/gradients.js';
import { fail, fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import { randomNormal } from '../ops/random.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';

export interface GradCheckOptions {
  /** Central-difference step (default 1e-3, scaled by max(1, |x|)). */
  eps?: number;
  /** Allowed |numeric − analytic| / max(1, |numeric|, |analytic|) (default 1e-2). */
  tolerance?: number;
  seed?: number;
}

export interface GradCheckResult {
  maxError: number;
  checked: number;
}

/**
 * Compares the autodiff gradient of L = Σ f(xs)·w (w fixed random weights, so every output counts)
 * with central differences. f runs on the active backend; L and the differences are formed in
 * float64 on the host, which keeps float32 rounding out of the comparison as far as it can be.
 */
export function checkGradients(f: (...xs: Tensor[]) => Tensor | Tensor[], inputs: readonly Tensor[], options: GradCheckOptions = {}): GradCheckResult {
  const { eps = 1e-3, tolerance = 1e-2, seed = 7 } = options;
  const asList = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);
  const floatIdx = inputs.flatMap((t, i) => (t.dtype === 'float32' ? [i] : []));
  // Fixed weights for each output, drawn once.
  const weights = tidy(() => asList(f(...inputs)).map((o, i) => randomNormal(o.shape, { seed: seed + i }).dataSync()));
  const lossOnHost = (xs: Tensor[]): number =>
    tidy(() => {
      const outs = asList(f(...xs));
      let s = 0;
      outs.forEach((o, k) => {
        const v = o.dataSync();
        for (let i = 0; i < v.length; i++) s += v[i] * weights[k][i];
      });
      return s;
    });
  const analytic = tidy(() =>
    grads((...floats: Tensor[]) => {
      const xs = [...inputs];
      floatIdx.forEach((i, k) => (xs[i] = floats[k]));
      const outs = asList(f(...xs));
      return outs.map((o, k) => o.mul(tensor(weights[k], o.shape)).sum()).reduce((a, b) => a.add(b));
    })(floatIdx.map((i) => inputs[i])),
  );
  const values = inputs.map((t) => t.dataSync());
  let maxError = 0;
  let checked = 0;
  try {
    floatIdx.forEach((inputIdx, gi) => {
      const g = analytic[gi].dataSync();
      const base = values[inputIdx];
      for (let e = 0; e < base.length; e++) {
        const h = eps * Math.max(1, Math.abs(base[e]));
        const at = (delta: number): number => {
          const pert = Float32Array.from(base);
          pert[e] = base[e] + delta;
          const xs = inputs.map((t, i) => (i === inputIdx ? tensor(pert, t.shape) : t));
          const l = lossOnHost(xs);
          xs[inputIdx].dispose();
          return l;
        };
        // The steps float32 can actually represent, so the quotient uses the true spacing.
        const plus = Math.fround(base[e] + h) - base[e];
        const minus = base[e] - Math.fround(base[e] - h);
        const numeric = (at(h) - at(-h)) / (plus + minus);
        const err = Math.abs(numeric - g[e]) / Math.max(1, Math.abs(numeric), Math.abs(g[e]));
        maxError = Math.max(maxError, err);
        checked++;
        if (!(err <= tolerance)) {
          fail('checkGradients', `input ${inputIdx} ${fmtShape(inputs[inputIdx].shape)} element ${e}: autodiff gives ${g[e]}, central differences ${numeric} (error ${err.toExponential(2)} > ${tolerance})`);
        }
      }
    });
  } finally {
    for (const a of analytic) a.dispose();
  }
  return { maxError, checked };
}
