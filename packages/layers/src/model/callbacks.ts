import type { Tensor } from '@soma/core';
import type { LayersModel } from './model.js';

/** Values reported to callbacks: loss, metrics and their val_ counterparts. */
export type Logs = Record<string, number>;

/**
 * What predict's batch hooks receive: the batch's size and its outputs (Keras's `logs["outputs"]`),
 * owned by predict and valid until it returns.
 */
export interface PredictLogs {
  size: number;
  outputs: Tensor | Tensor[];
}

/**
 * Hooks into fit/evaluate/predict. Override what you need; every hook may be async and is awaited.
 * `this.model` is set before training starts.
 */
export class Callback {
  model!: LayersModel;
  params: { epochs: number; samples: number | null; batchSize: number; steps: number | null; verbose: number } = { epochs: 0, samples: null, batchSize: 0, steps: null, verbose: 0 };
  /** Called by fit before training with the model being trained (available as `this.model`). */
  setModel(model: LayersModel): void {
    this.model = model;
  }
  /** Called once when fit starts. */
  async onTrainBegin(_logs?: Logs): Promise<void> {}
  /** Called once when fit ends, with the last epoch's logs. */
  async onTrainEnd(_logs?: Logs): Promise<void> {}
  /** Called at the start of each epoch (numbered from 0). */
  async onEpochBegin(_epoch: number, _logs?: Logs): Promise<void> {}
  /**
   * Called at the end of each epoch with its logs (loss, metrics, and val_ values when validating).
   */
  async onEpochEnd(_epoch: number, _logs?: Logs): Promise<void> {}
  /** Called before each batch (numbered from 0 within the epoch). */
  async onBatchBegin(_batch: number, _logs?: Logs): Promise<void> {}
  /** Called after each batch with its logs; setting `model.stopTraining` here stops fit. */
  async onBatchEnd(_batch: number, _logs?: Logs): Promise<void> {}
  /** Called when evaluate starts, and when fit starts validating. */
  async onTestBegin(_logs?: Logs): Promise<void> {}
  /** Called when evaluate (or fit's validation) ends, with its logs. */
  async onTestEnd(_logs?: Logs): Promise<void> {}
  /** Called before each evaluation batch. */
  async onTestBatchBegin(_batch: number, _logs?: Logs): Promise<void> {}
  /** Called after each evaluation batch with the running logs; setting `model.stopEvaluating` here ends evaluate after this batch. */
  async onTestBatchEnd(_batch: number, _logs?: Logs): Promise<void> {}
  // predict is synchronous (as TF.js's), so its hooks are too: a hook that returns a promise is an error.
  /** Called when predict starts. */
  onPredictBegin(): void {}
  /** Called when predict ends. */
  onPredictEnd(): void {}
  /** Called before each prediction batch. */
  onPredictBatchBegin(_batch: number): void {}
  /** Called after each prediction batch with its outputs; setting `model.stopPredicting` here makes predict return the batches done so far. */
  onPredictBatchEnd(_batch: number, _logs: PredictLogs): void {}
}

/** What fit returns: the epochs run and each logged value per epoch. */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

/** The callback hooks fit and evaluate call, in Keras's names (fit's validation calls the onTest hooks). */
export type HookName =
  | 'onTrainBegin' | 'onTrainEnd' | 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd'
  | 'onTestBegin' | 'onTestEnd' | 'onTestBatchBegin' | 'onTestBatchEnd';
/** The hooks predict calls; they run synchronously. */
export type PredictHookName = 'onPredictBegin' | 'onPredictEnd' | 'onPredictBatchBegin' | 'onPredictBatchEnd';
/**
 * Plain hook objects, as Keras and TF.js users write them: each fit/evaluate hook may be synchronous
 * or async; predict's hooks are synchronous.
 */
export type CallbackHooks = { [K in HookName]?: (...args: Parameters<Callback[K]>) => void | Promise<void> } & {
  [K in PredictHookName]?: (...args: Parameters<Callback[K]>) => void;
};

function checkSync(hook: PredictHookName, result: unknown): void {
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    throw new Error(`predict: callback ${hook} returned a promise; predict is synchronous (as in TF.js), so its hooks must be too — await inside fit/evaluate hooks instead`);
  }
}

export class FunctionCallback extends Callback {
  constructor(private readonly hooks: CallbackHooks) {
    super();
  }
  override async onTrainBegin(logs?: Logs) { await this.hooks.onTrainBegin?.(logs); }
  override async onTrainEnd(logs?: Logs) { await this.hooks.onTrainEnd?.(logs); }
  override async onEpochBegin(e: number, logs?: Logs) { await this.hooks.onEpochBegin?.(e, logs); }
  override async onEpochEnd(e: number, logs?: Logs) { await this.hooks.onEpochEnd?.(e, logs); }
  override async onBatchBegin(b: number, logs?: Logs) { await this.hooks.onBatchBegin?.(b, logs); }
  override async onBatchEnd(b: number, logs?: Logs) { await this.hooks.onBatchEnd?.(b, logs); }
  override async onTestBegin(logs?: Logs) { await this.hooks.onTestBegin?.(logs); }
  override async onTestEnd(logs?: Logs) { await this.hooks.onTestEnd?.(logs); }
  override async onTestBatchBegin(b: number, logs?: Logs) { await this.hooks.onTestBatchBegin?.(b, logs); }
  override async onTestBatchEnd(b: number, logs?: Logs) { await this.hooks.onTestBatchEnd?.(b, logs); }
  override onPredictBegin() { checkSync('onPredictBegin', this.hooks.onPredictBegin?.()); }
  override onPredictEnd() { checkSync('onPredictEnd', this.hooks.onPredictEnd?.()); }
  override onPredictBatchBegin(b: number) { checkSync('onPredictBatchBegin', this.hooks.onPredictBatchBegin?.(b)); }
  override onPredictBatchEnd(b: number, logs: PredictLogs) { checkSync('onPredictBatchEnd', this.hooks.onPredictBatchEnd?.(b, logs)); }
}

/** Runs a list of callbacks in order. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}
  async call<K extends 'onTrainBegin' | 'onTrainEnd' | 'onTestBegin' | 'onTestEnd'>(hook: K, logs?: Logs): Promise<void>;
  async call<K extends 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd' | 'onTestBatchBegin' | 'onTestBatchEnd'>(hook: K, n: number, logs?: Logs): Promise<void>;
  async call(hook: HookName, a?: number | Logs, b?: Logs): Promise<void> {
    for (const c of this.callbacks) await (c[hook] as (x?: number | Logs, y?: Logs) => Promise<void>).call(c, a, b);
  }
  /** Calls a predict hook on each callback, synchronously; a Callback subclass's async override is refused too. */
  callSync(hook: 'onPredictBegin' | 'onPredictEnd'): void;
  callSync(hook: 'onPredictBatchBegin', n: number): void;
  callSync(hook: 'onPredictBatchEnd', n: number, logs: PredictLogs): void;
  callSync(hook: PredictHookName, a?: number, b?: PredictLogs): void {
    for (const c of this.callbacks) checkSync(hook, (c[hook] as (x?: number, y?: PredictLogs) => unknown).call(c, a, b));
  }
}

/** Callbacks as fit, evaluate and predict accept them: one, or a list, of Callback objects or plain hook objects. */
export type CallbackArg = Callback | CallbackHooks | (Callback | CallbackHooks)[];

/** The given callbacks, hook objects wrapped, each told its model. */
export function callbacksOf(model: LayersModel, given: CallbackArg | undefined): Callback[] {
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  return list.map((cb) => {
    const c = cb instanceof Callback ? cb : new FunctionCallback(cb);
    c.setModel(model);
    return c;
  });
}
