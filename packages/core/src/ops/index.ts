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
import * as bnt from './batch_norm_training.js';
import * as fu from './fused.js';
import * as pl from './pool.js';
import * as nm from './normalization.js';
import * as rc from './recurrent.js';
import * as mv from './move.js';
import { cast as castOp } from './cast.js';
import { stopGradient as stopGradientOp } from './stop_gradient.js';
import { transpose as tr } from './transpose.js';

export type { MatmulOptions } from './matmul.js';
export type { Conv2dOptions, Conv1dOptions, Conv2dTransposeOptions } from './conv.js';
export type { FusedConv2dOptions, FusedMatmulOptions } from './fused.js';
export type { FusedBatchNormOptions } from './batch_norm_training.js';
export type { Pool2dOptions, AvgPool2dOptions } from './pool.js';
export type { Padding, Pair } from './conv_util.js';
export { outLength } from './conv_util.js';
export type { BatchNormOptions, DropoutOptions } from './normalization.js';
export type { RecurrentSequenceOptions } from './recurrent.js';
export type { PadMode, PadOptions } from './pad_tile.js';
export type { OneHotOptions } from './creation.js';
export type { RandomOptions, NormalOptions } from './random.js';

// creation (no scope needed: they allocate exactly their result)
export { tensor, scalar, fill, zeros, ones, zerosLike, onesLike, arange, linspace, eye } from './creation.js';
export { tensor1d, tensor2d, tensor3d, tensor4d, tensor5d, tensor6d } from './creation_ranked.js';
/**
 * One-hot encoding along a new last axis of size `depth`; indices outside [0, depth) give an all-off row (as TF).
 *
 * @example
 * ```ts
 * soma.oneHot(soma.tensor([0, 2], undefined, 'int32'), 3).print();   // [[1, 0, 0], [0, 0, 1]]
 * ```
 * @function
 */
export const oneHot = s(cr.oneHot);
export { randomUniform, randomNormal, truncatedNormal, bernoulli } from './random.js';

// elementwise
/**
 * −x, elementwise.
 *
 * @example
 * ```ts
 * soma.neg(soma.tensor([1, -2])).print();          // [-1, 2]
 * ```
 * @function
 */
export const neg = s(u.neg);
/**
 * |x|, elementwise.
 *
 * @example
 * ```ts
 * soma.abs(soma.tensor([-1.5, 2])).print();        // [1.5, 2]
 * ```
 * @function
 */
export const abs = s(u.abs);
/**
 * −1, 0 or 1 by the sign of x (NaN stays NaN), elementwise.
 *
 * @example
 * ```ts
 * soma.sign(soma.tensor([-3, 0, 2])).print();      // [-1, 0, 1]
 * ```
 * @function
 */
export const sign = s(u.sign);
/**
 * eˣ, elementwise.
 *
 * @example
 * ```ts
 * soma.exp(soma.tensor([0, 1])).print();           // [1, 2.7182817]
 * ```
 * @function
 */
export const exp = s(u.exp);
/**
 * eˣ − 1, elementwise, accurate for small x.
 *
 * @example
 * ```ts
 * soma.expm1(soma.tensor([1e-7])).print();         // [1e-7], where exp(x) - 1 would lose digits
 * ```
 * @function
 */
export const expm1 = s(u.expm1);
/**
 * Natural logarithm, elementwise (log 0 = −∞, negative x gives NaN).
 *
 * @example
 * ```ts
 * soma.log(soma.tensor([1, Math.E])).print();      // [0, 1]
 * ```
 * @function
 */
export const log = s(u.log);
/**
 * log(1 + x), elementwise, accurate for small x.
 *
 * @example
 * ```ts
 * soma.log1p(soma.tensor([1e-7])).print();         // [1e-7]
 * ```
 * @function
 */
export const log1p = s(u.log1p);
/**
 * √x, elementwise.
 *
 * @example
 * ```ts
 * soma.sqrt(soma.tensor([4, 9])).print();          // [2, 3]
 * ```
 * @function
 */
export const sqrt = s(u.sqrt);
/**
 * 1 / √x, elementwise.
 *
 * @example
 * ```ts
 * soma.rsqrt(soma.tensor([4, 16])).print();        // [0.5, 0.25]
 * ```
 * @function
 */
export const rsqrt = s(u.rsqrt);
/**
 * x², elementwise.
 *
 * @example
 * ```ts
 * soma.square(soma.tensor([-3, 2])).print();       // [9, 4]
 * ```
 * @function
 */
export const square = s(u.square);
/**
 * 1 / x, elementwise.
 *
 * @example
 * ```ts
 * soma.reciprocal(soma.tensor([2, 4])).print();    // [0.5, 0.25]
 * ```
 * @function
 */
export const reciprocal = s(u.reciprocal);
/**
 * Sine (radians), elementwise.
 *
 * @example
 * ```ts
 * soma.sin(soma.tensor([0, Math.PI / 2])).print(); // [0, 1]
 * ```
 * @function
 */
export const sin = s(u.sin);
/**
 * Cosine (radians), elementwise.
 *
 * @example
 * ```ts
 * soma.cos(soma.tensor([0, Math.PI])).print();     // [1, -1]
 * ```
 * @function
 */
export const cos = s(u.cos);
/**
 * Tangent (radians), elementwise.
 *
 * @example
 * ```ts
 * soma.tan(soma.tensor([0, Math.PI / 4])).print(); // [0, 1]
 * ```
 * @function
 */
export const tan = s(u.tan);
/**
 * Arcsine, elementwise.
 *
 * @example
 * ```ts
 * soma.asin(soma.tensor([0, 1])).print();          // [0, 1.5707964]
 * ```
 * @function
 */
export const asin = s(u.asin);
/**
 * Arccosine, elementwise.
 *
 * @example
 * ```ts
 * soma.acos(soma.tensor([1, 0])).print();          // [0, 1.5707964]
 * ```
 * @function
 */
export const acos = s(u.acos);
/**
 * Arctangent, elementwise.
 *
 * @example
 * ```ts
 * soma.atan(soma.tensor([0, 1])).print();          // [0, 0.7853982]
 * ```
 * @function
 */
export const atan = s(u.atan);
/**
 * Hyperbolic sine, elementwise.
 *
 * @example
 * ```ts
 * soma.sinh(soma.tensor([0, 1])).print();          // [0, 1.1752012]
 * ```
 * @function
 */
export const sinh = s(u.sinh);
/**
 * Hyperbolic cosine, elementwise.
 *
 * @example
 * ```ts
 * soma.cosh(soma.tensor([0, 1])).print();          // [1, 1.5430806]
 * ```
 * @function
 */
export const cosh = s(u.cosh);
/**
 * Hyperbolic tangent, elementwise.
 *
 * @example
 * ```ts
 * soma.tanh(soma.tensor([-1, 0, 1])).print();      // [-0.7615942, 0, 0.7615942]
 * ```
 * @function
 */
export const tanh = s(u.tanh);
/**
 * The Gauss error function, elementwise.
 *
 * @example
 * ```ts
 * soma.erf(soma.tensor([0, 1])).print();           // [0, 0.8427008]
 * ```
 * @function
 */
export const erf = s(u.erf);
/**
 * Largest integer ≤ x, elementwise.
 *
 * @example
 * ```ts
 * soma.floor(soma.tensor([-1.5, 1.5])).print();    // [-2, 1]
 * ```
 * @function
 */
export const floor = s(u.floor);
/**
 * Smallest integer ≥ x, elementwise.
 *
 * @example
 * ```ts
 * soma.ceil(soma.tensor([-1.5, 1.5])).print();     // [-1, 2]
 * ```
 * @function
 */
export const ceil = s(u.ceil);
/**
 * Nearest integer, halves to even (as torch.round and ONNX Round), elementwise.
 *
 * @example
 * ```ts
 * soma.round(soma.tensor([0.5, 1.5, 2.5])).print(); // [0, 2, 2]
 * ```
 * @function
 */
export const round = s(u.round);
/**
 * 1 / (1 + e⁻ˣ), elementwise.
 *
 * @example
 * ```ts
 * soma.sigmoid(soma.tensor([0])).print();          // [0.5]
 * ```
 * @function
 */
export const sigmoid = s(u.sigmoid);
/**
 * max(x, 0), elementwise; NaN stays NaN.
 *
 * @example
 * ```ts
 * soma.relu(soma.tensor([-1, 2])).print();         // [0, 2]
 * ```
 * @function
 */
export const relu = s(u.relu);
/**
 * min(max(x, 0), 6), elementwise; NaN stays NaN.
 *
 * @example
 * ```ts
 * soma.relu6(soma.tensor([-1, 3, 9])).print();     // [0, 3, 6]
 * ```
 * @function
 */
export const relu6 = s(u.relu6);
/**
 * x for x > 0, else eˣ − 1 (alpha 1), elementwise.
 *
 * @example
 * ```ts
 * soma.elu(soma.tensor([-1, 2])).print();          // [-0.6321206, 2]
 * ```
 * @function
 */
export const elu = s(u.elu);
/**
 * Scaled ELU (Klambauer et al.): λ·x for x > 0, else λα(eˣ − 1), elementwise.
 *
 * @example
 * ```ts
 * soma.selu(soma.tensor([-1, 1])).print();         // [-1.1113307, 1.050701]
 * ```
 * @function
 */
export const selu = s(u.selu);
/**
 * x·Φ(x) with Φ the standard normal CDF (the exact form, as torch.nn.GELU), elementwise.
 *
 * @example
 * ```ts
 * soma.gelu(soma.tensor([-1, 0, 1])).print();      // [-0.1586553, 0, 0.8413447]
 * ```
 * @function
 */
export const gelu = s(u.gelu);
/**
 * log(1 + eˣ), elementwise, without overflow for large x.
 *
 * @example
 * ```ts
 * soma.softplus(soma.tensor([0, 100])).print();    // [0.6931472, 100]
 * ```
 * @function
 */
export const softplus = s(u.softplus);
/**
 * Heaviside step: 1 where x > 0, else 0.
 *
 * @example
 * ```ts
 * soma.step(soma.tensor([-1, 0, 2])).print();      // [0, 0, 1]
 * ```
 * @function
 */
export const step = s(u.step);
/**
 * !x for bool tensors, elementwise.
 *
 * @example
 * ```ts
 * soma.logicalNot(soma.tensor([true, false])).print(); // [false, true]
 * ```
 * @function
 */
export const logicalNot = s(u.logicalNot);
/**
 * a + b, elementwise; shapes broadcast (NumPy rules) and dtypes promote.
 *
 * @example
 * ```ts
 * const x = soma.tensor([[1, 2], [3, 4]]);
 * soma.add(x, soma.tensor([10, 20])).print();     // [[11, 22], [13, 24]]: the row broadcasts
 * x.add(1).print();                                 // the same op as a method
 * ```
 * @function
 */
export const add = s(b.add);
/**
 * a − b, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.sub(soma.tensor([5, 7]), 2).print();        // [3, 5]
 * ```
 * @function
 */
export const sub = s(b.sub);
/**
 * a · b, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.mul(soma.tensor([[1], [2]]), soma.tensor([3, 4])).print(); // [[3, 4], [6, 8]]
 * ```
 * @function
 */
export const mul = s(b.mul);
/**
 * True division: integer operands give float32, like PyTorch's `/`.
 *
 * @example
 * ```ts
 * soma.div(soma.tensor([1, 3], undefined, 'int32'), 2).print();   // [0.5, 1.5] (float32)
 * ```
 * @function
 */
export const div = s(b.div);
/**
 * aᵇ, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.pow(soma.tensor([2, 3]), 2).print();        // [4, 9]
 * ```
 * @function
 */
export const pow = s(b.pow);
/**
 * The larger of a and b, elementwise with broadcasting; NaN if either is NaN.
 *
 * @example
 * ```ts
 * soma.maximum(soma.tensor([1, 5]), soma.tensor([3, 2])).print(); // [3, 5]
 * ```
 * @function
 */
export const maximum = s(b.maximum);
/**
 * The smaller of a and b, elementwise with broadcasting; NaN if either is NaN.
 *
 * @example
 * ```ts
 * soma.minimum(soma.tensor([1, 5]), soma.tensor([3, 2])).print(); // [1, 2]
 * ```
 * @function
 */
export const minimum = s(b.minimum);
/**
 * Remainder with the sign of the divisor (Python's %, torch.remainder).
 *
 * @example
 * ```ts
 * soma.mod(soma.tensor([-3, 3]), 2).print();       // [1, 1]
 * ```
 * @function
 */
export const mod = s(b.mod);
/**
 * Floor of the quotient (Python's //).
 *
 * @example
 * ```ts
 * soma.floorDiv(soma.tensor([-3, 3]), 2).print();  // [-2, 1]
 * ```
 * @function
 */
export const floorDiv = s(b.floorDiv);
/**
 * The angle of the point (b, a): atan(a / b) in the right quadrant, elementwise.
 *
 * @example
 * ```ts
 * soma.atan2(soma.tensor([1]), soma.tensor([-1])).print(); // [2.3561945]
 * ```
 * @function
 */
export const atan2 = s(b.atan2);
/**
 * a == b as a bool tensor, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.equal(soma.tensor([1, 2]), soma.tensor([1, 3])).print();   // [true, false]
 * ```
 * @function
 */
export const equal = s(b.equal);
/**
 * a != b as a bool tensor, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.notEqual(soma.tensor([1, 2]), 1).print();   // [false, true]
 * ```
 * @function
 */
export const notEqual = s(b.notEqual);
/**
 * a < b as a bool tensor, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.less(soma.tensor([1, 2]), 2).print();       // [true, false]
 * ```
 * @function
 */
export const less = s(b.less);
/**
 * a ≤ b as a bool tensor, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.lessEqual(soma.tensor([1, 2]), 2).print();  // [true, true]
 * ```
 * @function
 */
export const lessEqual = s(b.lessEqual);
/**
 * a > b as a bool tensor, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.greater(soma.tensor([1, 2]), 1).print();    // [false, true]
 * ```
 * @function
 */
export const greater = s(b.greater);
/**
 * a ≥ b as a bool tensor, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.greaterEqual(soma.tensor([1, 2]), 2).print(); // [false, true]
 * ```
 * @function
 */
export const greaterEqual = s(b.greaterEqual);
/**
 * a && b for bool tensors, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.logicalAnd(soma.tensor([true, true]), soma.tensor([true, false])).print(); // [true, false]
 * ```
 * @function
 */
export const logicalAnd = s(b.logicalAnd);
/**
 * a || b for bool tensors, elementwise with broadcasting.
 *
 * @example
 * ```ts
 * soma.logicalOr(soma.tensor([false, true]), soma.tensor([false, false])).print(); // [false, true]
 * ```
 * @function
 */
export const logicalOr = s(b.logicalOr);
/**
 * Elementwise choice: `a` where `condition` is true, else `b` (all three broadcast).
 *
 * @example
 * ```ts
 * const x = soma.tensor([-1, 2, -3]);
 * soma.where(x.greater(0), x, 0).print();          // [0, 2, 0]
 * ```
 * @function
 */
export const where = s(sel.where);
/**
 * Clamps every element to [min, max]; the gradient passes where the input was inside the range.
 *
 * @example
 * ```ts
 * soma.clip(soma.tensor([-2, 0.5, 3]), 0, 1).print(); // [0, 0.5, 1]
 * ```
 * @function
 */
export const clip = s(sel.clip);
/**
 * x where x > 0, else alpha·x (Keras's default alpha 0.2; PyTorch uses 0.01).
 *
 * @example
 * ```ts
 * soma.leakyRelu(soma.tensor([-1, 2]), 0.1).print(); // [-0.1, 2]
 * ```
 * @function
 */
export const leakyRelu = s(sel.leakyRelu);
/**
 * Parametric ReLU: x where x > 0, else alpha·x with a learnable, broadcasting alpha.
 *
 * @example
 * ```ts
 * soma.prelu(soma.tensor([-1, 2]), soma.tensor([0.25])).print(); // [-0.25, 2]
 * ```
 * @function
 */
export const prelu = s(sel.prelu);
/**
 * Converts to `dtype`: float → int32 truncates toward zero, anything → bool is `x != 0`. Same dtype gives a view.
 *
 * @example
 * ```ts
 * soma.cast(soma.tensor([1.7, -1.7]), 'int32').print(); // [1, -1]
 * ```
 * @function
 */
export const cast = s(castOp);
/**
 * The same values with no gradient flowing back through them (a view, not a copy).
 *
 * @example
 * ```ts
 * const g = soma.grad((x: soma.Tensor) => x.mul(soma.stopGradient(x)).sum());
 * g(soma.tensor([3])).print();                    // [3]: only the first factor is differentiated
 * ```
 * @function
 */
export const stopGradient = s(stopGradientOp);

// reductions
/**
 * Sum over `axis` (default: every axis); `keepDims` keeps reduced axes with size 1. bool sums count as int32.
 *
 * @example
 * ```ts
 * const x = soma.tensor([[1, 2], [3, 4]]);
 * soma.sum(x).print();                             // 10
 * soma.sum(x, 0).print();                          // [4, 6]
 * soma.sum(x, 1, true).print();                    // [[3], [7]]
 * ```
 * @function
 */
export const sum = s(r.sum);
/**
 * Mean over `axis` (default: every axis), in float32; the mean of no elements is NaN.
 *
 * @example
 * ```ts
 * soma.mean(soma.tensor([[1, 2], [3, 4]]), -1).print(); // [1.5, 3.5]
 * ```
 * @function
 */
export const mean = s(r.mean);
/**
 * Product over `axis` (default: every axis).
 *
 * @example
 * ```ts
 * soma.prod(soma.tensor([2, 3, 4])).print();       // 24
 * ```
 * @function
 */
export const prod = s(r.prod);
/**
 * Maximum over `axis` (default: every axis); NaN if any element is NaN.
 *
 * @example
 * ```ts
 * soma.max(soma.tensor([[1, 5], [7, 2]]), 1).print(); // [5, 7]
 * ```
 * @function
 */
export const max = s(r.max);
/**
 * Minimum over `axis` (default: every axis); NaN if any element is NaN.
 *
 * @example
 * ```ts
 * soma.min(soma.tensor([[1, 5], [7, 2]]), 0).print(); // [1, 2]
 * ```
 * @function
 */
export const min = s(r.min);
/**
 * Whether any element over `axis` is true (bool).
 *
 * @example
 * ```ts
 * soma.any(soma.tensor([[true, false], [false, false]]), 1).print(); // [true, false]
 * ```
 * @function
 */
export const any = s(r.any);
/**
 * Whether every element over `axis` is true (bool).
 *
 * @example
 * ```ts
 * soma.all(soma.tensor([[true, true], [true, false]]), 1).print();   // [true, false]
 * ```
 * @function
 */
export const all = s(r.all);
/**
 * Variance over `axis`. `correction` is subtracted from the count in the divisor: 0 (default) gives
 * the population variance like Keras/TF moments; 1 gives PyTorch's unbiased torch.var default.
  *
  * @example
  * ```ts
  * const x = soma.tensor([1, 2, 3, 4]);
  * soma.variance(x).print();                        // 1.25 (population, as Keras)
  * soma.variance(x, 0, false, 1).print();           // 1.6666666 (unbiased, as torch.var)
  * ```
  * @function
 */
export const variance = s(r.variance);
/**
 * log(Σ exp(x)) computed with the max shifted out, so large inputs do not overflow.
 *
 * @example
 * ```ts
 * soma.logSumExp(soma.tensor([1000, 1000])).print(); // 1000.6931, not Infinity
 * ```
 * @function
 */
export const logSumExp = s(r.logSumExp);
/**
 * Index (int32) of the largest value along `axis`, the first on ties; without an axis, into the flattened tensor (as torch.argmax).
 *
 * @example
 * ```ts
 * soma.argMax(soma.tensor([[1, 9, 3], [7, 2, 7]]), 1).print(); // [1, 0] (int32)
 * ```
 * @function
 */
export const argMax = s(r.argMax);
/**
 * Index (int32) of the smallest value along `axis`, the first on ties; without an axis, into the flattened tensor (as torch.argmin).
 *
 * @example
 * ```ts
 * soma.argMin(soma.tensor([[1, 9, 3], [7, 2, 7]]), 1).print(); // [0, 1] (int32)
 * ```
 * @function
 */
export const argMin = s(r.argMin);
/**
 * Repeats `x` along its size-1 dimensions to reach `shape` (a differentiable broadcast).
 *
 * @example
 * ```ts
 * soma.broadcastTo(soma.tensor([1, 2]), [2, 2]).print(); // [[1, 2], [1, 2]]
 * ```
 * @function
 */
export const broadcastTo = s(r.broadcastTo);
/**
 * exp(x) / Σ exp(x) along `axis` (default last), computed with the max shifted out.
 *
 * @example
 * ```ts
 * soma.softmax(soma.tensor([[1, 2, 3]])).print();  // [[0.0900306, 0.2447285, 0.6652409]]
 * ```
 * @function
 */
export const softmax = s(sm.softmax);
/**
 * x − logΣexp(x) along `axis` (default last): stable log-probabilities.
 *
 * @example
 * ```ts
 * soma.logSoftmax(soma.tensor([[0, 0]])).print();  // [[-0.6931472, -0.6931472]]
 * ```
 * @function
 */
export const logSoftmax = s(sm.logSoftmax);

// shapes and indexing
/**
 * Same data, new shape (a view; no copy). One dimension may be -1 and is inferred.
 *
 * @example
 * ```ts
 * soma.reshape(soma.arange(6), [2, -1]).print();   // [[0, 1, 2], [3, 4, 5]]
 * ```
 * @function
 */
export const reshape = s(rs.reshape);
/**
 * Inserts a size-1 dimension at `axis` (default 0; negative counts from the end of the result).
 *
 * @example
 * ```ts
 * console.log(soma.expandDims(soma.tensor([1, 2]), 1).shape); // [2, 1]
 * ```
 * @function
 */
export const expandDims = s(rs.expandDims);
/**
 * Removes size-1 dimensions (all of them, or those in `axis`, which must have size 1).
 *
 * @example
 * ```ts
 * console.log(soma.squeeze(soma.zeros([1, 3, 1])).shape);    // [3]
 * ```
 * @function
 */
export const squeeze = s(rs.squeeze);
/**
 * Merges dimensions startDim..endDim into one (PyTorch's flatten: by default everything into 1-D).
 *
 * @example
 * ```ts
 * console.log(soma.flatten(soma.zeros([2, 3, 4]), 1).shape); // [2, 12]
 * ```
 * @function
 */
export const flatten = s(rs.flatten);
/**
 * Permutes dimensions; without `perm`, reverses them (like numpy.transpose).
 *
 * @example
 * ```ts
 * soma.transpose(soma.tensor([[1, 2, 3]])).print();              // [[1], [2], [3]]
 * console.log(soma.transpose(soma.zeros([2, 3, 4]), [0, 2, 1]).shape); // [2, 4, 3]
 * ```
 * @function
 */
export const transpose = s(tr);
/**
 * A contiguous block: `size[i] = -1` means "to the end of axis i". Missing trailing axes are taken whole.
 *
 * @example
 * ```ts
 * const x = soma.reshape(soma.arange(12), [3, 4]);
 * soma.slice(x, [1, 1], [2, -1]).print();          // [[5, 6, 7], [9, 10, 11]]
 * ```
 * @function
 */
export const slice = s(sl.slice);
/**
 * Python-style slicing per axis: `x[begin:end:step]`, with negative indices counting from the end and
 * out-of-range bounds clamped (ONNX Slice semantics). Axes not listed are taken whole.
  *
  * @example
  * ```ts
  * const x = soma.arange(10);
  * soma.stridedSlice(x, [1], [8], [3]).print();      // [1, 4, 7]: x[1:8:3]
  * soma.stridedSlice(x, [-1], [-11], [-1]).print();  // the reverse
  * ```
  * @function
 */
export const stridedSlice = s(sl.stridedSlice);
/**
 * Splits along `axis` into `sizes` pieces, or into `n` equal pieces when given a number.
 *
 * @example
 * ```ts
 * const [a, b] = soma.split(soma.arange(5), [2, 3]);
 * a.print();                                      // [0, 1]
 * b.print();                                      // [2, 3, 4]
 * ```
 * @function
 */
export const split = s(sl.split);
/**
 * Pads each axis by `paddings[i] = [before, after]`: with a constant (default 0), or with the
 * tensor's own values (`{ mode: 'reflect' | 'edge' | 'symmetric' | 'wrap' }`, numpy's names).
 *
 * @example
 * ```ts
 * soma.pad(soma.tensor([[1, 2]]), [[0, 0], [1, 2]]).print();                      // [[0, 1, 2, 0, 0]]
 * soma.pad(soma.tensor([1, 2, 3]), [[2, 2]], { mode: 'reflect' }).print();        // [3, 2, 1, 2, 3, 2, 1]
 * soma.pad(soma.tensor([1, 2, 3]), [[2, 2]], { mode: 'edge' }).print();           // [1, 1, 1, 2, 3, 3, 3]
 * ```
 * @function
 */
export const pad = s(pt.pad);
/**
 * Repeats the tensor `reps[i]` times along axis i (ONNX Tile).
 *
 * @example
 * ```ts
 * soma.tile(soma.tensor([[1, 2]]), [2, 2]).print(); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 * ```
 * @function
 */
export const tile = s(pt.tile);
/**
 * ONNX Gather: picks slices of `x` along `axis`; the result has shape x[:axis] + indices + x[axis+1:]. Negative indices count from the end.
 *
 * @example
 * ```ts
 * const table = soma.tensor([[1, 1], [2, 2], [3, 3]]);
 * soma.gather(table, soma.tensor([2, 0], undefined, 'int32')).print(); // [[3, 3], [1, 1]]
 * ```
 * @function
 */
export const gather = s(g.gather);
/**
 * Adds `updates` into a copy of `x` at the positions `gather(x, indices, axis)` would read; repeated indices accumulate.
 *
 * @example
 * ```ts
 * soma.scatterAdd(soma.zeros([3]), soma.tensor([0, 2, 0], undefined, 'int32'), soma.tensor([1, 2, 3])).print(); // [4, 0, 2]
 * ```
 * @function
 */
export const scatterAdd = s(g.scatterAdd);
/**
 * out[i][j][k] = x[indices[i][j][k]][j][k] along `axis` (numpy take_along_axis, torch.gather, ONNX
 * GatherElements). indices has x's rank, and no larger a size on the other axes; negative indices
 * count from the end. Written as one gather over the flattened x, so it differentiates (to a
 * scatter-add) on every backend; an index out of range fails in that gather.
  *
  * @example
  * ```ts
  * const scores = soma.tensor([[0.1, 0.9], [0.8, 0.2]]);
  * soma.takeAlongAxis(scores, soma.tensor([[1], [0]], undefined, 'int32'), 1).print(); // [[0.9], [0.8]]
  * ```
  * @function
 */
export const takeAlongAxis = s(tk.takeAlongAxis);
/**
 * The k largest (or smallest) values along an axis and their int32 indices, in order (ONNX TopK, torch.topk).
 *
 * @example
 * ```ts
 * const [values, indices] = soma.topK(soma.tensor([3, 1, 4, 1, 5]), 2);
 * values.print();                                  // [5, 4]
 * indices.print();                                 // [4, 2]
 * ```
 * @function
 */
export const topK = s(tk.topK);
/**
 * ONNX Conv on NCDHW: x [N, C, D, H, W], w [M, C/groups, kD, kH, kW].
 *
 * @example
 * ```ts
 * const x = soma.ones([1, 1, 3, 3, 3]);                // [N, C, D, H, W]
 * console.log(soma.conv3d(x, soma.ones([2, 1, 2, 2, 2])).shape); // [1, 2, 2, 2, 2]
 * ```
 * @function
 */
export const conv3d = s(c3.conv3d);
/**
 * Transposed 3-D convolution (PyTorch ConvTranspose3d, ONNX ConvTranspose on NCDHW):
 * x [N, inC, D, H, W], w [inC, outC/groups, kD, kH, kW].
 *
 * @example
 * ```ts
 * const x = soma.ones([1, 2, 2, 2, 2]);
 * console.log(soma.conv3dTranspose(x, soma.ones([2, 3, 2, 2, 2]), { stride: 2 }).shape); // [1, 3, 4, 4, 4]
 * ```
 * @function
 */
export const conv3dTranspose = s(c3.conv3dTranspose);
/**
 * Max pooling over NCDHW windows (ONNX MaxPool with a 3-D kernel).
 *
 * @example
 * ```ts
 * console.log(soma.maxPool3d(soma.ones([1, 1, 4, 4, 4]), { kernelSize: 2 }).shape); // [1, 1, 2, 2, 2]
 * ```
 * @function
 */
export const maxPool3d = s(c3.maxPool3d);
/**
 * Average pooling over NCDHW windows (ONNX AveragePool with a 3-D kernel).
 *
 * @example
 * ```ts
 * console.log(soma.avgPool3d(soma.ones([1, 1, 4, 4, 4]), { kernelSize: 2 }).shape); // [1, 1, 2, 2, 2]
 * ```
 * @function
 */
export const avgPool3d = s(c3.avgPool3d);
export type { Conv3dOptions, Conv3dTransposeOptions, Pool3dOptions, Padding3d, Triple } from './conv3d.js';
export type { TopKOptions } from './take.js';
/**
 * Joins tensors along an existing axis; every other dimension must agree. dtypes are promoted.
 *
 * @example
 * ```ts
 * soma.concat([soma.tensor([[1, 2]]), soma.tensor([[3, 4]])], 0).print(); // [[1, 2], [3, 4]]
 * ```
 * @function
 */
export const concat = s(cc.concat);
/**
 * Joins same-shaped tensors along a new axis.
 *
 * @example
 * ```ts
 * soma.stack([soma.tensor([1, 2]), soma.tensor([3, 4])], 1).print();      // [[1, 3], [2, 4]]
 * ```
 * @function
 */
export const stack = s(cc.stack);
/**
 * Splits along `axis` into tensors with that axis removed (inverse of stack).
 *
 * @example
 * ```ts
 * const [r0, r1] = soma.unstack(soma.tensor([[1, 2], [3, 4]]));
 * r1.print();                                      // [3, 4]
 * ```
 * @function
 */
export const unstack = s(cc.unstack);

// neural-network ops
/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row/column and the extra
 * dimension removed afterwards; leading (batch) dimensions broadcast. Computes in float32.
  *
  * @example
  * ```ts
  * const a = soma.tensor([[1, 2], [3, 4]]);
  * soma.matmul(a, soma.tensor([[1], [1]])).print();  // [[3], [7]]
  * console.log(soma.matmul(soma.ones([5, 2, 3]), soma.ones([3, 4])).shape); // [5, 2, 4]: batched
  * ```
  * @function
 */
export const matmul = s(mm.matmul);
/**
 * 1-D convolution: x [N, C, L], w [outC, C/groups, k]; runs as conv2d over a height of 1.
 *
 * @example
 * ```ts
 * const x = soma.ones([1, 2, 8]);                   // [N, C, L]
 * console.log(soma.conv1d(x, soma.ones([4, 2, 3]), { padding: 1 }).shape); // [1, 4, 8]
 * ```
 * @function
 */
export const conv1d = s(cv.conv1d);
/**
 * 2-D convolution, NCHW: x [N, C, H, W], w [outC, C/groups, kH, kW] (PyTorch/ONNX layout).
 *
 * @example
 * ```ts
 * const x = soma.randomNormal([1, 3, 8, 8], { seed: 1 }); // [N, C, H, W]
 * const w = soma.randomNormal([16, 3, 3, 3], { seed: 2 }); // [outC, C, kH, kW]
 * console.log(soma.conv2d(x, w, { stride: 2, padding: 1 }).shape); // [1, 16, 4, 4]
 * ```
 * @function
 */
export const conv2d = s(cv.conv2d);
/**
 * Ops with a bias and an activation in the same kernel where the backend has one (tf.fused's):
 * `fused.conv2d(x, w, { bias, activation })`, `fused.matmul(a, b, { bias, activation })`.
  *
  * @example
  * ```ts
  * const x = soma.randomNormal([2, 4], { seed: 1 });
  * const y = soma.fused.matmul(x, soma.ones([4, 3]), { bias: soma.zeros([3]), activation: 'relu' });
  * console.log(y.shape);                            // [2, 3]
  * ```
 */
export const fused = {
  /** conv2d with `bias` and `activation` applied in the same kernel. */
  conv2d: s(fu.conv2d),
  /** matmul with `bias` and `activation` applied in the same kernel. */
  matmul: s(fu.matmul),
  /**
   * Training-mode batch normalization (tf.nn.fused_batch_norm with is_training): [y, batch mean,
   * batch variance (biased)], the statistics without gradient. One pass for the statistics and one
   * for y where the backend has the kernels; the gradient in two.
   */
  batchNorm: s(bnt.batchNormTraining),
};
/**
 * Transposed convolution (PyTorch ConvTranspose2d / ONNX ConvTranspose): x [N, inC, H, W],
 * w [inC, outC/groups, kH, kW]. Output size: (H−1)·stride − padTotal + dilation·(k−1) + outputPadding + 1.
  *
  * @example
  * ```ts
  * const x = soma.ones([1, 4, 5, 5]);
  * const w = soma.ones([4, 2, 3, 3]);                // [inC, outC, kH, kW]
  * console.log(soma.conv2dTranspose(x, w, { stride: 2, padding: 1, outputPadding: 1 }).shape); // [1, 2, 10, 10]
  * ```
  * @function
 */
export const conv2dTranspose = s(cv.conv2dTranspose);
/**
 * Max pooling over NCHW windows (ONNX MaxPool; PyTorch's ceil-mode rule).
 *
 * @example
 * ```ts
 * const x = soma.reshape(soma.arange(16), [1, 1, 4, 4]);
 * soma.maxPool2d(x, { kernelSize: 2 }).print();     // [[[[5, 7], [13, 15]]]]
 * ```
 * @function
 */
export const maxPool2d = s(pl.maxPool2d);
/**
 * Average pooling over NCHW windows (ONNX AveragePool).
 *
 * @example
 * ```ts
 * const x = soma.reshape(soma.arange(16), [1, 1, 4, 4]);
 * soma.avgPool2d(x, { kernelSize: 2 }).print();     // [[[[2.5, 4.5], [10.5, 12.5]]]]
 * ```
 * @function
 */
export const avgPool2d = s(pl.avgPool2d);
/**
 * Mean over H and W, keeping them as size 1: [N, C, H, W] → [N, C, 1, 1].
 *
 * @example
 * ```ts
 * console.log(soma.globalAvgPool2d(soma.ones([2, 8, 7, 7])).shape); // [2, 8, 1, 1]
 * ```
 * @function
 */
export const globalAvgPool2d = s(pl.globalAvgPool2d);
/**
 * Max over H and W, keeping them as size 1.
 *
 * @example
 * ```ts
 * console.log(soma.globalMaxPool2d(soma.ones([2, 8, 7, 7])).shape); // [2, 8, 1, 1]
 * ```
 * @function
 */
export const globalMaxPool2d = s(pl.globalMaxPool2d);
/**
 * Inference-form batch normalization over channel axis 1 (NC, NCL, NCHW):
 * (x − mean) / sqrt(variance + ε) · weight + bias, with [C]-shaped statistics.
  *
  * @example
  * ```ts
  * const x = soma.tensor([[1, 2], [3, 4]]);          // [N, C]
  * soma.batchNorm(x, soma.tensor([2, 3]), soma.tensor([1, 1]), { epsilon: 0 }).print(); // [[-1, -1], [1, 1]]
  * ```
  * @function
 */
export const batchNorm = s(nm.batchNorm);
/**
 * A recurrent layer over a whole sequence (ONNX's RNN/LSTM/GRU, batch first, Keras's gate order):
 * x [batch, time, features] → the hidden state after every step, [batch, time, units]. One kernel
 * where the backend has it; an exporter writes it as one ONNX LSTM, GRU or RNN node.
 *
 * @example
 * ```ts
 * const x = soma.ones([2, 5, 3]);
 * const y = soma.recurrentSequence(x, soma.zeros([3, 16]), soma.zeros([4, 16]), { cell: 'lstm' });
 * console.log(y.shape); // [2, 5, 4]
 * ```
 * @function
 */
export const recurrentSequence = s(rc.recurrentSequence);
/**
 * Zeroes each element with probability `rate` and scales the rest by 1/(1−rate) (inverted dropout).
 *
 * @example
 * ```ts
 * const x = soma.ones([2, 4]);
 * soma.dropout(x, 0.5, { seed: 1 }).print();        // zeros and 2s
 * soma.dropout(x, 0.5, { training: false }).print(); // unchanged
 * ```
 * @function
 */
export const dropout = s(nm.dropout);

export { fusedUpdate } from './fused_update.js';

// moving between backends
/**
 * A copy of `x` on backend `name` (initialising it if needed); gradients flow back unchanged.
 *
 * @example
 * ```ts
 * const x = soma.tensor([1, 2]);
 * console.log(soma.toBackend(x, 'cpu').backendName); // 'cpu'
 * ```
 * @function
 */
export const toBackend = s(mv.toBackend);
/**
 * A copy of `x` on backend `name`, from any backend, one that reads only asynchronously (webgpu) included.
 *
 * @example
 * ```ts
 * const x = soma.tensor([1, 2]);
 * const y = await soma.toBackendAsync(x, 'cpu');      // also from backends that read only asynchronously
 * console.log(y.backendName);                      // 'cpu'
 * ```
 * @function
 */
export const toBackendAsync = mv.toBackendAsync;
/**
 * Same values, new handle (tensors are immutable, so this shares storage).
 *
 * @example
 * ```ts
 * const x = soma.tensor([1, 2]);
 * const y = soma.clone(x);
 * x.dispose();
 * y.print();                                       // [1, 2]: y keeps the storage alive
 * ```
 * @function
 */
export const clone = s(mv.clone);
