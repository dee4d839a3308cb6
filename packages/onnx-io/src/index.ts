export { exportOnnx, graphToOnnx } from './export/export_onnx';
export type { ExportOptions, ExportableModel } from './export/export_onnx';
