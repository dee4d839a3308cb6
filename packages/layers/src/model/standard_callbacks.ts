import type { Tensor } from '@soma/core';
import * as soma from '@soma/core';
import { importNodeModule } from '@soma/core';
import { Callback, type Logs } from './callbacks.js';

/** Whether the monitored quantity should fall ('min'), rise ('max'), or follow its name ('auto': accuracies rise). */
export type MonitorMode = 'auto' | 'min' | 'max';

/** Whether larger is better for `monitor` under `mode` ('auto': accuracy-like metrics are maximized). */
function maximize(monitor: string, mode: MonitorMode): boolean {
  if (mode !== 'auto') return mode === 'max';
  return /acc|auc|precision|recall/.test(monitor);
}

/** The best value of a monitored quantity so far, and whether a new one improves on it by more than minDelta. */
class Best {
  value = 0;
  private readonly up: boolean;
  constructor(monitor: string, mode: MonitorMode, private readonly minDelta = 0) {
    this.up = maximize(monitor, mode);
  }
  reset(baseline?: number): void {
    this.value = baseline ?? (this.up ? -Infinity : Infinity);
  }
  /** Records v and returns true when it improves on the best. */
  update(v: number): boolean {
    const d = Math.abs(this.minDelta);
    const better = this.up ? v > this.value + d : v < this.value - d;
    if (better) this.value = v;
    return better;
  }
}

/** Keras's short names, as users type them: 'acc' and 'val_acc' are the logs' 'accuracy' and 'val_accuracy'. */
function logKey(monitor: string, logs: Logs | undefined): string {
  if (logs && monitor in logs) return monitor;
  const long = monitor.replace(/(^|_)acc$/, '$1accuracy');
  return logs && long in logs ? long : monitor;
}

function monitored(cb: string, monitor0: string, logs: Logs | undefined): number | null {
  const monitor = logKey(monitor0, logs);
  const v = logs?.[monitor];
  if (v === undefined) {
    console.warn(`${cb}: '${monitor}' is not in the logs (available: ${Object.keys(logs ?? {}).join(', ')}); skipping`);
    return null;
  }
  return v;
}

/**
 * Options of `earlyStopping`: the monitored quantity, minimum change, patience, mode, baseline and
 * whether to restore the best weights.
 */
export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: MonitorMode;
  baseline?: number;
  /** Put back the weights of the best epoch when training stops. */
  restoreBestWeights?: boolean;
}

/** Stops fit when `monitor` has not improved by minDelta for `patience` epochs (Keras EarlyStopping). */
export class EarlyStopping extends Callback {
  private readonly best: Best;
  private wait = 0;
  private bestWeights: Tensor[] | null = null;
  stoppedEpoch = -1;
  bestEpoch = -1;
  private readonly a: Required<Omit<EarlyStoppingArgs, 'baseline'>> & { baseline?: number };
  constructor(args: EarlyStoppingArgs = {}) {
    super();
    this.a = { monitor: 'val_loss', minDelta: 0, patience: 0, mode: 'auto', restoreBestWeights: false, ...args };
    this.best = new Best(this.a.monitor, this.a.mode, this.a.minDelta);
  }
  override async onTrainBegin(): Promise<void> {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.best.reset(this.a.baseline);
    this.dropBest();
  }
  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    const v = monitored('earlyStopping', this.a.monitor, logs);
    if (v === null) return;
    if (this.best.update(v)) {
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.a.restoreBestWeights) {
        this.dropBest();
        this.bestWeights = this.model.getWeights();
      }
      return;
    }
    if (++this.wait > this.a.patience) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }
  override async onTrainEnd(): Promise<void> {
    if (this.a.restoreBestWeights && this.bestWeights && this.stoppedEpoch >= 0) this.model.setWeights(this.bestWeights);
    this.dropBest();
  }
  private dropBest(): void {
    if (this.bestWeights) soma.dispose(this.bestWeights);
    this.bestWeights = null;
  }
}

/** Saves the model (model.json + weights.safetensors) after epochs; `{epoch}` in the path is replaced (1-based). */
export class ModelCheckpoint extends Callback {
  private readonly best: Best;
  constructor(private readonly a: { filepath: string; monitor?: string; saveBestOnly?: boolean; mode?: MonitorMode }) {
    super();
    this.best = new Best(a.monitor ?? 'val_loss', a.mode ?? 'auto');
  }
  override async onTrainBegin(): Promise<void> {
    this.best.reset();
  }
  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    const monitor = this.a.monitor ?? 'val_loss';
    if (this.a.saveBestOnly) {
      const v = monitored('modelCheckpoint', monitor, logs);
      if (v === null || !this.best.update(v)) return;
    }
    await this.model.save(this.a.filepath.replace('{epoch}', String(epoch + 1)));
  }
}

/** Sets the optimizer's learning rate at the start of each epoch from `schedule(epoch, currentRate)`. */
export class LearningRateScheduler extends Callback {
  constructor(private readonly schedule: (epoch: number, lr: number) => number) {
    super();
  }
  override async onEpochBegin(epoch: number): Promise<void> {
    const opt = this.model.training!.optimizer;
    const lr = this.schedule(epoch, opt.currentLearningRate());
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`learningRateScheduler: the schedule returned ${lr} for epoch ${epoch}`);
    opt.learningRate = lr;
  }
  override async onEpochEnd(_epoch: number, logs?: Logs): Promise<void> {
    if (logs) logs.lr = this.model.training!.optimizer.currentLearningRate();
  }
}

/**
 * Options of `reduceLROnPlateau`: monitored quantity, factor, patience, mode, minimum change,
 * cooldown and the smallest rate.
 */
export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
  mode?: MonitorMode;
}

/** Multiplies the learning rate by `factor` when `monitor` stops improving for `patience` epochs (Keras ReduceLROnPlateau). */
export class ReduceLROnPlateau extends Callback {
  private readonly best: Best;
  private wait = 0;
  private cooldownLeft = 0;
  private readonly a: Required<ReduceLROnPlateauArgs>;
  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    this.a = { monitor: 'val_loss', factor: 0.1, patience: 10, minDelta: 1e-4, cooldown: 0, minLr: 0, mode: 'auto', ...args };
    if (!(this.a.factor > 0 && this.a.factor < 1)) throw new Error(`reduceLROnPlateau: factor must be in (0, 1), got ${this.a.factor}`);
    this.best = new Best(this.a.monitor, this.a.mode, this.a.minDelta);
  }
  override async onTrainBegin(): Promise<void> {
    this.best.reset();
    this.wait = 0;
    this.cooldownLeft = 0;
  }
  override async onEpochEnd(_epoch: number, logs?: Logs): Promise<void> {
    const v = monitored('reduceLROnPlateau', this.a.monitor, logs);
    if (v === null) return;
    const opt = this.model.training!.optimizer;
    if (logs) logs.lr = opt.currentLearningRate();
    if (this.cooldownLeft > 0) this.cooldownLeft--;
    if (this.best.update(v)) {
      this.wait = 0;
    } else if (this.cooldownLeft === 0 && ++this.wait >= this.a.patience) {
      opt.learningRate = Math.max(this.a.minLr, opt.currentLearningRate() * this.a.factor);
      this.cooldownLeft = this.a.cooldown;
      this.wait = 0;
    }
  }
}

/** Appends one CSV row per epoch (epoch, then every logged value) to `filename` (Node). */
export class CSVLogger extends Callback {
  private keys: string[] | null = null;
  constructor(private readonly a: { filename: string; separator?: string; append?: boolean }) {
    super();
  }
  override async onTrainBegin(): Promise<void> {
    this.keys = null;
    if (!this.a.append) {
      const { writeFile } = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
      await writeFile(this.a.filename, '');
    }
  }
  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const { appendFile } = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
    const sep = this.a.separator ?? ',';
    let text = '';
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      text += `${['epoch', ...this.keys].join(sep)}\n`;
    }
    text += `${[epoch, ...this.keys.map((k) => logs[k] ?? '')].join(sep)}\n`;
    await appendFile(this.a.filename, text);
  }
}

/** Stops fit when the monitored quantity stops improving (Keras EarlyStopping). */
export const earlyStopping = (a?: EarlyStoppingArgs) => new EarlyStopping(a);
/**
 * Saves the model after each epoch, or only when the monitored quantity improves (`saveBestOnly`).
 */
export const modelCheckpoint = (a: ConstructorParameters<typeof ModelCheckpoint>[0]) => new ModelCheckpoint(a);
/** Sets the optimizer's learning rate at each epoch from `schedule(epoch, currentRate)`. */
export const learningRateScheduler = (s: (epoch: number, lr: number) => number) => new LearningRateScheduler(s);
/**
 * Multiplies the learning rate by `factor` when the monitored quantity stops improving for
 * `patience` epochs.
 */
export const reduceLROnPlateau = (a?: ReduceLROnPlateauArgs) => new ReduceLROnPlateau(a);
/** Appends each epoch's logs as a row of a CSV file. */
export const csvLogger = (a: ConstructorParameters<typeof CSVLogger>[0]) => new CSVLogger(a);
