import { getEngine } from '../engine/engine.js';
import type { KernelTensor } from '../kernels/index.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { record } from './op_util.js';

/** A copy of `x` on backend `name` (initialising it if needed); gradients flow back unchanged. */
export function toBackend(xLike: TensorLike, name: string): Tensor {
  const x = convertToTensor(xLike, 'to', 'x');
  const e = getEngine();
  const target = e.backendByName(name);
  const moved: KernelTensor[] = [];
  const kt = e.kernelInput(x, name, moved);
  // Already there: a copy through cast (storage is never shared between two tensors' cells).
  const copy = moved.length ? kt : target.cast([kt], { to: x.dtype });
  const y = e.makeTensor(copy, name);
  record('to', [x], [y], ([dy]) => [dy]);
  return y;
}

/**
 * toBackend for any source, including one that reads only asynchronously (a GPU): the values come
 * over with `data()`. Gradients flow back unchanged.
 */
export async function toBackendAsync(xLike: TensorLike, name: string): Promise<Tensor> {
  const x = convertToTensor(xLike, 'toAsync', 'x');
  const e = getEngine();
  if (x.backendName === name || e.backendByName(x.backendName).syncReads !== false) return toBackend(x, name);
  const target = e.backendByName(name);
  const values = await x.data();
  const y = e.makeTensor(target.write(values, x.shape, x.dtype), name);
  record('to', [x], [y], ([dy]) => [dy]);
  return y;
}

/** Same values, new handle (tensors are immutable, so this shares storage). */
export function clone(xLike: TensorLike): Tensor {
  const x = convertToTensor(xLike, 'clone', 'x');
  return x.reshape(x.shape);
}
