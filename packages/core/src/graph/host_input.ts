import { getEngine, type HostCompute } from '../engine/engine.js';
import { checkShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * A tensor computed on the host by `compute(shape, run)`: in eager code simply its result; in a
 * traced graph an input that runGraph computes again before every run. This is how values that
 * change from step to step without flowing through kernels — random draws, an optimizer's
 * learning rate and bias corrections — stay live in a compiled training step instead of being
 * frozen as constants. `shape` may follow a dynamic axis; compute receives the actual shape.
 */
export function hostInput(shape: Shape, compute: HostCompute): Tensor {
  checkShape('hostInput', shape);
  return getEngine().hostInput(shape, compute);
}
