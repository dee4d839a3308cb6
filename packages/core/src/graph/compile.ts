import type { Tensor } from '../tensor.js';
import { compiled } from './compiled.js';
import type { TraceOptions } from './trace.js';

/**
 * A function compiled by `soma.compile`: call it like the original; it traces once per input
 * signature.
 */
export interface CompiledFunction {
  /** Runs the compiled function: traces once per input signature, then runs the graph. */
  (...inputs: Tensor[]): Tensor | Tensor[];
  /** How many graphs were traced (one per input signature: dtypes and shapes, dynamic axes free). */
  readonly graphs: number;
  /** Frees the traced graphs' constants. */
  dispose(): void;
}

/**
 * Traces `fn` on its first call for each input signature and runs the graph from then on —
 * on backends with whole-graph execution (native) as one session, elsewhere node by node. With
 * `dynamicAxes`, one graph serves every size of those axes. Like trace, control flow is fixed
 * when tracing; values made through hostInput (random draws, an optimizer's per-step scalars)
 * are computed again at every call. A function that cannot be traced throws (the trace names
 * why), as jax.jit does: a fallback would hide the reason.
 */
export function compile(fn: (...inputs: Tensor[]) => Tensor | Tensor[], options: TraceOptions = {}): CompiledFunction {
  let single = true;
  const inner = compiled(
    (...xs) => {
      const out = fn(...xs);
      single = !Array.isArray(out);
      return Array.isArray(out) ? out : [out];
    },
    { name: 'compile', dynamicAxes: () => options.dynamicAxes, ...(options.inputNames ? { inputNames: options.inputNames } : {}), onFallback: 'throw' },
  );
  const call = (...inputs: Tensor[]): Tensor | Tensor[] => {
    const outs = inner.run(inputs);
    return single ? outs[0] : outs;
  };
  // defineProperty, not Object.assign: assign would copy the getter's value once.
  Object.defineProperty(call, 'graphs', { get: () => inner.graphs });
  Object.defineProperty(call, 'dispose', { value: () => inner.dispose() });
  return call as CompiledFunction;
}
