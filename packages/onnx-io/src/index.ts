export { exportOnnx, graphToOnnx, graphToOnnxWith } from './export/export_onnx';
export type { ExportOptions, ExportableModel, GraphExportOptions } from './export/export_onnx';
export { importOnnx, OnnxModel } from './import/import_onnx';
export type { ImportOptions, OnnxIO, HostInput } from './import/import_onnx';
export { decodeOnnx, encodeModel as encodeOnnx } from './proto';
export type { ModelProto, GraphProto, NodeProto, TensorProto, AttributeProto, ValueInfoProto } from './proto';
export { kernelToOnnx } from './export/kernel_model';
export type { KernelValue } from './export/kernel_model';
