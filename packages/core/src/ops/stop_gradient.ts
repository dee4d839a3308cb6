import { getEngine } from '../engine/engine';
import type { Tensor, TensorLike } from '../tensor';
import { convertToTensor } from './convert';

/** The same values with no gradient flowing back through them (a view, not a copy). */
export function stopGradient(xLike: TensorLike): Tensor {
  const x = convertToTensor(xLike, 'stopGradient', 'x');
  return getEngine().makeView(x, x.shape);
}
