import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
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
  /** The step's results, after the update (from the step's graph, or eagerly). */
  run(xs: Tensor[], ys: Tensor[], weights: Tensor | null): StepResult;
  /** Frees the traced graphs. */
  dispose(): void;
}

/** A training step's results: the total loss, the per-output losses it logs, the predictions. */
export interface StepResult {
  loss: Tensor;
  parts: Tensor[];
  preds: Tensor[];
}

type StepFn = (xs: Tensor[], ys: Tensor[], weights: Tensor | null) => StepResult;

/** Graphs kept per model and entrance: inputs whose other axes vary (text lengths, image sizes) trace one each. */
const MAX_GRAPHS = 16;

/** Every input's first axis stays symbolic: one graph serves every batch size. */
function batchAxes(ts: readonly Tensor[]): Record<number, Record<number, string>> {
  const axes: Record<number, Record<number, string>> = {};
  ts.forEach((t, i) => (axes[i] = t.rank > 0 && t.shape[0] > 0 ? { 0: 'batch' } : {}));
  return axes;
}

/**
 * The step through core's one compiled entrance: traced once per input signature (batch size
 * free) and run as a graph. The first step of a signature runs eagerly: it builds what is built
 * lazily (optimizer slots, a Sequential's weights) and takes first-step branches (SGD momentum's
 * initial buffer) that later steps do not. A step that cannot be traced runs eagerly, with one
 * warning, and counts in `soma.compileStats().graphFallbacks`.
 */
export function compiledStepRunner(model: LayersModel, cfg: TrainingConfig, step: StepFn): StepRunner {
  let parts = 0;
  let counts = { xs: 0, ys: 0, weights: false };
  let iterations = cfg.optimizer.iterations;
  const entrance = soma.compiled(
    (...ts: Tensor[]) => {
      const { xs: nx, ys: ny, weights: w } = counts;
      const r = step(ts.slice(0, nx), ts.slice(nx, nx + ny), w ? ts[ts.length - 1] : null);
      parts = r.parts.length;
      return [r.loss, ...r.parts, ...r.preds];
    },
    {
      name: `${model.name}.fit`,
      dynamicAxes: batchAxes,
      maxGraphs: MAX_GRAPHS,
      eagerCalls: 1,
      fallbackHint: 'Pass runEagerly: true to compile() to choose this yourself.',
      // Tracing ran the step's host side (the optimizer's step count) without training.
      afterTrace: () => (cfg.optimizer.iterations = iterations),
      beforeGraphRun: (ts) => checkIdInputs(model, ts.slice(0, counts.xs)),
    },
  );
  return {
    run(xs, ys, weights) {
      counts = { xs: xs.length, ys: ys.length, weights: weights !== null };
      iterations = cfg.optimizer.iterations;
      const [loss, ...rest] = entrance.run(weights ? [...xs, ...ys, weights] : [...xs, ...ys]);
      return { loss, parts: rest.slice(0, parts), preds: rest.slice(parts) };
    },
    dispose: () => entrance.dispose(),
  };
}

const runners = new WeakMap<TrainingConfig, StepRunner>();

/** The compiled step of a training configuration, made on first use. */
export function stepRunnerFor(model: LayersModel, cfg: TrainingConfig, step: () => StepFn): StepRunner {
  let runner = runners.get(cfg);
  if (!runner) runners.set(cfg, (runner = compiledStepRunner(model, cfg, step())));
  return runner;
}

/**
 * Frees the model's traced graphs (their constants are tensors): on dispose, on a new compile(),
 * and on a move to another backend (constants live where they were traced). Later calls trace again.
 */
export function releaseCompiled(model: LayersModel): void {
  forwardEntrances.get(model)?.dispose();
  forwardEntrances.delete(model);
  if (model.training) {
    runners.get(model.training)?.dispose();
    runners.delete(model.training);
  }
}

const forwardEntrances = new WeakMap<LayersModel, soma.Compiled>();

/**
 * The model's inference pass (training: false) for evaluate and predict, traced once per input
 * signature (batch size free) and run as one graph, as Keras compiles its predict function; a
 * call when compile() said runEagerly. Results are the same either way; a model that cannot be
 * traced runs eagerly (counted in `soma.compileStats()`).
 */
export function inferenceOutputs(model: LayersModel, xs: Tensor[]): Tensor[] {
  const call = (ts: Tensor[]) => {
    const out = model.call(ts.length === 1 ? ts[0] : ts, { training: false });
    return Array.isArray(out) ? out : [out];
  };
  if (model.training?.runEagerly) return call(xs);
  let entrance = forwardEntrances.get(model);
  if (!entrance) {
    entrance = soma.compiled((...ts) => call(ts), {
      name: `${model.name}.predict`,
      dynamicAxes: batchAxes,
      maxGraphs: MAX_GRAPHS,
      onFallback: 'silent',
      beforeGraphRun: (ts) => checkIdInputs(model, ts),
    });
    forwardEntrances.set(model, entrance);
  }
  return entrance.run(xs);
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
