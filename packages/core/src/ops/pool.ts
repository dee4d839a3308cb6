import { fail } from '../errors.js';
import { checkOptions } from '../validate.js';
import type { Pool2dAttrs } from '../kernels/index.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { cast } from './cast.js';
import { convertToTensor } from './convert.js';
import { outLength, pair, requireRank, resolvePads, type Pair, type Padding } from './conv_util.js';
import { record, runKernel } from './op_util.js';
import { stack } from './concat.js';
import { oneHot } from './creation.js';
import { pad } from './pad_tile.js';
import { argMax } from './reduce.js';
import { stridedSlice } from './slice.js';

/**
 * Options of `maxPool2d`: window size, stride (default the window), padding, dilation and ceil
 * mode.
 */
export interface Pool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize, as in PyTorch. */
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  ceilMode?: boolean;
}

/**
 * Options of `avgPool2d`: the window, stride, padding and ceil mode, and whether padding counts in
 * the divisor.
 */
export interface AvgPool2dOptions extends Omit<Pool2dOptions, 'dilation'> {
  /** Whether padded cells count in the divisor (PyTorch's default true; Keras 'same' pooling uses false). */
  countIncludePad?: boolean;
}

function poolAttrs(op: string, x: Tensor, o: Pool2dOptions & { countIncludePad?: boolean }): Pool2dAttrs {
  requireRank(op, 'x', x.shape, 4, 'NCHW');
  const kernel = pair(op, 'kernelSize', o.kernelSize, 1);
  const strides = pair(op, 'stride', o.stride ?? kernel, 1);
  const dilations = pair(op, 'dilation', o.dilation ?? 1, 1);
  const hw: [number, number] = [x.shape[2], x.shape[3]];
  const pads = resolvePads(op, o.padding ?? 0, hw, kernel, strides, dilations);
  for (let i = 0; i < 2; i++) {
    const eff = (kernel[i] - 1) * dilations[i] + 1;
    if (Math.max(pads[i], pads[i + 2]) > Math.floor(eff / 2)) {
      fail(op, `padding ${JSON.stringify(pads)} must be at most half the (dilated) kernel size ${eff}, or windows would lie entirely in padding`);
    }
  }
  const attrs: Pool2dAttrs = {
    kernel_shape: kernel, strides, pads, dilations, ceil_mode: o.ceilMode ?? false, count_include_pad: o.countIncludePad ?? true,
  };
  const oh = outLength(hw[0], pads[0], pads[2], kernel[0], strides[0], dilations[0], attrs.ceil_mode);
  const ow = outLength(hw[1], pads[1], pads[3], kernel[1], strides[1], dilations[1], attrs.ceil_mode);
  if (oh <= 0 || ow <= 0) fail(op, `input ${hw[0]}x${hw[1]} is smaller than the pooling window ${kernel[0]}x${kernel[1]}`);
  return attrs;
}

function floatInput(op: string, xLike: TensorLike): Tensor {
  const x = convertToTensor(xLike, op, 'x', 'float32');
  return x.dtype === 'float32' ? x : cast(x, 'float32');
}

/** Max pooling over NCHW windows (ONNX MaxPool; PyTorch's ceil-mode rule). */
export function maxPool2d(xLike: TensorLike, options: Pool2dOptions): Tensor {
  checkOptions('maxPool2d', options, ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode']);
  const x = floatInput('maxPool2d', xLike);
  const attrs = poolAttrs('maxPool2d', x, options);
  const y = runKernel('maxPool2d', [x], attrs);
  record('maxPool2d', [x], [y], ([dy]) => [maxPool2dGrad(dy, x, attrs)]);
  return y;
}

/**
 * Gradient of max pooling: each window's output gradient goes to the input element that was its
 * maximum. Linear in dy, so its gradient with respect to dy is the transpose — picking, per window,
 * the value at that maximum (maxPoolPick) — and zero with respect to x (piecewise constant).
 */
function maxPool2dGrad(dy: Tensor, x: Tensor, attrs: Pool2dAttrs): Tensor {
  const dx = runKernel('maxPool2dGrad', [dy, x], attrs);
  record('maxPool2dGrad', [dy, x], [dx], ([g], _node, needed) => [needed[0] ? maxPoolPick(g, x, attrs) : null, null]);
  return dx;
}

/**
 * For every pooling window of x, the value of g at the window's (first) maximum: the adjoint of
 * maxPool2dGrad, written with ops so that it differentiates again (to maxPool2dGrad). The windows
 * are strided slices of the padded inputs, one per kernel offset, in the kernel's row-major order.
 */
function maxPoolPick(g: Tensor, x: Tensor, attrs: Pool2dAttrs): Tensor {
  const [n, c, h, w] = x.shape;
  const [kh, kw] = attrs.kernel_shape;
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [pt, pl, pb, pr] = attrs.pads;
  const oh = outLength(h, pt, pb, kh, sh, dh, attrs.ceil_mode);
  const ow = outLength(w, pl, pr, kw, sw, dw, attrs.ceil_mode);
  // Enough padding at the end for ceil mode's partial windows; -Infinity never wins a max.
  const extraH = Math.max(0, (oh - 1) * sh + (kh - 1) * dh + 1 - (h + pt + pb));
  const extraW = Math.max(0, (ow - 1) * sw + (kw - 1) * dw + 1 - (w + pl + pr));
  const padding: [number, number][] = [[0, 0], [0, 0], [pt, pb + extraH], [pl, pr + extraW]];
  const xp = pad(x, padding, -Infinity);
  const gp = pad(g, padding, 0);
  const windows = (t: Tensor) => {
    const out: Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        out.push(stridedSlice(t, [0, 0, i * dh, j * dw], [n, c, i * dh + (oh - 1) * sh + 1, j * dw + (ow - 1) * sw + 1], [1, 1, sh, sw]));
      }
    }
    return stack(out, 0);
  };
  const first = oneHot(argMax(windows(xp), 0), kh * kw).transpose([4, 0, 1, 2, 3]).cast('float32');
  return windows(gp).mul(first).sum(0);
}

/** Average pooling over NCHW windows (ONNX AveragePool). */
export function avgPool2d(xLike: TensorLike, options: AvgPool2dOptions): Tensor {
  checkOptions('avgPool2d', options, ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad']);
  const x = floatInput('avgPool2d', xLike);
  const attrs = poolAttrs('avgPool2d', x, options);
  const y = runKernel('avgPool2d', [x], attrs);
  record('avgPool2d', [x], [y], ([dy]) => [avgPool2dGrad(dy, x.shape, attrs)]);
  return y;
}

/** avgPool2d with resolved attributes, recorded (its gradient is avgPool2dGrad). */
function avgPool2dAttrs(x: Tensor, attrs: Pool2dAttrs): Tensor {
  const y = runKernel('avgPool2d', [x], attrs);
  record('avgPool2d', [x], [y], ([dy]) => [avgPool2dGrad(dy, x.shape, attrs)]);
  return y;
}

function avgPool2dGrad(dy: Tensor, inputShape: readonly number[], attrs: Pool2dAttrs): Tensor {
  const dx = runKernel('avgPool2dGrad', [dy], { ...attrs, inputShape });
  // The backward of a linear map is its transpose; its own gradient is the forward pooling again.
  record('avgPool2dGrad', [dy], [dx], ([g]) => [avgPool2dAttrs(g, attrs)]);
  return dx;
}

/** Mean over H and W, keeping them as size 1: [N, C, H, W] → [N, C, 1, 1]. */
export function globalAvgPool2d(xLike: TensorLike): Tensor {
  const x = floatInput('globalAvgPool2d', xLike);
  requireRank('globalAvgPool2d', 'x', x.shape, 4, 'NCHW');
  return x.mean([2, 3], true);
}

/** Max over H and W, keeping them as size 1. */
export function globalMaxPool2d(xLike: TensorLike): Tensor {
  const x = floatInput('globalMaxPool2d', xLike);
  requireRank('globalMaxPool2d', 'x', x.shape, 4, 'NCHW');
  return x.max([2, 3], true);
}
