import { dtypeOfTypedArray, toTypedArray, type DType, type TypedArray } from '../dtype.js';
import { getEngine } from '../engine/engine.js';
import { fail, fmtShape } from '../errors.js';
import { checkShape, sizeOf, type Shape } from '../shape.js';
import { isTensor, type NestedArray, type Tensor, type TensorLike } from '../tensor.js';

/** Shape of a nested array, checking it is rectangular. */
export function inferShape(op: string, values: NestedArray | TypedArray): number[] {
  if (ArrayBuffer.isView(values)) return [values.length];
  if (!Array.isArray(values)) return [];
  const shape: number[] = [];
  let level: unknown = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) fail(op, `ragged nested array: element ${path} is an array but expected a number`);
      if (typeof v !== 'number' && typeof v !== 'boolean') fail(op, `element ${path} is ${typeof v}, expected a number or boolean`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      fail(op, `ragged nested array: expected length ${shape[depth]} at ${path || 'the top level'}, got ${Array.isArray(v) ? v.length : typeof v}`);
    }
    for (let i = 0; i < v.length; i++) check(v[i], depth + 1, `${path}[${i}]`);
  };
  check(values, 0, '');
  return shape;
}

function flatten(values: NestedArray, out: (number | boolean)[]): void {
  if (Array.isArray(values)) for (const v of values) flatten(v, out);
  else out.push(values);
}

function inferDType(values: NestedArray | TypedArray): DType {
  if (ArrayBuffer.isView(values)) return dtypeOfTypedArray(values);
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    if (v.length === 0) return 'float32';
    v = v[0];
  }
  return typeof v === 'boolean' ? 'bool' : 'float32';
}

/** Builds a tensor from JS values: `tensor([[1, 2], [3, 4]])`, `tensor(new Float32Array(6), [2, 3])`. */
export function makeTensorFromValues(op: string, values: NestedArray | TypedArray, shape?: Shape, dtype?: DType): Tensor {
  const inferred = inferShape(op, values);
  const flat: ArrayLike<number | boolean> = ArrayBuffer.isView(values)
    ? values
    : Array.isArray(values)
      ? (() => {
          const out: (number | boolean)[] = [];
          flatten(values, out);
          return out;
        })()
      : [values];
  const finalShape = shape ?? inferred;
  checkShape(op, finalShape);
  if (sizeOf(finalShape) !== flat.length) {
    fail(op, `shape ${fmtShape(finalShape)} needs ${sizeOf(finalShape)} values, got ${flat.length}`);
  }
  const dt = dtype ?? inferDType(values);
  const data = ArrayBuffer.isView(values) && dtypeOfTypedArray(values) === dt ? values.slice() : toTypedArray(flat, dt);
  return getEngine().upload(data, finalShape, dt);
}

/**
 * Turns an op argument into a tensor. Tensors pass through untouched; JS values are uploaded with
 * `dtype` when given (the dtype of the other operand, usually).
 */
export function convertToTensor(x: TensorLike, op: string, arg: string, dtype?: DType): Tensor {
  if (isTensor(x)) {
    x.throwIfDisposed();
    return x;
  }
  if (typeof x === 'number' || typeof x === 'boolean' || Array.isArray(x) || ArrayBuffer.isView(x)) {
    return makeTensorFromValues(op, x, undefined, dtype);
  }
  return fail(op, `argument '${arg}' must be a Tensor, number, boolean or array, got ${x === null ? 'null' : typeof x}`);
}
