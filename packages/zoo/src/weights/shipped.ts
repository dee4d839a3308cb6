import * as soma from '@soma/core';
import { decodeSafetensors, type LayersModel } from '@soma/layers';

/** Sets `model`'s weights, in model.weights order, from base64 safetensors shipped in this package. */
export function loadShippedWeights(model: LayersModel, base64: string, what: string): void {
  if (!base64) throw new Error(`${what}: the shipped weights are missing from this build (scripts/ in @soma/zoo trains them)`);
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  const { tensors } = decodeSafetensors(bytes, `${what}.safetensors`);
  const values = model.weights.map((w, i) => {
    const t = tensors.get(`w${i}`);
    if (!t || t.shape.join() !== w.shape.join()) throw new Error(`${what}: the shipped weights do not fit the model at weight ${i} (${w.name})`);
    return soma.tensor(t.data as Float32Array, t.shape);
  });
  model.setWeights(values);
  soma.dispose(values);
}
