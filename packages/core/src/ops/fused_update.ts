import { getEngine } from '../engine/engine.js';
import type { FusedUpdateAttrs } from '../kernels/index.js';
import type { Variable } from '../variable.js';
import type { Tensor } from '../tensor.js';

/**
 * Applies one optimizer update to `param` and its `slots` in one pass when the active backend has
 * a fused update kernel (through the dispatch point, so profiles show it); returns false (changing
 * nothing) when it has none or a tracer records, and the caller runs the update as ordinary ops —
 * the update's default body, which a traced step needs since its per-step numbers are graph inputs.
  *
  * @example
  * ```ts
  * const w = soma.variable(soma.ones([3]));
  * const g = soma.fill([3], 0.5);
  * const sgd = { rule: 'sgd', lr: 0.1, momentum: 0, dampening: 0, nesterov: false, l2: 0, first: true } as const;
  * if (!soma.fusedUpdate(w, g, [], sgd)) w.assign(w.sub(g.mul(0.1)));   // no fused kernel: the same update as ops
  * w.print();                                       // [0.95, 0.95, 0.95]
  * ```
 */
export function fusedUpdate(param: Variable, grad: Tensor, slots: readonly Variable[], attrs: FusedUpdateAttrs): boolean {
  const all = [param, grad, ...slots];
  if (all.some((t) => t.dtype !== 'float32')) return false;
  const outs = getEngine().runFusedUpdate(all, attrs);
  if (!outs) return false;
  const targets = [param, ...slots];
  outs.forEach((t, i) => {
    targets[i].assign(t);
    t.dispose();
  });
  return true;
}
