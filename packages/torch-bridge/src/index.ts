export { exportTorch, torchStateDict } from './export_torch.js';
export type { ExportTorchOptions, TorchExport } from './export_torch.js';
export { loadTorchWeights } from './load_torch_weights.js';
export { torchModule } from './python_module.js';
export type { TorchModule, TranslatedLayer } from './python_module.js';
export type { Translation } from './layer_translators.js';
export type { Arr } from './arrays.js';
export { writeNpyRows } from './npy.js';
export type { LabeledRow } from './npy.js';
