import { getEngine } from '../engine/engine.js';
import type { FusedUpdateAttrs } from '../kernels/index.js';
import type { Variable } from '../variable.js';
import type { Tensor } from '../tensor.js';

/**
 * Applies one optimizer update to `param` and its `slots` in one pass when the active backend has
 * a fused update kernel and nothing is tracing or profiling the kernels; returns false (changing
 * nothing) otherwise, and the caller runs the update as ordinary ops.
 */
export function fusedUpdate(param: Variable, grad: Tensor, slots: readonly Variable[], attrs: FusedUpdateAttrs): boolean {
  const e = getEngine();
  const backend = e.backend;
  if (!backend.fusedUpdate || e.isObserved()) return false;
  const all = [param, grad, ...slots];
  if (all.some((t) => t.backendName !== e.backendName || t.dtype !== 'float32')) return false;
  const outs = backend.fusedUpdate(all.map((t) => t.kernelTensor), attrs);
  const targets = [param, ...slots];
  outs.forEach((kt, i) => {
    const t = e.makeTensor(kt, e.backendName);
    targets[i].assign(t);
    t.dispose();
  });
  return true;
}
