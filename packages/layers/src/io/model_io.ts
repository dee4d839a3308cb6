import * as soma from '@soma/core';
import { importNodeModule } from '@soma/core';
import { input } from '../engine/input_layer';
import type { Layer, LayerConfig } from '../engine/layer';
import { LayersModel, registerModelSaver } from '../engine/model';
import { Sequential } from '../engine/sequential';
import type { SymbolicTensor } from '../engine/symbolic';
import * as L from '../layers';
import type { LossName } from '../losses';
import { constraintFromJson } from '../constraints';
import { regularizerFromJson } from '../regularizers';
import type { MetricName } from '../metrics';
import { optimizerFromConfig, type OptimizerConfig, type OptimizerState } from '@soma/optimizers';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors';

const FORMAT = 'soma-layers-model';
const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.safetensors';

/** Everything a saved model consists of: the topology JSON and the safetensors weights. */
export interface ModelArtifacts {
  modelJson: ModelJson;
  weights: Uint8Array;
}

export interface ModelJson {
  format: typeof FORMAT;
  version: 1;
  className: string;
  config: LayerConfig;
  weightsFile: string;
  /** compile() settings, saved when they were given by name (custom loss functions cannot be). */
  training?: { optimizer: OptimizerConfig; loss: string[]; metrics: string[] };
}

/** Optimizer slots travel in the weights file under this prefix: optimizer/<variable>/<slot>. */
const OPTIMIZER_PREFIX = 'optimizer/';

type LayerClass = new (args: never) => Layer;
/** Layer classes by the className they save under. */
const REGISTRY: Record<string, LayerClass> = Object.fromEntries(
  Object.entries(L).filter(([, v]) => typeof v === 'function' && /^[A-Z]/.test((v as { name: string }).name)).map(([k, v]) => [k, v as LayerClass]),
);

/** Custom layers join the registry so saved models that use them can be loaded. */
export function registerLayerClass(className: string, cls: LayerClass): void {
  REGISTRY[className] = cls;
}

/**
 * Topology and weights of a model, in memory (works everywhere; save() writes them to disk). A
 * model compiled with named loss and metrics also carries its optimizer and the optimizer's state,
 * so training resumes where it stopped.
 */
export function modelToArtifacts(model: LayersModel): ModelArtifacts {
  const tensors: Record<string, NamedArray> = {};
  for (const v of model.weights) {
    if (tensors[v.name]) throw new Error(`${model.name}.save: two weights are named '${v.name}'; give the layers distinct names`);
    tensors[v.name] = { dtype: v.dtype, shape: [...v.shape], data: v.dataSync() };
  }
  const metadata: Record<string, string> = { format: FORMAT };
  const modelJson: ModelJson = { format: FORMAT, version: 1, className: model.className, config: model.getConfig(), weightsFile: WEIGHTS_FILE };
  const t = model.training;
  if (t && t.lossNames.every((l) => l !== null) && t.metricNames.every((m) => m !== null)) {
    modelJson.training = { optimizer: t.optimizer.getConfig(), loss: t.lossNames as string[], metrics: t.metricNames as string[] };
    const state = t.optimizer.getState();
    for (const [varName, slots] of Object.entries(state.slots)) {
      for (const [slot, value] of Object.entries(slots)) {
        tensors[`${OPTIMIZER_PREFIX}${varName}/${slot}`] = { dtype: value.dtype, shape: [...value.shape], data: value.dataSync() };
        value.dispose();
      }
    }
    metadata.optimizer_iterations = String(state.iterations);
  }
  return { modelJson, weights: encodeSafetensors(tensors, metadata) };
}

async function saveModel(model: LayersModel, dir: string): Promise<void> {
  const { mkdir, writeFile, rename } = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const { join } = await importNodeModule<typeof import('node:path')>('node:path');
  const { modelJson, weights } = modelToArtifacts(model);
  await mkdir(dir, { recursive: true });
  // Write then rename, so an interrupted save never leaves a half-written model where a good one was.
  const tmpW = join(dir, `.${WEIGHTS_FILE}.tmp`);
  const tmpM = join(dir, `.${MODEL_FILE}.tmp`);
  await writeFile(tmpW, weights);
  await writeFile(tmpM, JSON.stringify(modelJson, null, 1));
  await rename(tmpW, join(dir, WEIGHTS_FILE));
  await rename(tmpM, join(dir, MODEL_FILE));
}
registerModelSaver(saveModel);

function layerFromConfig(className: string, config: LayerConfig): Layer {
  const cls = REGISTRY[className];
  if (!cls) throw new Error(`loadModel: unknown layer class '${className}' (register custom layers with registerLayerClass)`);
  const { batchInputShape, ...rest } = config as LayerConfig & { batchInputShape?: (number | null)[] };
  const args: Record<string, unknown> = { ...rest };
  // Penalties come back as objects (their JSON form is a name or { name, config }).
  for (const [k, v] of Object.entries(args)) {
    if (typeof v === 'string') continue; // a name ('l2', 'nonNeg') is already a valid option
    if (/Regularizer$/.test(k)) args[k] = regularizerFromJson(v as string | { name: string; config: Record<string, number> });
    else if (/Constraint$/.test(k)) args[k] = constraintFromJson(v as string | { name: string; config: Record<string, unknown> });
  }
  // Wrappers (bidirectional, timeDistributed) save the layer they wrap as a nested config.
  const inner = args.layer as { className?: string; config?: LayerConfig } | undefined;
  if (inner?.className && inner.config) args.layer = layerFromConfig(inner.className, inner.config);
  if (batchInputShape) {
    args.inputShape = batchInputShape.slice(1);
    if (batchInputShape[0] !== null) args.batchSize = batchInputShape[0];
  }
  return new cls(args as never);
}

function modelFromJson(json: ModelJson): LayersModel {
  if (json?.format !== FORMAT) throw new Error(`loadModel: ${MODEL_FILE} is not a Soma model (format ${String(json?.format)})`);
  const cfg = json.config as { name: string; layers: { className: string; config: LayerConfig; inboundNodes?: { inputs: [string, number, number][]; list: boolean; args: Record<string, unknown> }[] }[]; inputLayers?: [string, number, number][]; outputLayers?: [string, number, number][] };
  if (json.className === 'Sequential') {
    return new Sequential(cfg.layers.map((l) => layerFromConfig(l.className, l.config)), { name: cfg.name });
  }
  // Functional: recreate each layer, then replay its calls in the saved (data-flow) order.
  const outputs = new Map<string, SymbolicTensor[]>();
  for (const l of cfg.layers) {
    if (l.className === 'InputLayer') {
      const c = l.config as { name: string; batchInputShape: (number | null)[]; dtype: soma.DType };
      const t = input({ shape: c.batchInputShape.slice(1), name: c.name, dtype: c.dtype });
      outputs.set(`${c.name}:0`, [t]);
      continue;
    }
    const layer = layerFromConfig(l.className, l.config);
    (l.inboundNodes ?? []).forEach((node, i) => {
      const ins = node.inputs.map(([name, nodeIdx, outIdx]) => {
        const t = outputs.get(`${name}:${nodeIdx}`)?.[outIdx];
        if (!t) throw new Error(`loadModel: '${layer.name}' reads '${name}' call ${nodeIdx}, which the model does not define before it`);
        return t;
      });
      const out = layer.apply(node.list ? ins : ins[0], node.args);
      outputs.set(`${layer.name}:${i}`, Array.isArray(out) ? out : [out]);
    });
  }
  const pick = (refs: [string, number, number][]) => refs.map(([n, i, o]) => outputs.get(`${n}:${i}`)![o]);
  return new LayersModel({ inputs: pick(cfg.inputLayers ?? []), outputs: pick(cfg.outputLayers ?? []), name: cfg.name });
}

/** Sets the model's weights from a safetensors file, requiring an exact match of names, shapes and dtypes. */
function loadWeights(model: LayersModel, bytes: Uint8Array, file: string, training: ModelJson['training']): void {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  const ws = model.weights;
  const missing = ws.filter((w) => !tensors[w.name]).map((w) => w.name);
  const extra = Object.keys(tensors).filter((k) => !k.startsWith(OPTIMIZER_PREFIX) && !ws.some((w) => w.name === k));
  if (missing.length || extra.length) {
    throw new Error(`${file} does not match the model: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unexpected ${extra.join(', ')}` : ''}`);
  }
  for (const w of ws) {
    const t = tensors[w.name];
    if (t.dtype !== w.dtype || t.shape.join() !== w.shape.join()) {
      throw new Error(`${file}: '${w.name}' is [${t.shape.join(',')}] ${t.dtype} in the file but the model expects [${w.shape.join(',')}] ${w.dtype}`);
    }
  }
  for (const w of ws) {
    const t = tensors[w.name];
    soma.tidy(() => w.assign(soma.tensor(t.data, t.shape, t.dtype)));
  }
  if (training) restoreTraining(model, training, tensors, metadata, file);
}

/** Compiles the loaded model as it was saved and puts back the optimizer's step count and slots. */
function restoreTraining(model: LayersModel, training: NonNullable<ModelJson['training']>, tensors: Record<string, NamedArray>, metadata: Record<string, string>, file: string): void {
  const optimizer = optimizerFromConfig(training.optimizer);
  model.compile({ optimizer, loss: training.loss.length === 1 ? (training.loss[0] as LossName) : (training.loss as LossName[]), metrics: training.metrics as MetricName[] });
  const slots: OptimizerState['slots'] = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!name.startsWith(OPTIMIZER_PREFIX)) continue;
    const rest = name.slice(OPTIMIZER_PREFIX.length);
    const cut = rest.lastIndexOf('/');
    (slots[rest.slice(0, cut)] ??= {})[rest.slice(cut + 1)] = soma.tensor(t.data, t.shape, t.dtype);
  }
  try {
    optimizer.setState({ optimizer: optimizer.name, iterations: Number(metadata.optimizer_iterations ?? 0), slots }, model.weights);
  } catch (e) {
    throw new Error(`${file}: the saved optimizer state does not fit the model (${(e as Error).message})`);
  } finally {
    soma.dispose(slots);
  }
}

/** Rebuilds a model from artifacts (topology + weights), e.g. from modelToArtifacts or fetched files. */
export function modelFromArtifacts(artifacts: ModelArtifacts): LayersModel {
  const model = modelFromJson(artifacts.modelJson);
  ensureWeights(model);
  loadWeights(model, artifacts.weights, artifacts.modelJson.weightsFile, artifacts.modelJson.training);
  return model;
}

/** A Sequential without an input shape gets its weights only when it first sees data. */
function ensureWeights(model: LayersModel): void {
  if (!model.outputs.length) throw new Error(`loadModel: '${model.name}' has no input shape, so its weights cannot be created before data arrives; give the first layer an inputShape`);
}

/**
 * Loads a saved model: from a directory path (Node), an http(s) or relative URL (browsers;
 * `model.json` with `weights.safetensors` beside it), or in-memory artifacts.
 */
export async function loadModel(source: string | ModelArtifacts): Promise<LayersModel> {
  if (typeof source !== 'string') return modelFromArtifacts(source);
  const isUrl = /^https?:\/\//.test(source) || typeof (globalThis as { window?: unknown }).window !== 'undefined';
  if (isUrl) {
    const base = source.endsWith('.json') ? source.slice(0, source.lastIndexOf('/') + 1) : `${source.replace(/\/$/, '')}/`;
    const jsonUrl = source.endsWith('.json') ? source : `${base}${MODEL_FILE}`;
    const res = await fetch(jsonUrl);
    if (!res.ok) throw new Error(`loadModel: ${jsonUrl}: HTTP ${res.status}`);
    const modelJson = (await res.json()) as ModelJson;
    const wUrl = `${base}${modelJson.weightsFile}`;
    const wres = await fetch(wUrl);
    if (!wres.ok) throw new Error(`loadModel: ${wUrl}: HTTP ${wres.status}`);
    return modelFromArtifacts({ modelJson, weights: new Uint8Array(await wres.arrayBuffer()) });
  }
  const { readFile } = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const { join } = await importNodeModule<typeof import('node:path')>('node:path');
  const jsonPath = source.endsWith('.json') ? source : join(source, MODEL_FILE);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (e) {
    throw new Error(`loadModel: cannot read ${jsonPath} (${(e as Error).message})`);
  }
  let modelJson: ModelJson;
  try {
    modelJson = JSON.parse(text) as ModelJson;
  } catch (e) {
    throw new Error(`loadModel: ${jsonPath} is not valid JSON (${(e as Error).message})`);
  }
  const weightsPath = join(jsonPath, '..', modelJson.weightsFile ?? WEIGHTS_FILE);
  const weights = new Uint8Array(await readFile(weightsPath));
  const model = modelFromJson(modelJson);
  ensureWeights(model);
  loadWeights(model, weights, weightsPath, modelJson.training);
  return model;
}

