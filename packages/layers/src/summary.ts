import type { Layer } from './model/layer.js';
import type { LayersModel } from './model/model.js';
import type { LayerShape } from './model/shapes.js';

const fmtShape = (s: LayerShape | LayerShape[] | null): string => {
  if (!s) return '?';
  if (Array.isArray(s[0])) return (s as LayerShape[]).map(fmtShape).join(', ');
  return `(${(s as LayerShape).map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
};

/** Where each layer's inputs come from, as Keras writes it: `source[node][tensor]`. */
function connections(model: LayersModel): Map<Layer, string[]> {
  const calls = new Map<Layer, number>();
  const nodeIndex = new Map<unknown, number>();
  for (const n of model.graphNodes) {
    const k = calls.get(n.layer) ?? 0;
    calls.set(n.layer, k + 1);
    for (const o of n.outputs) nodeIndex.set(o, k);
  }
  const out = new Map<Layer, string[]>();
  for (const n of model.graphNodes) {
    const list = out.get(n.layer) ?? [];
    for (const t of n.inputs) list.push(`${t.sourceLayer.name}[${nodeIndex.get(t) ?? 0}][${t.outputIndex}]`);
    out.set(n.layer, list);
  }
  return out;
}

/**
 * The Keras summary table: one row per layer (with "Connected to" for functional models), then
 * total/trainable/non-trainable parameter counts. Columns widen to their longest cell, so long
 * names never run into the next column.
 */
export function summaryLines(model: LayersModel): string[] {
  const functional = model.className !== 'Sequential';
  const layers = model.layers.filter((l) => l.className !== 'InputLayer' || functional);
  const links = functional ? connections(model) : new Map<Layer, string[]>();
  const header = functional ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #'];
  const rows = layers.map((l) => {
    const shape = l.className === 'InputLayer' ? l.batchInputShape : l.lastOutputShape;
    const from = links.get(l) ?? [];
    // Further inputs go on continuation lines, as Keras prints them.
    const first = [`${l.name} (${l.className})`, fmtShape(shape), String(l.countParams()), ...(functional ? [from[0] ?? ''] : [])];
    return [first, ...from.slice(1).map((f) => ['', '', '', f])];
  });
  // Keras's minimum widths; two spaces always separate a cell from the next column.
  const minimum = [33, 26, 12, 20];
  const widths = header.map((h, c) => Math.max(minimum[c], h.length + 2, ...rows.flat().map((r) => r[c].length + 2)));
  const row = (cells: string[]) => ` ${cells.map((cell, c) => (c < cells.length - 1 ? cell.padEnd(widths[c]) : cell)).join('')}`.trimEnd();
  const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 1));
  const lines = [`Model: "${model.name}"`, rule('_'), row(header), rule('=')];
  rows.forEach((r, i) => {
    for (const line of r) lines.push(row(line));
    if (i < rows.length - 1) lines.push('');
  });
  const total = model.countParams();
  const trainable = model.trainableWeights.reduce((a, v) => a + v.size, 0);
  lines.push(rule('='), `Total params: ${total.toLocaleString('en-US')}`, `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`, rule('_'));
  return lines;
}
