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

/** Same values, new handle (tensors are immutable, so this shares storage). */
export function clone(xLike: TensorLike): Tensor {
  const x = convertToTensor(xLike, 'clone', 'x');
  return x.reshape(x.shape);
}
