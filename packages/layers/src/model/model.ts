import { checkOptions, listBackends, lookupName, type Tensor, type Variable } from '@soma/core';
import { adadelta, adagrad, adam, adamax, adamw, nadam, rmsprop, sgd, type Optimizer } from '@soma/optimizers';
import type { LossFn, LossName } from '../losses.js';
import type { Metric, MetricName } from '../metrics.js';
import { resolveOutputs, type PerOutput, type ResolvedOutputs } from './compile_args.js';
import { summaryLines } from '../summary.js';
import type { History } from './callbacks.js';
import { runLayerGraph, topologicalNodes, type GraphNode } from './layer_graph.js';
import { InputLayer } from './input_layer.js';
import { releaseCompiled } from './compiled_step.js';
import { Layer, type CallArgs, type LayerConfig, type LayerInput, type LayerOutputs, type TensorOutput } from './layer.js';
import type { LayerShape } from './shapes.js';
import type { SymbolicTensor } from './symbolic.js';
import { evaluate, fit, predict, trainOnBatch, type BatchSource, type EvaluateArgs, type FitArgs, type PredictArgs } from './training.js';

/** Writes a model to a destination; provided by io/model_io (registered there to avoid an import cycle). */
type ModelSaver = (model: LayersModel, destination: string) => Promise<void>;
let saver: ModelSaver | null = null;
export function registerModelSaver(s: ModelSaver): void {
  saver = s;
}

/** Optimizers `compile` accepts by name (with default settings). */
export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax' | 'nadam';

const OPTIMIZERS = { sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam } as const satisfies Record<OptimizerName, unknown>;

/**
 * Options of `compile`: the optimizer (name or object), loss(es), loss weights and metrics, one per
 * output or shared, and runEagerly.
 */
export interface CompileArgs {
  optimizer: Optimizer | OptimizerName;
  /** One loss for every output, one per output (a list in output order), or a record by output name (an output left out is not trained). */
  loss: PerOutput<LossName | LossFn>;
  /** Weights of the outputs' losses in the total (default 1 each): a list in output order or a record by output name. */
  lossWeights?: PerOutput<number>;
  /** Metrics for every output (a list), or per output (a list of lists, or a record by output name). */
  metrics?: readonly (MetricName | Metric)[] | PerOutput<readonly (MetricName | Metric)[]>;
  /**
   * Run each training step kernel by kernel (Keras's run_eagerly). By default, on a backend with
   * whole-graph execution (native), fit traces the step once and runs it as one graph.
   */
  runEagerly?: boolean;
}

/** What compile() resolved: the optimizer, and per output its loss, loss weight and metrics. */
export interface TrainingConfig extends ResolvedOutputs {
  optimizer: Optimizer;
  /**
   * The weights training updates, fixed when compile() runs (as in Keras): setting `trainable`
   * afterwards takes effect at the next compile(). Null until the model has weights (a Sequential
   * built by its first batch captures them then).
   */
  trainableWeights: Variable[] | null;
  /** Whether the change-after-compile warning was given. */
  warnedTrainable?: boolean;
  /** compile's runEagerly: never trace the training step. */
  runEagerly: boolean;
}

/**
 * A model: a graph of layers from symbolic inputs to outputs (the functional API), itself usable
 * as a layer. compile() chooses optimizer, loss and metrics; fit/evaluate/predict run them.
 */
export class LayersModel<Out extends LayerOutputs = LayerOutputs> extends Layer<Out> {
  readonly className: string = 'Model';
  inputs: SymbolicTensor[] = [];
  outputs: SymbolicTensor[] = [];
  protected nodes: GraphNode[] = [];
  /** Set by callbacks (earlyStopping, or any onBatchEnd) to end fit after the current batch. */
  stopTraining = false;
  /** Set by an evaluate callback (Keras 3's stop_evaluating) to end evaluate after the current batch. */
  stopEvaluating = false;
  /** Set by a predict callback (Keras 3's stop_predicting): predict returns the batches done so far. */
  stopPredicting = false;
  /** True while fit() runs; a second concurrent fit() is refused. */
  isTraining = false;
  /** @internal What compile() set: the resolved losses, metrics and optimizer. */
  training: TrainingConfig | null = null;
  /** The History of the last fit. */
  history: History | null = null;

  /** Without inputs and outputs (Sequential) the graph is set later, as layers are added. */
  constructor(args: { inputs?: SymbolicTensor | SymbolicTensor[]; outputs?: SymbolicTensor | SymbolicTensor[]; name?: string }, prefix = 'model') {
    super({ name: args.name }, prefix);
    if (args.inputs && args.outputs) {
      this.setGraph(Array.isArray(args.inputs) ? args.inputs : [args.inputs], Array.isArray(args.outputs) ? args.outputs : [args.outputs]);
    } else if (args.inputs || args.outputs) {
      throw new Error(`${this.name}: a functional model needs both inputs and outputs`);
    }
  }

  /**
   * Wires the model's inputs and outputs and orders its layer calls; called once by the constructor
   * (and by Sequential as layers are added).
   */
  protected setGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): void {
    for (const i of inputs) {
      if (!(i.sourceLayer instanceof InputLayer)) throw new Error(`model: inputs must come from input(), got an output of '${i.sourceLayer.name}'`);
    }
    this.inputs = inputs;
    this.outputs = outputs;
    this.nodes = topologicalNodes(inputs, outputs);
    this.built = true;
  }

  /** The calls of layers that make up the graph, in the order data flows (for summary's "Connected to"). */
  get graphNodes(): readonly GraphNode[] {
    return this.nodes;
  }

  get layers(): Layer[] {
    const seen: Layer[] = this.inputs.map((i) => i.sourceLayer);
    for (const n of this.nodes) if (!seen.includes(n.layer)) seen.push(n.layer);
    return seen;
  }

  /** The layer called `name`; the error lists the model's layer names when there is none. */
  getLayer(name: string): Layer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new Error(`${this.name}: no layer named '${name}' (layers: ${this.layers.map((x) => x.name).join(', ')})`);
    return l;
  }

  override get weights(): Variable[] {
    return unique(this.layers.flatMap((l) => l.weights));
  }

  /**
   * Moves every weight, and the optimizer's state when compiled, to backend `name` (from any
   * backend, webgpu included), so the model predicts and trains there without copies per call.
   * The active backend does not change.
   *
   * @example
   * ```ts
   * const net = sequential([layers.dense({ units: 1, inputShape: [2] })]);
   * await net.toBackend('cpu');
   * console.log(net.weights.every((w) => w.backendName === 'cpu')); // true
   * ```
   */
  async toBackend(name: string): Promise<void> {
    if (!listBackends().includes(name)) throw new Error(`${this.name}.toBackend: no backend named '${name}' is registered (registered: ${listBackends().join(', ')})`);
    releaseCompiled(this);
    for (const w of this.weights) await w.moveTo(name);
    await this.training?.optimizer.toBackend(name);
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? unique(this.layers.flatMap((l) => l.trainableWeights)) : [];
  }

  override get nonTrainableWeights(): Variable[] {
    const t = new Set(this.trainableWeights);
    return this.weights.filter((w) => !t.has(w));
  }

  override regularizationLosses(): Tensor[] {
    return this.layers.flatMap((l) => l.regularizationLosses());
  }

  override applyConstraints(): void {
    for (const l of this.layers) l.applyConstraints();
  }

  /** The number of weight elements of every layer (each shared layer counted once). */
  override countParams(): number {
    return this.weights.reduce((a, v) => a + v.size, 0);
  }

  /** Runs the graph on concrete tensors (one per model input). */
  call(inputs: LayerInput, args: CallArgs = {}): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== this.inputs.length) throw new Error(`${this.name}: expects ${this.inputs.length} input tensor(s), got ${list.length}`);
    const outs = runLayerGraph(this.nodes, this.inputs, list, this.outputs, args);
    return outs.length === 1 ? outs[0] : outs;
  }

  override computeOutputShape(): LayerShape | LayerShape[] {
    const shapes = this.outputs.map((o) => o.shape);
    return shapes.length === 1 ? shapes[0] : shapes;
  }

  /**
   * Sets the optimizer, loss(es) and metrics `fit` and `evaluate` use (Keras's compile); names or
   * objects, one per output or shared.
   */
  compile(args: CompileArgs): void {
    checkOptions(`${this.name}.compile`, args, ['optimizer', 'loss', 'lossWeights', 'metrics', 'runEagerly']);
    const optimizer = typeof args.optimizer === 'string' ? makeOptimizer(args.optimizer) : args.optimizer;
    // A Sequential without an input shape has no outputs yet: it will have exactly one.
    const names = this.outputs.length ? this.outputs.map((o) => o.sourceLayer.name) : ['output'];
    const widths = names.map((_, i) => this.outputs[i]?.shape[this.outputs[i].shape.length - 1] ?? null);
    const outputs = resolveOutputs(`${this.name}.compile`, names, args.loss, args.lossWeights, args.metrics, widths);
    releaseCompiled(this);
    this.training = { optimizer, ...outputs, trainableWeights: this.outputs.length ? this.trainableWeights : null, runEagerly: args.runEagerly ?? false };
  }

  /** Trains on tensors (x, y) or on an async iterable of { xs, ys } batches (a @soma/data Dataset). */
  fit(x: Tensor | Tensor[], y: Tensor | Tensor[], args?: FitArgs): Promise<History>;
  fit(dataset: BatchSource, args?: FitArgs): Promise<History>;
  fit(a: Tensor | Tensor[] | BatchSource, b?: Tensor | Tensor[] | FitArgs, c?: FitArgs): Promise<History> {
    return fit(this, a, b, c);
  }

  /** Loss and metrics over the data, batch by batch, without training. */
  evaluate(x: Tensor | Tensor[], y: Tensor | Tensor[], args?: EvaluateArgs): Promise<Record<string, number>>;
  evaluate(dataset: BatchSource, args?: EvaluateArgs): Promise<Record<string, number>>;
  evaluate(a: Tensor | Tensor[] | BatchSource, b?: Tensor | Tensor[] | EvaluateArgs, c?: EvaluateArgs): Promise<Record<string, number>> {
    return evaluate(this, a, b, c);
  }

  /** Outputs for x, computed batch by batch in inference mode. */
  predict(x: Tensor | Tensor[], args: PredictArgs = {}): TensorOutput<Out> {
    return predict(this, x, args) as TensorOutput<Out>;
  }

  /** One optimizer step on one batch; returns the loss and metrics of that batch. */
  trainOnBatch(x: Tensor | Tensor[], y: Tensor | Tensor[]): Promise<Record<string, number>> {
    return trainOnBatch(this, x, y);
  }

  /** Prints (and returns) the Keras-style table of layers, output shapes and parameter counts. */
  summary(print: (line: string) => void = console.log): string {
    const lines = summaryLines(this);
    for (const l of lines) print(l);
    return lines.join('\n');
  }

  /** Saves `model.json` (topology) and `weights.safetensors` into the directory `destination` (Node). */
  async save(destination: string): Promise<void> {
    if (!saver) throw new Error(`${this.name}.save: model saving is not loaded`);
    await saver(this, destination);
  }

  override getWeights(): Tensor[] {
    return this.weights.map((v) => v.clone());
  }

  override setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) throw new Error(`${this.name}.setWeights: expected ${ws.length} tensors, got ${values.length}`);
    ws.forEach((v, i) => {
      if (values[i].shape.join() !== v.shape.join()) throw new Error(`${this.name}.setWeights: '${v.name}' is [${v.shape.join(',')}], got [${values[i].shape.join(',')}]`);
      v.assign(values[i]);
    });
  }

  override getConfig(): LayerConfig {
    const ref = (s: SymbolicTensor) => [s.sourceLayer.name, this.nodeIndexOf(s), s.outputIndex];
    return {
      name: this.name,
      layers: this.layers.map((l) => ({
        className: l.className,
        config: l.getConfig(),
        inboundNodes: this.nodes.filter((n) => n.layer === l).map((n) => ({ inputs: n.inputs.map(ref), list: n.listInput, args: n.args })),
      })),
      inputLayers: this.inputs.map(ref),
      outputLayers: this.outputs.map(ref),
    };
  }

  /** Which call of its layer produced `s` (shared layers have several). */
  nodeIndexOf(s: SymbolicTensor): number {
    if (s.inputs.length === 0) return 0;
    return this.nodes.filter((n) => n.layer === s.sourceLayer).findIndex((n) => n.inputs === s.inputs);
  }

  /** Frees every layer's weights and the optimizer's state. */
  override dispose(): void {
    releaseCompiled(this);
    for (const l of this.layers) l.dispose();
    this.training?.optimizer.dispose();
  }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function makeOptimizer(name: string): Optimizer {
  return lookupName<() => Optimizer>(OPTIMIZERS, name, 'optimizer')();
}

/** Functional API: a model from symbolic inputs to outputs. */
export function model(args: { inputs: SymbolicTensor | SymbolicTensor[]; outputs: SymbolicTensor; name?: string }): LayersModel<'single'>;
export function model(args: { inputs: SymbolicTensor | SymbolicTensor[]; outputs: SymbolicTensor | SymbolicTensor[]; name?: string }): LayersModel;
export function model(args: { inputs: SymbolicTensor | SymbolicTensor[]; outputs: SymbolicTensor | SymbolicTensor[]; name?: string }): LayersModel {
  return new LayersModel(args);
}

