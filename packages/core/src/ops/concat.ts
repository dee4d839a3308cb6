import { upcastType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { cast } from './cast.js';
import { convertToTensor } from './convert.js';
import { record, runKernel } from './op_util.js';
import { expandDims } from './reshape.js';
import { split } from './slice.js';

/** Joins tensors along an existing axis; every other dimension must agree. dtypes are promoted. */
export function concat(xsLike: readonly TensorLike[], axis = 0): Tensor {
  if (xsLike.length === 0) fail('concat', 'needs at least one tensor');
  const given = xsLike.map((x, i) => convertToTensor(x, 'concat', `xs[${i}]`));
  const rank = given[0].rank;
  if (rank === 0) fail('concat', 'cannot concatenate scalars; use stack');
  const ax = normalizeAxis('concat', axis, rank);
  for (const [i, t] of given.entries()) {
    if (t.rank !== rank || t.shape.some((d, j) => j !== ax && d !== given[0].shape[j])) {
      fail('concat', `xs[${i}] has shape ${fmtShape(t.shape)}, which does not match xs[0] ${fmtShape(given[0].shape)} outside axis ${ax}`);
    }
  }
  const dtype = given.map((t) => t.dtype).reduce(upcastType);
  const xs = given.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  const y = xs.length === 1 ? xs[0].reshape(xs[0].shape) : runKernel('concat', xs, { axis: ax });
  if (xs.length > 1) record('concat', xs, [y], ([dy]) => split(dy, xs.map((t) => t.shape[ax]), ax));
  return y;
}

/** Joins same-shaped tensors along a new axis. */
export function stack(xsLike: readonly TensorLike[], axis = 0): Tensor {
  if (xsLike.length === 0) fail('stack', 'needs at least one tensor');
  const xs = xsLike.map((x, i) => convertToTensor(x, 'stack', `xs[${i}]`));
  for (const [i, t] of xs.entries()) {
    if (t.shape.length !== xs[0].shape.length || t.shape.some((d, j) => d !== xs[0].shape[j])) {
      fail('stack', `xs[${i}] has shape ${fmtShape(t.shape)} but xs[0] has ${fmtShape(xs[0].shape)}`);
    }
  }
  const ax = normalizeAxis('stack', axis, xs[0].rank + 1);
  return concat(xs.map((t) => expandDims(t, ax)), ax);
}

/** Splits along `axis` into tensors with that axis removed (inverse of stack). */
export function unstack(xLike: TensorLike, axis = 0): Tensor[] {
  const x = convertToTensor(xLike, 'unstack', 'x');
  const ax = normalizeAxis('unstack', axis, x.rank);
  return split(x, x.shape[ax], ax).map((t) => t.reshape(x.shape.filter((_, i) => i !== ax)));
}
