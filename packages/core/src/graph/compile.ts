import { fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Graph } from './graph.js';
import { runGraph } from './run.js';
import { trace, type TraceOptions } from './trace.js';

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
 * are computed again at every call.
 */
export function compile(fn: (...inputs: Tensor[]) => Tensor | Tensor[], options: TraceOptions = {}): CompiledFunction {
  const graphs = new Map<string, { graph: Graph; single: boolean }>();
  const signature = (xs: readonly Tensor[]) =>
    xs.map((x, i) => `${x.dtype}[${x.shape.map((d, k) => (options.dynamicAxes?.[i]?.[k] !== undefined ? '*' : d)).join(',')}]`).join(';');
  const call = (...inputs: Tensor[]): Tensor | Tensor[] => {
    if (!inputs.every((t) => t && typeof t === 'object' && 'shape' in t)) fail('compile', 'the compiled function takes tensors');
    const key = signature(inputs);
    let entry = graphs.get(key);
    if (!entry) {
      let single = true;
      const graph = trace((...xs) => {
        const out = fn(...xs);
        single = !Array.isArray(out);
        return out;
      }, inputs, options);
      entry = { graph, single };
      graphs.set(key, entry);
    }
    const outs = runGraph(entry.graph, inputs);
    return entry.single ? outs[0] : outs;
  };
  // defineProperty, not Object.assign: assign would copy the getter's value once.
  Object.defineProperty(call, 'graphs', { get: () => graphs.size });
  Object.defineProperty(call, 'dispose', {
    value: () => {
      for (const { graph } of graphs.values()) graph.dispose();
      graphs.clear();
    },
  });
  return call as CompiledFunction;
}
