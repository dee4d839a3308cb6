import { readFile } from 'node:fs/promises';
import { decodeOnnx, importOnnx } from '@soma/onnx-io';
import type { CommandSpec, Parsed } from '../args.js';
import { useBackend } from '../backends.js';
import { loadAnyModel } from '../imported.js';

export const summarySpec: CommandSpec = {
  name: 'summary',
  usage: 'soma summary <model-dir | file.onnx>',
  title: 'layers and parameters of a saved model or an ONNX file',
  summary: "A saved model's layers, shapes and parameter counts (Keras's summary), or an ONNX file's inputs, outputs, operators and parameters.",
  positionals: [{ name: 'model', help: 'a saved model directory or an .onnx file' }],
  options: {},
  examples: ['soma summary runs/lenet5/model', 'soma summary resnet18.onnx'],
};

export async function summaryCommand(p: Parsed, print: (line: string) => void): Promise<number> {
  const [target] = p.positionals;
  await useBackend('cpu');
  if (!target.toLowerCase().endsWith('.onnx')) {
    const model = await loadAnyModel(target);
    model.summary(print);
    return 0;
  }
  const bytes = new Uint8Array(await readFile(target));
  const proto = decodeOnnx(bytes);
  const m = await importOnnx(bytes);
  const ops = new Map<string, number>();
  for (const n of proto.graph?.node ?? []) ops.set(n.op_type ?? '?', (ops.get(n.op_type ?? '?') ?? 0) + 1);
  const params = m.trainableVariables.reduce((a, v) => a + v.size, 0);
  print(`${target}: ONNX opset ${m.opset}, produced by ${m.producer || 'unknown'}`);
  for (const i of m.inputs) print(`  input  ${i.name}: ${i.dtype}[${i.shape.join(', ')}]`);
  for (const o of m.outputs) print(`  output ${o.name}: ${o.dtype}[${o.shape.join(', ')}]`);
  print(`  ${proto.graph?.node?.length ?? 0} nodes: ${[...ops].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  print(`  trainable parameters: ${params.toLocaleString('en-US')}`);
  m.dispose();
  return 0;
}
