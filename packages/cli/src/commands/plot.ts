import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CommandSpec, Parsed } from '../args.js';
import { metricsSvg, type EpochLogs } from '../plot_svg.js';

export const plotSpec: CommandSpec = {
  name: 'plot',
  usage: 'soma plot <run-dir> [--out file.svg]',
  title: 'draw a run\'s loss and accuracy curves as SVG',
  summary: 'Draws the loss and accuracy curves of a training run (its metrics.jsonl) as an SVG.',
  positionals: [{ name: 'run-dir', help: 'a directory soma train wrote' }],
  options: { out: { type: 'string', help: 'the SVG to write (default <run-dir>/plot.svg)' } },
  examples: ['soma plot runs/lenet5', 'soma plot runs/lenet5 --out lenet5.svg'],
};

export async function plotCommand(p: Parsed, print: (line: string) => void): Promise<number> {
  const [dir] = p.positionals;
  const file = join(dir, 'metrics.jsonl');
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`${file}: not found (is ${dir} a run directory soma train wrote?)`);
  });
  const epochs = text.split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as EpochLogs;
    } catch {
      throw new Error(`${file}: line ${i + 1} is not JSON`);
    }
  });
  if (!epochs.length) throw new Error(`${file}: no epochs recorded`);
  const out = resolve(String(p.values.out ?? join(dir, 'plot.svg')));
  await writeFile(out, metricsSvg(dir, epochs));
  print(`wrote ${out} (${epochs.length} epochs)`);
  return 0;
}
