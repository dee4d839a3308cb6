import { encodeOnnx, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type TypeProto, type ValueInfoProto } from '@soma/onnx-io';

/** A tensor type of ONNX element type `elem` (1 float, 6 int32, 7 int64, 9 bool); dims numbers or symbolic names. */
export const tensorType = (elem: number, dims?: (number | string)[]): TypeProto => ({
  tensor_type: { elem_type: elem, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } : {}) },
});

export const value = (name: string, type: TypeProto): ValueInfoProto => ({ name, type });
export const input = (name: string, elem: number, dims: (number | string)[]): ValueInfoProto => value(name, tensorType(elem, dims));
export const output = (name: string, elem = 1): ValueInfoProto => value(name, tensorType(elem));
export const i64 = (name: string, dims: number[], values: number[]): TensorProto => ({ name, dims, data_type: 7, int64_data: values });
export const f32 = (name: string, dims: number[], values: number[]): TensorProto => ({ name, dims, data_type: 1, float_data: values });

export function graph(name: string, node: NodeProto[], inputs: ValueInfoProto[], outputs: (string | ValueInfoProto)[], initializer: TensorProto[] = []): GraphProto {
  return { name, node, input: inputs, output: outputs.map((o) => (typeof o === 'string' ? output(o) : o)), initializer };
}

/** An opset-`opset` model of one graph, encoded. */
export function model(node: NodeProto[], inputs: ValueInfoProto[], outputs: (string | ValueInfoProto)[], initializer: TensorProto[] = [], opset = 17): Uint8Array {
  const m: ModelProto = { ir_version: 8, opset_import: [{ domain: '', version: opset }], graph: graph('g', node, inputs, outputs, initializer) };
  return encodeOnnx(m);
}
