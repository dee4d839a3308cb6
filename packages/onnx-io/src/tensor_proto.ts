import type { DType, TypedArray } from '@soma/core';
import { DataType, toNumber, type TensorProto } from './proto.js';

/** A tensor's values on the host, in Soma's dtypes. */
export interface HostTensor {
  readonly shape: number[];
  readonly dtype: DType;
  readonly values: TypedArray;
  /** The file stored int64: indices and shapes, converted to int32 (checked for overflow). */
  readonly fromInt64?: boolean;
}

/** The most elements one tensor may declare (4 GiB of float32): a header claiming 10^12 is refused before any allocation. */
export const MAX_ELEMENTS = 2 ** 30;

const SOMA_TO_ONNX: Record<DType, number> = { float32: DataType.FLOAT, int32: DataType.INT32, bool: DataType.BOOL };
export const onnxType = (d: DType): number => SOMA_TO_ONNX[d];

const TYPE_NAMES: Record<number, string> = {
  1: 'float', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};
export const typeName = (t: number | undefined): string => TYPE_NAMES[t ?? 0] ?? `type ${t}`;

/** The Soma dtype a stored ONNX type becomes (float16/64 → float32; int8/16/64, uint8/16/32 → int32). */
export function somaType(t: number | undefined, where: string): DType {
  switch (t) {
    case DataType.FLOAT: case DataType.FLOAT16: case DataType.DOUBLE: case 16: return 'float32';
    case DataType.UINT8: case DataType.INT8: case DataType.INT16: case 4: case DataType.INT32: case DataType.INT64: case DataType.UINT32: return 'int32';
    case DataType.BOOL: return 'bool';
    default: throw new Error(`${where}: element type ${typeName(t)} is not supported (Soma reads float, float16, double, bool and integers)`);
  }
}

/** Bytes per element of each stored type Soma reads. */
const WIDTHS: Readonly<Record<number, number>> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

/**
 * A TensorProto's dims, checked for every element type before anything is read: non-negative safe
 * integers whose product is at most MAX_ELEMENTS.
 */
export function checkedDims(t: TensorProto, where: string): { shape: number[]; count: number } {
  const shape = (t.dims ?? []).map((d) => toNumber(d));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`${where}: invalid dims [${shape.join(', ')}] (each must be a non-negative integer)`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (!(count <= MAX_ELEMENTS)) throw new Error(`${where}: declares ${count} elements (dims [${shape.join(', ')}]), more than Soma reads (${MAX_ELEMENTS})`);
  return { shape, count };
}

/** How many bytes a tensor's data takes when stored raw (external data holds exactly that). */
export function storedBytes(t: TensorProto, where: string): number {
  const { count } = checkedDims(t, where);
  somaType(t.data_type, where);
  const width = WIDTHS[t.data_type ?? 0];
  if (!width) throw new Error(`${where}: element type ${typeName(t.data_type)} cannot be read from raw bytes`);
  return count * width;
}

function float16(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function int64ToInt32(v: number | bigint, where: string): number {
  const n = Number(v);
  if (!(n >= -(2 ** 31) && n < 2 ** 31)) throw new Error(`${where}: int64 value ${v} does not fit in int32 (Soma's integer type)`);
  return n;
}

/**
 * Decodes a TensorProto (raw_data or typed fields) to Soma's dtypes: float16 and double become
 * float32, int64 becomes int32 with an overflow check (documented rule), smaller integers widen.
 * `external` supplies the bytes of external-data tensors.
 */
export function decodeTensor(t: TensorProto, where: string, external?: Uint8Array): HostTensor {
  const { shape, count } = checkedDims(t, where);
  const type = t.data_type;
  const dtype = somaType(type, where);
  const raw = external ?? (t.raw_data && t.raw_data.length ? t.raw_data : null);
  const out: TypedArray = dtype === 'float32' ? new Float32Array(count) : dtype === 'int32' ? new Int32Array(count) : new Uint8Array(count);
  if (raw) {
    const width = WIDTHS[type ?? 0];
    if (raw.length !== count * width) throw new Error(`${where}: raw data is ${raw.length} bytes, but dims [${shape.join(', ')}] of ${typeName(type)} need ${count * width}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) {
      switch (type) {
        case DataType.FLOAT: out[i] = view.getFloat32(i * 4, true); break;
        case DataType.DOUBLE: out[i] = view.getFloat64(i * 8, true); break;
        case DataType.FLOAT16: out[i] = float16(view.getUint16(i * 2, true)); break;
        case 16: out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]; break;
        case DataType.INT32: out[i] = view.getInt32(i * 4, true); break;
        case DataType.UINT32: out[i] = int64ToInt32(view.getUint32(i * 4, true), where); break;
        case DataType.INT64: out[i] = int64ToInt32(view.getBigInt64(i * 8, true), where); break;
        case DataType.INT16: out[i] = view.getInt16(i * 2, true); break;
        case 4: out[i] = view.getUint16(i * 2, true); break;
        case DataType.INT8: out[i] = view.getInt8(i); break;
        default: out[i] = view.getUint8(i); break;
      }
    }
  } else {
    const src: ArrayLike<number | { toNumber(): number }> =
      type === DataType.FLOAT ? t.float_data ?? [] : type === DataType.DOUBLE ? t.double_data ?? [] : type === DataType.INT64 ? t.int64_data ?? []
        : type === DataType.UINT64 ? t.uint64_data ?? [] : t.int32_data ?? [];
    if (src.length !== count) throw new Error(`${where}: holds ${src.length} values, but dims [${shape.join(', ')}] need ${count}`);
    for (let i = 0; i < count; i++) {
      const v = toNumber(src[i] as number);
      out[i] = type === DataType.INT64 ? int64ToInt32(v, where) : type === DataType.FLOAT16 ? float16(v) : v;
    }
  }
  return { shape, dtype, values: out, fromInt64: type === DataType.INT64 };
}

/** A TensorProto with little-endian raw data (int64 when `asInt64`, for shapes and indices). */
export function encodeTensor(name: string, shape: readonly number[], dtype: DType, values: ArrayLike<number>, asInt64 = false): TensorProto {
  const n = values.length;
  if (asInt64) {
    const raw = new Uint8Array(n * 8);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) view.setBigInt64(i * 8, BigInt(Math.trunc(values[i])), true);
    return { name, dims: [...shape], data_type: DataType.INT64, raw_data: raw };
  }
  const width = dtype === 'bool' ? 1 : 4;
  const raw = new Uint8Array(n * width);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    if (dtype === 'float32') view.setFloat32(i * 4, values[i], true);
    else if (dtype === 'int32') view.setInt32(i * 4, values[i], true);
    else view.setUint8(i, values[i] ? 1 : 0);
  }
  return { name, dims: [...shape], data_type: onnxType(dtype), raw_data: raw };
}
