import { resolve } from 'node:path';
import { UsageError, type CommandSpec, type Parsed } from '../args.js';
import { useBackend } from '../backends.js';
import { importToDirectory } from '../imported.js';
import { loadModel } from '@soma/layers';
import { loadTorchWeights } from '@soma/torch-bridge';

export const importSpec: CommandSpec = {
  name: 'import',
  usage: 'soma import <file.onnx> --out <dir> | soma import <weights.safetensors> --torch --model <model-dir> --out <dir>',
  title: 'turn an ONNX file into a model directory soma can fine-tune, or load PyTorch-trained weights into a model',
  summary: "Checks that the ONNX file imports (every operator supported) and writes a model directory that soma train (fine-tuning its weights), eval, predict, export and summary take like a saved Soma model. A fine-tuned imported model is saved as ONNX again.",
  positionals: [{ name: 'file', help: 'an ONNX model (PyTorch, Keras, scikit-learn exports...), or with --torch the weights train.py wrote' }],
  options: {
    out: { type: 'string', help: 'the model directory to write' },
    torch: { type: 'boolean', help: "the file is a PyTorch state_dict (safetensors) of the module soma export --torch generated for --model" },
    model: { type: 'string', help: 'with --torch: the saved Soma model the weights belong to' },
  },
  examples: ['soma import lenet.onnx --out models/lenet', 'soma train models/lenet --data mnist --epochs 2 --out runs/lenet-finetuned', 'soma import clf-torch/checkpoints/weights.safetensors --torch --model runs/clf/model --out runs/clf-ddp'],
};

export async function importCommand(p: Parsed, print: (line: string) => void): Promise<number> {
  const [file] = p.positionals;
  if (!p.values.out) throw new UsageError('--out <dir> is required');
  await useBackend('cpu');
  const dir = resolve(String(p.values.out));
  if (p.values.torch) {
    if (!p.values.model) throw new UsageError('--torch needs --model <model-dir>: the saved Soma model the weights belong to');
    const model = await loadModel(String(p.values.model));
    await loadTorchWeights(model, file);
    await model.save(dir);
    print(`loaded ${file} into ${model.name} (${model.countParams().toLocaleString('en-US')} parameters)`);
    print(`wrote ${dir}`);
    return 0;
  }
  const m = await importToDirectory(file, dir);
  const params = m.trainableVariables.reduce((a, v) => a + v.size, 0);
  print(`imported ${file}: opset ${m.opset}, ${m.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')} → ${m.outputs.map((o) => `${o.name} [${o.shape.join(', ')}]`).join(', ')}, ${params.toLocaleString('en-US')} trainable parameters`);
  print(`wrote ${dir} (fine-tune it with soma train ${p.values.out} --data ...)`);
  m.dispose();
  return 0;
}
