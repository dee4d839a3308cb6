import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadModel, type LayersModel } from '@soma/layers';
import { decodeOnnx, exportOnnx, externalDataFiles, importOnnx, type OnnxModel } from '@soma/onnx-io';

/** The marker file of a directory `soma import` wrote: the model lives in model.onnx beside it. */
const MARKER = 'imported.json';

/** Models loaded from an imported directory, saved back as ONNX (the format they came in). */
const fromOnnx = new WeakSet<LayersModel>();

/** Whether `dir` is a model directory soma import wrote. */
export async function isImported(dir: string): Promise<boolean> {
  return readFile(join(dir, MARKER), 'utf8').then(() => true, () => false);
}

/**
 * A saved model directory of either kind (soma's own, or an imported ONNX file) as a layers model:
 * an imported one's nodes become layers where they are layers, graph layers elsewhere.
 */
export async function loadAnyModel(dir: string): Promise<LayersModel> {
  if (!(await isImported(dir))) return loadModel(dir);
  const model = await importOnnx(join(dir, 'model.onnx'), { as: 'layers' });
  fromOnnx.add(model);
  return model;
}

/** Saves a model into `dir` the way it was loaded: soma's format, or (imported) a fine-tuned model.onnx. */
export async function saveAnyModel(model: LayersModel, dir: string): Promise<void> {
  if (!fromOnnx.has(model)) return model.save(dir);
  await mkdir(dir, { recursive: true });
  const io = (list: readonly { sourceLayer: { name: string } }[]) => list.map((t) => t.sourceLayer.name);
  await writeFile(join(dir, 'model.onnx'), await exportOnnx(model));
  await writeFile(join(dir, MARKER), `${JSON.stringify({ format: 'soma-imported-onnx', inputs: io(model.inputs), outputs: io(model.outputs) }, null, 2)}\n`);
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
