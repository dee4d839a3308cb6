import type { DType, TypedArray } from '../dtype.js';
import { fail } from '../errors.js';
import type { NestedArray, Tensor } from '../tensor.js';
import { tensor } from './creation.js';

// TF.js's rank-checked constructors: the same values as `tensor`, plus an error when the values or
// the shape have another rank than the name says (TF.js users rely on that check).
function ranked(op: string, rank: number, values: NestedArray | TypedArray, shape: readonly number[] | undefined, dtype: DType | undefined): Tensor {
  if (shape !== undefined && shape.length !== rank) fail(op, `shape must have ${rank} dimension${rank === 1 ? '' : 's'}, got [${shape.join(', ')}]`);
  const t = tensor(values, shape, dtype);
  if (t.rank !== rank) {
    const got = t.shape;
    t.dispose();
    fail(op, `expected ${rank}-D values, got ${got.length}-D values of shape [${got.join(', ')}]${got.length === 1 && rank > 1 ? `; flat values need a shape of ${rank} dimensions` : ''}`);
  }
  return t;
}

/**
 * A 1-D tensor (TF.js's `tf.tensor1d`); an error when the values are not 1-D.
 *
 * @example
 * ```ts
 * soma.tensor1d([1, 2, 3]).print();
 * soma.tensor1d([1, 2, 3], 'int32').print();
 * ```
 */
export function tensor1d(values: NestedArray | TypedArray, dtype?: DType): Tensor {
  return ranked('tensor1d', 1, values, undefined, dtype);
}

/**
 * A 2-D tensor (TF.js's `tf.tensor2d`): nested values, or flat values with a 2-D shape.
 *
 * @example
 * ```ts
 * soma.tensor2d([[1, 2], [3, 4]]).print();
 * soma.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]).print();
 * ```
 */
export function tensor2d(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  return ranked('tensor2d', 2, values, shape, dtype);
}

/**
 * A 3-D tensor (TF.js's `tf.tensor3d`): nested values, or flat values with a 3-D shape.
 *
 * @example
 * ```ts
 * console.log(soma.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]).shape); // [2, 2, 2]
 * ```
 */
export function tensor3d(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  return ranked('tensor3d', 3, values, shape, dtype);
}

/**
 * A 4-D tensor (TF.js's `tf.tensor4d`), as an image batch: nested values, or flat values with a shape.
 *
 * @example
 * ```ts
 * console.log(soma.tensor4d(new Float32Array(2 * 3 * 4 * 4), [2, 3, 4, 4]).shape); // [2, 3, 4, 4]
 * ```
 */
export function tensor4d(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  return ranked('tensor4d', 4, values, shape, dtype);
}

/**
 * A 5-D tensor (TF.js's `tf.tensor5d`): nested values, or flat values with a shape.
 *
 * @example
 * ```ts
 * console.log(soma.tensor5d(new Float32Array(32), [1, 2, 2, 2, 4]).shape); // [1, 2, 2, 2, 4]
 * ```
 */
export function tensor5d(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  return ranked('tensor5d', 5, values, shape, dtype);
}

/**
 * A 6-D tensor (TF.js's `tf.tensor6d`): nested values, or flat values with a shape.
 *
 * @example
 * ```ts
 * console.log(soma.tensor6d(new Float32Array(64), [1, 2, 2, 2, 2, 4]).shape); // [1, 2, 2, 2, 2, 4]
 * ```
 */
export function tensor6d(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  return ranked('tensor6d', 6, values, shape, dtype);
}
