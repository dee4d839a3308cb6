/**
 * Kernel attributes follow ONNX's operator specification, names included, so ONNX import/export and
 * onnxruntime-backed kernels map one to one. All spatial lists are [H, W]; pads are [top, left, bottom, right]
 * (ONNX: [x1_begin, x2_begin, x1_end, x2_end]).
 */
export interface Conv2dAttrs {
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
  readonly group: number;
}

/**
 * The attributes of the 2-D pooling kernels, ONNX-named (kernel_shape, strides, pads, dilations,
 * ceil_mode, count_include_pad).
 */
export interface Pool2dAttrs {
  readonly kernel_shape: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
  readonly ceil_mode: boolean;
  /** AveragePool only: whether padded cells count in the divisor. */
  readonly count_include_pad: boolean;
}
