import { isDType, makeTypedArray, type DType, type TypedArray } from '../dtype.js';
import { checkOptions } from '../validate.js';
import { getEngine } from '../engine/engine.js';
import { fail } from '../errors.js';
import { checkElementCount, checkShape, sizeOf, type Shape } from '../shape.js';
import type { NestedArray, Tensor, TensorLike } from '../tensor.js';
import { convertToTensor, makeTensorFromValues } from './convert.js';

/**
 * A tensor from nested arrays, a flat array plus shape, or a typed array. float32 unless the values say bool or `dtype` says otherwise.
 *
 * @example
 * ```ts
 * soma.tensor([[1, 2], [3, 4]]).print();              // float32 [2, 2]
 * soma.tensor([1, 2, 3, 4], [2, 2], 'int32').print(); // flat values and a shape
 * soma.tensor([true, false]).print();                // bool
 * ```
 */
export function tensor(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  if (dtype !== undefined && !isDType(dtype)) fail('tensor', `unknown dtype '${String(dtype)}' (expected float32, int32 or bool)`);
  return makeTensorFromValues('tensor', values, shape, dtype);
}

/**
 * A rank-0 tensor (float32 for numbers, bool for booleans, unless `dtype` says otherwise).
 *
 * @example
 * ```ts
 * soma.scalar(3.5).print();                        // 3.5, shape []
 * ```
 */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, [], dtype);
}

/**
 * A tensor of `shape` filled with `value`.
 *
 * @example
 * ```ts
 * soma.fill([2, 2], 7).print();                    // [[7, 7], [7, 7]]
 * ```
 */
export function fill(shape: Shape, value: number | boolean, dtype?: DType): Tensor {
  return filled('fill', shape, value, dtype);
}

/** fill, with errors naming the op the user called (zeros, ones). */
function filled(op: string, shape: Shape, value: number | boolean, dtype?: DType): Tensor {
  checkShape(op, shape);
  const dt = dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const data = makeTypedArray(dt, sizeOf(shape));
  if (value) data.fill(Number(value));
  return getEngine().upload(data, shape, dt);
}

/**
 * A tensor of `shape` filled with 0.
 *
 * @example
 * ```ts
 * soma.zeros([2, 3]).print();
 * soma.zeros([2], 'int32').print();
 * ```
 */
export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

/**
 * A tensor of `shape` filled with 1.
 *
 * @example
 * ```ts
 * soma.ones([2, 3]).print();
 * ```
 */
export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

/**
 * `value` in `shape`. Eager code uploads it, as `fill`; while a tracer records, it is a one-element
 * constant tiled to the shape, so the graph follows a symbolic batch instead of holding a
 * batch-sized constant. Gradient rules build their zeros with it.
 */
export function fillShaped(shape: Shape, value: number, dtype: DType): Tensor {
  const e = getEngine();
  if (!e.isTracing() || sizeOf(shape) <= 1) return fill(shape, value, dtype);
  const one = fill(shape.map(() => 1), value, dtype);
  const t = e.runKernel('tile', [one], { repeats: [...shape] });
  one.dispose();
  return t;
}

/**
 * Zeros with the shape and dtype of x.
 *
 * @example
 * ```ts
 * soma.zerosLike(soma.tensor([[1, 2]])).print();   // [[0, 0]]
 * ```
 */
export function zerosLike(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'zerosLike', 'x');
  return fillShaped(t.shape, 0, t.dtype);
}

/**
 * Ones with the shape and dtype of x.
 *
 * @example
 * ```ts
 * soma.onesLike(soma.tensor([[1, 2]])).print();    // [[1, 1]]
 * ```
 */
export function onesLike(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'onesLike', 'x');
  return fillShaped(t.shape, 1, t.dtype);
}

/**
 * Evenly spaced values in [start, stop): `arange(5)`, `arange(2, 10, 2)`. int32 when every argument
 * is an integer, else float32 (as PyTorch infers).
  *
  * @example
  * ```ts
  * soma.arange(5).print();                          // [0, 1, 2, 3, 4]
  * soma.arange(1, 2, 0.25).print();                 // [1, 1.25, 1.5, 1.75]
  * ```
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  const [a, b] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0 || !Number.isFinite(step) || !Number.isFinite(a) || !Number.isFinite(b)) fail('arange', `needs finite bounds and a non-zero step, got start=${a}, stop=${b}, step=${step}`);
  const n = Math.max(0, Math.ceil((b - a) / step));
  checkElementCount('arange', n, () => `arange(${a}, ${b}, ${step})`);
  const dt = dtype ?? ([a, b, step].every(Number.isInteger) ? 'int32' : 'float32');
  const data = makeTypedArray(dt, n);
  for (let i = 0; i < n; i++) data[i] = a + i * step;
  return getEngine().upload(data, [n], dt);
}

/**
 * `num` evenly spaced float32 values from start to stop, both included.
 *
 * @example
 * ```ts
 * soma.linspace(0, 1, 5).print();                  // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num < 0) fail('linspace', `num must be a non-negative integer, got ${num}`);
  const data = new Float32Array(num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (num > 1) data[num - 1] = stop;
  return getEngine().upload(data, [num], 'float32');
}

/**
 * Identity matrix n×m (m defaults to n).
 *
 * @example
 * ```ts
 * soma.eye(3).print();                             // the 3×3 identity
 * ```
 */
export function eye(n: number, m = n, dtype: DType = 'float32'): Tensor {
  checkShape('eye', [n, m]);
  const data = makeTypedArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return getEngine().upload(data, [n, m], dtype);
}

/** Options of `oneHot`: the on and off values and the dtype. */
export interface OneHotOptions {
  onValue?: number;
  offValue?: number;
  dtype?: DType;
}

/** One-hot encoding along a new last axis of size `depth`; indices outside [0, depth) give an all-off row (as TF). */
export function oneHot(indicesLike: TensorLike, depth: number, options: OneHotOptions = {}): Tensor {
  checkOptions('oneHot', options, ['onValue', 'offValue', 'dtype']);
  if (!Number.isInteger(depth) || depth < 0) fail('oneHot', `depth must be a non-negative integer, got ${depth}`);
  const indices = convertToTensor(indicesLike, 'oneHot', 'indices', 'int32');
  if (indices.dtype !== 'int32') fail('oneHot', `indices must be int32, got ${indices.dtype}`);
  checkElementCount('oneHot', indices.size * depth, () => `the result [${[...indices.shape, depth].join(', ')}]`);
  const { onValue = 1, offValue = 0, dtype = 'float32' } = options;
  const hot = indices.expandDims(-1).equal(arange(0, depth, 1, 'int32'));
  return hot.cast(dtype).mul(onValue - offValue).add(offValue).cast(dtype);
}
