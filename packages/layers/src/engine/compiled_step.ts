import * as soma from '@soma/core';
import type { Graph, Tensor } from '@soma/core';
import { checkIntegerIds } from '../integer_ids.js';
import type { LayersModel, TrainingConfig } from './model.js';

/**
 * The training step as one traced graph — forward, loss, backward, optimizer update — that fit
 * runs whole on backends with graph execution (native: one onnxruntime session per step instead
 * of hundreds of kernel calls). Keras compiles its train step the same way unless
 * `runEagerly`. Values that change per step without flowing through kernels (dropout masks, the
 * learning rate, Adam's bias corrections) are host inputs of the graph, computed afresh each run.
 */
export interface StepRunner {
  /** The step's results, after the update; null when this step must run eagerly. */
  run(xs: Tensor[], ys: Tensor[], weights: Tensor | null): StepResult | null;
}

/** A training step's results: the total loss, the per-output losses it logs, the predictions. */
export interface StepResult {
  loss: Tensor;
  parts: Tensor[];
  preds: Tensor[];
}

type StepFn = (xs: Tensor[], ys: Tensor[], weights: Tensor | null) => StepResult;

const signature = (ts: readonly Tensor[]) => ts.map((t) => `${t.dtype}[*,${t.shape.slice(1).join(',')}]`).join(';');

/**
 * Traces `step` once per input signature (batch size free) and runs the graph. The first step of
 * a configuration runs eagerly: it builds what is built lazily (optimizer slots, a Sequential's
 * weights) and takes first-step branches (SGD momentum's initial buffer) that later steps do not.
 * A step that cannot be traced falls back to eager execution with one warning.
 */
export function compiledStepRunner(model: LayersModel, cfg: TrainingConfig, step: StepFn): StepRunner {
  const graphs = new Map<string, { graph: Graph; parts: number }>();
  let firstDone = false;
  let failed = false;
  return {
    run(xs, ys, weights) {
      if (failed) return null;
      if (!firstDone) {
        firstDone = true;
        return null;
      }
      const inputs = weights ? [...xs, ...ys, weights] : [...xs, ...ys];
      const key = `${signature(xs)}|${signature(ys)}|${weights ? signature([weights]) : '-'}`;
      let entry = graphs.get(key);
      if (!entry) {
        const iterations = cfg.optimizer.iterations;
        try {
          let parts = 0;
          const fn = (...ts: Tensor[]) => {
            const r = step(ts.slice(0, xs.length), ts.slice(xs.length, xs.length + ys.length), weights ? ts[ts.length - 1] : null);
            parts = r.parts.length;
            return [r.loss, ...r.parts, ...r.preds];
          };
          const dynamicAxes = Object.fromEntries(inputs.map((_, i) => [i, { 0: 'batch' }]));
          entry = { graph: soma.trace(fn, inputs, { dynamicAxes }), parts };
        } catch (err) {
          failed = true;
          console.warn(`${model.name}.fit: the training step could not be compiled (${(err as Error).message}); training runs eagerly. Pass runEagerly: true to compile() to choose this yourself.`);
          return null;
        } finally {
          // Tracing ran the step's host side (the optimizer's step count) without training.
          cfg.optimizer.iterations = iterations;
        }
        graphs.set(key, entry);
      }
      checkIdInputs(model, xs);
      const [loss, ...rest] = soma.runGraph(entry.graph, inputs);
      return { loss, parts: rest.slice(0, entry.parts), preds: rest.slice(entry.parts) };
    },
  };
}

const forwardGraphs = new WeakMap<LayersModel, Map<string, Graph | null>>();

/**
 * The model's inference pass (training: false) for evaluate and predict: on backends with
 * whole-graph execution traced once per input signature (batch size free) and run as one graph,
 * as Keras compiles its predict function; elsewhere, or when compile() said runEagerly, a call.
 * Results are the same either way; a model that cannot be traced runs eagerly.
 */
export function inferenceOutputs(model: LayersModel, xs: Tensor[]): Tensor[] {
  const eager = () => {
    const out = model.call(xs.length === 1 ? xs[0] : xs, { training: false });
    return Array.isArray(out) ? out : [out];
  };
  if (!soma.backend().runGraph || model.training?.runEagerly) return eager();
  let graphs = forwardGraphs.get(model);
  if (!graphs) forwardGraphs.set(model, (graphs = new Map()));
  const key = signature(xs);
  let graph = graphs.get(key);
  if (graph === undefined) {
    try {
      const dynamicAxes = Object.fromEntries(xs.map((_, i) => [i, { 0: 'batch' }]));
      graph = soma.trace((...ts: Tensor[]) => {
        const out = model.call(ts.length === 1 ? ts[0] : ts, { training: false });
        return Array.isArray(out) ? out : [out];
      }, xs, xs[0].shape[0] > 0 ? { dynamicAxes } : {});
    } catch {
      graph = null;
    }
    graphs.set(key, graph);
  }
  if (!graph) return eager();
  checkIdInputs(model, xs);
  return soma.runGraph(graph, xs);
}

/**
 * The checks a traced graph does not repeat: ids fed straight into an embedding must be integers
 * in range (an eager call checks them inside the layer; the graph would truncate 1.5 to 1).
 */
export function checkIdInputs(model: LayersModel, xs: readonly Tensor[]): void {
  for (const node of model.graphNodes) {
    if (node.layer.className !== 'Embedding') continue;
    const i = model.inputs.indexOf(node.inputs[0]);
    if (i >= 0) checkIntegerIds(node.layer.name, 'ids', xs[i], (node.layer as unknown as { args: { inputDim: number } }).args.inputDim);
  }
}
