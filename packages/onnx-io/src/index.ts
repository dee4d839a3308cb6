export { exportOnnx, graphToOnnx, graphToOnnxWith } from './export/export_onnx.js';
export type { ExportOptions, ExportableModel, GraphExportOptions } from './export/export_onnx.js';
export { externalDataFiles, importOnnx, OnnxModel } from './import/import_onnx.js';
export type { ImportOptions, OnnxIO, HostInput } from './import/import_onnx.js';
export type { ParseLimits } from './import/bounds.js';
export { decodeOnnx, encodeModel as encodeOnnx } from './proto.js';
export type { ModelProto, GraphProto, NodeProto, TensorProto, AttributeProto, ValueInfoProto, DimensionProto, Int64 } from './proto.js';
export { kernelToOnnx } from './export/kernel_model.js';
export type { KernelValue } from './export/kernel_model.js';
