import { grads } from '@soma/core';
import { fail, fmtShape } from '@soma/core/internal';
import { tidy } from '@soma/core';
import { randomNormal } from '@soma/core';
import { tensor } from '@soma/core';
import type { Tensor } from '@soma/core';

/** Options of `checkGradients`: the finite-difference step, the tolerance and the seed of the random direction. */
export interface GradCheckOptions {
  /** Central-difference step (default 1e-3, scaled by max(1, |x|)). */
  eps?: number;
  /** Allowed |numeric − analytic| / max(1, |numeric|, |analytic|) (default 1e-2). */
  tolerance?: number;
  seed?: number;
}

/** What `checkGradients` found: the largest error and how many elements it checked. */
export interface GradCheckResult {
  maxError: number;
  checked: number;
}

/** Starts reading every tensor now (each read captures the values at call time), frees them, then awaits the values. */
async function readAndFree(ts: readonly Tensor[]): Promise<Float32Array[]> {
  const pending = ts.map((t) => t.data());
  for (const t of ts) t.dispose();
  return (await Promise.all(pending)) as Float32Array[];
}

/**
 * Compares the autodiff gradient of L = Σ f(xs)·w (w fixed random weights, so every output counts)
 * with central differences. f runs on the active backend; L and the differences are formed in
 * float64 on the host, which keeps float32 rounding out of the comparison as far as it can be.
 * Values are read with `data()`, so it runs on backends without synchronous reads (webgpu); all
 * perturbed evaluations are issued before any is awaited.
 */
export async function checkGradients(f: (...xs: Tensor[]) => Tensor | Tensor[], inputs: readonly Tensor[], options: GradCheckOptions = {}): Promise<GradCheckResult> {
  const { eps = 1e-3, tolerance = 1e-2, seed = 7 } = options;
  const asList = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);
  const floatIdx = inputs.flatMap((t, i) => (t.dtype === 'float32' ? [i] : []));
  // Fixed weights for each output, drawn once.
  const weights = await readAndFree(tidy(() => asList(f(...inputs)).map((o, i) => randomNormal(o.shape, { seed: seed + i }))));
  const analyticTensors = tidy(() =>
    grads((...floats: Tensor[]) => {
      const xs = [...inputs];
      floatIdx.forEach((i, k) => (xs[i] = floats[k]));
      const outs = asList(f(...xs));
      return outs.map((o, k) => o.mul(tensor(weights[k], o.shape)).sum()).reduce((a, b) => a.add(b));
    })(floatIdx.map((i) => inputs[i])),
  );
  const analytic = await readAndFree(analyticTensors);
  const values = await Promise.all(inputs.map((t) => t.data()));
  // Every perturbed evaluation first, each read started as soon as its outputs exist.
  const evaluations: { inputIdx: number; gi: number; e: number; h: number; outs: Promise<Float32Array[]> }[] = [];
  floatIdx.forEach((inputIdx, gi) => {
    const base = values[inputIdx];
    for (let e = 0; e < base.length; e++) {
      const h = eps * Math.max(1, Math.abs(base[e]));
      for (const delta of [h, -h]) {
        const pert = Float32Array.from(base);
        pert[e] = base[e] + delta;
        const outs = tidy(() => {
          const xs = inputs.map((t, i) => (i === inputIdx ? tensor(pert, t.shape) : t));
          return asList(f(...xs));
        });
        evaluations.push({ inputIdx, gi, e, h, outs: readAndFree(outs) });
      }
    }
  });
  const lossOf = (outs: Float32Array[]): number => {
    let s = 0;
    outs.forEach((v, k) => {
      for (let i = 0; i < v.length; i++) s += v[i] * weights[k][i];
    });
    return s;
  };
  let maxError = 0;
  let checked = 0;
  for (let q = 0; q < evaluations.length; q += 2) {
    const { inputIdx, gi, e, h } = evaluations[q];
    const base = values[inputIdx];
    const lPlus = lossOf(await evaluations[q].outs);
    const lMinus = lossOf(await evaluations[q + 1].outs);
    // The steps float32 can actually represent, so the quotient uses the true spacing.
    const plus = Math.fround(base[e] + h) - base[e];
    const minus = base[e] - Math.fround(base[e] - h);
    const numeric = (lPlus - lMinus) / (plus + minus);
    const g = analytic[gi][e];
    const err = Math.abs(numeric - g) / Math.max(1, Math.abs(numeric), Math.abs(g));
    maxError = Math.max(maxError, err);
    checked++;
    if (!(err <= tolerance)) {
      await Promise.allSettled(evaluations.map((v) => v.outs));
      fail('checkGradients', `input ${inputIdx} ${fmtShape(inputs[inputIdx].shape)} element ${e}: autodiff gives ${g}, central differences ${numeric} (error ${err.toExponential(2)} > ${tolerance})`);
    }
  }
  return { maxError, checked };
}
