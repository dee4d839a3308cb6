import { isDType, type DType } from '../dtype.js';
import { getEngine } from '../engine/engine.js';
import { fail } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { record, runKernel } from './op_util.js';

/** Converts to `dtype`: float → int32 truncates toward zero, anything → bool is `x != 0`. Same dtype gives a view. */
export function cast(xLike: TensorLike, dtype: DType): Tensor {
  if (!isDType(dtype)) fail('cast', `unknown dtype '${String(dtype)}' (expected float32, int32 or bool)`);
  const x = convertToTensor(xLike, 'cast', 'x');
  if (x.dtype === dtype) {
    const y = getEngine().makeView(x, x.shape);
    record('cast', [x], [y], ([dy]) => [dy]);
    return y;
  }
  const y = runKernel('cast', [x], { to: dtype });
  // Only float → float carries a gradient; the others are piecewise constant.
  return y;
}
