import { getEngine } from '../engine/engine.js';
import type { TensorInputs } from '../engine/engine.js';
import type { BackwardFn } from '../engine/tape.js';
import type { KernelAttrs, KernelName } from '../kernels/index.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * Runs one kernel on the active backend through the engine's one dispatch point:
 * `runKernel('conv2d', [x, w, bias], attrs)`. Inputs living on another backend are copied to the
 * active one for this call (documented behaviour: the op runs where setBackend points).
 */
export function runKernel<K extends KernelName>(kernel: K, inputs: TensorInputs<K>, attrs: KernelAttrs<K>): Tensor {
  return getEngine().runKernel(kernel, inputs, attrs);
}

/** Records `outputs = op(inputs)` on every active tape that watches one of the inputs. */
export function record(name: string, inputs: readonly Tensor[], outputs: readonly Tensor[], backward: BackwardFn, saved?: readonly Tensor[]): void {
  getEngine().record(name, inputs, outputs, backward, saved);
}

/**
 * Runs `forward` built from other ops as one op with its own gradient: the inner ops are neither
 * recorded nor kept (except the outputs and `saved`).
 */
export function compositeOp(
  name: string,
  inputs: readonly Tensor[],
  forward: (save: (t: Tensor) => Tensor) => Tensor,
  backward: BackwardFn,
): Tensor {
  const e = getEngine();
  const saved: Tensor[] = [];
  e.startScope();
  let out: Tensor;
  try {
    out = e.pauseRecording(() => forward((t) => (saved.push(t), t)));
  } catch (err) {
    e.endScope(new Set());
    throw err;
  }
  e.endScope(new Set([out, ...saved]));
  record(name, inputs, [out], backward, saved);
  return out;
}

/** Sums a broadcast gradient back down to `shape` (the inverse of broadcasting). */
export function sumToShape(dx: Tensor, shape: Shape): Tensor {
  const lead = dx.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dx.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && dx.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return dx;
  return dx.sum(axes, true).reshape(shape);
}

/**
 * Wraps a public op in a scope, as tidy() does: tensors made inside (converted JS values, intermediates
 * of composite ops) are freed when it returns, unless returned or needed by an active tape.
 */
export function scoped<F extends (...args: never[]) => Tensor | Tensor[]>(fn: F): F {
  const run = fn as unknown as (...args: unknown[]) => Tensor | Tensor[];
  // Typed as F itself, so overloads and parameter names survive in the declarations.
  return ((...args: unknown[]): Tensor | Tensor[] => {
    const e = getEngine();
    e.startScope();
    let result: Tensor | Tensor[];
    try {
      result = run(...args);
    } catch (err) {
      e.endScope(new Set());
      throw err;
    }
    e.endScope(new Set(Array.isArray(result) ? result : [result]));
    return result;
  }) as unknown as F;
}
