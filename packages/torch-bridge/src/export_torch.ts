import { importNodeModule } from '@soma/core';
import { encodeSafetensors, type LayersModel, type NamedArray } from '@soma/layers';
import { arr, type Arr } from './arrays.js';
import { writeNpyRows, type LabeledRow } from './npy.js';
import { torchModule, type TranslatedLayer } from './python_module.js';
import { TRAIN_SCRIPT } from './train_script.js';

/** Options of `exportTorch`: a dataset to convert for train.py, and the default batch size. */
export interface ExportTorchOptions {
  /**
   * Rows `{ xs, ys }` (e.g. `fromParquet(dir, { label })` or `fromCsv`) written as data/x.npy and
   * data/y.npy, which train.py memory-maps: any source Soma reads becomes data PyTorch reads
   * without pyarrow or pandas.
   */
  data?: AsyncIterable<LabeledRow>;
  /** train.py's default global batch size (default 32). */
  batchSize?: number;
}

/** What `exportTorch` wrote. */
export interface TorchExport {
  dir: string;
  /** The files written, relative to dir. */
  files: string[];
  /** The rows written to data/ (when `data` was given). */
  rows?: number;
  /** Set when train.py cannot train this model as compiled (no compile, a loss without a name, several outputs): why. */
  trainingNote?: string;
}

/** The state_dict of the generated module: each layer's weights moved to PyTorch's layouts. */
export async function torchStateDict(model: LayersModel, layers: readonly TranslatedLayer[]): Promise<Map<string, Arr>> {
  const state = new Map<string, Arr>();
  for (const { layer, attr, t } of layers) {
    const values = await Promise.all(layer.weights.map(async (w) => arr(Float32Array.from(await w.data()), w.shape)));
    for (const [key, value] of t.toTorch(values)) state.set(`${attr}${key}`, value);
  }
  return state;
}

/** training.json: what train.py needs of the compiled model. */
function trainingConfig(model: LayersModel, inputs: string[], outputs: string[], batchSize: number): { json: Record<string, unknown>; note?: string } {
  const t = model.training;
  const json: Record<string, unknown> = { model: model.name, inputs, outputs, batchSize };
  if (!t) return { json, note: `'${model.name}' is not compiled: train.py needs its loss and optimizer (compile it before exporting)` };
  json.optimizer = t.optimizer.getConfig();
  const losses = t.lossConfigs;
  json.loss = losses.length === 1 ? losses[0] : losses;
  if (losses.length !== 1) return { json, note: `'${model.name}' has ${losses.length} outputs; train.py trains one-output models` };
  if (losses[0] === null) return { json, note: `'${model.name}' was compiled with a custom loss function; train.py needs one of Soma's losses (a name or a configured one such as sparseCategoricalCrossentropy({ fromLogits: true }))` };
  return { json };
}

/**
 * Writes a self-contained PyTorch project for a @soma/layers model into `dir`: model.py (an
 * nn.Module generated from the model's layers, PyTorch's layer for each Soma layer, the right gate
 * orders for recurrent layers), weights.safetensors (PyTorch layouts, loaded by
 * `model.build_model()`), train.py (one process or torchrun with DistributedDataParallel, the
 * model's compiled loss/optimizer/schedule), training.json, README.md, and data/ when `data` is
 * given. Layers with no PyTorch equivalent are listed in one error. Node only.
 */
export async function exportTorch(model: LayersModel, dir: string, options: ExportTorchOptions = {}): Promise<TorchExport> {
  const batchSize = options.batchSize ?? 32;
  if (!(Number.isSafeInteger(batchSize) && batchSize > 0)) throw new Error(`exportTorch: batchSize must be a positive integer, got ${options.batchSize}`);
  if (!model.built && model.layers.some((l) => !l.built)) throw new Error(`exportTorch: '${model.name}' has no weights yet; build it (call it once or give its first layer an inputShape) first`);
  const mod = torchModule(model);
  const state = await torchStateDict(model, mod.layers);
  const tensors = new Map<string, NamedArray>([...state].map(([k, v]) => [k, { dtype: 'float32', shape: v.shape, data: v.data }]));
  const weights = encodeSafetensors(tensors, new Map([['format', 'pt'], ['soma_model', model.name]]));
  const { json, note } = trainingConfig(model, mod.inputNames, mod.outputNames, batchSize);

  const fs = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const { join } = await importNodeModule<typeof import('node:path')>('node:path');
  await fs.mkdir(dir, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, content: string | Uint8Array) => {
    // Beside, then renamed: an interrupted export never leaves a half-written file in place of a good one.
    await fs.writeFile(join(dir, `${name}.tmp`), content);
    await fs.rename(join(dir, `${name}.tmp`), join(dir, name));
    files.push(name);
  };
  await write('model.py', mod.source);
  await write('weights.safetensors', weights);
  await write('train.py', TRAIN_SCRIPT);
  await write('training.json', `${JSON.stringify(json, null, 2)}\n`);
  let rows: number | undefined;
  if (options.data) {
    await fs.mkdir(join(dir, 'data'), { recursive: true });
    rows = await writeNpyRows(options.data, join(dir, 'data', 'x.npy'), join(dir, 'data', 'y.npy'));
    files.push('data/x.npy', 'data/y.npy');
  }
  await write('README.md', readme(model.name, mod.inputNames, note, rows !== undefined));
  return { dir, files, ...(rows !== undefined ? { rows } : {}), ...(note ? { trainingNote: note } : {}) };
}

function readme(name: string, inputs: string[], note: string | undefined, data: boolean): string {
  return `# ${name}, as a PyTorch project

Written by Soma's \`exportTorch\` (\`soma export --torch\`). Needs PyTorch (and numpy); nothing else.

- \`model.py\`: the model as an \`nn.Module\`; \`build_model()\` loads \`weights.safetensors\` (PyTorch
  layouts). Inputs: ${inputs.join(', ')}, batch first, channels first, as in Soma.
- \`train.py\`: training with the loss, optimizer and schedule the Soma model was compiled with.
- \`training.json\`: those settings.${data ? '\n- `data/x.npy`, `data/y.npy`: the training rows (float32).' : ''}
${note ? `\nNote: ${note}.\n` : ''}
## Train

\`\`\`sh
python train.py --data ${data ? 'data' : 'DATA'} --epochs 5 --batch-size 64            # one process
torchrun --nproc_per_node=4 train.py --data ${data ? 'data' : 'DATA'} --epochs 5 --batch-size 256
torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=HOST:29400 train.py --data ${data ? 'data' : 'DATA'}
\`\`\`

\`--batch-size\` is the global batch; DistributedDataParallel uses nccl on GPUs and gloo on CPUs.
Checkpoints go to \`checkpoints/\` as safetensors. With PyTorch 1.13 under Python 3.11 (Debian 12),
torchrun fails at start with \`'NoneType' object has no attribute 'get'\` unless given
\`--redirects 2 --tee 2\`.

## Back to Soma

\`\`\`js
import { loadTorchWeights } from '@soma/torch-bridge';
await loadTorchWeights(model, 'checkpoints/weights.safetensors');
\`\`\`

or \`soma import --torch checkpoints/weights.safetensors --model MODEL_DIR --out TRAINED_DIR\`.
`;
}
