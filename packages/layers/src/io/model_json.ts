import type { LayerConfig } from '../model/layer.js';
import type { OptimizerConfig } from '@soma/optimizers';
import type { LossName } from '../losses.js';

export const FORMAT = 'soma-layers-model';
export const MODEL_FILE = 'model.json';
/** The weights' name in in-memory artifacts; saves to a folder give each version a name of its own. */
export const WEIGHTS_FILE = 'weights.safetensors';

/**
 * The contents of a saved `model.json`: format, the model's config, the weights file's name, and
 * the compile settings.
 */
export interface ModelJson {
  format: typeof FORMAT;
  version: 1;
  className: string;
  config: LayerConfig;
  /** The weights file, by its plain name in the same folder as model.json. */
  weightsFile: string;
  /** compile() settings, saved when they were given by name (custom loss functions cannot be). */
  training?: {
    optimizer: OptimizerConfig;
    /** A loss per output, in output order: a name, or a name with options (`{ name: 'sparseCategoricalCrossentropy', options: { fromLogits: true } }`). */
    loss: (string | { name: LossName; options: Record<string, number | boolean> })[];
    /** Metrics for every output, or a list per output. */
    metrics: string[] | string[][];
    /** A weight per output's loss (absent: all 1). */
    lossWeights?: number[];
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Checks the outer structure of a model.json read from a file or a server; errors name `source`. */
export function checkModelJson(json: unknown, source: string): ModelJson {
  const bad = (what: string): never => {
    throw new Error(`loadModel: ${source}: ${what}`);
  };
  if (!isObject(json)) bad(`expected a JSON object, got ${Array.isArray(json) ? 'an array' : String(json)}`);
  const j = json as Record<string, unknown>;
  if (j.format !== FORMAT) bad(`not a Soma model (format ${JSON.stringify(j.format)}, expected '${FORMAT}')`);
  if (j.version !== 1) bad(`unsupported version ${JSON.stringify(j.version)} (this Soma reads version 1)`);
  if (typeof j.className !== 'string') bad('className must be a string');
  if (!isObject(j.config) || !Array.isArray(j.config.layers) || !j.config.layers.every((l) => isObject(l) && typeof l.className === 'string' && isObject(l.config))) {
    bad('config must be an object whose layers are { className, config } objects');
  }
  if (j.weightsFile !== undefined) checkWeightsFileName(j.weightsFile, source);
  if (j.training !== undefined) {
    const t = (isObject(j.training) ? j.training : {}) as Record<string, unknown>;
    const metricsOk = isStringArray(t.metrics) || (Array.isArray(t.metrics) && t.metrics.every(isStringArray));
    const weightsOk = t.lossWeights === undefined || (Array.isArray(t.lossWeights) && t.lossWeights.every((w: unknown) => typeof w === 'number' && w >= 0 && Number.isFinite(w)));
    if (!isObject(j.training) || !isObject(t.optimizer) || !isLossList(t.loss) || !metricsOk || !weightsOk) bad('training must be { optimizer, loss: (string | { name, options })[], metrics: string[] or string[][], lossWeights?: number[] }');
  }
  return { ...(j as unknown as ModelJson), weightsFile: (j.weightsFile as string | undefined) ?? WEIGHTS_FILE };
}

/**
 * The weights file must be a plain name in model.json's own folder: no separators, no '..', so a
 * crafted model.json cannot make a load read /etc/passwd or another server path.
 */
export function checkWeightsFileName(name: unknown, source: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(name) || name.includes('..')) {
    throw new Error(`loadModel: ${source}: weightsFile must be a plain file name in the model's folder (letters, digits, '.', '_', '-'), got ${JSON.stringify(name)}`);
  }
  return name;
}

/** Saved losses: names, or { name, options } with an options object. */
function isLossList(v: unknown): boolean {
  return Array.isArray(v) && v.every((l) => typeof l === 'string' || (isObject(l) && typeof (l as { name?: unknown }).name === 'string' && isObject((l as { options?: unknown }).options)));
}
