import type { DType, KernelTensor, Shape, TypedArray } from '@soma/core';
import { makeTypedArray, sizeOf } from '@soma/core';

/** The cpu backend's storage handle: the values live in an ordinary typed array. */
export interface CpuData {
  values: TypedArray;
}

export function valuesOf(t: KernelTensor): TypedArray {
  return (t.dataId as CpuData).values;
}

export function f32(t: KernelTensor): Float32Array {
  return (t.dataId as CpuData).values as Float32Array;
}

export function out(values: TypedArray, shape: Shape, dtype: DType): KernelTensor {
  const data: CpuData = { values };
  return { dataId: data, shape, dtype };
}

export function alloc(shape: Shape, dtype: DType): { values: TypedArray; t: KernelTensor } {
  const values = makeTypedArray(dtype, sizeOf(shape));
  return { values, t: out(values, shape, dtype) };
}
