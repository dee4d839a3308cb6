import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Tensor, Variable } from '@soma/core';
import { input, Layer, loadModel, model as functional, type LayerConfig, type LayerInput, type LayerShape, type LayersModel } from '@soma/layers';
import { decodeOnnx, exportOnnx, externalDataFiles, importOnnx, type OnnxModel } from '@soma/onnx-io';

/** The marker file of a directory `soma import` wrote: the model lives in model.onnx beside it. */
const MARKER = 'imported.json';

/**
 * An imported ONNX model as a layer, so fit, evaluate and predict train and run it like any
 * model: its float initializers are the layer's trainable weights.
 */
export class OnnxLayer extends Layer<'single'> {
  readonly className = 'OnnxLayer';
  constructor(readonly onnx: OnnxModel) {
    super({}, 'onnx');
    this.built = true;
  }
  override get weights(): Variable[] {
    return [...this.onnx.trainableVariables];
  }
  override get trainableWeights(): Variable[] {
    return this.trainable ? [...this.onnx.trainableVariables] : [];
  }
  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? [] : [...this.onnx.trainableVariables];
  }
  call(inputs: LayerInput): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return this.onnx.predict({ [this.onnx.inputs[0].name]: x })[this.onnx.outputs[0].name];
  }
  override computeOutputShape(): LayerShape {
    return this.onnx.outputs[0].shape.map((d) => (typeof d === 'number' ? d : null));
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), onnx: 'model.onnx' };
  }
}

/** Whether `dir` is a model directory soma import wrote. */
export async function isImported(dir: string): Promise<boolean> {
  return readFile(join(dir, MARKER), 'utf8').then(() => true, () => false);
}

/** A saved model directory of either kind (soma's own, or an imported ONNX file) as a layers model. */
export async function loadAnyModel(dir: string): Promise<LayersModel> {
  if (!(await isImported(dir))) return loadModel(dir);
  const onnx = await importOnnx(join(dir, 'model.onnx'));
  if (onnx.inputs.length !== 1 || onnx.outputs.length !== 1) throw new Error(`${dir}: soma trains imported models with one input and one output; this one has ${onnx.inputs.length} and ${onnx.outputs.length}`);
  const shape = onnx.inputs[0].shape.slice(1);
  if (shape.some((d) => typeof d !== 'number')) throw new Error(`${dir}: the model's input [${onnx.inputs[0].shape.join(', ')}] needs fixed sizes after the batch axis`);
  const inp = input({ shape: shape as number[], name: onnx.inputs[0].name });
  const m = functional({ inputs: inp, outputs: new OnnxLayer(onnx).apply(inp), name: 'imported' });
  return m;
}

/** Saves a model into `dir` the way it was loaded: soma's format, or (imported) a fine-tuned model.onnx. */
export async function saveAnyModel(model: LayersModel, dir: string): Promise<void> {
  const layer = model.layers.find((l): l is OnnxLayer => l instanceof OnnxLayer);
  if (!layer) return model.save(dir);
  await mkdir(dir, { recursive: true });
  const shape = [1, ...(model.inputs[0].shape.slice(1) as number[])];
  const io = layer.onnx;
  const bytes = await exportOnnx((x: Tensor) => layer.call(x), { inputShapes: [shape], inputNames: [io.inputs[0].name], outputNames: [io.outputs[0].name] });
  await writeFile(join(dir, 'model.onnx'), bytes);
  await writeFile(join(dir, MARKER), `${JSON.stringify({ format: 'soma-imported-onnx', input: io.inputs[0], output: io.outputs[0] }, null, 2)}\n`);
}

/** soma import: the ONNX file checked (it must import), copied into `dir` with the marker. */
export async function importToDirectory(file: string, dir: string): Promise<OnnxModel> {
  const onnx = await importOnnx(file);
  await mkdir(dir, { recursive: true });
  await copyFile(file, join(dir, 'model.onnx'));
  // Weights stored beside the file (external data) travel with it; importOnnx has checked that
  // each lies inside the file's folder.
  for (const location of externalDataFiles(decodeOnnx(await readFile(file)))) {
    const target = join(dir, location);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(dirname(file), location), target);
  }
  await writeFile(join(dir, MARKER), `${JSON.stringify({ format: 'soma-imported-onnx', source: file, inputs: onnx.inputs, outputs: onnx.outputs }, null, 2)}\n`);
  return onnx;
}
