import { fail, fmtShape } from '../errors.js';
import { checkOptions } from '../validate.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { cast } from './cast.js';
import { stack } from './concat.js';
import { convertToTensor } from './convert.js';
import { onesLike, zeros, zerosLike } from './creation.js';
import { conv2d, conv2dTranspose } from './conv.js';
import { outLength, requireRank } from './conv_util.js';
import { pad } from './pad_tile.js';
import { avgPool2d, maxPool2d } from './pool.js';

/**
 * 3-D convolution and pooling over NCDHW, written as 2-D kernels applied per depth slice and
 * summed (or reduced) over the kernel's depth. Every backend gets them, gradients included,
 * without a kernel of their own; they cost one 2-D call per output slice and kernel depth, which
 * suits the small volumes ONNX models and tests use.
 */

export type Triple = number | readonly [number, number, number];
/** A number, [d, h, w] for both sides, or ONNX's [d0, h0, w0, d1, h1, w1]. */
export type Padding3d = number | readonly [number, number, number] | readonly [number, number, number, number, number, number] | 'valid';

function triple(op: string, name: string, v: Triple): [number, number, number] {
  const t: [number, number, number] = typeof v === 'number' ? [v, v, v] : [v[0], v[1], v[2]];
  if (!t.every((x) => Number.isInteger(x) && x >= 1)) fail(op, `${name} must be a positive integer or three of them, got ${JSON.stringify(v)}`);
  return t;
}

function pads6(op: string, p: Padding3d | undefined): [number, number, number, number, number, number] {
  if (p === undefined || p === 'valid') return [0, 0, 0, 0, 0, 0];
  const six = typeof p === 'number' ? [p, p, p, p, p, p] : p.length === 3 ? [...p, ...p] : [...p];
  if (six.length !== 6 || !six.every((x) => Number.isInteger(x) && x >= 0)) fail(op, `padding must be a non-negative integer, [d, h, w] or [d0, h0, w0, d1, h1, w1], got ${JSON.stringify(p)}`);
  return six as [number, number, number, number, number, number];
}

/** x with its depth padded by `value`, and the slice at depth index `i` as NCHW. */
function depthSlice(x: Tensor, i: number): Tensor {
  const [n, c, , h, w] = x.shape;
  return x.slice([0, 0, i, 0, 0], [n, c, 1, h, w]).reshape([n, c, h, w]);
}

/** The float inputs (x NCDHW, w of `wLayout`) and the per-axis settings conv3d and conv3dTranspose share, checked. */
function convSettings(op: string, xLike: TensorLike, wLike: TensorLike, options: Conv3dOptions, wLayout: string) {
  const x0 = convertToTensor(xLike, op, 'x', 'float32');
  const w0 = convertToTensor(wLike, op, 'w', 'float32');
  const x = x0.dtype === 'float32' ? x0 : cast(x0, 'float32');
  const w = w0.dtype === 'float32' ? w0 : cast(w0, 'float32');
  requireRank(op, 'x', x.shape, 5, 'NCDHW');
  requireRank(op, 'w', w.shape, 5, wLayout);
  return { x, w, stride: triple(op, 'stride', options.stride ?? 1), dilation: triple(op, 'dilation', options.dilation ?? 1), pads: pads6(op, options.padding) };
}

/**
 * Options of `conv3d`: stride, padding, dilation and groups along depth, height and width, and a
 * bias.
 */
export interface Conv3dOptions {
  stride?: Triple;
  padding?: Padding3d;
  dilation?: Triple;
  groups?: number;
  bias?: TensorLike;
}

/** ONNX Conv on NCDHW: x [N, C, D, H, W], w [M, C/groups, kD, kH, kW]. */
export function conv3d(xLike: TensorLike, wLike: TensorLike, options: Conv3dOptions = {}): Tensor {
  checkOptions('conv3d', options, ['stride', 'padding', 'dilation', 'groups', 'bias']);
  const op = 'conv3d';
  const { x, w, stride: [sd, sh, sw], dilation: [dd, dh, dw], pads: [pd0, ph0, pw0, pd1, ph1, pw1] } = convSettings(op, xLike, wLike, options, '[outChannels, inChannels/groups, kD, kH, kW]');
  const kd = w.shape[2];
  const depth = x.shape[2];
  const outD = outLength(depth, pd0, pd1, kd, sd, dd);
  if (outD <= 0) fail(op, `depth ${depth} with padding ${pd0}+${pd1} is smaller than the dilated kernel depth ${(kd - 1) * dd + 1}`);
  const xp = pd0 || pd1 ? pad(x, [[0, 0], [0, 0], [pd0, pd1], [0, 0], [0, 0]]) : x;
  const wSlice = (k: number) => {
    const [m, cg, , kh, kw] = w.shape;
    return w.slice([0, 0, k, 0, 0], [m, cg, 1, kh, kw]).reshape([m, cg, kh, kw]);
  };
  const conv2 = { stride: [sh, sw] as [number, number], dilation: [dh, dw] as [number, number], padding: [ph0, pw0, ph1, pw1] as [number, number, number, number], groups: options.groups ?? 1 };
  const slices: Tensor[] = [];
  for (let o = 0; o < outD; o++) {
    let acc: Tensor | null = null;
    for (let k = 0; k < kd; k++) {
      const y = conv2d(depthSlice(xp, o * sd + k * dd), wSlice(k), conv2);
      acc = acc ? acc.add(y) : y;
    }
    slices.push(acc!);
  }
  let y = stack(slices, 2);
  if (options.bias !== undefined) {
    const b = convertToTensor(options.bias, op, 'bias', 'float32');
    if (b.rank !== 1 || b.shape[0] !== w.shape[0]) fail(op, `bias must be [${w.shape[0]}], got ${fmtShape(b.shape)}`);
    y = y.add(b.reshape([1, w.shape[0], 1, 1, 1]));
  }
  return y;
}

/** Options of `conv3dTranspose`: those of conv3d, and output padding along depth, height and width. */
export interface Conv3dTransposeOptions extends Conv3dOptions {
  /** Extra slices/rows/columns at the end of the output (disambiguates the size when stride > 1). */
  outputPadding?: number | readonly [number, number, number];
}

/**
 * Transposed 3-D convolution (PyTorch ConvTranspose3d / ONNX ConvTranspose on NCDHW):
 * x [N, inC, D, H, W], w [inC, outC/groups, kD, kH, kW]. Each input slice and kernel depth is a
 * 2-D transposed convolution, added into the output slice it lands on.
 */
export function conv3dTranspose(xLike: TensorLike, wLike: TensorLike, options: Conv3dTransposeOptions = {}): Tensor {
  checkOptions('conv3dTranspose', options, ['stride', 'padding', 'dilation', 'groups', 'bias', 'outputPadding']);
  const op = 'conv3dTranspose';
  const { x, w, stride: [sd, sh, sw], dilation: [dd, dh, dw], pads: [pd0, ph0, pw0, pd1, ph1, pw1] } = convSettings(op, xLike, wLike, options, '[inChannels, outChannels/groups, kD, kH, kW]');
  const op3 = options.outputPadding ?? 0;
  const [od, oh, ow] = typeof op3 === 'number' ? [op3, op3, op3] : [op3[0], op3[1], op3[2]];
  [od, oh, ow].forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= Math.max([sd, sh, sw][i], [dd, dh, dw][i])) fail(op, `outputPadding must be non-negative integers smaller than the stride or the dilation, got ${JSON.stringify(op3)}`);
  });
  const [n, c, depth, h, wd] = x.shape;
  const [ci, og, kd, kh, kw] = w.shape;
  if (ci !== c) fail(op, `w ${fmtShape(w.shape)} expects ${ci} input channels, x ${fmtShape(x.shape)} has ${c}`);
  const groups = options.groups ?? 1;
  const outD = (depth - 1) * sd - pd0 - pd1 + dd * (kd - 1) + od + 1;
  const outH = (h - 1) * sh - ph0 - ph1 + dh * (kh - 1) + oh + 1;
  const outW = (wd - 1) * sw - pw0 - pw1 + dw * (kw - 1) + ow + 1;
  if (outD <= 0 || outH <= 0 || outW <= 0) fail(op, `padding ${JSON.stringify(options.padding)} leaves no output for x ${fmtShape(x.shape)} and w ${fmtShape(w.shape)}`);
  const wSlice = (k: number) => w.slice([0, 0, k, 0, 0], [ci, og, 1, kh, kw]).reshape([ci, og, kh, kw]);
  const conv2 = { stride: [sh, sw] as [number, number], dilation: [dh, dw] as [number, number], padding: [ph0, pw0, ph1, pw1] as [number, number, number, number], outputPadding: [oh, ow] as [number, number], groups };
  const sums: (Tensor | null)[] = new Array<Tensor | null>(outD).fill(null);
  for (let i = 0; i < depth; i++) {
    const xi = depthSlice(x, i);
    for (let k = 0; k < kd; k++) {
      const o = i * sd + k * dd - pd0;
      if (o < 0 || o >= outD) continue;
      const y = conv2dTranspose(xi, wSlice(k), conv2);
      sums[o] = sums[o] ? sums[o]!.add(y) : y;
    }
  }
  // Slices no tap lands on (output padding, wide strides) are zeros shaped like one that is, so
  // the batch size comes from the input (a symbolic batch in a compiled graph), not a constant.
  const some = sums.find((t): t is Tensor => t !== null);
  let y = stack(sums.map((t) => t ?? (some ? zerosLike(some) : zeros([n, og * groups, outH, outW]))), 2);
  if (options.bias !== undefined) {
    const b = convertToTensor(options.bias, op, 'bias', 'float32');
    if (b.rank !== 1 || b.shape[0] !== og * groups) fail(op, `bias must be [${og * groups}], got ${fmtShape(b.shape)}`);
    y = y.add(b.reshape([1, og * groups, 1, 1, 1]));
  }
  return y;
}

/**
 * Options of `maxPool3d` and `avgPool3d`: the window, stride, padding, dilation and ceil mode along
 * three axes.
 */
export interface Pool3dOptions {
  kernelSize: Triple;
  stride?: Triple;
  padding?: Padding3d;
  dilation?: Triple;
  ceilMode?: boolean;
  /** Average pooling: whether padded cells count in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

function pool3d(kind: 'max' | 'avg', xLike: TensorLike, options: Pool3dOptions): Tensor {
  checkOptions(kind === 'max' ? 'maxPool3d' : 'avgPool3d', options, ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'countIncludePad']);
  const op = kind === 'max' ? 'maxPool3d' : 'avgPool3d';
  const x0 = convertToTensor(xLike, op, 'x', 'float32');
  const x = x0.dtype === 'float32' ? x0 : cast(x0, 'float32');
  requireRank(op, 'x', x.shape, 5, 'NCDHW');
  const [kd, kh, kw] = triple(op, 'kernelSize', options.kernelSize);
  const [sd, sh, sw] = triple(op, 'stride', options.stride ?? options.kernelSize);
  const [dd, dh, dw] = triple(op, 'dilation', options.dilation ?? 1);
  const [pd0, ph0, pw0, pd1, ph1, pw1] = pads6(op, options.padding);
  const ceil = options.ceilMode ?? false;
  if (kind === 'avg' && (ceil || dd !== 1 || dh !== 1 || dw !== 1)) fail(op, 'ceilMode and dilation are not supported for 3-D average pooling');
  const depth = x.shape[2];
  const outD = outLength(depth, pd0, pd1, kd, sd, dd, ceil);
  if (outD <= 0) fail(op, `depth ${depth} is smaller than the pooling window ${kd}`);
  // Depth padding: −∞ never wins a max; zeros add nothing to a sum. Ceil mode's partial windows get extra.
  const extra = Math.max(0, (outD - 1) * sd + (kd - 1) * dd + 1 - (depth + pd0 + pd1));
  const padded = (t: Tensor, value: number) => (pd0 || pd1 || extra ? pad(t, [[0, 0], [0, 0], [pd0, pd1 + extra], [0, 0], [0, 0]], value) : t);
  const spatial = { kernelSize: [kh, kw] as [number, number], stride: [sh, sw] as [number, number], padding: [ph0, pw0, ph1, pw1] as [number, number, number, number], ceilMode: ceil };
  const windows = (t: Tensor, f: (slice: Tensor) => Tensor) => Array.from({ length: outD }, (_, o) => stack(Array.from({ length: kd }, (_, k) => f(depthSlice(t, o * sd + k * dd))), 0));
  if (kind === 'max') {
    const xp = padded(x, -Infinity);
    return stack(windows(xp, (s) => maxPool2d(s, { ...spatial, dilation: [dh, dw] })).map((w) => w.max(0)), 2);
  }
  // Sums of the 3-D windows, divided by the window size or by the count of real cells in it.
  const sum = (t: Tensor) => stack(windows(padded(t, 0), (s) => avgPool2d(s, { ...spatial, countIncludePad: true }).mul(kh * kw)).map((w) => w.sum(0)), 2);
  const total = sum(x);
  return (options.countIncludePad ?? true) ? total.div(kd * kh * kw) : total.div(sum(onesLike(x)));
}

/** Max pooling over NCDHW windows (ONNX MaxPool with a 3-D kernel). */
export function maxPool3d(xLike: TensorLike, options: Pool3dOptions): Tensor {
  return pool3d('max', xLike, options);
}

/** Average pooling over NCDHW windows (ONNX AveragePool with a 3-D kernel). */
export function avgPool3d(xLike: TensorLike, options: Pool3dOptions): Tensor {
  return pool3d('avg', xLike, options);
}
