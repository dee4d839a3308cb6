import type { DType, KernelTensor, Shape, TypedArray } from '@soma/core';
import { makeTypedArray, sizeOf } from '@soma/core';
import { HeapExhaustedError, type Heap } from '../heap/heap.js';

const BYTES: Record<DType, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * The cpu backend's storage handle. With a heap, the values live in a block of the backend's
 * WebAssembly memory and `values` is a view of it; on the plain TypeScript path (no WebAssembly)
 * they are an ordinary typed array.
 */
export class CpuData {
  private cached: TypedArray;
  private generation: number;
  constructor(
    readonly heap: Heap | null,
    /** Address of the block in the heap (0 without one). */
    readonly ptr: number,
    /** Size class of the block, for its release. */
    readonly size: number,
    readonly dtype: DType,
    readonly length: number,
    values: TypedArray,
  ) {
    this.cached = values;
    this.generation = heap?.generation ?? 0;
  }

  /** The values: a view that follows the heap when growth of an unshared memory replaced its buffer. */
  get values(): TypedArray {
    const heap = this.heap;
    if (heap && this.generation !== heap.generation) {
      this.cached = heap.view(this.dtype, this.ptr, this.length);
      this.generation = heap.generation;
    }
    return this.cached;
  }

  /** Returns the block to the heap; the handle must not be used afterwards. */
  release(): void {
    if (this.heap && this.size > 0) this.heap.release(this.ptr, this.size);
    this.cached = EMPTY;
    (this as { size: number }).size = 0;
  }
}

const EMPTY = new Float32Array(0);

/**
 * The heap new tensors go to while a kernel of a backend with one runs (null: plain typed arrays).
 * Kernels are synchronous, so the backend sets it on entry.
 */
let active: Heap | null = null;

export function useHeap(heap: Heap | null): void {
  active = heap;
}

export function activeHeap(): Heap | null {
  return active;
}

export function valuesOf(t: KernelTensor): TypedArray {
  return (t.dataId as CpuData).values;
}

export function f32(t: KernelTensor): Float32Array {
  return (t.dataId as CpuData).values as Float32Array;
}

/** Storage for `length` values of `dtype`, in the active heap when there is one. Zeroed unless `uninitialised`. */
export function allocData(dtype: DType, length: number, uninitialised = false, shape?: Shape): CpuData {
  const heap = active;
  if (!heap) return new CpuData(null, 0, 0, dtype, length, makeTypedArray(dtype, length));
  let ptr: number;
  let size: number;
  try {
    [ptr, size] = heap.alloc(length * BYTES[dtype]);
  } catch (e) {
    if (e instanceof HeapExhaustedError && shape) throw new HeapExhaustedError(`${e.message} (a ${dtype} tensor of shape [${shape.join(', ')}])`);
    throw e;
  }
  if (!uninitialised) heap.zero(ptr, length * BYTES[dtype]);
  const values = heap.view(dtype, ptr, length);
  return new CpuData(heap, ptr, size, dtype, length, values);
}

/** A new tensor of `shape` and `dtype` (zeroed unless `uninitialised`) and its values to fill in. */
export function alloc(shape: Shape, dtype: DType, uninitialised = false): { values: TypedArray; t: KernelTensor } {
  const data = allocData(dtype, sizeOf(shape), uninitialised, shape);
  return { values: data.values, t: { dataId: data, shape, dtype } };
}

/** Float32 specialisation of `alloc`. */
export function allocF32(shape: Shape, uninitialised = false): { values: Float32Array; t: KernelTensor } {
  const r = alloc(shape, 'float32', uninitialised);
  return { values: r.values as Float32Array, t: r.t };
}

/**
 * A copy of a tensor's values in an ordinary (unshared) array. Copying through the constructor:
 * `slice()` of a view of a shared memory takes V8's slow element-by-element path, 20× slower.
 */
export function copyOut(values: TypedArray): TypedArray {
  if (values instanceof Float32Array) return new Float32Array(values);
  if (values instanceof Int32Array) return new Int32Array(values);
  return new Uint8Array(values);
}

/** A tensor holding `values` (copied into the active heap when there is one, adopted otherwise). */
export function out(values: TypedArray, shape: Shape, dtype: DType): KernelTensor {
  if (!active) return { dataId: new CpuData(null, 0, 0, dtype, values.length, values), shape, dtype };
  const data = allocData(dtype, values.length, true, shape);
  data.values.set(values);
  return { dataId: data, shape, dtype };
}
