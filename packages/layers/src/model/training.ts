import * as soma from '@soma/core';
import type { Tensor, Variable } from '@soma/core';
import { Callback, CallbackList, History, callbacksOf, type CallbackArg, type Logs } from './callbacks.js';
import type { LayersModel, TrainingConfig } from './model.js';
import { inferenceOutputs, stepRunnerFor, type StepResult } from './compiled_step.js';
import { ProgressBar } from './progress.js';
import { EventLoopYielder, type YieldEvery } from './yield.js';
import { discardDeferredIdChecks, reportIdChecks, takeDeferredIdChecks } from '../integer_ids.js';

/** One batch as datasets yield it. */
export interface DataBatch {
  xs: Tensor | Tensor[];
  ys: Tensor | Tensor[];
  sampleWeight?: Tensor;
}

/**
 * Any (async) iterable of { xs, ys } batches, such as a @soma/data Dataset whose elements are
 * `{ xs, ys }` records of tensors (`Dataset.fromTensors({ xs, ys }).batch(32)`); also checked batch
 * by batch at run time.
 */
export type BatchSource = AsyncIterable<DataBatch> | Iterable<DataBatch>;
type Source = BatchSource;

/**
 * Options of `fit`, with Keras's names: epochs, batch size, validation, shuffling, weights,
 * callbacks and verbosity.
 */
export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  /** 0: silent; 1: progress bar (default; one line per epoch when not a terminal); 2: one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Reshuffle the training samples every epoch (tensor input only). Default true. */
  shuffle?: boolean;
  /** Seed of the per-epoch shuffles: the same seed gives the same batches. */
  seed?: number;
  /** Hold out this fraction of the samples (the last ones, before shuffling) for validation. */
  validationSplit?: number;
  validationData?: [Tensor | Tensor[], Tensor | Tensor[]] | Source;
  initialEpoch?: number;
  /** One weight per training sample, multiplying its loss. */
  sampleWeight?: Tensor;
  /** Loss weight per class id (integer targets, one-hot targets or 0/1 binary targets). */
  classWeight?: Record<number, number>;
  /** Callback objects or plain `{ onEpochEnd() {...} }` hooks; one may be given without an array. */
  callbacks?: CallbackArg;
  /** Stop with an error naming the epoch and batch when the loss becomes NaN (default true). */
  stopOnNaN?: boolean;
  /**
   * When fit lets timers, I/O and page rendering run (TF.js's option): 'auto' (default) after
   * about 25 ms of work, 'batch' after every batch, 'epoch' after every epoch, 'never', or a
   * number of milliseconds.
   */
  yieldEvery?: YieldEvery;
}

const FIT_OPTIONS = [
  'batchSize', 'epochs', 'verbose', 'shuffle', 'seed', 'validationSplit', 'validationData', 'initialEpoch', 'sampleWeight', 'classWeight', 'callbacks', 'stopOnNaN', 'yieldEvery',
];

/** Options of `evaluate`: batch size, verbosity and callbacks (their onTest hooks). */
export interface EvaluateArgs {
  batchSize?: number;
  verbose?: 0 | 1;
  /** Keras's evaluate(callbacks=…): onTestBegin/onTestBatchBegin/onTestBatchEnd/onTestEnd run; `model.stopEvaluating` ends early. */
  callbacks?: CallbackArg;
}

/** Options of `predict`. */
export interface PredictArgs {
  batchSize?: number;
  /** Keras's predict(callbacks=…): the onPredict hooks run, synchronously; `model.stopPredicting` returns the batches done. */
  callbacks?: CallbackArg;
}

const asList = (t: Tensor | Tensor[]): Tensor[] => (Array.isArray(t) ? t : [t]);
const isTensorArg = (a: unknown): a is Tensor | Tensor[] => soma.isTensor(a) || (Array.isArray(a) && a.length > 0 && a.every((t) => soma.isTensor(t)));

function compiled(model: LayersModel, op: string): TrainingConfig {
  if (!model.training) throw new Error(`${model.name}.${op}: call compile({ optimizer, loss }) first`);
  return model.training;
}

/** Checks x and y agree in count and samples: `fit: x has 100 samples but y has 90`. */
function checkData(model: LayersModel, op: string, xs: Tensor[], ys: Tensor[] | null): number {
  if (xs.length === 0) throw new Error(`${op}: x is an empty list; pass one tensor per model input`);
  const n = xs[0].shape[0];
  if (n === 0) throw new Error(`${op}: x has 0 samples`);
  if (model.inputs.length && xs.length !== model.inputs.length) throw new Error(`${op}: the model has ${model.inputs.length} inputs, got ${xs.length} x tensors`);
  for (const [i, x] of xs.entries()) {
    if (x.rank === 0 || x.shape[0] !== n) throw new Error(`${op}: x[${i}] has ${x.rank ? x.shape[0] : 0} samples but x[0] has ${n}`);
  }
  if (ys) {
    const outs = Math.max(1, model.outputs.length);
    if (ys.length !== outs) throw new Error(`${op}: the model has ${outs} outputs, got ${ys.length} y tensors`);
    for (const [i, y] of ys.entries()) {
      if (y.rank === 0 || y.shape[0] !== n) throw new Error(`${op}: x has ${n} samples but y${ys.length > 1 ? `[${i}]` : ''} has ${y.rank ? y.shape[0] : 0}`);
    }
  }
  return n;
}

function permutation(n: number, shuffle: boolean, seed: number | undefined, epoch: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  if (!shuffle) return p;
  const rng = new soma.Prng(seed === undefined ? soma.nextRandomSeed() : seed * 1000003 + epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Weights from classWeight: the class of each sample from integer, one-hot or binary targets, looked up on the device. */
function classWeights(y: Tensor, classWeight: Record<number, number>): Tensor {
  return soma.tidy(() => {
    const ids = y.rank > 1 && y.shape[y.rank - 1] > 1 ? y.argMax(-1) : y.reshape([y.shape[0]]).round().cast('int32');
    const classes = Object.keys(classWeight).map(Number).filter((c) => Number.isInteger(c) && c >= 0);
    const size = classes.length ? Math.max(...classes) + 1 : 1;
    const table = soma.tensor(Float32Array.from({ length: size }, (_, c) => classWeight[c] ?? 1));
    // Classes the table does not name weigh 1, as Keras does.
    const known = soma.logicalAnd(ids.greaterEqual(0), ids.less(size));
    return soma.where(known, soma.gather(table, soma.clip(ids, 0, size - 1)), 1);
  });
}

/** Runs the model on a first batch so a lazily built Sequential has its weights before training. */
function ensureBuilt(model: LayersModel, xs: Tensor[]): void {
  if (model.outputs.length) return;
  soma.tidy(() => {
    const first = xs.map((x) => x.slice([0], [1]));
    model.call(first.length === 1 ? first[0] : first, { training: false });
  });
}

/**
 * Each output's mean per-sample loss (sample-weighted) and their sum weighted by lossWeights (as
 * Keras: loss = Σ wᵢ·lossᵢ). Outputs without a loss contribute nothing.
 */
function outputLosses(cfg: TrainingConfig, ys: Tensor[], preds: Tensor[], weights: Tensor | null): { total: Tensor; parts: Tensor[] } {
  let total: Tensor | null = null;
  const parts: Tensor[] = [];
  preds.forEach((p, i) => {
    const lossFn = cfg.losses[i];
    if (!lossFn) return;
    const perSample = lossFn(ys[i], p);
    const l = weights ? perSample.mul(weights).mean() : perSample.mean();
    parts.push(l);
    const weighted = cfg.lossWeights[i] === 1 ? l : l.mul(cfg.lossWeights[i]);
    total = total ? total.add(weighted) : weighted;
  });
  return { total: total!, parts };
}

/** Log keys of the per-output losses (`out_loss`), for models with several outputs; none for one. */
function partNames(cfg: TrainingConfig): string[] {
  return cfg.outputNames.length > 1 ? cfg.outputNames.filter((_, i) => cfg.losses[i]).map((n) => `${n}_loss`) : [];
}

/** Running, sample-weighted means of the loss and the per-output losses, as logs. */
class LossMeans {
  private readonly sums: number[];
  private seen = 0;
  constructor(private readonly names: readonly string[]) {
    this.sums = new Array<number>(names.length + 1).fill(0);
  }
  add(values: readonly number[], size: number): void {
    values.forEach((v, i) => (this.sums[i] += v * size));
    this.seen += size;
  }
  logs(prefix = ''): Logs {
    const logs: Logs = { [`${prefix}loss`]: this.seen ? this.sums[0] / this.seen : NaN };
    this.names.forEach((n, i) => (logs[`${prefix}${n}`] = this.seen ? this.sums[i + 1] / this.seen : NaN));
    return logs;
  }
}

/** The weights compile() fixed (Keras's rule), with the warning Keras gives when `trainable` changed since. */
function compiledTrainableWeights(model: LayersModel, cfg: TrainingConfig): Variable[] {
  cfg.trainableWeights ??= model.trainableWeights;
  const now = model.trainableWeights;
  const same = now.length === cfg.trainableWeights.length && now.every((w, i) => w === cfg.trainableWeights![i]);
  if (!same && !cfg.warnedTrainable) {
    cfg.warnedTrainable = true;
    console.warn(`${model.name}: the trainable weights changed since compile() (was 'trainable' set after compiling?); training updates the ${cfg.trainableWeights.length} weights fixed at compile time until compile() is called again, as Keras does`);
  }
  return cfg.trainableWeights;
}

/** Forward, loss and backward of one batch, then the update: what fit traces and compiles. */
function stepOf(model: LayersModel, cfg: TrainingConfig) {
  const multi = cfg.outputNames.length > 1;
  return (xs: Tensor[], ys: Tensor[], weights: Tensor | null): StepResult => {
    let preds: Tensor[] = [];
    let parts: Tensor[] = [];
    const { value, grads, variables } = soma.variableGrads(() => {
      preds = asList(model.call(xs.length === 1 ? xs[0] : xs, { training: true })).map((p) => soma.keep(p));
      const losses = outputLosses(cfg, ys, preds, weights);
      // Per-output losses are logged for several outputs only (one output's part is the loss).
      if (multi) parts = losses.parts.map((t) => soma.keep(soma.stopGradient(t)));
      let loss = losses.total;
      for (const r of model.regularizationLosses()) loss = loss.add(r);
      return loss;
    }, compiledTrainableWeights(model, cfg));
    try {
      cfg.optimizer.applyGradients(Object.keys(grads).map((k) => [variables[k], grads[k]] as const));
    } catch (err) {
      soma.dispose([value, preds, parts]);
      throw err;
    } finally {
      soma.dispose(grads);
    }
    return { loss: value, parts, preds };
  };
}

/** One optimizer step; returns the batch loss (then the per-output losses) and updates the metrics. */
async function trainStep(model: LayersModel, cfg: TrainingConfig, xs: Tensor[], ys: Tensor[], weights: Tensor | null): Promise<number[]> {
  discardDeferredIdChecks();
  let result: StepResult;
  if (!cfg.runEagerly) {
    const runner = stepRunnerFor(model, cfg, () => stepOf(model, cfg));
    // Checks inside the loss ran when the step was traced; the graph runs without them.
    ys.forEach((y, i) => cfg.losses[i]?.checkTargets?.(y, [y.shape[0], ...outputShape(model, i)]));
    result = runner.run(xs, ys, weights);
  } else result = stepOf(model, cfg)(xs, ys, weights);
  const { loss, parts, preds } = result;
  try {
    model.applyConstraints();
    return await readBatch(cfg, [loss, ...parts], ys, preds);
  } finally {
    soma.dispose([loss, parts, preds]);
  }
}

/**
 * What a batch reports, in one readback: the losses, each metric's statistics and the id checks a
 * GPU backend deferred (a class id out of range fails here, naming it). Then the metrics
 * accumulate. Nothing else in a training step waits for the device.
 */
async function readBatch(cfg: TrainingConfig, losses: readonly Tensor[], ys: readonly Tensor[], preds: readonly Tensor[]): Promise<number[]> {
  const checks = takeDeferredIdChecks();
  const metrics = preds.flatMap((_, i) => cfg.metrics[i].map((m) => ({ m, i })));
  let sizes: number[] = [];
  const all = soma.tidy(() => {
    const stats = metrics.map(({ m, i }) => m.batchStats(ys[i], preds[i]).reshape([-1]).cast('float32'));
    sizes = stats.map((t) => t.size);
    return soma.concat([...losses.map((t) => t.reshape([1])), ...stats, ...checks.map((c) => c.bad.cast('float32').reshape([1]))]);
  });
  let values: Float32Array;
  try {
    values = (await all.data()) as Float32Array;
  } finally {
    all.dispose();
  }
  await reportIdChecks(checks, values.subarray(values.length - checks.length));
  let at = losses.length;
  metrics.forEach(({ m }, k) => {
    m.accumulate(values.subarray(at, at + sizes[k]));
    at += sizes[k];
  });
  return Array.from(values.subarray(0, losses.length));
}

/** An output's shape without the batch axis (known once the model is built). */
function outputShape(model: LayersModel, i: number): number[] {
  return model.outputs[i].shape.slice(1).map((d) => d ?? -1);
}

function metricLogs(model: LayersModel, cfg: TrainingConfig, prefix = ''): Logs {
  const logs: Logs = {};
  cfg.metrics.forEach((ms, i) => ms.forEach((m) => {
    const out = cfg.outputNames.length > 1 ? `${cfg.outputNames[i]}_` : '';
    logs[`${prefix}${out}${m.name}`] = m.result();
  }));
  return logs;
}

async function* batchesOf(xs: Tensor[], ys: Tensor[], weights: Tensor | null, order: Int32Array, batchSize: number): AsyncGenerator<DataBatch> {
  for (let start = 0; start < order.length; start += batchSize) {
    const idx = soma.tensor(order.subarray(start, Math.min(order.length, start + batchSize)), undefined, 'int32');
    const batch: DataBatch = { xs: xs.map((x) => soma.gather(x, idx)), ys: ys.map((y) => soma.gather(y, idx)) };
    if (weights) batch.sampleWeight = soma.gather(weights, idx);
    idx.dispose();
    try {
      yield batch;
    } finally {
      soma.dispose([batch.xs, batch.ys, batch.sampleWeight ?? null]);
    }
  }
}

async function* iterate(source: Source): AsyncGenerator<DataBatch> {
  for await (const b of source as AsyncIterable<unknown>) {
    if (!b || typeof b !== 'object' || !('xs' in b) || !('ys' in b)) throw new Error('fit: a dataset must yield { xs, ys } batches of tensors');
    yield b as DataBatch;
  }
}

export async function fit(model: LayersModel, a: Tensor | Tensor[] | Source, b?: Tensor | Tensor[] | FitArgs, c?: FitArgs): Promise<History> {
  const cfg = compiled(model, 'fit');
  const fromTensors = isTensorArg(a);
  const args: FitArgs = (fromTensors ? c : (b as FitArgs | undefined)) ?? {};
  soma.checkOptions('fit', args, FIT_OPTIONS);
  const { batchSize = 32, epochs = 1, seed, initialEpoch = 0 } = args;
  soma.checkBatchSize('fit', batchSize);
  soma.checkNumber('fit', 'epochs', epochs, { integer: true, min: 0 });
  soma.checkNumber('fit', 'initialEpoch', initialEpoch, { integer: true, min: 0 });
  if (seed !== undefined) soma.checkNumber('fit', 'seed', seed, { integer: true });
  if (!fromTensors && args.validationSplit) throw new Error('fit: validationSplit needs tensor inputs (a dataset cannot be split by fit); split the dataset and pass validationData');
  // One fit at a time per model: two would share the optimizer, the metrics and the stop flag.
  if (model.isTraining) throw new Error(`fit: '${model.name}' is already training; await the running fit() before starting another`);
  model.isTraining = true;
  try {
    return await fitUnguarded(model, cfg, a, b, args);
  } finally {
    model.isTraining = false;
  }
}

async function fitUnguarded(model: LayersModel, cfg: TrainingConfig, a: Tensor | Tensor[] | Source, b: Tensor | Tensor[] | FitArgs | undefined, args: FitArgs): Promise<History> {
  const { batchSize = 32, epochs = 1, verbose = 1, shuffle = true, seed, initialEpoch = 0, stopOnNaN = true } = args;
  const yielder = new EventLoopYielder('fit', args.yieldEvery ?? 'auto');

  let train: { xs: Tensor[]; ys: Tensor[]; weights: Tensor | null; n: number } | null = null;
  let val: { xs: Tensor[]; ys: Tensor[] } | Source | null = null;
  const owned: Tensor[] = [];
  if (isTensorArg(a)) {
    if (!isTensorArg(b)) throw new Error('fit: with tensor inputs, y must be a tensor (or one per output)');
    const xs = asList(a);
    const ys = asList(b);
    ensureBuilt(model, xs);
    const n = checkData(model, 'fit', xs, ys);
    let weights = args.sampleWeight ?? null;
    if (weights && (weights.rank !== 1 || weights.shape[0] !== n)) throw new Error(`fit: sampleWeight must be [${n}], got [${weights.shape.join(', ')}]`);
    if (args.classWeight) {
      const cw = classWeights(ys[0], args.classWeight);
      owned.push(cw);
      weights = weights ? soma.mul(weights, cw) : cw;
      if (weights !== cw) owned.push(weights);
    }
    const split = args.validationSplit ?? 0;
    if (!(split >= 0 && split < 1)) throw new Error(`fit: validationSplit must be in [0, 1), got ${split}`);
    const nVal = Math.floor(n * split);
    if (nVal > 0) {
      const cut = (t: Tensor, from: number, len: number) => soma.slice(t, [from], [len]);
      const tr = { xs: xs.map((x) => cut(x, 0, n - nVal)), ys: ys.map((y) => cut(y, 0, n - nVal)) };
      val = { xs: xs.map((x) => cut(x, n - nVal, nVal)), ys: ys.map((y) => cut(y, n - nVal, nVal)) };
      owned.push(...tr.xs, ...tr.ys, ...val.xs, ...val.ys);
      const w = weights ? cut(weights, 0, n - nVal) : null;
      if (w) owned.push(w);
      train = { ...tr, weights: w, n: n - nVal };
    } else {
      train = { xs, ys, weights, n };
    }
  }
  if (args.validationData) {
    const vd = args.validationData;
    val = Array.isArray(vd) && vd.length === 2 && isTensorArg(vd[0]) ? { xs: asList(vd[0] as Tensor | Tensor[]), ys: asList(vd[1] as Tensor | Tensor[]) } : (vd as Source);
  }

  // User callbacks first, as Keras orders them, so History and the progress bar see what they add to the logs.
  const history = new History();
  const callbacks: Callback[] = callbacksOf(model, args.callbacks);
  callbacks.push(history);
  if (verbose > 0) callbacks.push(new ProgressBar(undefined, undefined, verbose === 2));
  const list = new CallbackList(callbacks);
  for (const cb of callbacks) {
    cb.setModel(model);
    // A dataset that knows its size (a @soma/data Dataset of batches) gives the progress bar its steps, as Keras's cardinality does.
    const known = (a as { size?: unknown }).size;
    const datasetSteps = typeof known === 'number' && Number.isInteger(known) && known > 0 ? known : null;
    cb.params = { epochs, samples: train?.n ?? null, batchSize, steps: train ? Math.ceil(train.n / batchSize) : datasetSteps, verbose };
  }
  model.stopTraining = false;
  model.history = history;

  try {
    await list.call('onTrainBegin');
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      cfg.metrics.flat().forEach((m) => m.reset());
      await list.call('onEpochBegin', epoch);
      const means = new LossMeans(partNames(cfg));
      let batchIndex = 0;
      const source = train ? batchesOf(train.xs, train.ys, train.weights, permutation(train.n, shuffle, seed, epoch), batchSize) : iterate(a as Source);
      for await (const batch of source) {
        const xs = asList(batch.xs);
        const ys = asList(batch.ys);
        if (!train) {
          ensureBuilt(model, xs);
          checkData(model, 'fit', xs, ys);
        }
        await list.call('onBatchBegin', batchIndex);
        const size = xs[0].shape[0];
        let losses: number[];
        try {
          losses = await trainStep(model, cfg, xs, ys, batch.sampleWeight ?? null);
        } finally {
          // A dataset's consumer owns the batches it receives (tensor batches are freed by batchesOf).
          if (!train) soma.dispose([batch.xs, batch.ys, batch.sampleWeight ?? null]);
        }
        if (Number.isNaN(losses[0]) && stopOnNaN) {
          throw new Error(`fit: the loss became NaN at epoch ${epoch + 1}, batch ${batchIndex + 1}; check the learning rate and the data, or pass stopOnNaN: false to continue`);
        }
        means.add(losses, size);
        // Like Keras (TF >= 2.2): batch logs carry the epoch's running means, as the metrics do.
        await list.call('onBatchEnd', batchIndex, { size, ...means.logs(), ...metricLogs(model, cfg) });
        batchIndex++;
        // As Keras and TF.js: a callback that sets stopTraining ends the epoch after this batch.
        if (model.stopTraining) break;
        await yielder.afterBatch();
      }
      const logs: Logs = { ...means.logs(), ...metricLogs(model, cfg) };
      if (val) {
        // As Keras: validation runs fit's callbacks' onTest hooks.
        const v = await evaluateOn(model, cfg, val, batchSize, list);
        for (const [k, x] of Object.entries(v)) logs[`val_${k}`] = x;
      }
      await list.call('onEpochEnd', epoch, logs);
      await yielder.afterEpoch();
    }
    await list.call('onTrainEnd');
  } finally {
    soma.dispose(owned);
  }
  return history;
}

async function evaluateOn(model: LayersModel, cfg: TrainingConfig, data: { xs: Tensor[]; ys: Tensor[] } | Source, batchSize: number, list: CallbackList): Promise<Record<string, number>> {
  soma.checkBatchSize('evaluate', batchSize);
  const yielder = new EventLoopYielder('evaluate', 'auto');
  cfg.metrics.flat().forEach((m) => m.reset());
  const means = new LossMeans(partNames(cfg));
  model.stopEvaluating = false;
  await list.call('onTestBegin');
  let batchIndex = 0;
  const source = 'xs' in data && Array.isArray(data.xs)
    ? batchesOf(data.xs, data.ys, null, permutation(checkData(model, 'evaluate', data.xs, data.ys), false, undefined, 0), batchSize)
    : iterate(data as Source);
  for await (const batch of source) {
    const xs = asList(batch.xs);
    const ys = asList(batch.ys);
    ensureBuilt(model, xs);
    await list.call('onTestBatchBegin', batchIndex);
    discardDeferredIdChecks();
    const { preds, total, parts } = soma.tidy(() => {
      const p = inferenceOutputs(model, xs);
      const l = outputLosses(cfg, ys, p, batch.sampleWeight ?? null);
      // As Keras: the loss evaluate reports (and fit's val_loss) includes the regularization
      // penalties, so it is the same quantity training minimizes; per-output parts do not.
      let t = l.total;
      for (const r of model.regularizationLosses()) t = t.add(r);
      return { preds: p, total: t, parts: l.parts };
    });
    let losses: number[];
    try {
      losses = await readBatch(cfg, cfg.outputNames.length > 1 ? [total, ...parts] : [total], ys, preds);
    } finally {
      soma.dispose([preds, total, parts]);
    }
    if (!('xs' in data && Array.isArray(data.xs))) soma.dispose([batch.xs, batch.ys, batch.sampleWeight ?? null]);
    means.add(losses, xs[0].shape[0]);
    await list.call('onTestBatchEnd', batchIndex, { size: xs[0].shape[0], ...means.logs(), ...metricLogs(model, cfg) });
    batchIndex++;
    // Keras 3's stop_evaluating: the logs cover the batches evaluated so far.
    if (model.stopEvaluating) break;
    await yielder.afterBatch();
  }
  const logs = { ...means.logs(), ...metricLogs(model, cfg) };
  await list.call('onTestEnd', logs);
  return logs;
}

export async function evaluate(model: LayersModel, a: Tensor | Tensor[] | Source, b?: Tensor | Tensor[] | EvaluateArgs, c?: EvaluateArgs): Promise<Record<string, number>> {
  const cfg = compiled(model, 'evaluate');
  const args = (isTensorArg(a) ? c : (b as EvaluateArgs | undefined)) ?? {};
  soma.checkOptions('evaluate', args, ['batchSize', 'verbose', 'callbacks']);
  const list = new CallbackList(callbacksOf(model, args.callbacks));
  if (isTensorArg(a)) {
    if (!isTensorArg(b)) throw new Error('evaluate: with tensor inputs, y must be a tensor (or one per output)');
    return evaluateOn(model, cfg, { xs: asList(a), ys: asList(b) }, args.batchSize ?? 32, list);
  }
  return evaluateOn(model, cfg, a, args.batchSize ?? 32, list);
}

export function predict(model: LayersModel, x: Tensor | Tensor[], args: PredictArgs): Tensor | Tensor[] {
  soma.checkOptions('predict', args, ['batchSize', 'callbacks']);
  const batchSize = args.batchSize ?? 32;
  soma.checkBatchSize('predict', batchSize);
  const xs = asList(x);
  ensureBuilt(model, xs);
  const n = checkData(model, 'predict', xs, null);
  const list = new CallbackList(callbacksOf(model, args.callbacks));
  model.stopPredicting = false;
  const chunks: Tensor[][] = [];
  try {
    list.callSync('onPredictBegin');
    for (let start = 0, batchIndex = 0; start < n; start += batchSize, batchIndex++) {
      const len = Math.min(batchSize, n - start);
      list.callSync('onPredictBatchBegin', batchIndex);
      const outputs = soma.tidy(() => {
        const xb = xs.map((t) => soma.slice(t, [start], [len]));
        return inferenceOutputs(model, xb);
      });
      chunks.push(outputs);
      list.callSync('onPredictBatchEnd', batchIndex, { size: len, outputs: outputs.length === 1 ? outputs[0] : outputs });
      // Keras 3's stop_predicting: return the batches predicted so far.
      if (model.stopPredicting) break;
    }
    list.callSync('onPredictEnd');
    const outs = soma.tidy(() => chunks[0].map((_, i) => (chunks.length === 1 ? chunks[0][i].clone() : soma.concat(chunks.map((ch) => ch[i]), 0))));
    return outs.length === 1 ? outs[0] : outs;
  } finally {
    soma.dispose(chunks);
  }
}

export async function trainOnBatch(model: LayersModel, x: Tensor | Tensor[], y: Tensor | Tensor[]): Promise<Record<string, number>> {
  const cfg = compiled(model, 'trainOnBatch');
  const xs = asList(x);
  const ys = asList(y);
  ensureBuilt(model, xs);
  checkData(model, 'trainOnBatch', xs, ys);
  cfg.metrics.flat().forEach((m) => m.reset());
  const means = new LossMeans(partNames(cfg));
  means.add(await trainStep(model, cfg, xs, ys, null), 1);
  return { ...means.logs(), ...metricLogs(model, cfg) };
}
