import type { FusedUpdateAttrs, KernelTensor } from '@soma/core';
import type { SimdElementwise } from '../wasm/wasm_elementwise.js';
import { allocF32, valuesOf } from './storage.js';

const f = Math.fround;

/**
 * An optimizer step of one parameter in one loop: no intermediate arrays, one read and one write
 * of the parameter and each slot. Every operation rounds to float32 in the op-by-op update's
 * order, so the results are the same bits as that update's.
 */
export function fusedUpdate(inputs: readonly KernelTensor[], a: FusedUpdateAttrs, simd: SimdElementwise | null = null): KernelTensor[] {
  const results = [inputs[0], ...inputs.slice(2)].map((t) => allocF32(t.shape, true));
  const outs = results.map((r) => r.values);
  const ins = inputs.map((t) => valuesOf(t) as Float32Array);
  if (simd?.update(a, ins, outs)) return results.map((r) => r.t);
  const [theta, grad, ...slots] = ins;
  const n = theta.length;
  if (a.rule === 'adam') {
    const [m0, v0, vmax0] = slots;
    const [thOut, mOut, vOut, vmaxOut] = outs;
    const [decay, l2, b1, ob1, b2, ob2, c2, eps, step] = [a.decay, a.l2, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.c2, a.epsilon, a.stepSize].map(f);
    for (let i = 0; i < n; i++) {
      const th = decay === 1 ? theta[i] : f(theta[i] * decay);
      const g = l2 === 0 ? grad[i] : f(grad[i] + f(th * l2));
      const m = f(f(m0[i] * b1) + f(g * ob1));
      const v = f(f(v0[i] * b2) + f(f(g * g) * ob2));
      mOut[i] = m;
      vOut[i] = v;
      let second = v;
      if (a.amsgrad) {
        const old = vmax0[i];
        second = Number.isNaN(old) || Number.isNaN(v) ? NaN : Math.max(old, v);
        vmaxOut[i] = second;
      }
      const denom = f(f(f(Math.sqrt(second)) / c2) + eps);
      thOut[i] = f(th - f(f(m / denom) * step));
    }
  } else {
    const [b0] = slots;
    const [thOut, bOut] = outs;
    const [l2, mu, od, lr] = [a.l2, a.momentum, 1 - a.dampening, a.lr].map(f);
    for (let i = 0; i < n; i++) {
      const th = theta[i];
      const g = l2 === 0 ? grad[i] : f(grad[i] + f(th * l2));
      const b = a.first ? g : f(f(b0[i] * mu) + f(g * od));
      bOut[i] = b;
      const s = a.nesterov ? f(g + f(b * mu)) : b;
      thOut[i] = f(th - f(s * lr));
    }
  }
  return results.map((r) => r.t);
}
