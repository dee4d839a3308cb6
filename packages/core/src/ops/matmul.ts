import { fail, fmtShape } from '../errors.js';
import { checkOptions } from '../validate.js';
import { broadcastShapes, sizeOf } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { cast } from './cast.js';
import { convertToTensor } from './convert.js';
import { record, runKernel, sumToShape } from './op_util.js';
import { broadcastTo } from './reduce.js';

/** Options of `matmul`: transpose either operand's last two dimensions first. */
export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row/column and the extra
 * dimension removed afterwards; leading (batch) dimensions broadcast. Computes in float32.
 */
export function matmul(aLike: TensorLike, bLike: TensorLike, options: MatmulOptions = {}): Tensor {
  checkOptions('matmul', options, ['transposeA', 'transposeB']);
  const { transposeA = false, transposeB = false } = options;
  let a = convertToTensor(aLike, 'matmul', 'a', 'float32');
  let b = convertToTensor(bLike, 'matmul', 'b', 'float32');
  if (a.rank === 0 || b.rank === 0) fail('matmul', `operands must have rank >= 1, got a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)}`);
  if (a.dtype !== 'float32') a = cast(a, 'float32');
  if (b.dtype !== 'float32') b = cast(b, 'float32');
  const aVec = a.rank === 1;
  const bVec = b.rank === 1;
  const a2 = aVec ? a.reshape(transposeA ? [a.shape[0], 1] : [1, a.shape[0]]) : a;
  const b2 = bVec ? b.reshape(transposeB ? [1, b.shape[0]] : [b.shape[0], 1]) : b;
  const y = matmulNd(a2, b2, transposeA, transposeB, a.shape, b.shape);
  if (!aVec && !bVec) return y;
  const shape = [...y.shape];
  if (bVec) shape.splice(shape.length - 1, 1);
  if (aVec) shape.splice(shape.length - (bVec ? 1 : 2), 1);
  return y.reshape(shape);
}

function matmulNd(a: Tensor, b: Tensor, tA: boolean, tB: boolean, aShape: readonly number[], bShape: readonly number[]): Tensor {
  const [m, k] = tA ? [a.shape[a.rank - 1], a.shape[a.rank - 2]] : [a.shape[a.rank - 2], a.shape[a.rank - 1]];
  const [k2, n] = tB ? [b.shape[b.rank - 1], b.shape[b.rank - 2]] : [b.shape[b.rank - 2], b.shape[b.rank - 1]];
  if (k !== k2) {
    fail('matmul', `inner dimensions differ: a is ${fmtShape(aShape)}${tA ? ' (transposed)' : ''}, b is ${fmtShape(bShape)}${tB ? ' (transposed)' : ''}`);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', aBatch, bBatch);
  const nb = sizeOf(batch);
  // The kernel takes [B, r, c] operands whose batch is equal or 1; other broadcasts are materialized.
  const as3 = (t: Tensor, own: readonly number[]): Tensor => {
    const rc = t.shape.slice(-2);
    if (sizeOf(own) === 1) return t.reshape([1, ...rc]);
    const full = own.length === batch.length && own.every((d, i) => d === batch[i]) ? t : broadcastTo(t, [...batch, ...rc]);
    return full.reshape([nb, ...rc]);
  };
  const a3 = as3(a, aBatch);
  const b3 = as3(b, bBatch);
  const y3 = runKernel('matmul', [a3, b3], { transA: tA, transB: tB });
  record('matmul', [a3, b3], [y3], ([dy], _node, needed) => {
    // Each operand's gradient is one more matmul, computed only when that operand needs it.
    const [da, db]: [() => Tensor, () => Tensor] =
      !tA && !tB ? [() => matmul(dy, b3, { transposeB: true }), () => matmul(a3, dy, { transposeA: true })]
      : !tA && tB ? [() => matmul(dy, b3), () => matmul(dy, a3, { transposeA: true })]
      : tA && !tB ? [() => matmul(b3, dy, { transposeB: true }), () => matmul(a3, dy)]
      : [() => matmul(b3, dy, { transposeA: true, transposeB: true }), () => matmul(dy, a3, { transposeA: true, transposeB: true })];
    return [needed[0] ? sumToShape(da(), a3.shape) : null, needed[1] ? sumToShape(db(), b3.shape) : null];
  });
  return y3.reshape([...batch, m, n]);
}
