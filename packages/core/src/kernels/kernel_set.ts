import type { DType } from '../dtype';
import type { Shape } from '../shape';
import type { Conv2dAttrs, Pool2dAttrs } from './attrs';
import type { BackendStorage, KernelTensor } from './tensor_info';

type KT = KernelTensor;

/**
 * Elementwise functions of one tensor. The output has the input's shape and dtype (ops cast first:
 * transcendental functions only ever see float32). `logicalNot` takes and returns bool.
 */
export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'expm1' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'square' | 'reciprocal'
  | 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan' | 'sinh' | 'cosh' | 'tanh' | 'erf'
  | 'floor' | 'ceil' | 'round'
  | 'sigmoid' | 'relu' | 'relu6' | 'elu' | 'selu' | 'gelu' | 'softplus' | 'step'
  | 'logicalNot';

/** Ops whose result is the operands' dtype. */
export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'mod' | 'floorDiv' | 'atan2';
/** Ops whose result is bool. `logicalAnd`/`logicalOr` take bool operands. */
export type CompareOp = 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual' | 'logicalAnd' | 'logicalOr';
export type BinaryOp = ArithmeticOp | CompareOp;

export type ReduceOp = 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'any' | 'all';
export type ArgReduceOp = 'argMax' | 'argMin';

export interface ElementwiseKernels {
  unary(op: UnaryOp, x: KT): KT;
  /**
   * Both operands share a dtype; their shapes broadcast (NumPy rules). Division of int32 truncates
   * toward zero is never asked for: the op layer computes true division in float32.
   */
  binary(op: BinaryOp, a: KT, b: KT): KT;
  /** ONNX Where: picks `a` where `cond` (bool) is true, else `b`; the three shapes broadcast. */
  where(cond: KT, a: KT, b: KT): KT;
  /** Clamps to [min, max]; ops pass -Infinity/Infinity for an open side. */
  clip(x: KT, min: number, max: number): KT;
  /** float32 → int32 truncates toward zero; anything → bool is `!= 0`. */
  cast(x: KT, dtype: DType): KT;
  /** leakyRelu: x > 0 ? x : alpha * x. */
  leakyRelu(x: KT, alpha: number): KT;
}

export interface ReduceKernels {
  /** Reduces over `axes` (sorted, unique, non-empty); the result drops them. Empty reductions give the op's identity (mean: NaN). */
  reduce(op: ReduceOp, x: KT, axes: readonly number[]): KT;
  /** Index (int32) of the first extreme value along `axis`; the result drops the axis. */
  argReduce(op: ArgReduceOp, x: KT, axis: number): KT;
}

export interface LinalgKernels {
  /**
   * Batched matrix product of rank-3 float32 operands: a is [Ba, M, K] (or [Ba, K, M] when transposeA),
   * b is [Bb, K, N] (or [Bb, N, K]); Ba and Bb are equal or one of them is 1.
   */
  matmul(a: KT, b: KT, transposeA: boolean, transposeB: boolean): KT;
  /** ONNX Conv, NCHW: x [N, C, H, W], w [M, C/group, kH, kW], optional bias [M]. */
  conv2d(x: KT, w: KT, bias: KT | null, attrs: Conv2dAttrs): KT;
  /** ONNX MaxPool on NCHW. */
  maxPool2d(x: KT, attrs: Pool2dAttrs): KT;
  /** ONNX AveragePool on NCHW. */
  avgPool2d(x: KT, attrs: Pool2dAttrs): KT;
}

/** Backward kernels that exist only for speed; their ops' gradients could be written with other ops. */
export interface BackwardKernels {
  /** Gradient of conv2d with respect to its input (also ONNX ConvTranspose without bias). */
  conv2dBackpropInput(dy: KT, w: KT, inputShape: Shape, attrs: Conv2dAttrs): KT;
  /** Gradient of conv2d with respect to its filter. */
  conv2dBackpropFilter(x: KT, dy: KT, filterShape: Shape, attrs: Conv2dAttrs): KT;
  /** Routes each output gradient to the (first) input element that was the window's maximum. */
  maxPool2dGrad(dy: KT, x: KT, attrs: Pool2dAttrs): KT;
  /** Spreads each output gradient evenly over its window (with the forward divisor). */
  avgPool2dGrad(dy: KT, inputShape: Shape, attrs: Pool2dAttrs): KT;
}

export interface ShapeKernels {
  transpose(x: KT, perm: readonly number[]): KT;
  /** out[i0, i1, ...] = x[begin0 + i0*step0, begin1 + i1*step1, ...]; steps may be negative. */
  stridedSlice(x: KT, begin: readonly number[], steps: readonly number[], outShape: Shape): KT;
  /** ONNX Pad (constant mode); pads = [begin..., end...], all non-negative. */
  pad(x: KT, pads: readonly number[], value: number): KT;
  /** Inputs share dtype and all dimensions but `axis`. */
  concat(xs: readonly KT[], axis: number): KT;
  /** ONNX Gather: out shape = x.shape[:axis] + indices.shape + x.shape[axis+1:]; indices already in range. */
  gather(x: KT, indices: KT, axis: number): KT;
  /** Inverse of gather: a copy of x with updates added at the gathered positions (repeats accumulate). */
  scatterAdd(x: KT, indices: KT, updates: KT, axis: number): KT;
  /** ONNX Tile. */
  tile(x: KT, reps: readonly number[]): KT;
}

/** Everything a backend must implement. The compiler names any kernel a backend forgets. */
export interface KernelSet extends ElementwiseKernels, ReduceKernels, LinalgKernels, BackwardKernels, ShapeKernels {}

/** A backend: storage plus kernels. Backends never see gradients; autodiff lives in core's op layer. */
export interface Backend extends BackendStorage, KernelSet {
  readonly name: string;
  /** Called once before first use; may be async (GPU adapters). */
  init?(): void | Promise<void>;
  /** Backend-specific counters merged into memory(). */
  memoryInfo?(): Record<string, number>;
  /** Frees everything the backend holds. */
  destroy?(): void;
}
