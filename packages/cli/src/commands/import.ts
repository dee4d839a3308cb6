import { resolve } from 'node:path';
import { UsageError, type CommandSpec, type Parsed } from '../args.js';
import { useBackend } from '../backends.js';
import { importToDirectory } from '../imported.js';

export const importSpec: CommandSpec = {
  name: 'import',
  usage: 'soma import <file.onnx> --out <dir>',
  title: 'turn an ONNX file into a model directory soma can fine-tune',
  summary: "Checks that the ONNX file imports (every operator supported) and writes a model directory that soma train (fine-tuning its weights), eval, predict, export and summary take like a saved Soma model. A fine-tuned imported model is saved as ONNX again.",
  positionals: [{ name: 'file.onnx', help: 'an ONNX model (PyTorch, Keras, scikit-learn exports...)' }],
  options: { out: { type: 'string', help: 'the model directory to write' } },
  examples: ['soma import lenet.onnx --out models/lenet', 'soma train models/lenet --data mnist --epochs 2 --out runs/lenet-finetuned'],
};

export async function importCommand(p: Parsed, print: (line: string) => void): Promise<number> {
  const [file] = p.positionals;
  if (!p.values.out) throw new UsageError('--out <dir> is required');
  await useBackend('cpu');
  const dir = resolve(String(p.values.out));
  const m = await importToDirectory(file, dir);
  const params = m.trainableVariables.reduce((a, v) => a + v.size, 0);
  print(`imported ${file}: opset ${m.opset}, ${m.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')} → ${m.outputs.map((o) => `${o.name} [${o.shape.join(', ')}]`).join(', ')}, ${params.toLocaleString('en-US')} trainable parameters`);
  print(`wrote ${dir} (fine-tune it with soma train ${p.values.out} --data ...)`);
  m.dispose();
  return 0;
}
