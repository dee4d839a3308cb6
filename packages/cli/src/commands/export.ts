import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as soma from '@soma/core';
import { type LayersModel } from '@soma/layers';
import { exportOnnx, exportTriton } from '@soma/onnx-io';
import { fromCsv, fromJsonLines, fromParquet } from '@soma/data';
import { exportTorch, type LabeledRow } from '@soma/torch-bridge';
import { numberOption, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { useBackend } from '../backends.js';
import { loadAnyModel } from '../imported.js';

export const exportSpec: CommandSpec = {
  name: 'export',
  usage: 'soma export <model-dir> (--onnx <file> | --triton <repo> | --torch <dir>) [--opset N] [--name NAME] [--max-batch-size N] [--data FILE --label COL]',
  title: 'write a saved model as ONNX, into a Triton/KServe model repository, or as a PyTorch project',
  summary: 'Writes a saved Soma model as an ONNX file (inference form: dropout off, batch norm with its moving statistics, batch size free), or with --triton as REPO/<name>/config.pbtxt and REPO/<name>/1/model.onnx for Triton or KServe, or with --torch as a PyTorch project (model.py, weights.safetensors, a torchrun/DistributedDataParallel train.py; --data converts a Parquet/CSV/JSONL dataset for it).',
  positionals: [{ name: 'model-dir', help: 'a saved model (model.json + weights)' }],
  options: {
    onnx: { type: 'string', help: 'the ONNX file to write' },
    triton: { type: 'string', help: 'a Triton/KServe model repository to write the model into' },
    name: { type: 'string', help: "the model's name in the repository (default: the model's own)" },
    'max-batch-size': { type: 'string', help: 'the largest batch Triton may form (0: no batching)', default: '64' },
    torch: { type: 'string', help: 'a directory to write a PyTorch project into (model.py, weights, train.py)' },
    data: { type: 'string', help: 'with --torch: training data (.parquet file, directory or pattern, .csv, .jsonl) to convert for train.py' },
    label: { type: 'string', help: 'with --data: the label column' },
    columns: { type: 'string', help: 'with --data: the feature columns, comma-separated (default: all but the label)' },
    opset: { type: 'string', help: 'ONNX opset, 13 to 21', default: '17' },
    backend: { type: 'string', help: 'auto | cpu | native', default: 'cpu' },
  },
  examples: ['soma export runs/lenet5/model --onnx lenet5.onnx', 'soma export runs/resnet20/model --onnx r20.onnx --opset 13', 'soma export runs/lenet5/model --triton model_repository --name lenet5', 'soma export runs/clf/model --torch clf-torch --data shards/ --label target'],
};

/** The part of onnxruntime-node's API the check uses. */
interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
  InferenceSession: { create(bytes: Uint8Array): Promise<{ inputNames: readonly string[]; outputNames: readonly string[]; run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>> }> };
}

export interface OnnxCheck {
  file: string;
  checked: boolean;
  maxDifference: number;
  reason?: string;
}

/** Exports `model`, then runs the file in onnxruntime-node on up to 32 samples of `x` and compares with Soma. */
export async function exportAndCheck(model: LayersModel, file: string, x: soma.Tensor, opset: number): Promise<OnnxCheck> {
  const bytes = await exportOnnx(model, { opset });
  await writeFile(file, bytes);
  let ort: OrtModule;
  try {
    // A variable specifier: onnxruntime-node is optional, and only this check uses it.
    const name = 'onnxruntime-node';
    const mod = (await import(name)) as OrtModule & { default?: OrtModule };
    ort = mod.default ?? mod;
  } catch {
    return { file, checked: false, maxDifference: NaN, reason: 'onnxruntime-node is not installed here, so it was not checked' };
  }
  const n = Math.min(32, x.shape[0]);
  const sample = soma.slice(x, [0], [n]);
  const ours = model.predict(sample) as soma.Tensor;
  const session = await ort.InferenceSession.create(bytes);
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(await sample.data()), sample.shape) });
  const theirs = result[session.outputNames[0]].data as Float32Array;
  const mine = await ours.data();
  let worst = 0;
  for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i] - theirs[i]));
  soma.dispose([sample, ours]);
  if (!(worst < 1e-3)) throw new Error(`onnxruntime-node's outputs differ from Soma's by ${worst} on ${file}`);
  return { file, checked: true, maxDifference: worst };
}

export async function exportCommand(p: Parsed, print: (line: string) => void): Promise<number> {
  const [dir] = p.positionals;
  const targets = (['onnx', 'triton', 'torch'] as const).filter((k) => p.values[k]);
  if (targets.length === 0) throw new UsageError('one of --onnx <file>, --triton <repo> or --torch <dir> is required');
  if (targets.length > 1) throw new UsageError(`--${targets.join(' and --')} write different things: give one`);
  if (p.values.data && !p.values.torch) throw new UsageError('--data goes with --torch');
  if (p.values.data && !p.values.label) throw new UsageError('--data needs --label <column>');
  const opset = numberOption(p.values, 'opset', { integer: true, min: 13, max: 21 })!;
  await useBackend(String(p.values.backend));
  const model = await loadAnyModel(dir);
  if (p.values.torch) {
    const dest = resolve(String(p.values.torch));
    const data = p.values.data ? readRows(String(p.values.data), String(p.values.label), p.values.columns ? String(p.values.columns).split(',') : undefined) : undefined;
    const out = await exportTorch(model, dest, { data });
    print(`wrote ${dest}: ${out.files.join(', ')}${out.rows !== undefined ? ` (${out.rows.toLocaleString('en-US')} rows)` : ''}`);
    if (out.trainingNote) print(`note: ${out.trainingNote}`);
    print(`train with: torchrun --nproc_per_node=N ${join(dest, 'train.py')} --data ${out.rows !== undefined ? join(dest, 'data') : 'DATA'}`);
    return 0;
  }
  if (p.values.triton) {
    const maxBatchSize = numberOption(p.values, 'max-batch-size', { integer: true, min: 0 })!;
    const name = p.values.name === undefined ? undefined : String(p.values.name);
    const out = await exportTriton(model, resolve(String(p.values.triton)), { opset, name, maxBatchSize });
    print(`wrote ${out.configFile}`);
    print(`wrote ${out.modelFile} (opset ${opset})`);
    print(`serve with: tritonserver --model-repository ${resolve(String(p.values.triton))}  (model '${out.config.name}', max_batch_size ${out.config.max_batch_size})`);
    return 0;
  }
  const file = resolve(String(p.values.onnx));
  await writeFile(file, await exportOnnx(model, { opset }));
  print(`wrote ${file} (opset ${opset})`);
  return 0;
}

/** Labeled rows from a data file for train.py: Parquet (file, directory or pattern), CSV or JSON Lines by extension. */
function readRows(source: string, label: string, columns: string[] | undefined): AsyncIterable<LabeledRow> {
  if (/\.csv$/i.test(source)) return fromCsv(source, { label, columns }) as AsyncIterable<LabeledRow>;
  if (/\.(jsonl|ndjson)$/i.test(source)) {
    return fromJsonLines(source).map((row) => {
      const r = row as Record<string, number>;
      const keys = columns ?? Object.keys(r).filter((k) => k !== label);
      return { xs: keys.map((k) => r[k]), ys: r[label] };
    });
  }
  return fromParquet(source, { label, columns });
}
