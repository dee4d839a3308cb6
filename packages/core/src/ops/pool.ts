import { fail } from '../errors';
import type { Pool2dAttrs } from '../kernels';
import type { Tensor, TensorLike } from '../tensor';
import { cast } from './cast';
import { convertToTensor } from './convert';
import { outLength, pair, requireRank, resolvePads, type Pair, type Padding } from './conv_util';
import { record, runKernel } from './op_util';

export interface Pool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize, as in PyTorch. */
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  ceilMode?: boolean;
}

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
  const x = floatInput('maxPool2d', xLike);
  const attrs = poolAttrs('maxPool2d', x, options);
  const y = runKernel([x], (k, [kx]) => k.maxPool2d(kx, attrs));
  record('maxPool2d', [x], [y], ([dy]) => [runKernel([dy, x], (k, [kd, kx]) => k.maxPool2dGrad(kd, kx, attrs))]);
  return y;
}

/** Average pooling over NCHW windows (ONNX AveragePool). */
export function avgPool2d(xLike: TensorLike, options: AvgPool2dOptions): Tensor {
  const x = floatInput('avgPool2d', xLike);
  const attrs = poolAttrs('avgPool2d', x, options);
  const y = runKernel([x], (k, [kx]) => k.avgPool2d(kx, attrs));
  record('avgPool2d', [x], [y], ([dy]) => [avgPool2dGrad(dy, x.shape, attrs)]);
  return y;
}

function avgPool2dGrad(dy: Tensor, inputShape: readonly number[], attrs: Pool2dAttrs): Tensor {
  const dx = runKernel([dy], (k, [kd]) => k.avgPool2dGrad(kd, inputShape, attrs));
  // The backward of a linear map is its transpose; its own gradient is the forward pooling again.
  record('avgPool2dGrad', [dy], [dx], ([g]) => [runKernel([g], (k, [kg]) => k.avgPool2d(kg, attrs))]);
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
