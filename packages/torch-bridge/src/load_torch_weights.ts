import * as soma from '@soma/core';
import { importNodeModule } from '@soma/core';
import { decodeSafetensors, type LayersModel } from '@soma/layers';
import { arr, type Arr } from './arrays.js';
import { torchModule, type TranslatedLayer } from './python_module.js';

/** Options of `loadTorchWeights`: how Soma's layers find their modules in the state_dict. */
export interface LoadTorchWeightsOptions {
  /**
   * 'names' (default): the module names exportTorch generates (the layers' names). 'order': the
   * state_dict's modules in order, paired with the layers that have weights in order — for a
   * PyTorch model written by hand in the same layer order (`nn.Sequential(...)` keys 0.weight,
   * 3.weight, …).
   */
  match?: 'names' | 'order';
  /** Soma layer name → PyTorch module name, for the layers whose names differ (with 'names'). */
  modules?: Record<string, string>;
}

/**
 * Loads PyTorch weights into a @soma/layers model: a safetensors file (path or bytes) holding the
 * state_dict of the module `exportTorch` generated for this model — what train.py writes, or
 * `save_file(model.state_dict(), …)` after training it any other way. Layouts and gate orders are
 * moved back to Soma's (PyTorch's two recurrent biases are summed where Soma keeps one). Every
 * missing or misshapen entry is an error naming it; nothing is assigned unless everything fits.
 */
export async function loadTorchWeights(model: LayersModel, source: string | Uint8Array, options: LoadTorchWeightsOptions = {}): Promise<void> {
  soma.checkOptions('loadTorchWeights', options, ['match', 'modules']);
  let bytes: Uint8Array;
  const file = typeof source === 'string' ? source : 'torch weights';
  if (typeof source === 'string') {
    const fs = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
    try {
      bytes = new Uint8Array(await fs.readFile(source));
    } catch (e) {
      throw new Error(`loadTorchWeights: cannot read ${source} (${(e as Error).message})`);
    }
  } else bytes = source;
  const { tensors } = decodeSafetensors(bytes, file);
  const mod = torchModule(model);
  const missing: string[] = [];
  const get = (key: string): Arr => {
    const t = tensors.get(key);
    if (!t) {
      missing.push(key);
      return arr(new Float32Array(0), [0]);
    }
    return arr(t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>), t.shape);
  };
  const withWeights = mod.layers.filter((l) => l.layer.weights.length);
  let prefixOf = (l: TranslatedLayer): string => options.modules?.[l.layer.name] ?? l.attr;
  if (options.match === 'order') {
    // Module prefixes in the order the state_dict lists them (registration order in PyTorch).
    const prefixes = [...new Set([...tensors.keys()].filter((k) => !k.endsWith('num_batches_tracked')).map((k) => k.slice(0, k.lastIndexOf('.'))))];
    if (prefixes.length !== withWeights.length) throw new Error(`loadTorchWeights: ${file} has ${prefixes.length} modules with weights (${prefixes.join(', ')}) but '${model.name}' has ${withWeights.length} layers with weights (${withWeights.map((l) => l.layer.name).join(', ')}); match: 'order' pairs them one to one`);
    const byLayer = new Map(withWeights.map((l, i) => [l, prefixes[i]]));
    prefixOf = (l) => byLayer.get(l)!;
  } else if (options.match !== undefined && options.match !== 'names') throw new Error(`loadTorchWeights: match must be 'names' or 'order', got ${JSON.stringify(options.match)}`);
  const plan = withWeights.map((l) => ({ l, values: l.t.fromTorch((k) => get(`${prefixOf(l)}${k}`)) }));
  if (missing.length) throw new Error(`loadTorchWeights: ${file} lacks ${missing.length} weight(s) of '${model.name}': ${missing.join(', ')} (present: ${[...tensors.keys()].slice(0, 12).join(', ')}${tensors.size > 12 ? ', …' : ''})`);
  for (const { l, values } of plan) {
    l.layer.weights.forEach((w, i) => {
      const got = values[i].shape;
      if (got.join() !== w.shape.join()) throw new Error(`loadTorchWeights: ${file}: '${prefixOf(l)}' gives ${w.name} the shape [${got.join(', ')}], expected [${w.shape.join(', ')}]`);
    });
  }
  for (const { l, values } of plan) {
    const ts = values.map((v) => soma.tensor(v.data, v.shape));
    l.layer.setWeights(ts);
    soma.dispose(ts);
  }
}
