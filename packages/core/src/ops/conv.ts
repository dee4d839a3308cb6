import { fail, fmtShape } from '../errors.js';
import { checkOptions } from '../validate.js';
import type { Conv2dAttrs } from '../kernels/index.js';
import type { Shape } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { cast } from './cast.js';
import { convertToTensor } from './convert.js';
import { outLength, pair, requireRank, resolvePads, type Pair, type Padding } from './conv_util.js';
import { record, runKernel } from './op_util.js';

/**
 * Options of `conv2d`: stride, padding ('same', 'valid' or numbers), dilation, groups and an
 * optional bias.
 */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
  /** Optional bias [outChannels], fused into the kernel. */
  bias?: TensorLike;
}

function floatInput(op: string, name: string, v: TensorLike): Tensor {
  const t = convertToTensor(v, op, name, 'float32');
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

/** 2-D convolution, NCHW: x [N, C, H, W], w [outC, C/groups, kH, kW] (PyTorch/ONNX layout). */
export function conv2d(xLike: TensorLike, wLike: TensorLike, options: Conv2dOptions = {}): Tensor {
  checkOptions('conv2d', options, ['stride', 'padding', 'dilation', 'groups', 'bias']);
  const { x, w, bias, attrs } = prepareConv2d('conv2d', xLike, wLike, options);
  const inputs = bias ? [x, w, bias] : [x, w];
  const y = runKernel('conv2d', [x, w, bias ?? undefined], attrs);
  record('conv2d', inputs, [y], ([dy], _node, needed) => conv2dGrads(x, w, bias, attrs, dy, needed));
  return y;
}

/** Gradients of conv2d (+ bias) for output gradient dy, each only where `needed`. */
export function conv2dGrads(x: Tensor, w: Tensor, bias: Tensor | null, attrs: Conv2dAttrs, dy: Tensor, needed: readonly boolean[]): (Tensor | null)[] {
  const grads: (Tensor | null)[] = [
    needed[0] ? conv2dBackpropInput(dy, w, x.shape, attrs) : null,
    needed[1] ? conv2dBackpropFilter(x, dy, w.shape, attrs) : null,
  ];
  if (bias) grads.push(needed[2] ? dy.sum([0, 2, 3]) : null);
  return grads;
}

/** Checks conv2d's operands and options (naming `op`) and resolves them to kernel attributes. */
export function prepareConv2d(op: string, xLike: TensorLike, wLike: TensorLike, options: Conv2dOptions): { x: Tensor; w: Tensor; bias: Tensor | null; attrs: Conv2dAttrs } {
  const x = floatInput(op, 'x', xLike);
  const w = floatInput(op, 'w', wLike);
  requireRank(op, 'x', x.shape, 4, 'NCHW');
  requireRank(op, 'w', w.shape, 4, '[outChannels, inChannels/groups, kH, kW]');
  const groups = options.groups ?? 1;
  const [, c, h, wd] = x.shape;
  const [m, cg, kh, kw] = w.shape;
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || m % groups !== 0) {
    fail(op, `groups=${groups} must divide both input channels (${c}) and output channels (${m})`);
  }
  if (cg * groups !== c) fail(op, `w ${fmtShape(w.shape)} expects ${cg * groups} input channels (groups=${groups}), x ${fmtShape(x.shape)} has ${c}`);
  const strides = pair(op, 'stride', options.stride ?? 1, 1);
  const dilations = pair(op, 'dilation', options.dilation ?? 1, 1);
  const pads = resolvePads(op, options.padding ?? 0, [h, wd], [kh, kw], strides, dilations);
  const oh = outLength(h, pads[0], pads[2], kh, strides[0], dilations[0]);
  const ow = outLength(wd, pads[1], pads[3], kw, strides[1], dilations[1]);
  if (oh <= 0 || ow <= 0) {
    fail(op, `input ${h}x${wd} with padding ${JSON.stringify(pads)} is smaller than the dilated kernel ${(kh - 1) * dilations[0] + 1}x${(kw - 1) * dilations[1] + 1}`);
  }
  const bias = options.bias === undefined ? null : floatInput(op, 'bias', options.bias);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== m)) fail(op, `bias must be [${m}], got ${fmtShape(bias.shape)}`);
  return { x, w, bias, attrs: { strides, pads, dilations, group: groups } };
}

/** Gradient of conv2d w.r.t. its input; linear in dy and w, so its own gradients are convolutions again. */
export function conv2dBackpropInput(dy: Tensor, w: Tensor, inputShape: Shape, attrs: Conv2dAttrs): Tensor {
  const y = runKernel('conv2dBackpropInput', [dy, w], { ...attrs, inputShape });
  record('conv2dBackpropInput', [dy, w], [y], ([g]) => [
    runConv(g, w, attrs),
    conv2dBackpropFilter(g, dy, w.shape, attrs),
  ]);
  return y;
}

/** Gradient of conv2d w.r.t. its filter. */
export function conv2dBackpropFilter(x: Tensor, dy: Tensor, filterShape: Shape, attrs: Conv2dAttrs): Tensor {
  const y = runKernel('conv2dBackpropFilter', [x, dy], { ...attrs, filterShape });
  record('conv2dBackpropFilter', [x, dy], [y], ([g]) => [
    conv2dBackpropInput(dy, g, x.shape, attrs),
    runConv(x, g, attrs),
  ]);
  return y;
}

/** conv2d with already-resolved attributes (used by gradients). */
function runConv(x: Tensor, w: Tensor, attrs: Conv2dAttrs): Tensor {
  return conv2d(x, w, { stride: attrs.strides, padding: attrs.pads, dilation: attrs.dilations, groups: attrs.group });
}

/** Options of `conv1d`: as conv2d's, along one axis. */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | readonly [number, number] | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  bias?: TensorLike;
}

/** 1-D convolution: x [N, C, L], w [outC, C/groups, k]; runs as conv2d over a height of 1. */
export function conv1d(xLike: TensorLike, wLike: TensorLike, options: Conv1dOptions = {}): Tensor {
  checkOptions('conv1d', options, ['stride', 'padding', 'dilation', 'groups', 'bias']);
  const x = floatInput('conv1d', 'x', xLike);
  const w = floatInput('conv1d', 'w', wLike);
  requireRank('conv1d', 'x', x.shape, 3, 'NCL');
  requireRank('conv1d', 'w', w.shape, 3, '[outChannels, inChannels/groups, k]');
  const p = options.padding ?? 0;
  const padding: Padding = typeof p === 'string' ? p : typeof p === 'number' ? [0, p, 0, p] : [0, p[0], 0, p[1]];
  const y = conv2d(x.expandDims(2), w.expandDims(2), {
    stride: [1, options.stride ?? 1], dilation: [1, options.dilation ?? 1], groups: options.groups, bias: options.bias, padding,
  });
  return y.squeeze(2);
}

/** Options of `conv2dTranspose`: conv2d's, plus `outputPadding`. */
export interface Conv2dTransposeOptions extends Conv2dOptions {
  /** Extra rows/columns added at the end of the output (disambiguates the size when stride > 1). */
  outputPadding?: Pair;
}

/**
 * Transposed convolution (PyTorch ConvTranspose2d / ONNX ConvTranspose): x [N, inC, H, W],
 * w [inC, outC/groups, kH, kW]. Output size: (H−1)·stride − padTotal + dilation·(k−1) + outputPadding + 1.
 */
export function conv2dTranspose(xLike: TensorLike, wLike: TensorLike, options: Conv2dTransposeOptions = {}): Tensor {
  checkOptions('conv2dTranspose', options, ['stride', 'padding', 'dilation', 'groups', 'bias', 'outputPadding']);
  const op = 'conv2dTranspose';
  const x = floatInput(op, 'x', xLike);
  const w = floatInput(op, 'w', wLike);
  requireRank(op, 'x', x.shape, 4, 'NCHW');
  requireRank(op, 'w', w.shape, 4, '[inChannels, outChannels/groups, kH, kW]');
  const groups = options.groups ?? 1;
  const [n, c, h, wd] = x.shape;
  const [ci, og, kh, kw] = w.shape;
  if (ci !== c) fail(op, `w ${fmtShape(w.shape)} expects ${ci} input channels, x ${fmtShape(x.shape)} has ${c}`);
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0) fail(op, `groups=${groups} must divide the input channels (${c})`);
  const strides = pair(op, 'stride', options.stride ?? 1, 1);
  const dilations = pair(op, 'dilation', options.dilation ?? 1, 1);
  const outPad = pair(op, 'outputPadding', options.outputPadding ?? 0, 0);
  if (outPad[0] >= Math.max(strides[0], dilations[0]) || outPad[1] >= Math.max(strides[1], dilations[1])) {
    fail(op, `outputPadding ${JSON.stringify(outPad)} must be smaller than stride or dilation`);
  }
  let pads: [number, number, number, number];
  if (options.padding === 'same') {
    // output = input·stride, padded as the conv2d('same') it is the transpose of: the odd cell of
    // padding at the end (Keras's Conv2DTranspose and TF's conv2d_transpose agree).
    const total = [0, 1].map((i) => strides[i] * ([h, wd][i] - 1) + outPad[i] + ([kh, kw][i] - 1) * dilations[i] + 1 - [h, wd][i] * strides[i]);
    if (total.some((t) => t < 0)) fail(op, `padding 'same' is impossible for kernel ${kh}x${kw} with stride ${JSON.stringify(strides)}`);
    pads = [Math.floor(total[0] / 2), Math.floor(total[1] / 2), total[0] - Math.floor(total[0] / 2), total[1] - Math.floor(total[1] / 2)];
  } else {
    pads = resolvePads(op, options.padding ?? 0, [h, wd], [kh, kw], strides, dilations);
  }
  const oh = (h - 1) * strides[0] - pads[0] - pads[2] + dilations[0] * (kh - 1) + outPad[0] + 1;
  const ow = (wd - 1) * strides[1] - pads[1] - pads[3] + dilations[1] * (kw - 1) + outPad[1] + 1;
  if (oh <= 0 || ow <= 0) fail(op, `padding ${JSON.stringify(pads)} leaves no output for input ${h}x${wd}`);
  const attrs: Conv2dAttrs = { strides, pads, dilations, group: groups };
  const y = conv2dBackpropInput(x, w, [n, og * groups, oh, ow], attrs);
  if (options.bias === undefined) return y;
  const bias = floatInput(op, 'bias', options.bias);
  if (bias.rank !== 1 || bias.shape[0] !== og * groups) fail(op, `bias must be [${og * groups}], got ${fmtShape(bias.shape)}`);
  return y.add(bias.reshape([1, og * groups, 1, 1]));
}
