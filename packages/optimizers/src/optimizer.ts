import * as soma from '@soma/core';
import type { Tensor, Variable } from '@soma/core';
import { variablesNamed } from '@soma/core/internal';
import { clipByNorm, clipByValue, scaleToGlobalNorm } from './clipping.js';
import type { LearningRateSchedule } from './schedules.js';

/**
 * Options every optimizer takes: the learning rate (a number or a schedule) and gradient clipping
 * by value, norm or global norm.
 */
export interface OptimizerOptions {
  /** A number or a schedule of the step count. */
  learningRate?: number | LearningRateSchedule;
  /** Clamp each gradient element to [-clipValue, clipValue] before the update. */
  clipValue?: number;
  /** Rescale each gradient whose L2 norm exceeds clipNorm. */
  clipNorm?: number;
  /** Rescale all gradients together when their joint L2 norm exceeds globalClipNorm. */
  globalClipNorm?: number;
}

/**
 * Gradients paired with the variables they belong to: pairs, a Map, or what `variableGrads`
 * returns ({ grads, variables } by name), as a custom training loop passes it along.
 */
export type GradientPairs =
  | ReadonlyArray<readonly [Variable, Tensor]>
  | ReadonlyMap<Variable, Tensor>
  | { readonly grads: Readonly<Record<string, Tensor>>; readonly variables: Readonly<Record<string, Variable>> }
  | Readonly<Record<string, Tensor>>;

/** An optimizer's name and constructor options, as JSON (schedules by name and config). */
export interface OptimizerConfig {
  name: string;
  options: Record<string, unknown>;
}

/** Serializable optimizer state: the step count and every slot (moments, accumulators) by variable name. */
export interface OptimizerState {
  optimizer: string;
  iterations: number;
  slots: Record<string, Record<string, Tensor>>;
}

function pairsOf(g: GradientPairs): (readonly [Variable, Tensor])[] {
  if (g instanceof Map) return [...g.entries()];
  if (Array.isArray(g)) return [...g];
  const named = g as { grads?: unknown; variables?: unknown };
  if (typeof named.grads === 'object' && named.grads !== null && !soma.isTensor(named.grads) && typeof named.variables === 'object' && named.variables !== null) {
    const { grads, variables } = g as { grads: Readonly<Record<string, Tensor>>; variables: Readonly<Record<string, Variable>> };
    return Object.keys(grads).map((k) => {
      const v = Object.hasOwn(variables, k) ? variables[k] : undefined;
      if (!v) throw new Error(`applyGradients: no variable named '${k}' among the variables given`);
      return [v, grads[k]] as const;
    });
  }
  // TF.js's idiom: a { variableName: gradient } record (the grads of variableGrads), the variables
  // found by name among the live ones.
  const record = g as Readonly<Record<string, unknown>>;
  const keys = Object.keys(record);
  if (keys.length === 0 || !keys.every((k) => soma.isTensor(record[k]))) {
    throw new Error('applyGradients: expected [Variable, gradient] pairs, a Map, a { variableName: gradient } record, or what variableGrads returns');
  }
  return keys.map((k) => {
    const found = variablesNamed(k);
    if (found.length === 0) throw new Error(`applyGradients: no live variable is named '${k}' (give variables names with soma.variable(initial, true, name), or pass what variableGrads returns)`);
    if (found.length > 1) throw new Error(`applyGradients: ${found.length} live variables are named '${k}'; pass what variableGrads returns, or [variable, gradient] pairs`);
    return [found[0], record[k] as Tensor] as const;
  });
}

/**
 * Base of every optimizer: clipping, the learning-rate schedule, the step count and per-variable
 * slots live here; subclasses write only their update rule (`update`).
 */
export abstract class Optimizer {
  /** Number of updates applied so far. */
  iterations = 0;
  /** A number or a schedule; callbacks such as reduceLROnPlateau change it between epochs. */
  learningRate: number | LearningRateSchedule;
  private readonly clip: Pick<OptimizerOptions, 'clipValue' | 'clipNorm' | 'globalClipNorm'>;
  private readonly slots = new Map<Variable, Map<string, Variable>>();

  private readonly options: OptimizerOptions;

  protected constructor(readonly name: string, options: OptimizerOptions, defaultLearningRate: number, ownOptions: readonly string[] = []) {
    soma.checkOptions(name, options, ['learningRate', 'clipValue', 'clipNorm', 'globalClipNorm', ...ownOptions]);
    this.options = options;
    // Only undefined means 'the default': a null read from a file is an error, not a default.
    const lr = options.learningRate === undefined ? defaultLearningRate : options.learningRate;
    if (typeof lr !== 'object' || lr === null || typeof (lr as LearningRateSchedule).at !== 'function') {
      soma.checkNumber(name, 'learningRate', lr, { min: 0 });
    }
    this.learningRate = lr;
    const positive = (key: 'clipValue' | 'clipNorm' | 'globalClipNorm') => soma.checkOptionalNumber(name, key, options[key], { above: 0 });
    this.clip = { clipValue: positive('clipValue'), clipNorm: positive('clipNorm'), globalClipNorm: positive('globalClipNorm') };
  }

  /** An option given to a constructor, or its default, checked against `rule` (every number is). */
  protected numberOption(key: string, value: number | undefined, fallback: number, rule: soma.NumberRule): number {
    return soma.checkNumber(this.name, key, value === undefined ? fallback : value, rule);
  }

  /** The learning rate the next update will use. */
  currentLearningRate(): number {
    return typeof this.learningRate === 'number' ? this.learningRate : this.learningRate.at(this.iterations);
  }

  /**
   * Computes the gradients of `loss` for `varList` (default: every trainable variable it uses),
   * applies one update, and returns the loss (the caller disposes it).
   */
  minimize(loss: () => Tensor, varList?: readonly Variable[]): Tensor;
  /** TF.js's form: returns the loss only when `returnCost` (else null, the loss freed). */
  minimize(loss: () => Tensor, returnCost: boolean, varList?: readonly Variable[]): Tensor | null;
  minimize(loss: () => Tensor, a?: boolean | readonly Variable[], b?: readonly Variable[]): Tensor | null {
    const tfjs = typeof a === 'boolean';
    const varList = tfjs ? b : (a as readonly Variable[] | undefined);
    const value = this.minimizeOnce(loss, varList);
    if (tfjs && !a) {
      value.dispose();
      return null;
    }
    return value;
  }

  private minimizeOnce(loss: () => Tensor, varList?: readonly Variable[]): Tensor {
    const { value, grads, variables } = soma.variableGrads(loss, varList);
    try {
      this.applyGradients(Object.keys(grads).map((k) => [variables[k], grads[k]] as const));
    } finally {
      soma.dispose(grads);
    }
    return value;
  }

  /** One update of every variable from its gradient. The gradients are not disposed. */
  applyGradients(gradients: GradientPairs): void {
    const pairs = pairsOf(gradients);
    for (const [v, g] of pairs) {
      if (!v || !v.isVariable()) throw new Error(`${this.name}.applyGradients: expected [Variable, gradient] pairs`);
      if (g.shape.length !== v.shape.length || g.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`${this.name}.applyGradients: gradient for '${v.name}' has shape [${g.shape.join(',')}] but the variable is [${v.shape.join(',')}]`);
      }
    }
    soma.tidy(() => {
      // The step's host side (rate, count) is a host input, so a compiled training step runs it too.
      soma.hostInput([], () => {
        this.stepLearningRate = this.currentLearningRate();
        this.iterations++;
        return soma.scalar(this.iterations, 'int32');
      });
      let grads = pairs.map(([, g]) => g);
      if (this.clip.globalClipNorm !== undefined) grads = scaleToGlobalNorm(grads, this.clip.globalClipNorm);
      if (this.clip.clipNorm !== undefined) grads = clipByNorm(grads, this.clip.clipNorm);
      if (this.clip.clipValue !== undefined) grads = clipByValue(grads, this.clip.clipValue);
      pairs.forEach(([v], i) => this.update(v, grads[i]));
    });
  }

  /** The learning rate of the step being applied (set when the step begins). */
  private stepLearningRate = 0;

  /**
   * A scalar of the step being applied, from its learning rate and 1-based step number t — the
   * rate itself, bias corrections. Computed on the host at every step, also when the step runs
   * as a compiled graph (a JS number would be frozen there). Call it inside `update`.
   */
  protected perStep(f: (lr: number, t: number) => number): Tensor {
    return soma.hostInput([], () => soma.scalar(f(this.stepLearningRate, this.iterations)));
  }

  /**
   * The step's learning rate and 1-based number as plain numbers, for a fused update kernel
   * (which runs only eagerly, where they cannot be frozen into a trace).
   */
  protected stepNumbers(): { lr: number; t: number } {
    return { lr: this.stepLearningRate, t: this.iterations };
  }

  /** Applies this optimizer's rule to one variable; step-dependent numbers come from perStep. Runs inside tidy. */
  protected abstract update(v: Variable, g: Tensor): void;

  /** Whether `v` already has the slot `name` (momentum buffers start at the first step). */
  protected hasSlot(v: Variable, name: string): boolean {
    return this.slots.get(v)?.has(name) ?? false;
  }

  /** A per-variable state tensor (created on first use, filled with `init`). */
  protected slot(v: Variable, name: string, init = 0): Variable {
    let byName = this.slots.get(v);
    if (!byName) this.slots.set(v, (byName = new Map()));
    let s = byName.get(name);
    if (!s) {
      s = soma.tidy(() => soma.variable(soma.fill(v.shape, init), false, `${v.name}/${name}`));
      byName.set(name, s);
    }
    return s;
  }

  /** Name and options, enough for optimizerFromConfig to build an equal optimizer (the current learning rate included). */
  getConfig(): OptimizerConfig {
    const lr = this.learningRate;
    const learningRate = typeof lr === 'number' ? lr : { schedule: lr.name, config: lr.config };
    return { name: this.name, options: { ...this.options, learningRate } };
  }

  /** Copies of the step count and all slots, keyed by variable name (for checkpoints). */
  getState(): OptimizerState {
    const slots: OptimizerState['slots'] = {};
    for (const [v, byName] of this.slots) {
      slots[v.name] = {};
      for (const [k, s] of byName) slots[v.name][k] = s.clone();
    }
    return { optimizer: this.name, iterations: this.iterations, slots };
  }

  /** Restores a state from getState(); slots are matched to `variables` by name. */
  setState(state: OptimizerState, variables: readonly Variable[]): void {
    if (state.optimizer !== this.name) throw new Error(`${this.name}.setState: the state was saved by '${state.optimizer}'`);
    soma.checkNumber(`${this.name}.setState`, 'iterations', state.iterations, { integer: true, min: 0 });
    const byName = new Map(variables.map((v) => [v.name, v]));
    for (const [varName, slotTensors] of Object.entries(state.slots)) {
      const v = byName.get(varName);
      if (!v) throw new Error(`${this.name}.setState: no variable named '${varName}' among the ${variables.length} given`);
      for (const [slotName, t] of Object.entries(slotTensors)) {
        const s = this.slot(v, slotName);
        if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
          throw new Error(`${this.name}.setState: slot '${varName}/${slotName}' is [${t.shape.join(',')}], the variable is [${s.shape.join(',')}]`);
        }
        s.assign(t);
      }
    }
    this.iterations = state.iterations;
  }

  /** Moves every slot (moments, accumulators) to backend `name`, as `model.toBackend` does with the weights. */
  async toBackend(name: string): Promise<void> {
    for (const slots of this.slots.values()) for (const s of slots.values()) await s.moveTo(name);
  }

  /** Frees every slot. */
  dispose(): void {
    for (const byName of this.slots.values()) for (const s of byName.values()) s.dispose();
    this.slots.clear();
  }
}
