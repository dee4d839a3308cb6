import type { LayersModel } from './engine/model.js';
import type { LayerShape } from './engine/shapes.js';

const fmtShape = (s: LayerShape | LayerShape[] | null): string => {
  if (!s) return '?';
  if (Array.isArray(s[0])) return (s as LayerShape[]).map(fmtShape).join(', ');
  return `(${(s as LayerShape).map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
};

/** The Keras summary table: one row per layer, then total/trainable/non-trainable parameter counts. */
export function summaryLines(model: LayersModel): string[] {
  const widths = [33, 26, 12];
  const row = (cells: string[]) => ` ${cells[0].padEnd(widths[0])}${cells[1].padEnd(widths[1])}${cells[2]}`.trimEnd();
  const rule = (c: string) => c.repeat(widths.reduce((a, b) => a + b, 1));
  const lines = [`Model: "${model.name}"`, rule('_'), row(['Layer (type)', 'Output Shape', 'Param #']), rule('=')];
  const layers = model.layers.filter((l) => l.className !== 'InputLayer' || model.className !== 'Sequential');
  layers.forEach((l, i) => {
    const shape = l.className === 'InputLayer' ? l.batchInputShape : l.lastOutputShape;
    lines.push(row([`${l.name} (${l.className})`, fmtShape(shape), String(l.countParams())]));
    if (i < layers.length - 1) lines.push('');
  });
  const total = model.countParams();
  const trainable = model.trainableWeights.reduce((a, v) => a + v.size, 0);
  lines.push(rule('='), `Total params: ${total.toLocaleString('en-US')}`, `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`, rule('_'));
  return lines;
}
