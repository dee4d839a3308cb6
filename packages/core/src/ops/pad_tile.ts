import { fail, fmtShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { record, runKernel } from './op_util.js';
import { slice } from './slice.js';

/** Constant padding: `paddings[i] = [before, after]` for each axis. */
export function pad(xLike: TensorLike, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  const x = convertToTensor(xLike, 'pad', 'x');
  if (paddings.length !== x.rank) fail('pad', `needs one [before, after] pair per axis: ${x.rank} for shape ${fmtShape(x.shape)}, got ${paddings.length}`);
  for (const p of paddings) {
    if (p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= 0)) fail('pad', `paddings must be pairs of non-negative integers, got ${JSON.stringify(paddings)}`);
  }
  const pads = [...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])];
  if (pads.every((p) => p === 0)) return x.reshape(x.shape);
  const y = runKernel('pad', [x], { pads, value });
  record('pad', [x], [y], ([dy]) => [slice(dy, paddings.map((p) => p[0]), x.shape)]);
  return y;
}

/** Repeats the tensor `reps[i]` times along axis i (ONNX Tile). */
export function tile(xLike: TensorLike, reps: readonly number[]): Tensor {
  const x = convertToTensor(xLike, 'tile', 'x');
  if (reps.length !== x.rank || !reps.every((r) => Number.isInteger(r) && r >= 0)) {
    fail('tile', `reps must hold ${x.rank} non-negative integers for shape ${fmtShape(x.shape)}, got ${JSON.stringify(reps)}`);
  }
  if (reps.every((r) => r === 1)) return x.reshape(x.shape);
  const y = runKernel('tile', [x], { repeats: reps });
  record('tile', [x], [y], ([dy]) => {
    // View dy as [r0, d0, r1, d1, ...] and sum the repetition axes.
    const split = x.shape.flatMap((d, i) => [reps[i], d]);
    const repAxes = x.shape.map((_, i) => 2 * i);
    return [dy.reshape(split).sum(repAxes).reshape(x.shape)];
  });
  return y;
}
