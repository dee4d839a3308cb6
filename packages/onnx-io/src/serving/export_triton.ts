import { importNodeModule } from '@soma/core';
import { exportOnnx, type ExportableModel, type ExportOptions } from '../export/export_onnx.js';
import { tritonConfig, tritonConfigText, type TritonConfig, type TritonOptions } from './triton_config.js';

/** Options of `exportTriton`: the model's name and batching (TritonOptions), the ONNX export's, and the version. */
export interface ExportTritonOptions extends TritonOptions, Pick<ExportOptions, 'opset' | 'inputNames' | 'outputNames'> {
  /** The version directory the model goes in (default 1); Triton serves the highest by default. */
  version?: number;
}

/** What `exportTriton` wrote. */
export interface TritonExport {
  /** REPO/<name> */
  modelDir: string;
  /** REPO/<name>/config.pbtxt */
  configFile: string;
  /** REPO/<name>/<version>/model.onnx */
  modelFile: string;
  config: TritonConfig;
}

/**
 * Writes a model into a Triton / KServe model repository: `REPO/<name>/config.pbtxt` (inputs,
 * outputs, data types, the batch dimension and dynamic batching, read from the exported graph) and
 * `REPO/<name>/<version>/model.onnx` (inference form, batch size free), served by Triton's
 * onnxruntime backend. Other models already in REPO are left alone; the same name and version
 * is replaced. Node only.
 */
export async function exportTriton(model: ExportableModel | Uint8Array, repo: string, options: ExportTritonOptions = {}): Promise<TritonExport> {
  const version = options.version ?? 1;
  if (!(Number.isSafeInteger(version) && version >= 1)) throw new Error(`exportTriton: version must be a positive integer, got ${options.version}`);
  const bytes = model instanceof Uint8Array ? model : await exportOnnx(model, { opset: options.opset, inputNames: options.inputNames, outputNames: options.outputNames, dynamicBatch: true });
  const config = tritonConfig(bytes, { ...options, name: options.name ?? (model instanceof Uint8Array ? undefined : safeName(model.name)) });
  const fs = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const { join } = await importNodeModule<typeof import('node:path')>('node:path');
  const modelDir = join(repo, config.name);
  const versionDir = join(modelDir, String(version));
  await fs.mkdir(versionDir, { recursive: true });
  const modelFile = join(versionDir, 'model.onnx');
  const configFile = join(modelDir, 'config.pbtxt');
  // Written beside and renamed, so a server polling the repository never loads half a file.
  await fs.writeFile(`${modelFile}.tmp`, bytes);
  await fs.rename(`${modelFile}.tmp`, modelFile);
  await fs.writeFile(`${configFile}.tmp`, tritonConfigText(config));
  await fs.rename(`${configFile}.tmp`, configFile);
  return { modelDir, configFile, modelFile, config };
}

/** A layers model's name as a Triton model name (its characters outside [A-Za-z0-9_.-] become '_'). */
function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[_.-]+/, '');
  return s || 'model';
}
