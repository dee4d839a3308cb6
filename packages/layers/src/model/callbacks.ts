import type { LayersModel } from './model.js';

/** Values reported to callbacks: loss, metrics and their val_ counterparts. */
export type Logs = Record<string, number>;

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

/** The callback hooks `fit` calls, in Keras's names. */
export type HookName = 'onTrainBegin' | 'onTrainEnd' | 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd';
/** Plain hook objects, as Keras and TF.js users write them: each hook may be synchronous or async. */
export type CallbackHooks = { [K in HookName]?: (...args: Parameters<Callback[K]>) => void | Promise<void> };

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
}

/** Runs a list of callbacks in order. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}
  async call<K extends 'onTrainBegin' | 'onTrainEnd'>(hook: K, logs?: Logs): Promise<void>;
  async call<K extends 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd'>(hook: K, n: number, logs?: Logs): Promise<void>;
  async call(hook: keyof CallbackHooks, a?: number | Logs, b?: Logs): Promise<void> {
    for (const c of this.callbacks) await (c[hook] as (x?: number | Logs, y?: Logs) => Promise<void>).call(c, a, b);
  }
}
