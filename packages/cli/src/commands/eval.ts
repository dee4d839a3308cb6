import * as soma from '@soma/core';
import { numberOption, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { useBackend } from '../backends.js';
import { loadData } from '../data.js';
import { classification, formatConfusion } from '../report.js';
import { loadAnyModel } from '../imported.js';

export const evalSpec: CommandSpec = {
  name: 'eval',
  usage: 'soma eval <model-dir> --data <source> [options]',
  title: 'accuracy and confusion matrix of a saved model',
  summary: 'Accuracy and the confusion matrix of a saved model on the held-out part of a data source (the part soma train held out with the same --seed).',
  positionals: [{ name: 'model-dir', help: 'a saved model' }],
  options: {
    data: { type: 'string', help: 'mnist | cifar10:<dir> | circles | csv:<file>' },
    backend: { type: 'string', help: 'auto | cpu | native', default: 'auto' },
    seed: { type: 'string', help: 'the seed soma train used', default: '1' },
    label: { type: 'string', help: 'csv: the label column (default: the last)' },
  },
  examples: ['soma eval runs/lenet5/model --data mnist'],
};

export async function evalCommand(p: Parsed, print: (line: string) => void): Promise<number> {
  const [dir] = p.positionals;
  if (!p.values.data) throw new UsageError('--data is required (mnist, cifar10:<dir>, circles or csv:<file>)');
  const seed = numberOption(p.values, 'seed', { integer: true })!;
  await useBackend(String(p.values.backend));
  const model = await loadAnyModel(dir);
  const data = await loadData(String(p.values.data), { seed, label: p.values.label as string | undefined, testFraction: 0.2 });
  const logits = model.predict(data.test.x, { batchSize: 256 }) as soma.Tensor;
  const { accuracy, confusion } = await classification(logits, data.test.y, data.numClasses);
  logits.dispose();
  print(`accuracy ${accuracy.toFixed(4)} on ${data.test.x.shape[0]} held-out samples of ${data.source}`);
  if (data.numClasses <= 20) for (const line of formatConfusion(confusion, data.classNames)) print(line);
  return 0;
}
