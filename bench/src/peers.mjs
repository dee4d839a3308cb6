// Peers measured in the same process as Soma. Each returns null when it cannot start here.
import * as tf from '@tensorflow/tfjs';

export async function tfjsBackend(name) {
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return null;
    await tf.ready();
    return tf;
  } catch {
    return null;
  }
}
