import * as soma from '@soma/core';
import { importNodeModule } from '@soma/core';
import { decodeSafetensors, type LayersModel } from '@soma/layers';
import { arr, type Arr } from './arrays.js';
import { torchModule } from './python_module.js';

/**
 * Loads PyTorch weights into a @soma/layers model: a safetensors file (path or bytes) holding the
 * state_dict of the module `exportTorch` generated for this model — what train.py writes, or
 * `save_file(model.state_dict(), …)` after training it any other way. Layouts and gate orders are
 * moved back to Soma's (PyTorch's two recurrent biases are summed where Soma keeps one). Every
 * missing or misshapen entry is an error naming it; nothing is assigned unless everything fits.
 */
export async function loadTorchWeights(model: LayersModel, source: string | Uint8Array): Promise<void> {
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
  const plan = mod.layers.filter((l) => l.layer.weights.length).map((l) => ({ l, values: l.t.fromTorch((k) => get(`${l.attr}${k}`)) }));
  if (missing.length) throw new Error(`loadTorchWeights: ${file} lacks ${missing.length} weight(s) of '${model.name}': ${missing.join(', ')} (present: ${[...tensors.keys()].slice(0, 12).join(', ')}${tensors.size > 12 ? ', …' : ''})`);
  for (const { l, values } of plan) {
    l.layer.weights.forEach((w, i) => {
      const got = values[i].shape;
      if (got.join() !== w.shape.join()) throw new Error(`loadTorchWeights: ${file}: '${l.attr}' gives ${w.name} the shape [${got.join(', ')}], expected [${w.shape.join(', ')}]`);
    });
  }
  for (const { l, values } of plan) {
    const ts = values.map((v) => soma.tensor(v.data, v.shape));
    l.layer.setWeights(ts);
    soma.dispose(ts);
  }
}
