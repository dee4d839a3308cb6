import { fail } from '../errors.js';
import { checkOptions } from '../validate.js';
import type { Tensor } from '../tensor.js';
import type { Graph } from './graph.js';
import { runGraph } from './run.js';
import { trace, type TraceOptions } from './trace.js';

/**
 * What every compiled entrance (`soma.compile`, fit's training step, evaluate/predict,
 * `OnnxModel.run`) has done since the process started, from `soma.compileStats()`.
 */
export interface CompileStats {
  /** Graphs traced (one per entrance and input signature). */
  graphsTraced: number;
  /** Calls that ran a traced graph. */
  graphRuns: number;
  /** Calls that ran eagerly because their signature could not be traced. */
  graphFallbacks: number;
  /** Why, for the most recent signatures that could not be traced (at most 20): the entrance and the trace error. */
  fallbackReasons: { readonly name: string; readonly reason: string }[];
}

const stats: CompileStats = { graphsTraced: 0, graphRuns: 0, graphFallbacks: 0, fallbackReasons: [] };

/** A copy of the compiled entrances' counters: graphs traced, graph runs, eager fallbacks and why. */
export function compileStats(): CompileStats {
  return { ...stats, fallbackReasons: stats.fallbackReasons.map((r) => ({ ...r })) };
}

/** Options of `compiled`, the one entrance every traced path goes through. */
export interface CompiledOptions {
  /** Who compiles, as warnings and fallback reasons name it ('resnet20.fit', 'OnnxModel.run'). */
  name: string;
  /** The axes that stay symbolic, per input (default: none; every shape traces its own graph). */
  dynamicAxes?: (inputs: readonly Tensor[]) => TraceOptions['dynamicAxes'];
  /** Graph input names. */
  inputNames?: readonly string[];
  /** Graphs kept; the least recently used is freed beyond this (default: unbounded). */
  maxGraphs?: number;
  /**
   * Eager calls per signature before it is traced. fit's first step runs eagerly: it builds what
   * is built lazily (optimizer slots) and takes first-step branches later steps do not.
   */
  eagerCalls?: number;
  /** Runs after every trace attempt, succeeded or not (fit restores the optimizer's step count). */
  afterTrace?: () => void;
  /** Runs before each graph run, not before eager calls (checks the graph does not repeat). */
  beforeGraphRun?: (inputs: readonly Tensor[]) => void;
  /** A signature that cannot be traced: 'warn' once per entrance and run eagerly (default), 'silent', or 'throw'. */
  onFallback?: 'warn' | 'silent' | 'throw';
  /** Appended to the fallback warning: how the caller chooses eager execution itself. */
  fallbackHint?: string;
  /**
   * Errors that are the caller's to handle, not reasons to run eagerly: thrown out of `run` as they
   * are, from a trace or an eager call, and the signature is traced again next time (OnnxModel.run
   * learns this way which inputs it must read on the host).
   */
  passThrough?: (err: unknown) => boolean;
}

/** A compiled function: a graph per input signature, or the function itself where tracing failed. */
export interface Compiled {
  /** The function's outputs for `inputs`, from the signature's graph or (fallback, warm-up) eagerly. */
  run(inputs: readonly Tensor[]): Tensor[];
  /** Graphs held now. */
  readonly graphs: number;
  /** Calls of this entrance that fell back to eager execution. */
  readonly fallbacks: number;
  /**
   * Signatures remembered: those with graphs, and at most 256 more (warm-up counts, fallbacks),
   * the least recently used forgotten first — a function called with ever new shapes does not
   * accumulate records.
   */
  readonly signatures: number;
  /** Frees the traced graphs' constants; later calls trace again. */
  dispose(): void;
}

/** The signature a graph is cached under: dtypes and shapes, with the dynamic axes free. */
function signatureOf(inputs: readonly Tensor[], axes: TraceOptions['dynamicAxes']): string {
  return inputs.map((x, i) => `${x.dtype}[${x.shape.map((d, k) => (axes?.[i]?.[k] !== undefined ? '*' : d)).join(',')}]`).join(';');
}

interface Entry {
  graph: Graph | null;
  eager: number;
}

/** Signatures without a graph (still warming up, or fallen back) remembered at most. */
const MAX_GRAPHLESS = 256;

/**
 * The one compiled entrance: traces `fn` once per input signature (after `eagerCalls` eager
 * calls), runs the graph from then on — whole on a backend with graph execution (native), with
 * fused chains where the backend fuses (webgpu), node by node elsewhere — and runs `fn` eagerly for
 * a signature that cannot be traced, counting the fallback and keeping its reason.
 */
export function compiled(fn: (...inputs: Tensor[]) => Tensor[], options: CompiledOptions): Compiled {
  checkOptions('compiled', options, ['name', 'dynamicAxes', 'inputNames', 'maxGraphs', 'eagerCalls', 'afterTrace', 'beforeGraphRun', 'onFallback', 'fallbackHint', 'passThrough']);
  const entries = new Map<string, Entry>();
  let fallbacks = 0;
  let warned = false;
  const free = (entry: Entry | undefined) => entry?.graph?.dispose();
  const traceEntry = (inputs: readonly Tensor[], axes: TraceOptions['dynamicAxes']): Graph | null => {
    try {
      const graph = trace((...xs) => fn(...xs), inputs, { dynamicAxes: axes, ...(options.inputNames ? { inputNames: options.inputNames } : {}) });
      stats.graphsTraced++;
      return graph;
    } catch (err) {
      const reason = (err as Error).message;
      if (options.onFallback === 'throw' || options.passThrough?.(err)) throw err;
      stats.fallbackReasons.push({ name: options.name, reason });
      if (stats.fallbackReasons.length > 20) stats.fallbackReasons.shift();
      if (options.onFallback !== 'silent' && !warned) {
        warned = true;
        console.warn(`${options.name}: could not be compiled (${reason}); it runs eagerly.${options.fallbackHint ? ` ${options.fallbackHint}` : ''}`);
      }
      return null;
    } finally {
      options.afterTrace?.();
    }
  };
  return {
    run(inputs) {
      if (!inputs.every((t) => t && typeof t === 'object' && 'shape' in t && 'dtype' in t)) fail(options.name, 'a compiled function takes tensors');
      const axes = options.dynamicAxes?.(inputs);
      const key = signatureOf(inputs, axes);
      let entry = entries.get(key);
      if (entry) {
        // Most recently used last (Map order), so forgetting starts with the longest unused.
        entries.delete(key);
        entries.set(key, entry);
      } else {
        entries.set(key, (entry = { graph: null, eager: 0 }));
        let graphless = 0;
        for (const e of entries.values()) if (!e.graph) graphless++;
        for (const [k, e] of entries) {
          if (graphless <= MAX_GRAPHLESS) break;
          if (e.graph || e === entry) continue;
          entries.delete(k);
          graphless--;
        }
      }
      if (!entry.graph && entry.eager < (options.eagerCalls ?? 0)) {
        entry.eager++;
        return fn(...inputs);
      }
      if (!entry.graph && entry.eager !== Infinity) {
        entry.graph = traceEntry(inputs, axes);
        if (!entry.graph) entry.eager = Infinity;
        else if (options.maxGraphs !== undefined) {
          // Least recently used first (the entry was just moved last).
          let held = [...entries.values()].filter((e) => e.graph).length;
          for (const [k, e] of entries) {
            if (held <= options.maxGraphs) break;
            if (!e.graph || e === entry) continue;
            free(e);
            entries.delete(k);
            held--;
          }
        }
      }
      if (!entry.graph) {
        fallbacks++;
        stats.graphFallbacks++;
        return fn(...inputs);
      }
      options.beforeGraphRun?.(inputs);
      stats.graphRuns++;
      return runGraph(entry.graph, inputs);
    },
    get graphs() {
      return [...entries.values()].filter((e) => e.graph).length;
    },
    get fallbacks() {
      return fallbacks;
    },
    get signatures() {
      return entries.size;
    },
    dispose() {
      for (const e of entries.values()) free(e);
      entries.clear();
    },
  };
}
