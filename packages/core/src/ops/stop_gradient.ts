import { getEngine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';

/** The same values with no gradient flowing back through them (a view, not a copy). */
export function stopGradient(xLike: TensorLike): Tensor {
  const x = convertToTensor(xLike, 'stopGradient', 'x');
  return getEngine().makeView(x, x.shape);
}
