import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as soma from '@soma/core';
import { Dataset, type Element } from '@soma/data';
import { UsageError, type CommandSpec, type Parsed } from '../args.js';
import { useBackend } from '../backends.js';
import { readImage } from '../image.js';
import { loadAnyModel } from '../imported.js';

export const predictSpec: CommandSpec = {
  name: 'predict',
  usage: 'soma predict <model-dir> <image.png | image.pgm | csv:file> [options]',
  title: 'classify an image file or CSV rows with a saved model',
  summary: "Runs a saved classifier on an image (resized to the model's input, in [0, 1]) or on each row of a CSV file of features, and prints the likeliest classes with their probabilities (class names from the run's report.json when there is one).",
  positionals: [{ name: 'model-dir', help: 'a saved model' }, { name: 'input', help: 'an image file, or csv:<file> of feature rows' }],
  options: {
    backend: { type: 'string', help: 'auto | cpu | native', default: 'cpu' },
    top: { type: 'string', help: 'how many classes to list per input', default: '3' },
    invert: { type: 'boolean', help: 'images: dark ink on light paper (MNIST digits are light on dark)' },
    label: { type: 'string', help: 'csv: a column to leave out (the label, if the file has one)' },
  },
  examples: ['soma predict runs/lenet5/model digit.png --invert', 'soma predict runs/iris/model csv:new_flowers.csv --label species'],
};

export async function predictCommand(p: Parsed, print: (line: string) => void): Promise<number> {
  const [dir, input] = p.positionals;
  const top = Number(p.values.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, got '${p.values.top}'`);
  await useBackend(String(p.values.backend));
  const model = await loadAnyModel(dir);
  const shape = model.inputs[0]?.shape.slice(1) ?? [];
  if (shape.some((d) => d === null)) throw new Error(`${dir}: the model's input shape [${shape.join(', ')}] is not fixed`);
  const names = await readFile(join(dirname(dir.replace(/[\\/]+$/, '')), 'report.json'), 'utf8').then((t) => (JSON.parse(t) as { classes?: string[] }).classes, () => undefined);
  let x: soma.Tensor;
  let labels: string[];
  if (input.startsWith('csv:')) {
    const rows = (await Dataset.fromCsv(input.slice(4)).toArray()) as Record<string, Element>[];
    const all = Object.keys(rows[0] ?? {});
    const label = p.values.label;
    if (typeof label === 'string' && !all.includes(label)) {
      const near = soma.closestName(label, all);
      throw new UsageError(`--label: ${input} has no column '${label}'${near ? ` (did you mean '${near}'?)` : ''}; its columns: ${all.join(', ')}`);
    }
    const columns = all.filter((c) => c !== label);
    if (columns.length !== shape[0]) throw new Error(`${input}: ${columns.length} feature columns (${columns.join(', ')}), the model takes ${shape[0]}`);
    x = soma.tensor(rows.flatMap((r, i) => columns.map((c) => {
      const v = Number(r[c]);
      if (!Number.isFinite(v)) throw new Error(`${input}: row ${i + 1}, column '${c}' is not a number`);
      return v;
    })), [rows.length, columns.length]);
    labels = rows.map((_, i) => `row ${i + 1}`);
  } else {
    if (shape.length !== 3) throw new Error(`${dir}: the model takes [${shape.join(', ')}] inputs, not images; give csv:<file>`);
    x = soma.tensor(await readImage(input, shape as number[], !!p.values.invert), [1, ...(shape as number[])]);
    labels = [input];
  }
  const y = model.predict(x) as soma.Tensor;
  const ySums = y.sum(-1);
  const soft = y.softmax(-1);
  // Zoo models output logits; a model that ends in softmax already gives probabilities.
  const [values, sums, softmaxed] = await Promise.all([y.data(), ySums.data(), soft.array()]);
  const already = values.every((v) => v >= 0) && sums.every((s) => Math.abs(s - 1) < 1e-4);
  const probs = (already ? await y.array() : softmaxed) as number[][];
  soma.dispose([y, ySums, soft]);
  probs.forEach((row, i) => {
    const ranked = row.map((v, k) => [k, v] as const).sort((a, b) => b[1] - a[1]).slice(0, top);
    print(`${labels[i]}: ${ranked.map(([k, v]) => `${names?.[k] ?? k} ${(v * 100).toFixed(1)}%`).join(', ')}`);
  });
  x.dispose();
  return 0;
}
