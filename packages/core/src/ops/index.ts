/**
 * The public ops. Each is wrapped by `scoped` so that whatever it allocates internally is freed when
 * it returns; internal code calls the unwrapped functions from the op files.
 */
import { scoped as s } from './op_util.js';
import * as u from './unary.js';
import * as b from './binary.js';
import * as r from './reduce.js';
import * as sel from './select.js';
import * as cr from './creation.js';
import * as rs from './reshape.js';
import * as sl from './slice.js';
import * as pt from './pad_tile.js';
import * as g from './gather.js';
import * as tk from './take.js';
import * as c3 from './conv3d.js';
import * as cc from './concat.js';
import * as mm from './matmul.js';
import * as sm from './softmax.js';
import * as cv from './conv.js';
import * as fu from './fused.js';
import * as pl from './pool.js';
import * as nm from './normalization.js';
import * as mv from './move.js';
import { cast as castOp } from './cast.js';
import { stopGradient as stopGradientOp } from './stop_gradient.js';
import { transpose as tr } from './transpose.js';

export type { MatmulOptions } from './matmul.js';
export type { Conv2dOptions, Conv1dOptions, Conv2dTransposeOptions } from './conv.js';
export type { FusedConv2dOptions, FusedMatmulOptions } from './fused.js';
export type { Pool2dOptions, AvgPool2dOptions } from './pool.js';
export type { Padding, Pair } from './conv_util.js';
/** The output length of a convolution or pooling window along one axis (PyTorch's ceil-mode rule), for backends and exporters. */
export { outLength } from './conv_util.js';
export type { BatchNormOptions, DropoutOptions } from './normalization.js';
export type { OneHotOptions } from './creation.js';
export type { RandomOptions } from './random.js';

// creation (no scope needed: they allocate exactly their result)
export { tensor, scalar, fill, zeros, ones, zerosLike, onesLike, arange, linspace, eye } from './creation.js';
/** One-hot encoding along a new last axis of size `depth`; indices outside [0, depth) give an all-off row (as TF). */
export const oneHot = s(cr.oneHot);
export { randomUniform, randomNormal, truncatedNormal, bernoulli } from './random.js';

// elementwise
/** −x, elementwise. */
export const neg = s(u.neg);
/** |x|, elementwise. */
export const abs = s(u.abs);
/** −1, 0 or 1 by the sign of x (NaN stays NaN), elementwise. */
export const sign = s(u.sign);
/** eˣ, elementwise. */
export const exp = s(u.exp);
/** eˣ − 1, elementwise, accurate for small x. */
export const expm1 = s(u.expm1);
/** Natural logarithm, elementwise (log 0 = −∞, negative x gives NaN). */
export const log = s(u.log);
/** log(1 + x), elementwise, accurate for small x. */
export const log1p = s(u.log1p);
/** √x, elementwise. */
export const sqrt = s(u.sqrt);
/** 1 / √x, elementwise. */
export const rsqrt = s(u.rsqrt);
/** x², elementwise. */
export const square = s(u.square);
/** 1 / x, elementwise. */
export const reciprocal = s(u.reciprocal);
/** Sine (radians), elementwise. */
export const sin = s(u.sin);
/** Cosine (radians), elementwise. */
export const cos = s(u.cos);
/** Tangent (radians), elementwise. */
export const tan = s(u.tan);
/** Arcsine, elementwise. */
export const asin = s(u.asin);
/** Arccosine, elementwise. */
export const acos = s(u.acos);
/** Arctangent, elementwise. */
export const atan = s(u.atan);
/** Hyperbolic sine, elementwise. */
export const sinh = s(u.sinh);
/** Hyperbolic cosine, elementwise. */
export const cosh = s(u.cosh);
/** Hyperbolic tangent, elementwise. */
export const tanh = s(u.tanh);
/** The Gauss error function, elementwise. */
export const erf = s(u.erf);
/** Largest integer ≤ x, elementwise. */
export const floor = s(u.floor);
/** Smallest integer ≥ x, elementwise. */
export const ceil = s(u.ceil);
/** Nearest integer, halves to even (as torch.round and ONNX Round), elementwise. */
export const round = s(u.round);
/** 1 / (1 + e⁻ˣ), elementwise. */
export const sigmoid = s(u.sigmoid);
/** max(x, 0), elementwise; NaN stays NaN. */
export const relu = s(u.relu);
/** min(max(x, 0), 6), elementwise; NaN stays NaN. */
export const relu6 = s(u.relu6);
/** x for x > 0, else eˣ − 1 (alpha 1), elementwise. */
export const elu = s(u.elu);
/** Scaled ELU (Klambauer et al.): λ·x for x > 0, else λα(eˣ − 1), elementwise. */
export const selu = s(u.selu);
/** x·Φ(x) with Φ the standard normal CDF (the exact form, as torch.nn.GELU), elementwise. */
export const gelu = s(u.gelu);
/** log(1 + eˣ), elementwise, without overflow for large x. */
export const softplus = s(u.softplus);
/** Heaviside step: 1 where x > 0, else 0. */
export const step = s(u.step);
/** !x for bool tensors, elementwise. */
export const logicalNot = s(u.logicalNot);
/** a + b, elementwise; shapes broadcast (NumPy rules) and dtypes promote. */
export const add = s(b.add);
/** a − b, elementwise with broadcasting. */
export const sub = s(b.sub);
/** a · b, elementwise with broadcasting. */
export const mul = s(b.mul);
/** True division: integer operands give float32, like PyTorch's `/`. */
export const div = s(b.div);
/** aᵇ, elementwise with broadcasting. */
export const pow = s(b.pow);
/** The larger of a and b, elementwise with broadcasting; NaN if either is NaN. */
export const maximum = s(b.maximum);
/** The smaller of a and b, elementwise with broadcasting; NaN if either is NaN. */
export const minimum = s(b.minimum);
/** Remainder with the sign of the divisor (Python's %, torch.remainder). */
export const mod = s(b.mod);
/** Floor of the quotient (Python's //). */
export const floorDiv = s(b.floorDiv);
/** The angle of the point (b, a): atan(a / b) in the right quadrant, elementwise. */
export const atan2 = s(b.atan2);
/** a == b as a bool tensor, elementwise with broadcasting. */
export const equal = s(b.equal);
/** a != b as a bool tensor, elementwise with broadcasting. */
export const notEqual = s(b.notEqual);
/** a < b as a bool tensor, elementwise with broadcasting. */
export const less = s(b.less);
/** a ≤ b as a bool tensor, elementwise with broadcasting. */
export const lessEqual = s(b.lessEqual);
/** a > b as a bool tensor, elementwise with broadcasting. */
export const greater = s(b.greater);
/** a ≥ b as a bool tensor, elementwise with broadcasting. */
export const greaterEqual = s(b.greaterEqual);
/** a && b for bool tensors, elementwise with broadcasting. */
export const logicalAnd = s(b.logicalAnd);
/** a || b for bool tensors, elementwise with broadcasting. */
export const logicalOr = s(b.logicalOr);
/** Elementwise choice: `a` where `condition` is true, else `b` (all three broadcast). */
export const where = s(sel.where);
/** Clamps every element to [min, max]; the gradient passes where the input was inside the range. */
export const clip = s(sel.clip);
/** x where x > 0, else alpha·x (Keras's default alpha 0.2; PyTorch uses 0.01). */
export const leakyRelu = s(sel.leakyRelu);
/** Parametric ReLU: x where x > 0, else alpha·x with a learnable, broadcasting alpha. */
export const prelu = s(sel.prelu);
/** Converts to `dtype`: float → int32 truncates toward zero, anything → bool is `x != 0`. Same dtype gives a view. */
export const cast = s(castOp);
/** The same values with no gradient flowing back through them (a view, not a copy). */
export const stopGradient = s(stopGradientOp);

// reductions
/** Sum over `axis` (default: every axis); `keepDims` keeps reduced axes with size 1. bool sums count as int32. */
export const sum = s(r.sum);
/** Mean over `axis` (default: every axis), in float32; the mean of no elements is NaN. */
export const mean = s(r.mean);
/** Product over `axis` (default: every axis). */
export const prod = s(r.prod);
/** Maximum over `axis` (default: every axis); NaN if any element is NaN. */
export const max = s(r.max);
/** Minimum over `axis` (default: every axis); NaN if any element is NaN. */
export const min = s(r.min);
/** Whether any element over `axis` is true (bool). */
export const any = s(r.any);
/** Whether every element over `axis` is true (bool). */
export const all = s(r.all);
/**
 * Variance over `axis`. `correction` is subtracted from the count in the divisor: 0 (default) gives
 * the population variance like Keras/TF moments; 1 gives PyTorch's unbiased torch.var default.
 */
export const variance = s(r.variance);
/** log(Σ exp(x)) computed with the max shifted out, so large inputs do not overflow. */
export const logSumExp = s(r.logSumExp);
/** Index (int32) of the largest value along `axis`, the first on ties; without an axis, into the flattened tensor (as torch.argmax). */
export const argMax = s(r.argMax);
/** Index (int32) of the smallest value along `axis`, the first on ties; without an axis, into the flattened tensor (as torch.argmin). */
export const argMin = s(r.argMin);
/** Repeats `x` along its size-1 dimensions to reach `shape` (a differentiable broadcast). */
export const broadcastTo = s(r.broadcastTo);
/** exp(x) / Σ exp(x) along `axis` (default last), computed with the max shifted out. */
export const softmax = s(sm.softmax);
/** x − logΣexp(x) along `axis` (default last): stable log-probabilities. */
export const logSoftmax = s(sm.logSoftmax);

// shapes and indexing
/** Same data, new shape (a view; no copy). One dimension may be -1 and is inferred. */
export const reshape = s(rs.reshape);
/** Inserts a size-1 dimension at `axis` (default 0; negative counts from the end of the result). */
export const expandDims = s(rs.expandDims);
/** Removes size-1 dimensions (all of them, or those in `axis`, which must have size 1). */
export const squeeze = s(rs.squeeze);
/** Merges dimensions startDim..endDim into one (PyTorch's flatten: by default everything into 1-D). */
export const flatten = s(rs.flatten);
/** Permutes dimensions; without `perm`, reverses them (like numpy.transpose). */
export const transpose = s(tr);
/** A contiguous block: `size[i] = -1` means "to the end of axis i". Missing trailing axes are taken whole. */
export const slice = s(sl.slice);
/**
 * Python-style slicing per axis: `x[begin:end:step]`, with negative indices counting from the end and
 * out-of-range bounds clamped (ONNX Slice semantics). Axes not listed are taken whole.
 */
export const stridedSlice = s(sl.stridedSlice);
/** Splits along `axis` into `sizes` pieces, or into `n` equal pieces when given a number. */
export const split = s(sl.split);
/** Constant padding: `paddings[i] = [before, after]` for each axis. */
export const pad = s(pt.pad);
/** Repeats the tensor `reps[i]` times along axis i (ONNX Tile). */
export const tile = s(pt.tile);
/** ONNX Gather: picks slices of `x` along `axis`; the result has shape x[:axis] + indices + x[axis+1:]. Negative indices count from the end. */
export const gather = s(g.gather);
/** Adds `updates` into a copy of `x` at the positions `gather(x, indices, axis)` would read; repeated indices accumulate. */
export const scatterAdd = s(g.scatterAdd);
/**
 * out[i][j][k] = x[indices[i][j][k]][j][k] along `axis` (numpy take_along_axis, torch.gather, ONNX
 * GatherElements). indices has x's rank, and no larger a size on the other axes; negative indices
 * count from the end. Written as one gather over the flattened x, so it differentiates (to a
 * scatter-add) on every backend; an index out of range fails in that gather.
 */
export const takeAlongAxis = s(tk.takeAlongAxis);
/** The k largest (or smallest) values along an axis and their int32 indices, in order (ONNX TopK, torch.topk). */
export const topK = s(tk.topK);
/** ONNX Conv on NCDHW: x [N, C, D, H, W], w [M, C/groups, kD, kH, kW]. */
export const conv3d = s(c3.conv3d);
/** Max pooling over NCDHW windows (ONNX MaxPool with a 3-D kernel). */
export const maxPool3d = s(c3.maxPool3d);
/** Average pooling over NCDHW windows (ONNX AveragePool with a 3-D kernel). */
export const avgPool3d = s(c3.avgPool3d);
export type { Conv3dOptions, Pool3dOptions, Padding3d, Triple } from './conv3d.js';
export type { TopKOptions } from './take.js';
/** Joins tensors along an existing axis; every other dimension must agree. dtypes are promoted. */
export const concat = s(cc.concat);
/** Joins same-shaped tensors along a new axis. */
export const stack = s(cc.stack);
/** Splits along `axis` into tensors with that axis removed (inverse of stack). */
export const unstack = s(cc.unstack);

// neural-network ops
/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row/column and the extra
 * dimension removed afterwards; leading (batch) dimensions broadcast. Computes in float32.
 */
export const matmul = s(mm.matmul);
/** 1-D convolution: x [N, C, L], w [outC, C/groups, k]; runs as conv2d over a height of 1. */
export const conv1d = s(cv.conv1d);
/** 2-D convolution, NCHW: x [N, C, H, W], w [outC, C/groups, kH, kW] (PyTorch/ONNX layout). */
export const conv2d = s(cv.conv2d);
/**
 * Ops with a bias and an activation in the same kernel where the backend has one (tf.fused's):
 * `fused.conv2d(x, w, { bias, activation })`, `fused.matmul(a, b, { bias, activation })`.
 */
export const fused = { conv2d: s(fu.conv2d), matmul: s(fu.matmul) };
/**
 * Transposed convolution (PyTorch ConvTranspose2d / ONNX ConvTranspose): x [N, inC, H, W],
 * w [inC, outC/groups, kH, kW]. Output size: (H−1)·stride − padTotal + dilation·(k−1) + outputPadding + 1.
 */
export const conv2dTranspose = s(cv.conv2dTranspose);
/** Max pooling over NCHW windows (ONNX MaxPool; PyTorch's ceil-mode rule). */
export const maxPool2d = s(pl.maxPool2d);
/** Average pooling over NCHW windows (ONNX AveragePool). */
export const avgPool2d = s(pl.avgPool2d);
/** Mean over H and W, keeping them as size 1: [N, C, H, W] → [N, C, 1, 1]. */
export const globalAvgPool2d = s(pl.globalAvgPool2d);
/** Max over H and W, keeping them as size 1. */
export const globalMaxPool2d = s(pl.globalMaxPool2d);
/**
 * Inference-form batch normalization over channel axis 1 (NC, NCL, NCHW):
 * (x − mean) / sqrt(variance + ε) · weight + bias, with [C]-shaped statistics.
 */
export const batchNorm = s(nm.batchNorm);
/** Zeroes each element with probability `rate` and scales the rest by 1/(1−rate) (inverted dropout). */
export const dropout = s(nm.dropout);

/** One optimizer update of a parameter and its slots in one pass, when the backend has a fused kernel; false otherwise. */
export { fusedUpdate } from './fused_update.js';

// moving between backends
/** A copy of `x` on backend `name` (initialising it if needed); gradients flow back unchanged. */
export const toBackend = s(mv.toBackend);
/** A copy of `x` on backend `name`, from any backend, one that reads only asynchronously (webgpu) included. */
export const toBackendAsync = mv.toBackendAsync;
/** Same values, new handle (tensors are immutable, so this shares storage). */
export const clone = s(mv.clone);
