import * as soma from '@soma/core';
import type { DType, Tensor, Variable } from '@soma/core';
import { getActivation, type ActivationName } from '../activations.js';
import { getInitializer, type InitializerSpec } from '../initializers.js';
import { getRegularizer, type Regularizer, type RegularizerSpec } from '../regularizers.js';
import { getConstraint, type Constraint, type ConstraintSpec } from '../constraints.js';
import { compatible, fmt, type LayerShape } from './shapes.js';
import { checkLayerNumbers } from './layer_numbers.js';
import { claimWeight } from './weight_budget.js';
import { isSymbolic, SymbolicTensor } from './symbolic.js';

/**
 * Options every layer takes: name, trainable, input shape and batch size (first layer), dtype and
 * an activity regularizer.
 */
export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample, without the batch dimension: makes this the first layer of a Sequential. */
  inputShape?: readonly (number | null)[];
  batchSize?: number;
  dtype?: DType;
  /** Penalty on the layer's output, added to the loss. */
  activityRegularizer?: RegularizerSpec;
}

/**
 * Where the channels are: 'channelsFirst' ([batch, channels, ...], Soma's layout and the fast
 * path) or 'channelsLast' ([batch, ..., channels], Keras's default); the layer transposes.
 */
export type DataFormat = 'channelsFirst' | 'channelsLast';

/** Options of layers over images or sequences with channels. */
export interface ChannelsArgs extends LayerArgs {
  dataFormat?: DataFormat;
}

/** Options of layers with a kernel and a bias (dense, convolutions), with Keras's names. */
export interface KernelLayerArgs extends LayerArgs {
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec;
  biasRegularizer?: RegularizerSpec;
  kernelConstraint?: ConstraintSpec;
  biasConstraint?: ConstraintSpec;
}

/** Arguments of a layer call besides its inputs: training mode and the inputs' mask. */
export interface CallArgs {
  /** Training mode: dropout drops, batch normalization uses batch statistics. */
  training?: boolean;
  /**
   * Which time steps are real ([batch, time] bool; Keras's mask): set by embedding({ maskZero })
   * and the masking layer, carried by the model to the layers after them. Recurrent layers skip
   * masked steps; a list for merge layers (null where an input has none).
   */
  mask?: LayerMask;
  /** Extra inputs some layers take (initial states of recurrent layers). */
  [key: string]: unknown;
}

/** Inputs a layer accepts: one tensor or several (merge layers). */
export type LayerInput = Tensor | Tensor[];
/** A mask, or one per input of a merge layer. */
export type LayerMask = Tensor | null | (Tensor | null)[];
/** What a layer applied in a functional model takes: one symbolic tensor or a list. */
export type SymbolicInput = SymbolicTensor | SymbolicTensor[];

/** JSON-friendly description of a layer, enough to rebuild it (`getConfig`). */
export type LayerConfig = Record<string, unknown>;

/** A weight of a layer: its variable, whether it trains, and its constraint. */
export interface LayerWeight {
  readonly variable: Variable;
  readonly trainable: boolean;
  readonly constraint: Constraint | null;
}

const nameCounts = new Map<string, number>();

/** Keras-style unique names: dense, dense_1, dense_2, ... */
export function uniqueName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Names of activations, initializers and penalties fail when the layer is made, as in Keras, not at its first call. */
function checkLayerNames(args: object): void {
  for (const [k, v] of Object.entries(args)) {
    if (typeof v !== 'string') continue;
    if (k === 'activation' || k === 'recurrentActivation') getActivation(v as ActivationName);
    else if (k.endsWith('Initializer')) getInitializer(v as InitializerSpec);
    else if (k.endsWith('Regularizer')) getRegularizer(v as RegularizerSpec);
    else if (k.endsWith('Constraint')) getConstraint(v as ConstraintSpec);
  }
}

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Whether a mask argument holds a mask. */
export function hasMask(mask: LayerMask | undefined): mask is Tensor | (Tensor | null)[] {
  return Array.isArray(mask) ? mask.some((m) => m) : !!mask;
}

/** Options every layer takes (LayerArgs). */
export const COMMON_LAYER_OPTIONS = ['name', 'trainable', 'inputShape', 'batchSize', 'dtype', 'activityRegularizer'] as const;
const optionsOf = new WeakMap<abstract new (...a: never[]) => Layer, { factory: string; keys: readonly string[]; transposes: boolean }>();

/**
 * Declares the options a layer class takes (beyond LayerArgs), so that `new Dense({ unit: 3 })`
 * is checked as `layers.dense({ unit: 3 })` is: an unknown key is an error naming the layer, the
 * key and the valid keys. Classes without a declaration (users' own layers) are not checked.
 */
export function declareLayerOptions(cls: abstract new (...a: never[]) => Layer, factory: string, keys: readonly string[], options: { dataFormat?: boolean } = {}): void {
  optionsOf.set(cls, { factory, keys: [...COMMON_LAYER_OPTIONS, ...keys, ...(options.dataFormat ? ['dataFormat'] : [])], transposes: options.dataFormat ?? false });
}

/** [batch, d1, ..., channels] → [batch, channels, d1, ...] (rank ≤ 2 unchanged). */
export function channelsFirstShape(s: LayerShape): LayerShape {
  return s.length > 2 ? [s[0], s[s.length - 1], ...s.slice(1, -1)] : s;
}

/** [batch, channels, d1, ...] → [batch, d1, ..., channels] (rank ≤ 2 unchanged). */
export function channelsLastShape(s: LayerShape): LayerShape {
  return s.length > 2 ? [s[0], ...s.slice(2), s[1]] : s;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * How many outputs a layer class has, at the type level: 'single' makes `apply` return one tensor
 * in the types; layers whose output count depends on their options (RNNs with returnState,
 * functional models) are 'multiple' and return the union.
 */
export type LayerOutputs = 'single' | 'multiple';
/** What apply returns on symbolic inputs for a layer with these outputs. */
export type SymbolicOutput<Out extends LayerOutputs> = Out extends 'single' ? SymbolicTensor : SymbolicTensor | SymbolicTensor[];
/** What apply (and a model's predict) returns on tensors for a layer with these outputs. */
export type TensorOutput<Out extends LayerOutputs> = Out extends 'single' ? Tensor : Tensor | Tensor[];

/**
 * The base of every layer. Subclasses implement `build` (create weights from the input shape),
 * `call` (the forward computation on tensors), `computeOutputShape` and `getConfig`.
 */
export abstract class Layer<Out extends LayerOutputs = LayerOutputs> {
  /** The registered class name, used in saved models and summary(). */
  abstract readonly className: string;
  readonly name: string;
  trainable: boolean;
  built = false;
  readonly batchInputShape: LayerShape | null;
  readonly dtype: DType;
  protected readonly weightsList: LayerWeight[] = [];
  private readonly activityRegularizer: Regularizer | null;
  /** Penalties collected during the last training call (activity regularization). */
  private activityLosses: Tensor[] = [];
  /** Output shape of the last symbolic call, for summary(). */
  lastOutputShape: LayerShape | LayerShape[] | null = null;
  /**
   * Whether the layer accepts a mask (Keras's supports_masking): it uses it, or passes it on
   * unchanged (computeMask). A masked input reaching a layer that does not is an error, since
   * ignoring the mask would silently mix padding into the result.
   */
  supportsMasking = false;
  /**
   * dataFormat 'channelsLast' (Keras's default layout, [batch, ..., channels]) on layers that
   * declare it: inputs are transposed to Soma's channels-first layout, which stays the fast path.
   */
  readonly channelsLast: boolean = false;
  /** Whether the layer makes a mask from unmasked input (embedding with maskZero, masking). */
  get makesMask(): boolean {
    return false;
  }
  /** The regularizer and constraint options this layer was given, as JSON for getConfig(). */
  private readonly penaltyConfig: LayerConfig;

  constructor(args: LayerArgs = {}, defaultPrefix?: string) {
    const declared = optionsOf.get(new.target as abstract new (...a: never[]) => Layer);
    if (declared) soma.checkOptions(declared.factory, args, declared.keys);
    const format = (args as { dataFormat?: unknown }).dataFormat;
    if (declared?.transposes && format !== undefined) {
      if (format !== 'channelsFirst' && format !== 'channelsLast') throw new Error(`${declared.factory}: dataFormat must be 'channelsFirst' (NCHW, the default) or 'channelsLast' (NHWC), got ${JSON.stringify(format)}`);
      this.channelsLast = format === 'channelsLast';
    }
    this.name = args.name ?? uniqueName(defaultPrefix ?? snake(new.target.name));
    checkLayerNumbers(this.name, args);
    checkLayerNames(args);
    this.trainable = args.trainable ?? true;
    this.batchInputShape = args.inputShape ? [args.batchSize ?? null, ...args.inputShape] : null;
    this.dtype = args.dtype ?? 'float32';
    this.activityRegularizer = getRegularizer(args.activityRegularizer ?? null);
    this.penaltyConfig = penaltySpecs(args as unknown as Record<string, unknown>);
  }

  /**
   * The mask of this layer's output, given its input's (Keras's compute_mask): by default the
   * input's mask if the layer supports masking, else none. Layers that make masks (embedding with
   * maskZero, masking) or end them (recurrent layers without returnSequences) override it.
   */
  computeMask(_inputs: LayerInput, mask: LayerMask): LayerMask {
    if (!this.supportsMasking) return null;
    return Array.isArray(mask) ? mask.find((m) => m) ?? null : mask;
  }

  /** Creates the weights for inputs of this shape (batch dimension included, may be null). */
  build(_inputShape: LayerShape | LayerShape[]): void {
    this.built = true;
  }

  /** The forward computation on concrete tensors. */
  abstract call(inputs: LayerInput, args: CallArgs): Tensor | Tensor[];

  /** Output shape for an input shape; the default is "same as the input". */
  computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape | LayerShape[] {
    return inputShape;
  }

  /** The layer's own options; subclasses add theirs to these. */
  getConfig(): LayerConfig {
    const c: LayerConfig = { name: this.name, trainable: this.trainable, dtype: this.dtype, ...this.penaltyConfig };
    if (this.batchInputShape) c.batchInputShape = this.batchInputShape;
    if (this.channelsLast) c.dataFormat = 'channelsLast';
    return c;
  }

  /** Checks inputs against what the layer was built for; throws `dense_1 expects [*, 3], got [32, 4]`. */
  protected checkInput(shapes: LayerShape[]): void {
    const expected = this.expectedInputShapes();
    if (!expected) return;
    shapes.forEach((s, i) => {
      const e = expected[i];
      if (e && !compatible(e, s)) throw new Error(`${this.name} expects ${fmt(e)}, got ${fmt(s)}`);
    });
  }

  /** Input shapes fixed at build time (null where any shape is fine). */
  protected expectedInputShapes(): (LayerShape | null)[] | null {
    return this.builtInputShapes;
  }

  private builtInputShapes: (LayerShape | null)[] | null = null;

  /**
   * Called once, before `build`, with the first call's inputs: symbolic inputs name the layer that
   * produced them (`sourceLayer`), and `args.mask` the mask they carry; a layer may pick a default
   * that depends on them.
   */
  protected beforeBuild(_inputs: readonly (Tensor | SymbolicTensor)[], _args: CallArgs): void {}

  /**
   * Applies the layer: to tensors it computes (building first if needed); to symbolic tensors it
   * records a node of a functional model and returns symbolic outputs.
   */
  apply(inputs: SymbolicInput, args?: CallArgs): SymbolicOutput<Out>;
  apply(inputs: LayerInput, args?: CallArgs): TensorOutput<Out>;
  apply(inputs: LayerInput | SymbolicInput, args: CallArgs = {}): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list = (Array.isArray(inputs) ? inputs : [inputs]) as (Tensor | SymbolicTensor)[];
    if (list.length === 0) throw new Error(`${this.name}: called with no inputs`);
    const given: LayerShape[] = list.map((t) => (isSymbolic(t) ? t.shape : [null, ...t.shape.slice(1)]));
    if (!this.built && this.batchInputShape && !Array.isArray(inputs)) this.checkAgainst(this.batchInputShape, given[0]);
    // A channels-last layer computes in channels-first (Soma's layout) between two transposes.
    const last = this.channelsLast;
    const shapes = last ? given.map(channelsFirstShape) : given;
    const shapeArg = Array.isArray(inputs) ? shapes : shapes[0];
    if (!this.built) {
      this.beforeBuild(list, args);
      this.build(shapeArg);
      this.built = true;
      this.builtInputShapes = this.recordBuiltShapes(shapes);
    }
    this.checkInput(list.map((t) => (last ? channelsFirstShape(t.shape) : t.shape)));
    if (list.every(isSymbolic)) {
      const computed = this.computeOutputShape(shapeArg);
      const out = last ? (isShapeList(computed) ? computed.map(channelsLastShape) : channelsLastShape(computed as LayerShape)) : computed;
      this.lastOutputShape = out;
      const symbolicInputs = [...(list as SymbolicTensor[])];
      const extra = Object.fromEntries(Object.entries(args).filter(([k]) => k !== 'training'));
      const listInput = Array.isArray(inputs);
      if (isShapeList(out)) return out.map((s, i) => new SymbolicTensor(s, this.outputDType(), this, symbolicInputs, i, extra, listInput));
      return new SymbolicTensor(out as LayerShape, this.outputDType(), this, symbolicInputs, 0, extra, listInput);
    }
    if (list.some(isSymbolic)) throw new Error(`${this.name}: cannot mix symbolic and concrete tensors in one call`);
    if (hasMask(args.mask) && !this.supportsMasking) {
      throw new Error(`${this.name} (${this.className}) does not support masking, but its input carries a mask (from embedding({ maskZero: true }) or a masking layer); put it after the layers that consume the mask (recurrent layers, globalAveragePooling1d)`);
    }
    const result = last ? this.callChannelsLast(inputs as LayerInput, args) : this.call(inputs as LayerInput, args);
    if (this.activityRegularizer && args.training) {
      const outs = Array.isArray(result) ? result : [result];
      for (const o of outs) this.activityLosses.push(this.activityRegularizer.apply(o));
    }
    return result;
  }

  /** call() on channels-last tensors: to channels-first, compute, and back. */
  private callChannelsLast(inputs: LayerInput, args: CallArgs): Tensor | Tensor[] {
    return soma.tidy(() => {
      const toFirst = (t: Tensor) => (t.rank > 2 ? t.transpose([0, t.rank - 1, ...range(1, t.rank - 1)]) : t);
      const toLast = (t: Tensor) => (t.rank > 2 ? t.transpose([0, ...range(2, t.rank), 1]) : t);
      const result = this.call(Array.isArray(inputs) ? inputs.map(toFirst) : toFirst(inputs), args);
      return Array.isArray(result) ? result.map(toLast) : toLast(result);
    });
  }

  private checkAgainst(expected: LayerShape, actual: LayerShape): void {
    if (!compatible(expected, actual)) throw new Error(`${this.name} expects ${fmt(expected)}, got ${fmt(actual)}`);
  }

  /** What later calls are checked against: the built shape with the batch dimension left open. */
  protected recordBuiltShapes(shapes: LayerShape[]): (LayerShape | null)[] {
    return shapes.map((s) => [null, ...s.slice(1)]);
  }

  /**
   * The dtype of this layer's output (float32 unless the layer says otherwise: Embedding takes
   * int32 ids).
   */
  protected outputDType(): DType {
    return 'float32';
  }

  /** Creates a weight variable named `<layer>/<name>`. */
  protected addWeight(
    name: string, shape: readonly number[], initializer: InitializerSpec,
    options: { trainable?: boolean; regularizer?: RegularizerSpec; constraint?: ConstraintSpec; dtype?: DType } = {},
  ): Variable {
    claimWeight(this.name, name, shape);
    const init = getInitializer(initializer);
    const trainable = options.trainable ?? true;
    const variable = soma.tidy(() => soma.variable(init.apply(shape, options.dtype ?? 'float32'), trainable, `${this.name}/${name}`));
    this.weightsList.push({ variable, trainable, constraint: getConstraint(options.constraint ?? null) });
    const reg = getRegularizer(options.regularizer ?? null);
    if (reg) this.weightRegularizers.push([variable, reg]);
    return variable;
  }

  private readonly weightRegularizers: [Variable, Regularizer][] = [];

  /** Regularization penalties to add to the loss: weight penalties plus activity penalties of the last training call. */
  regularizationLosses(): Tensor[] {
    const losses = this.weightRegularizers.filter(([v]) => this.trainable && v.trainable).map(([v, r]) => r.apply(v));
    losses.push(...this.activityLosses);
    this.activityLosses = [];
    return losses;
  }

  /** Applies weight constraints after an optimizer step. */
  applyConstraints(): void {
    for (const w of this.weightsList) {
      if (w.constraint) soma.tidy(() => w.variable.assign(w.constraint!.apply(w.variable)));
    }
  }

  get weights(): Variable[] {
    return this.weightsList.map((w) => w.variable);
  }

  get trainableWeights(): Variable[] {
    return this.trainable ? this.weightsList.filter((w) => w.trainable).map((w) => w.variable) : [];
  }

  get nonTrainableWeights(): Variable[] {
    return this.trainable ? this.weightsList.filter((w) => !w.trainable).map((w) => w.variable) : this.weights;
  }

  /** The number of weight elements, trainable or not (Keras's count_params). */
  countParams(): number {
    return this.weights.reduce((a, v) => a + v.size, 0);
  }

  /** Copies of the weight values, in creation order. */
  getWeights(): Tensor[] {
    return this.weights.map((v) => v.clone());
  }

  /** Sets weight values in creation order; shapes must match. */
  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) throw new Error(`${this.name}.setWeights: expected ${ws.length} tensors, got ${values.length}`);
    ws.forEach((v, i) => {
      const t = values[i];
      if (t.shape.length !== v.shape.length || t.shape.some((d, j) => d !== v.shape[j])) {
        throw new Error(`${this.name}.setWeights: weight '${v.name}' is [${v.shape.join(',')}], got [${t.shape.join(',')}]`);
      }
      v.assign(t);
    });
  }

  /** Frees the layer's weights; the layer is unusable afterwards. */
  dispose(): void {
    for (const w of this.weightsList) w.variable.dispose();
  }
}

/** The *Regularizer and *Constraint options of a layer's arguments, as JSON: names stay names, objects become { name, config }. */
function penaltySpecs(args: Record<string, unknown>): LayerConfig {
  const out: LayerConfig = {};
  for (const [k, v] of Object.entries(args)) {
    if (!/(Regularizer|Constraint)$/.test(k) || v === null || v === undefined) continue;
    out[k] = typeof v === 'string' ? v : { name: (v as { name: string }).name, config: (v as { config: unknown }).config };
  }
  return out;
}

function isShapeList(s: LayerShape | LayerShape[]): s is LayerShape[] {
  return s.length > 0 && Array.isArray(s[0]);
}
