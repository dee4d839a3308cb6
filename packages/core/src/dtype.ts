/** Element types a tensor can hold. `bool` is stored one byte per element (0 or 1). */
export type DType = 'float32' | 'int32' | 'bool';

/** Every dtype Soma tensors take, from the narrowest promotion rank to the widest. */
export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/**
 * The typed array that holds a dtype's values: Float32Array, Int32Array, or Uint8Array for bool.
 */
export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The storage a backend hands out for each dtype. */
export type DataTypeMap = { float32: Float32Array; int32: Int32Array; bool: Uint8Array };

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'int32' || x === 'bool';
}

/** Bytes per element of a dtype (bool takes one byte). */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

/** A zeroed typed array of `size` elements for a dtype (Float32Array, Int32Array or Uint8Array). */
export function makeTypedArray<D extends DType>(dtype: D, size: number): DataTypeMap[D];
export function makeTypedArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** Converts any array of numbers/booleans to the storage of `dtype` (int32 truncates toward zero, like a C cast). */
export function toTypedArray(values: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const out = makeTypedArray(dtype, values.length);
  if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else {
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  }
  return out;
}

export function dtypeOfTypedArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2 };

/** Result type of combining two tensors (NumPy/PyTorch style): bool < int32 < float32. */
export function upcastType(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** dtype of an arithmetic result: bool operands compute as int32, like PyTorch's sum of bools. */
export function arithmeticType(d: DType): DType {
  return d === 'bool' ? 'int32' : d;
}
