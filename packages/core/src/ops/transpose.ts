import { fail } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { record, runKernel } from './op_util.js';

/** Permutes dimensions; without `perm`, reverses them (like numpy.transpose). */
export function transpose(xLike: TensorLike, perm?: readonly number[]): Tensor {
  const x = convertToTensor(xLike, 'transpose', 'x');
  const p = perm ? perm.map((a) => (a < 0 ? a + x.rank : a)) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((a, i) => a !== i)) {
    fail('transpose', `perm ${JSON.stringify(perm)} is not a permutation of 0..${x.rank - 1}`);
  }
  if (p.every((a, i) => a === i)) return x.reshape(x.shape);
  const y = runKernel('transpose', [x], { perm: p });
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => (inverse[a] = i));
  record('transpose', [x], [y], ([dy]) => [transpose(dy, inverse)]);
  return y;
}
