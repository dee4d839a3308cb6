import { fail, fmtShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { record, runKernel } from './op_util.js';
import { slice } from './slice.js';
import { gather } from './gather.js';
import { tensor } from './creation.js';
import { checkOptions } from '../validate.js';
import { checkElementCount } from '../shape.js';

/** How `pad` fills: a constant, or values from the tensor itself (numpy's and ONNX's mode names). */
export type PadMode = 'constant' | 'reflect' | 'edge' | 'symmetric' | 'wrap';

/** Options of `pad`: the mode (default 'constant') and the constant's value (default 0). */
export interface PadOptions {
  mode?: PadMode;
  value?: number;
}

const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'edge', 'symmetric', 'wrap'];

/**
 * The source index along an axis of length n for output position i (i may be outside [0, n)), in
 * numpy's definitions: reflect mirrors without repeating the edge (PyTorch's ReflectionPad),
 * symmetric mirrors repeating it (TF's mirrorPad 'SYMMETRIC'), edge repeats the edge value
 * (PyTorch's replicate), wrap is circular.
 */
function sourceIndex(mode: Exclude<PadMode, 'constant'>, i: number, n: number): number {
  const mod = (a: number, m: number) => ((a % m) + m) % m;
  switch (mode) {
    case 'edge': return Math.min(Math.max(i, 0), n - 1);
    case 'wrap': return mod(i, n);
    case 'symmetric': {
      const j = mod(i, 2 * n);
      return j < n ? j : 2 * n - 1 - j;
    }
    case 'reflect': {
      if (n === 1) return 0;
      const j = mod(i, 2 * (n - 1));
      return j < n ? j : 2 * (n - 1) - j;
    }
  }
}

/** Constant or value-copying padding; documented with the public op in ops/index.ts. */
export function pad(xLike: TensorLike, paddings: readonly (readonly [number, number])[], valueOrOptions: number | PadOptions = 0): Tensor {
  const x = convertToTensor(xLike, 'pad', 'x');
  if (paddings.length !== x.rank) fail('pad', `needs one [before, after] pair per axis: ${x.rank} for shape ${fmtShape(x.shape)}, got ${paddings.length}`);
  for (const p of paddings) {
    if (p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= 0)) fail('pad', `paddings must be pairs of non-negative integers, got ${JSON.stringify(paddings)}`);
  }
  const options: PadOptions = typeof valueOrOptions === 'number' ? { value: valueOrOptions } : valueOrOptions;
  checkOptions('pad', options, ['mode', 'value']);
  const mode = options.mode ?? 'constant';
  if (!PAD_MODES.includes(mode)) fail('pad', `mode must be one of ${PAD_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(mode)}`);
  const padded = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  checkElementCount('pad', padded.reduce((a, b) => a * b, 1), () => `the padded shape ${fmtShape(padded)}`);
  if (mode !== 'constant') {
    if (options.value !== undefined) fail('pad', `a value is only used with mode 'constant', got mode '${mode}'`);
    return padFromValues(x, paddings, mode);
  }
  const value = options.value ?? 0;
  if (typeof value !== 'number') fail('pad', `value must be a number, got ${JSON.stringify(value)}`);
  const pads = [...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])];
  if (pads.every((p) => p === 0)) return x.reshape(x.shape);
  const y = runKernel('pad', [x], { pads, value });
  record('pad', [x], [y], ([dy]) => [slice(dy, paddings.map((p) => p[0]), x.shape)]);
  return y;
}

// One gather per padded axis with host-computed source indices: every backend runs it, and the
// gradient (a scatter-add) sums each padded position back into the value it copied.
function padFromValues(x: Tensor, paddings: readonly (readonly [number, number])[], mode: Exclude<PadMode, 'constant'>): Tensor {
  let y = x;
  paddings.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const n = x.shape[axis];
    if (n === 0) fail('pad', `mode '${mode}' needs values to copy, but axis ${axis} of ${fmtShape(x.shape)} is empty`);
    checkElementCount('pad', before + n + after, () => `axis ${axis} padded by [${before}, ${after}]`);
    const indices = Array.from({ length: before + n + after }, (_, k) => sourceIndex(mode, k - before, n));
    const next = gather(y, tensor(indices, [indices.length], 'int32'), axis);
    if (y !== x) y.dispose();
    y = next;
  });
  return y === x ? x.reshape(x.shape) : y;
}

/** Repeats the tensor `reps[i]` times along axis i (ONNX Tile). */
export function tile(xLike: TensorLike, reps: readonly number[]): Tensor {
  const x = convertToTensor(xLike, 'tile', 'x');
  if (reps.length !== x.rank || !reps.every((r) => Number.isInteger(r) && r >= 0)) {
    fail('tile', `reps must hold ${x.rank} non-negative integers for shape ${fmtShape(x.shape)}, got ${JSON.stringify(reps)}`);
  }
  if (reps.every((r) => r === 1)) return x.reshape(x.shape);
  const y = runKernel('tile', [x], { repeats: reps });
  record('tile', [x], [y], ([dy]) => {
    // View dy as [r0, d0, r1, d1, ...] and sum the repetition axes.
    const split = x.shape.flatMap((d, i) => [reps[i], d]);
    const repAxes = x.shape.map((_, i) => 2 * i);
    return [dy.reshape(split).sum(repAxes).reshape(x.shape)];
  });
  return y;
}
