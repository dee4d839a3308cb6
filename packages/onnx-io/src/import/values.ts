import * as soma from '@soma/core';
import type { DType, Tensor } from '@soma/core';
import { AttributeType, toNumber, type AttributeProto, type TensorProto } from '../proto.js';
import { checkedDims, decodeTensor } from '../tensor_proto.js';

/**
 * Values that live on the host — integers mostly, scalars fed as numbers too: shapes, axes, indices and what PyTorch's exporter computes
 * from them (Shape → Gather → Concat → Reshape). Kept as JS numbers (int64 beyond int32 included,
 * as Slice's "to the end" bounds are), they are folded on the host and become a tensor only when
 * a kernel needs one.
 */
export class HostValue {
  constructor(readonly shape: readonly number[], readonly values: readonly number[], readonly dtype: 'int' | 'float' | 'bool' = 'int') {}

  get size(): number {
    return this.values.length;
  }

  toTensor(where: string): Tensor {
    if (this.dtype === 'bool') return soma.tensor(this.values.map(Boolean), [...this.shape], 'bool');
    if (this.dtype === 'float') return soma.tensor(Float32Array.from(this.values), [...this.shape], 'float32');
    for (const v of this.values) {
      if (!(v >= -(2 ** 31) && v < 2 ** 31)) throw new Error(`${where}: value ${v} does not fit in int32, Soma's integer type`);
    }
    return soma.tensor(Int32Array.from(this.values), [...this.shape], 'int32');
  }
}

export type Value = Tensor | HostValue;

/** An ONNX sequence: tensors (or host values) in order, as SequenceConstruct, Loop and SplitToSequence make them. */
export class SequenceValue {
  constructor(readonly items: readonly Value[], readonly dtype: DType = items[0] ? asTensorType(items[0]) : 'float32') {}
}

/** An ONNX optional: a tensor, a sequence, or nothing. */
export class OptionalValue {
  constructor(readonly value: Value | SequenceValue | null) {}
}

/** What a graph value may hold: tensors and host values for most operators, sequences and optionals for a few. */
export type AnyValue = Value | SequenceValue | OptionalValue;

export const isTensorLike = (v: AnyValue | undefined): v is Value => v !== undefined && !(v instanceof SequenceValue) && !(v instanceof OptionalValue);

function asTensorType(v: Value): DType {
  return v instanceof HostValue ? (v.dtype === 'int' ? 'int32' : v.dtype === 'bool' ? 'bool' : 'float32') : v.dtype;
}

/**
 * A value an operator needs as numbers on the host (a shape, axes, a count) arrived as a tensor.
 * `OnnxModel.run` catches it, reads the value when it runs and runs again; `predict`, which is
 * synchronous, turns it into an error saying so. `names` are the graph values holding the tensor.
 */
export class NeedsHostValue extends Error {
  names: readonly string[] = [];

  constructor(readonly value: Tensor, readonly where: string, readonly what: string) {
    super(`${where}: ${what} must be known on the host (a constant, a shape computation, or an input read by OnnxModel.run), but it is a tensor computed from the data`);
  }
}

/**
 * The most numbers one host value holds. Shapes, axes and indices are small; a file asking for
 * more (ConstantOfShape of 3·10^8, Range to 4·10^8) gets a tensor instead, whose size core bounds,
 * not a JavaScript array that would exhaust the heap.
 */
export const MAX_HOST_ELEMENTS = 1 << 20;

/** Values of float constants known at import (Constant nodes), so scalars such as Clip's bounds are read without a device readback. */
export const knownValues = new WeakMap<Tensor, ArrayLike<number>>();

/** A scalar that must be known on the host: a host integer, a constant, or (through NeedsHostValue) a tensor `run` reads. */
export function hostScalar(v: Value | undefined, where: string, what: string): number {
  if (v === undefined) throw new Error(`${where}: ${what} is missing`);
  if (isHost(v)) return v.values[0];
  const known = knownValues.get(v);
  if (known) return known[0];
  throw new NeedsHostValue(v, where, what);
}

export const isHost = (v: Value | undefined): v is HostValue => v instanceof HostValue;

/** The value as a tensor (host integers uploaded as int32); `dtype` casts when given. */
export function asTensor(v: Value, where: string, dtype?: DType): Tensor {
  if (!isTensorLike(v)) throw new Error(`${where}: expected a tensor, got ${(v as unknown) instanceof SequenceValue ? 'a sequence' : 'an optional'}`);
  const t = isHost(v) ? v.toTensor(where) : v;
  return dtype && t.dtype !== dtype ? t.cast(dtype) : t;
}

/** The value's numbers, which must be known on the host: a constant, an initializer, a folded shape, or (through NeedsHostValue) a tensor `run` reads. */
export function hostNumbers(v: Value | undefined, where: string, what: string): number[] {
  if (v === undefined) throw new Error(`${where}: ${what} is missing`);
  if (isHost(v)) return [...v.values];
  // Float Constant nodes (Resize's scales as torch.onnx writes them) are known too.
  const known = knownValues.get(v);
  if (known) return Array.from(known);
  throw new NeedsHostValue(v, where, what);
}

/** Integer TensorProtos become HostValues (int64 kept exact up to 2^53); others decode as tensors' data. */
export function protoValue(t: TensorProto, where: string, external?: Uint8Array): { host: HostValue } | { data: ReturnType<typeof decodeTensor> } {
  const intTypes = new Set([2, 3, 4, 5, 6, 7, 12, 13]);
  if (intTypes.has(t.data_type ?? 0) && !external && !(t.raw_data && t.raw_data.length)) {
    const { shape: dims, count } = checkedDims(t, where);
    const src = t.data_type === 7 ? t.int64_data ?? [] : t.data_type === 13 ? t.uint64_data ?? [] : t.int32_data ?? [];
    if (src.length !== count) throw new Error(`${where}: holds ${src.length} values, but dims [${dims.join(', ')}] need ${count}`);
    return { host: new HostValue(dims, Array.from(src, (v) => toNumber(v as number))) };
  }
  if (intTypes.has(t.data_type ?? 0) && (external || t.raw_data) && t.data_type === 7 && checkedDims(t, where).count <= MAX_HOST_ELEMENTS) {
    const { shape: dims, count } = checkedDims(t, where);
    const raw = (external ?? t.raw_data)!;
    if (raw.length !== count * 8) throw new Error(`${where}: raw data is ${raw.length} bytes, but dims [${dims.join(', ')}] of int64 need ${count * 8}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return { host: new HostValue(dims, Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true)))) };
  }
  const data = decodeTensor(t, where, external);
  if (data.dtype === 'int32' && data.values.length <= 4096) return { host: new HostValue(data.shape, Array.from(data.values)) };
  return { data };
}

/** A node's attributes by name, read with the type each operator expects. */
export class Attributes {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(list: readonly AttributeProto[] | undefined, private readonly where: string) {
    for (const a of list ?? []) if (a.name) this.byName.set(a.name, a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? toNumber(a.i) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? a.f ?? 0 : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map((v) => toNumber(v)) : undefined;
  }

  floats(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? [...(a.floats ?? [])] : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a?.s ? new TextDecoder().decode(a.s) : fallback;
  }

  stringList(name: string): string[] {
    return (this.byName.get(name)?.strings ?? []).map((s) => new TextDecoder().decode(s));
  }

  tensor(name: string): TensorProto | undefined {
    const a = this.byName.get(name);
    return a?.type === AttributeType.TENSOR ? a.t : undefined;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  fail(detail: string): never {
    throw new Error(`${this.where}: ${detail}`);
  }
}
