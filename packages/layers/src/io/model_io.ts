import * as soma from '@soma/core';
import { lookupName } from '@soma/core';
import { input } from '../model/input_layer.js';
import type { Layer, LayerConfig } from '../model/layer.js';
import { LayersModel, registerModelSaver } from '../model/model.js';
import { Sequential } from '../model/sequential.js';
import type { SymbolicTensor } from '../model/symbolic.js';
import * as L from '../layers/index.js';
import { lossFromConfig, type LossConfig, type LossFn, type LossName } from '../losses.js';
import { constraintFromJson } from '../constraints.js';
import { regularizerFromJson } from '../regularizers.js';
import type { MetricName } from '../metrics.js';
import { optimizerFromConfig, type OptimizerState } from '@soma/optimizers';
import { decodeSafetensors, encodeSafetensors, hasReservedSegment, type NamedArray } from './safetensors.js';
import { checkModelJson, checkWeightsFileName, FORMAT, MODEL_FILE, WEIGHTS_FILE, type ModelJson } from './model_json.js';
import { loadModelFromDirectory, saveModelToDirectory } from './model_files.js';
import { withWeightBudget } from '../model/weight_budget.js';
import { checkParameterCount, OPTIMIZER_PREFIX, parameterLimit, type LoadModelOptions } from './parameter_limit.js';

export type { ModelJson } from './model_json.js';

/** Everything a saved model consists of: the topology JSON and the safetensors weights. */
export interface ModelArtifacts {
  modelJson: ModelJson;
  weights: Uint8Array;
}

/** Optimizer slots travel in the weights file under this prefix: optimizer/<variable>/<slot>. */

/** A Layer subclass `registerLayerClass` accepts: constructed from its config. */
export type LayerClass = new (args: never) => Layer;
/** Layer classes by the className they save under (a Map: names from files never reach a prototype). */
const REGISTRY = new Map<string, LayerClass>(
  Object.entries(L).filter(([, v]) => typeof v === 'function' && /^[A-Z]/.test((v as { name: string }).name)).map(([k, v]) => [k, v as LayerClass]),
);

/** Custom layers join the registry so saved models that use them can be loaded. */
export function registerLayerClass(className: string, cls: LayerClass): void {
  if (typeof className !== 'string' || !className) throw new Error(`registerLayerClass: className must be a non-empty string, got ${String(className)}`);
  REGISTRY.set(className, cls);
}

/**
 * A model is saved only if it can be loaded back: it has weights (a Sequential without an input
 * shape gets them from its first batch), and every layer class, wrapped layers included, is
 * registered under the name it saves as.
 */
function checkSavable(model: LayersModel, op: string): void {
  if (!model.outputs.length) {
    throw new Error(`${model.name}.${op}: the model has no weights yet, so it could not be loaded back; give the first layer an inputShape, or call or fit the model once before saving`);
  }
  const check = (className: string, config: LayerConfig): void => {
    if (NESTED_MODELS.has(className)) {
      for (const l of (config as { layers: SavedLayer[] }).layers) if (l.className !== 'InputLayer') check(l.className, l.config);
      return;
    }
    if (!REGISTRY.has(className)) throw new Error(`${model.name}.${op}: layer class '${className}' is not registered, so the saved model could not be loaded; call registerLayerClass('${className}', ${className}) first`);
    const inner = config.layer as { className?: string; config?: LayerConfig } | undefined;
    if (inner?.className && inner.config) check(inner.className, inner.config);
  };
  for (const l of model.layers) if (l.className !== 'InputLayer') check(l.className, l.getConfig());
}

/**
 * Topology and weights of a model, in memory (works everywhere; save() writes them to disk). A
 * model compiled with named loss and metrics also carries its optimizer and the optimizer's state,
 * so training resumes where it stopped. Reads the weights synchronously: on a backend that reads
 * only asynchronously (webgpu) use `modelToArtifactsAsync`, which `save()` uses everywhere.
 */
export function modelToArtifacts(model: LayersModel): ModelArtifacts {
  const plan = savePlan(model);
  try {
    return encodePlan(model, plan, plan.entries.map((e) => e.tensor.dataSync()));
  } finally {
    plan.release();
  }
}

/** modelToArtifacts with the values read by `data()`: works on every backend, a GPU included. */
export async function modelToArtifactsAsync(model: LayersModel): Promise<ModelArtifacts> {
  const plan = savePlan(model);
  try {
    return encodePlan(model, plan, await Promise.all(plan.entries.map((e) => e.tensor.data())));
  } finally {
    plan.release();
  }
}

/** What a save writes: named tensors (weights, then optimizer slots) and the training record. */
interface SavePlan {
  entries: { name: string; tensor: soma.Tensor }[];
  training: ModelJson['training'] | null;
  iterations: number | null;
  /** Frees the optimizer-state copies. */
  release(): void;
}

function savePlan(model: LayersModel): SavePlan {
  checkSavable(model, 'save');
  const entries: SavePlan['entries'] = [];
  const seen = new Set<string>();
  for (const v of model.weights) {
    if (seen.has(v.name)) throw new Error(`${model.name}.save: two weights are named '${v.name}'; give the layers distinct names`);
    seen.add(v.name);
    entries.push({ name: v.name, tensor: v });
  }
  const t = model.training;
  if (!t || !t.lossConfigs.every((l) => l !== null) || !t.metricNames.every((ms) => ms.every((m) => m !== null))) {
    return { entries, training: null, iterations: null, release: () => undefined };
  }
  const perOutput = t.metricNames as string[][];
  const shared = perOutput.every((ms) => ms.join() === perOutput[0].join());
  const training: NonNullable<ModelJson['training']> = { optimizer: t.optimizer.getConfig(), loss: (t.lossConfigs as LossConfig[]).map((c) => (Object.keys(c.options).length ? c : c.name)), metrics: shared ? perOutput[0] : perOutput };
  if (t.lossWeights.some((w) => w !== 1)) training.lossWeights = [...t.lossWeights];
  const state = t.optimizer.getState();
  const copies: soma.Tensor[] = [];
  for (const [varName, slots] of Object.entries(state.slots)) {
    for (const [slot, value] of Object.entries(slots)) {
      entries.push({ name: `${OPTIMIZER_PREFIX}${varName}/${slot}`, tensor: value });
      copies.push(value);
    }
  }
  return { entries, training, iterations: state.iterations, release: () => soma.dispose(copies) };
}

function encodePlan(model: LayersModel, plan: SavePlan, values: readonly soma.TypedArray[]): ModelArtifacts {
  const tensors = new Map<string, NamedArray>();
  plan.entries.forEach(({ name, tensor }, i) => tensors.set(name, { dtype: tensor.dtype, shape: [...tensor.shape], data: values[i] }));
  const metadata = new Map([['format', FORMAT]]);
  const modelJson: ModelJson = { format: FORMAT, version: 1, className: model.className, config: model.getConfig(), weightsFile: WEIGHTS_FILE };
  if (plan.training) {
    modelJson.training = plan.training;
    metadata.set('optimizer_iterations', String(plan.iterations));
  }
  return { modelJson, weights: encodeSafetensors(tensors, metadata) };
}

registerModelSaver(async (model, destination) => saveModelToDirectory(await modelToArtifactsAsync(model), destination));

function layerFromConfig(className: string, config: LayerConfig): Layer {
  const cls = lookupName(REGISTRY, className, 'layer class (register custom layers with registerLayerClass)');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`layer '${className}': config must be an object`);
  const { batchInputShape, ...rest } = config as LayerConfig & { batchInputShape?: (number | null)[] };
  const args: Record<string, unknown> = { ...rest };
  // Penalties come back as objects (their JSON form is a name or { name, config }).
  for (const [k, v] of Object.entries(args)) {
    if (typeof v === 'string' || v === null) continue; // a name ('l2', 'nonNeg') is already a valid option
    if (/Regularizer$/.test(k)) args[k] = regularizerFromJson(v as { name: string; config: Record<string, number> });
    else if (/Constraint$/.test(k)) args[k] = constraintFromJson(v as { name: string; config: Record<string, unknown> });
  }
  // Wrappers (bidirectional, timeDistributed) save the layer they wrap as a nested config.
  const inner = args.layer as { className?: string; config?: LayerConfig } | undefined;
  if (inner?.className && inner.config) args.layer = layerFromConfig(inner.className, inner.config);
  if (batchInputShape !== undefined) {
    if (!Array.isArray(batchInputShape) || batchInputShape.length < 1) throw new Error(`layer '${className}': batchInputShape must be an array, got ${JSON.stringify(batchInputShape)}`);
    args.inputShape = batchInputShape.slice(1);
    if (batchInputShape[0] !== null) args.batchSize = batchInputShape[0];
  }
  return new cls(args as never);
}

/** Models used as layers (an encoder inside an autoencoder) save their whole config and rebuild as models. */
const NESTED_MODELS = new Set(['Sequential', 'Model']);

type SavedLayer = { className: string; config: LayerConfig; inboundNodes?: { inputs: [string, number, number][]; list: boolean; args: Record<string, unknown> }[] };

/** Rebuilds the model's layers and graph; every layer made is listed in `made`, so a failure can free their weights. */
function modelFromJson(json: ModelJson, made: Layer[]): LayersModel {
  const cfg = json.config as { name: string; layers: SavedLayer[]; inputLayers?: [string, number, number][]; outputLayers?: [string, number, number][] };
  const make = (l: SavedLayer): Layer => {
    const layer = NESTED_MODELS.has(l.className) ? modelFromJson({ className: l.className, config: l.config } as ModelJson, made) : layerFromConfig(l.className, l.config);
    made.push(layer);
    return layer;
  };
  if (json.className === 'Sequential') {
    return new Sequential(cfg.layers.map(make), { name: cfg.name });
  }
  // Functional: recreate each layer, then replay its calls in the saved (data-flow) order.
  const outputs = new Map<string, SymbolicTensor[]>();
  const find = (name: string, nodeIdx: number, outIdx: number, who: string): SymbolicTensor => {
    const t = outputs.get(`${name}:${nodeIdx}`)?.[outIdx];
    if (!t) throw new Error(`'${who}' reads '${name}' call ${nodeIdx} output ${outIdx}, which the model does not define before it`);
    return t;
  };
  for (const l of cfg.layers) {
    if (l.className === 'InputLayer') {
      const c = l.config as { name: string; batchInputShape: (number | null)[]; dtype: soma.DType };
      if (!Array.isArray(c?.batchInputShape) || !c.batchInputShape.length) throw new Error(`InputLayer '${c?.name}': config needs batchInputShape, an array such as [null, 28, 28, 1], got ${JSON.stringify(c?.batchInputShape)}`);
      const t = input({ shape: c.batchInputShape.slice(1), name: c.name, dtype: c.dtype });
      outputs.set(`${c.name}:0`, [t]);
      continue;
    }
    const layer = make(l);
    (l.inboundNodes ?? []).forEach((node, i) => {
      const ins = node.inputs.map(([name, nodeIdx, outIdx]) => find(name, nodeIdx, outIdx, layer.name));
      const out = layer.apply(node.list ? ins : ins[0], node.args);
      outputs.set(`${layer.name}:${i}`, Array.isArray(out) ? out : [out]);
    });
  }
  const pick = (refs: [string, number, number][]) => refs.map(([n, i, o]) => find(n, i, o, 'model outputs'));
  return new LayersModel({ inputs: pick(cfg.inputLayers ?? []), outputs: pick(cfg.outputLayers ?? []), name: cfg.name });
}

/** Sets the model's weights from a safetensors file, requiring an exact match of names, shapes and dtypes. */
function loadWeights(model: LayersModel, decoded: ReturnType<typeof decodeSafetensors>, file: string, training: ModelJson['training']): void {
  const { tensors, metadata } = decoded;
  const ws = model.weights;
  const missing = ws.filter((w) => !tensors.has(w.name)).map((w) => w.name);
  const extra = [...tensors.keys()].filter((k) => !k.startsWith(OPTIMIZER_PREFIX) && !ws.some((w) => w.name === k));
  if (missing.length || extra.length) {
    throw new Error(`${file} does not match the model: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unexpected ${extra.join(', ')}` : ''}`);
  }
  for (const w of ws) {
    const t = tensors.get(w.name)!;
    if (t.dtype !== w.dtype || t.shape.join() !== w.shape.join()) {
      throw new Error(`${file}: '${w.name}' is [${t.shape.join(',')}] ${t.dtype} in the file but the model expects [${w.shape.join(',')}] ${w.dtype}`);
    }
  }
  for (const w of ws) {
    const t = tensors.get(w.name)!;
    soma.tidy(() => w.assign(soma.tensor(t.data, t.shape, t.dtype)));
  }
  if (training) restoreTraining(model, training, tensors, metadata, file);
}

/** The step count from the file's metadata: a non-negative integer written in decimal digits. */
function savedIterations(metadata: Map<string, string>, file: string): number {
  const text = metadata.get('optimizer_iterations') ?? '0';
  const n = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`${file}: __metadata__.optimizer_iterations must be a non-negative integer, got '${text}'`);
  return n;
}

/** Compiles the loaded model as it was saved and puts back the optimizer's step count and slots. */
/** A saved loss: a name, or a name with options (a configured loss such as `sparseCategoricalCrossentropy({ fromLogits: true })`). */
function savedLoss(entry: string | LossConfig, file: string): LossName | LossFn {
  return typeof entry === 'string' ? (entry as LossName) : lossFromConfig(entry, file);
}

function restoreTraining(model: LayersModel, training: NonNullable<ModelJson['training']>, tensors: Map<string, NamedArray>, metadata: Map<string, string>, file: string): void {
  const iterations = savedIterations(metadata, file);
  const optimizer = optimizerFromConfig(training.optimizer);
  model.compile({
    optimizer,
    loss: training.loss.length === 1 ? savedLoss(training.loss[0], file) : training.loss.map((l) => savedLoss(l, file)),
    metrics: training.metrics as MetricName[] | MetricName[][],
    ...(training.lossWeights ? { lossWeights: training.lossWeights } : {}),
  });
  // Null-prototype records: variable and slot names come from the file.
  const slots: OptimizerState['slots'] = Object.create(null);
  try {
    for (const [name, t] of tensors) {
      if (!name.startsWith(OPTIMIZER_PREFIX)) continue;
      const rest = name.slice(OPTIMIZER_PREFIX.length);
      const cut = rest.lastIndexOf('/');
      if (cut <= 0 || cut === rest.length - 1 || hasReservedSegment(rest)) throw new Error(`${file}: '${name}' is not a valid optimizer slot name (optimizer/<variable>/<slot>)`);
      const varName = rest.slice(0, cut);
      (slots[varName] ??= Object.create(null) as Record<string, soma.Tensor>)[rest.slice(cut + 1)] = soma.tensor(t.data, t.shape, t.dtype);
    }
    optimizer.setState({ optimizer: optimizer.name, iterations, slots }, model.weights);
  } catch (e) {
    throw new Error(`${file}: the saved optimizer state does not fit the model (${(e as Error).message})`);
  } finally {
    soma.dispose(slots);
  }
}

/** Rebuilds a model from artifacts (topology + weights), e.g. from modelToArtifacts or fetched files. */
export function modelFromArtifacts(artifacts: ModelArtifacts, options: LoadModelOptions = {}): LayersModel {
  soma.checkOptions('modelFromArtifacts', options, ['maxParameters']);
  return buildModel(artifacts, MODEL_FILE, null, parameterLimit(options, null));
}

/** modelFromArtifacts with the names errors should use for the two files. */
function buildModel(artifacts: ModelArtifacts, source: string, weightsLabel: string | null, maxParameters: number): LayersModel {
  const json = checkModelJson(artifacts.modelJson, source);
  const weightsFile = weightsLabel ?? json.weightsFile;
  const weights = decodeSafetensors(artifacts.weights, weightsFile);
  const stored = checkParameterCount(weights.tensors, maxParameters, weightsFile);
  let model: LayersModel;
  const made: Layer[] = [];
  try {
    model = withWeightBudget(stored, weightsFile, () => modelFromJson(json, made));
  } catch (e) {
    for (const l of made) l.dispose();
    throw new Error(`loadModel: ${source}: the model config cannot be rebuilt (${(e as Error).message})`);
  }
  try {
    if (!model.outputs.length) throw new Error(`loadModel: '${model.name}' has no input shape, so its weights cannot be created before data arrives; give the first layer an inputShape`);
    loadWeights(model, weights, weightsFile, json.training);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * Loads a saved model: from a directory path or file:// URL (Node), an http(s) or relative URL
 * (browsers; `model.json` with its weights file beside it), or in-memory artifacts. Files are
 * untrusted: the weights must be a regular file inside the model's folder, and both files are
 * validated before a model is built from them.
 */
export async function loadModel(source: string | ModelArtifacts, options: LoadModelOptions = {}): Promise<LayersModel> {
  soma.checkOptions('loadModel', options, ['maxParameters']);
  if (typeof source !== 'string') return modelFromArtifacts(source, options);
  const isUrl = /^https?:\/\//.test(source) || typeof (globalThis as { window?: unknown }).window !== 'undefined';
  if (!isUrl) return loadModelFromDirectory(source, options, buildModel);
  const jsonUrl = source.endsWith('.json') ? source : `${source.replace(/\/$/, '')}/${MODEL_FILE}`;
  const res = await fetch(jsonUrl);
  if (!res.ok) throw new Error(`loadModel: ${jsonUrl}: HTTP ${res.status}`);
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch (e) {
    throw new Error(`loadModel: ${jsonUrl} is not valid JSON (${(e as Error).message})`);
  }
  const modelJson = checkModelJson(parsed, jsonUrl);
  // A plain file name, so the weights come from the model's own folder on the same server.
  const wUrl = new URL(checkWeightsFileName(modelJson.weightsFile, jsonUrl), new URL(jsonUrl, (globalThis as { location?: { href: string } }).location?.href)).href;
  const wres = await fetch(wUrl);
  if (!wres.ok) throw new Error(`loadModel: ${wUrl}: HTTP ${wres.status}`);
  return buildModel({ modelJson, weights: new Uint8Array(await wres.arrayBuffer()) }, jsonUrl, wUrl, parameterLimit(options, null));
}

/** TF.js's name for {@link loadModel}: `loadLayersModel('file://./m/model.json')` or a URL. */
export const loadLayersModel = loadModel;
