import protobuf from 'protobufjs';
import { ONNX_SCHEMA } from './generated/onnx_schema.js';

/**
 * The ONNX messages Soma reads and writes, as plain objects (protobufjs reflection over the
 * official onnx.proto). Integer fields that are int64 in the schema may arrive as numbers or as
 * Long objects; `toNumber` reads either.
 */
export type Int64 = number | {
  /** The value as a JavaScript number (exact below 2^53). */
  toNumber(): number;
  /** The exact decimal value. */
  toString(): string;
};

/** An ONNX tensor: dims, data type and data (typed fields, raw bytes or external data). */
export interface TensorProto {
  dims?: Int64[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: Int64[];
  double_data?: number[];
  uint64_data?: Int64[];
  raw_data?: Uint8Array;
  name?: string;
  data_location?: number;
  external_data?: { key?: string; value?: string }[];
}

/** An ONNX node attribute. */
export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  graphs?: GraphProto[];
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
}

/** An ONNX node: operator, inputs, outputs and attributes. */
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
}

/** One dimension of an ONNX shape: a value or a symbolic name. */
export interface DimensionProto {
  dim_value?: Int64;
  dim_param?: string;
}

/** An ONNX graph input or output: name and type (element type and shape). */
export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
}

/** The type of a graph value: a tensor, a sequence or an optional (maps are not read). */
export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: { dim?: DimensionProto[] } };
  sequence_type?: { elem_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  map_type?: { key_type?: number; value_type?: TypeProto };
}

/** An ONNX graph: nodes, initializers, inputs and outputs. */
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
}

/** An ONNX model as onnx.proto defines it (snake_case fields, as protobufjs decodes them). */
export interface ModelProto {
  ir_version?: Int64;
  opset_import?: { domain?: string; version?: Int64 }[];
  producer_name?: string;
  producer_version?: string;
  graph?: GraphProto;
}

/** ONNX TensorProto.DataType values Soma handles. */
export const DataType = {
  FLOAT: 1, UINT8: 2, INT8: 3, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

let cachedModelType: protobuf.Type | null = null;
/** The ModelProto type of the official schema (loaded once). */
export function modelType(): protobuf.Type {
  return (cachedModelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA as protobuf.INamespace).lookupType('onnx.ModelProto'));
}

export function toNumber(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Parses a serialized ModelProto into plain objects (int64 as numbers); errors name `file`. */
export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  const t = modelType();
  try {
    return t.toObject(t.decode(bytes), { longs: Number }) as ModelProto;
  } catch (e) {
    throw new Error(`importOnnx: ${file} is not an ONNX model (${(e as Error).message})`);
  }
}

/** An ONNX file as plain objects, to inspect or edit a model (int64 fields as numbers). */
export function decodeOnnx(bytes: Uint8Array): ModelProto {
  return decodeModel(bytes, 'decodeOnnx: the bytes');
}

/** Serializes a ModelProto (as decodeOnnx returns and exportOnnx writes). */
export function encodeModel(m: ModelProto): Uint8Array {
  const t = modelType();
  return t.encode(t.fromObject(m as Record<string, unknown>)).finish();
}
