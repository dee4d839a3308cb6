import { writeFile, appendFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as soma from '@soma/core';
import { Callback, earlyStopping, type Logs, type LayersModel } from '@soma/layers';
import { adam, adamw, rmsprop, schedules, sgd, type LearningRateSchedule, type Optimizer } from '@soma/optimizers';
import { shiftedBatches } from '../augment.js';
import { numberOption, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { useBackend } from '../backends.js';
import { loadData, type LoadedData } from '../data.js';
import { classificationLoss, modelFor, modelHelp } from '../models.js';
import { classification, formatConfusion } from '../report.js';
import { metricsSvg, type EpochLogs } from '../plot_svg.js';
import { exportAndCheck } from './export.js';
import { saveAnyModel } from '../imported.js';
import { Interrupts } from '../interrupts.js';
import { RunFolder } from '../run_folder.js';

export const trainSpec: CommandSpec = {
  name: 'train',
  usage: 'soma train <model> --data <source> [options]',
  title: 'train a model (a zoo name or a saved one) and write the run',
  summary: `Trains a model and writes the run to --out: model/ (the trained model), checkpoint/ (best on validation), metrics.jsonl (one line per epoch), plot.svg, report.json, and with --onnx model.onnx checked in onnxruntime-node. Ctrl-C stops after the current batch and saves the run; a save in progress always completes. Models: ${modelHelp().join('; ')}; or a saved model's directory to continue training.`,
  positionals: [{ name: 'model', help: 'a zoo model name or a saved model directory' }],
  options: {
    data: { type: 'string', help: 'mnist | cifar10:<dir> | circles | csv:<file>' },
    backend: { type: 'string', help: 'auto | cpu | native | webgpu', default: 'auto' },
    epochs: { type: 'string', help: 'passes over the training data', default: '10' },
    'batch-size': { type: 'string', help: 'samples per step', default: '64' },
    optimizer: { type: 'string', help: 'adam | adamw | sgd | rmsprop', default: 'adam' },
    lr: { type: 'string', help: 'learning rate (the start of the schedule)', default: '0.002' },
    schedule: { type: 'string', help: 'constant | cosine (decays to 5% of --lr over the run)', default: 'cosine' },
    augment: { type: 'string', help: 'shift (images moved up to 2 pixels each epoch) | none; default shift for images', default: 'auto' },
    seed: { type: 'string', help: 'seeds weights, shuffles and the data split', default: '1' },
    out: { type: 'string', help: 'the run directory (default runs/<model>); one run writes it at a time' },
    force: { type: 'boolean', help: 'write the run into an --out folder that holds other files too' },
    'validation-split': { type: 'string', help: 'fraction of the training data held out for validation', default: '0.1' },
    patience: { type: 'string', help: 'stop after this many epochs without a better val_loss (early stopping)' },
    label: { type: 'string', help: 'csv: the label column (default: the last)' },
    onnx: { type: 'boolean', help: 'also export model.onnx and check it in onnxruntime-node' },
    quiet: { type: 'boolean', help: 'no progress bar' },
  },
  examples: [
    'soma train lenet5 --data mnist --epochs 12 --out runs/lenet5 --onnx',
    'soma train mlp --data circles --epochs 30 --lr 0.01',
    'soma train resnet20 --data cifar10:./cifar-10-batches-bin --backend native --patience 5',
    'soma train runs/lenet5/model --data mnist --epochs 2',
  ],
};

type Rate = number | LearningRateSchedule;
const OPTIMIZERS: Record<string, (lr: Rate) => Optimizer> = {
  adam: (lr) => adam({ learningRate: lr }), adamw: (lr) => adamw({ learningRate: lr }), sgd: (lr) => sgd({ learningRate: lr, momentum: 0.9 }), rmsprop: (lr) => rmsprop({ learningRate: lr }),
};

/** Appends each epoch's logs to metrics.jsonl and redraws plot.svg, so a run can be watched while it trains. */
class RunWriter extends Callback {
  readonly epochs: EpochLogs[] = [];
  constructor(private readonly dir: string, private readonly title: string) {
    super();
  }
  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    const entry: EpochLogs = { epoch: epoch + 1, ...(logs as EpochLogs) };
    this.epochs.push(entry);
    await appendFile(join(this.dir, 'metrics.jsonl'), `${JSON.stringify(entry)}\n`);
    await writeFile(join(this.dir, 'plot.svg'), metricsSvg(this.title, this.epochs));
  }
}

/** Saves the model whenever val_loss improves (Keras's ModelCheckpoint with saveBestOnly), imported ONNX models as ONNX. */
class BestCheckpoint extends Callback {
  private best = Infinity;
  constructor(private readonly dir: string, private readonly interrupts: Interrupts) {
    super();
  }
  override async onEpochEnd(_epoch: number, logs?: Logs): Promise<void> {
    const v = logs?.val_loss;
    if (typeof v === 'number' && v < this.best) {
      this.best = v;
      await this.interrupts.protect(() => saveAnyModel(this.model as LayersModel, this.dir));
    }
  }
}

export async function train(p: Parsed, print: (line: string) => void): Promise<number> {
  const [spec] = p.positionals;
  if (!p.values.data) throw new UsageError('--data is required (mnist, cifar10:<dir>, circles or csv:<file>)');
  const epochs = numberOption(p.values, 'epochs', { integer: true, min: 1 })!;
  const batchSize = numberOption(p.values, 'batch-size', { integer: true, min: 1 })!;
  const lr = numberOption(p.values, 'lr', { min: 0 })!;
  const seed = numberOption(p.values, 'seed', { integer: true })!;
  const validationSplit = numberOption(p.values, 'validation-split', { min: 0, max: 0.9 })!;
  const patience = numberOption(p.values, 'patience', { integer: true, min: 1 });
  const makeOptimizer = Object.hasOwn(OPTIMIZERS, String(p.values.optimizer)) ? OPTIMIZERS[String(p.values.optimizer)] : undefined;
  if (!makeOptimizer) throw new UsageError(`--optimizer must be ${Object.keys(OPTIMIZERS).join(', ')}, got '${p.values.optimizer}'`);
  const backend = await useBackend(String(p.values.backend));
  soma.setRandomSeed(seed);
  const data = await loadData(String(p.values.data), { seed, label: p.values.label as string | undefined, testFraction: 0.2 });
  const { model } = await modelFor(spec, data);
  const out = resolve(String(p.values.out ?? join('runs', spec.replace(/[\\/]+$/, '').split(/[\\/]/).pop()!)));
  const folder = await RunFolder.claim(out, { force: p.values.force === true });
  try {
    return await trainInto(folder, model, data, spec, backend, p, print, { epochs, batchSize, lr, seed, validationSplit, patience, makeOptimizer });
  } finally {
    await folder.release();
  }
}

interface TrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  validationSplit: number;
  patience: number | undefined;
  makeOptimizer: (lr: Rate) => Optimizer;
}

async function trainInto(folder: RunFolder, model: LayersModel, data: LoadedData, spec: string, backend: string, p: Parsed, print: (line: string) => void, o: TrainOptions): Promise<number> {
  const { epochs, batchSize, lr, seed, validationSplit, patience, makeOptimizer } = o;
  const out = folder.dir;
  await rm(join(out, 'metrics.jsonl'), { force: true });
  const images = data.sampleShape.length === 3;
  const augment = p.values.augment === 'auto' ? (images ? 'shift' : 'none') : String(p.values.augment);
  if (augment !== 'shift' && augment !== 'none') throw new UsageError(`--augment must be shift or none, got '${augment}'`);
  if (augment === 'shift' && !images) throw new UsageError('--augment shift needs image data ([channels, height, width] samples)');
  // Validation: the last part of the training data (after the source's seeded shuffle).
  const n = data.train.x.shape[0];
  const nVal = Math.floor(n * validationSplit);
  const part = (t: soma.Tensor, from: number, len: number) => soma.slice(t, [from], [len]);
  const fitX = part(data.train.x, 0, n - nVal);
  const fitY = part(data.train.y, 0, n - nVal);
  const validationData: [soma.Tensor, soma.Tensor] | undefined = nVal ? [part(data.train.x, n - nVal, nVal), part(data.train.y, n - nVal, nVal)] : undefined;
  const steps = Math.ceil((n - nVal) / batchSize);
  const schedule = String(p.values.schedule);
  if (schedule !== 'constant' && schedule !== 'cosine') throw new UsageError(`--schedule must be constant or cosine, got '${schedule}'`);
  const rate: Rate = schedule === 'cosine' ? schedules.cosineDecay({ initialLearningRate: lr, decaySteps: epochs * steps, alpha: 0.05 }) : lr;
  model.compile({ optimizer: makeOptimizer(rate), loss: classificationLoss(), metrics: ['accuracy'] });
  print(`training ${spec} on ${data.source} with the ${backend} backend: ${n - nVal} samples${augment === 'shift' ? ' (shifted up to 2 pixels each epoch)' : ''}, ${nVal} for validation, ${data.test.x.shape[0]} held out`);
  const writer = new RunWriter(out, `${spec} on ${String(p.values.data)}`);
  let stopRequested = false;
  const interrupts = new Interrupts(print, () => {
    stopRequested = true;
  });
  const stopper = new class extends Callback {
    override async onBatchEnd(): Promise<void> {
      if (stopRequested) this.model!.stopTraining = true;
    }
  }();
  const callbacks: Callback[] = [writer, stopper];
  if (validationData) callbacks.push(new BestCheckpoint(join(out, 'checkpoint'), interrupts));
  if (patience !== undefined && validationData) callbacks.push(earlyStopping({ monitor: 'val_loss', patience, restoreBestWeights: true }));
  const args = { epochs, batchSize, validationData, verbose: p.values.quiet ? 0 : 1, callbacks } as const;
  try {
    try {
      if (augment === 'shift') await model.fit(await shiftedBatches(fitX, fitY, batchSize, 2, seed), args);
      else await model.fit(fitX, fitY, { ...args, seed });
    } finally {
      soma.dispose([fitX, fitY, ...(validationData ?? [])]);
    }
    // Training is over: a signal from here on lets the final save and the report complete.
    interrupts.finishing();
    const code = await finish(model, data, out, writer.epochs, stopRequested, p, print);
    return interrupts.interrupted ? 130 : code;
  } finally {
    interrupts.dispose();
  }
}

async function finish(model: LayersModel, data: LoadedData, out: string, epochs: EpochLogs[], interrupted: boolean, p: Parsed, print: (line: string) => void): Promise<number> {
  print(`saving the model to ${join(out, 'model')}`);
  await saveAnyModel(model, join(out, 'model'));
  const logits = model.predict(data.test.x, { batchSize: 256 }) as soma.Tensor;
  const { accuracy, confusion } = await classification(logits, data.test.y, data.numClasses);
  logits.dispose();
  print(`accuracy ${accuracy.toFixed(4)} on ${data.test.x.shape[0]} held-out samples`);
  if (data.numClasses <= 20) for (const line of formatConfusion(confusion, data.classNames)) print(line);
  const report: Record<string, unknown> = { data: data.source, heldOut: data.test.x.shape[0], accuracy, confusion, classes: data.classNames, epochs: epochs.length, interrupted };
  const files = [`model: ${join(out, 'model')}`, `metrics: ${join(out, 'metrics.jsonl')}`, `plot: ${join(out, 'plot.svg')}`, `report: ${join(out, 'report.json')}`];
  if (p.values.onnx) {
    const check = await exportAndCheck(model, join(out, 'model.onnx'), data.test.x, 17);
    report.onnx = check;
    print(check.checked ? `onnxruntime-node runs model.onnx: largest difference from Soma ${check.maxDifference.toExponential(2)}` : `model.onnx written (${check.reason})`);
    files.push(`onnx: ${join(out, 'model.onnx')}`);
  }
  await writeFile(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  print('files:');
  for (const f of files) print(`  ${f}`);
  return interrupted ? 130 : 0;
}
