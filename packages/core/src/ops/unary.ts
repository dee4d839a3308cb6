import type { UnaryOp } from '../kernels/index.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { convertToTensor } from './convert.js';
import { record, runKernel } from './op_util.js';
import { cast } from './cast.js';
import { where } from './select.js';

/** How an op treats non-float input: 'float' computes in float32, 'numeric' keeps int32 (bool → int32), 'bool' works on bool. */
type InputRule = 'float' | 'numeric' | 'bool';

interface UnarySpec {
  readonly input: InputRule;
  /** Gradient w.r.t. x in terms of x, y = f(x) and dy; null when the function is piecewise constant. */
  readonly grad: ((x: Tensor, y: Tensor, dy: Tensor) => Tensor) | null;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** One row per elementwise function: the kernel does the arithmetic, the row says how to differentiate it. */
const UNARY: Record<UnaryOp, UnarySpec> = {
  neg: { input: 'numeric', grad: (_x, _y, dy) => dy.neg() },
  abs: { input: 'numeric', grad: (x, _y, dy) => dy.mul(x.sign()) },
  sign: { input: 'numeric', grad: null },
  exp: { input: 'float', grad: (_x, y, dy) => dy.mul(y) },
  expm1: { input: 'float', grad: (_x, y, dy) => dy.mul(y.add(1)) },
  log: { input: 'float', grad: (x, _y, dy) => dy.div(x) },
  log1p: { input: 'float', grad: (x, _y, dy) => dy.div(x.add(1)) },
  sqrt: { input: 'float', grad: (_x, y, dy) => dy.div(y.mul(2)) },
  rsqrt: { input: 'float', grad: (_x, y, dy) => dy.mul(y.pow(3)).mul(-0.5) },
  square: { input: 'numeric', grad: (x, _y, dy) => dy.mul(x.mul(2)) },
  reciprocal: { input: 'float', grad: (_x, y, dy) => dy.mul(y.square()).neg() },
  sin: { input: 'float', grad: (x, _y, dy) => dy.mul(x.cos()) },
  cos: { input: 'float', grad: (x, _y, dy) => dy.mul(x.sin()).neg() },
  tan: { input: 'float', grad: (_x, y, dy) => dy.mul(y.square().add(1)) },
  asin: { input: 'float', grad: (x, _y, dy) => dy.mul(x.square().neg().add(1).rsqrt()) },
  acos: { input: 'float', grad: (x, _y, dy) => dy.mul(x.square().neg().add(1).rsqrt()).neg() },
  atan: { input: 'float', grad: (x, _y, dy) => dy.div(x.square().add(1)) },
  sinh: { input: 'float', grad: (x, _y, dy) => dy.mul(unaryOp('cosh', x)) },
  cosh: { input: 'float', grad: (x, _y, dy) => dy.mul(unaryOp('sinh', x)) },
  tanh: { input: 'float', grad: (_x, y, dy) => dy.mul(y.square().neg().add(1)) },
  erf: { input: 'float', grad: (x, _y, dy) => dy.mul(x.square().neg().exp().mul(TWO_OVER_SQRT_PI)) },
  floor: { input: 'numeric', grad: null },
  ceil: { input: 'numeric', grad: null },
  round: { input: 'numeric', grad: null },
  sigmoid: { input: 'float', grad: (_x, y, dy) => dy.mul(y.mul(y.neg().add(1))) },
  // From the output, as PyTorch's threshold_backward (y > 0 exactly where x > 0): the input, often
  // a batch norm's output, need not live until the backward pass.
  relu: { input: 'numeric', grad: (_x, y, dy) => dy.mul(y.step()) },
  relu6: { input: 'numeric', grad: (x, _y, dy) => dy.mul(x.greater(0).logicalAnd(x.less(6)).cast(dy.dtype)) },
  elu: { input: 'float', grad: (x, y, dy) => where(x.greater(0), dy, dy.mul(y.add(1))) },
  selu: {
    input: 'float',
    grad: (x, y, dy) => where(x.greater(0), dy.mul(SELU_SCALE), dy.mul(y.add(SELU_SCALE * SELU_ALPHA))),
  },
  // Exact (erf) GELU, PyTorch's default: d/dx x·Φ(x) = Φ(x) + x·φ(x).
  gelu: {
    input: 'float',
    grad: (x, _y, dy) => {
      const cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
      const pdf = x.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
      return dy.mul(cdf.add(x.mul(pdf)));
    },
  },
  softplus: { input: 'float', grad: (x, _y, dy) => dy.mul(x.sigmoid()) },
  step: { input: 'numeric', grad: null },
  logicalNot: { input: 'bool', grad: null },
};

/** Applies one elementwise function, with the dtype rule and gradient from the table. */
export function unaryOp(op: UnaryOp, xLike: TensorLike): Tensor {
  const spec = UNARY[op];
  const given = convertToTensor(xLike, op, 'x');
  const target = spec.input === 'float' ? 'float32' : spec.input === 'bool' ? 'bool' : given.dtype === 'bool' ? 'int32' : given.dtype;
  const x = given.dtype === target ? given : cast(given, target);
  const y = runKernel('unary', [x], { op });
  const grad = spec.grad;
  if (grad) record(op, [x], [y], ([dy]) => [grad(x, y, dy)]);
  return y;
}

const def = (op: UnaryOp) => (x: TensorLike): Tensor => unaryOp(op, x);

export const neg = def('neg');
export const abs = def('abs');
export const sign = def('sign');
export const exp = def('exp');
export const expm1 = def('expm1');
export const log = def('log');
export const log1p = def('log1p');
export const sqrt = def('sqrt');
export const rsqrt = def('rsqrt');
export const square = def('square');
export const reciprocal = def('reciprocal');
export const sin = def('sin');
export const cos = def('cos');
export const tan = def('tan');
export const asin = def('asin');
export const acos = def('acos');
export const atan = def('atan');
export const sinh = def('sinh');
export const cosh = def('cosh');
export const tanh = def('tanh');
export const erf = def('erf');
export const floor = def('floor');
export const ceil = def('ceil');
export const round = def('round');
export const sigmoid = def('sigmoid');
export const relu = def('relu');
export const relu6 = def('relu6');
export const elu = def('elu');
export const selu = def('selu');
export const gelu = def('gelu');
export const softplus = def('softplus');
/** Heaviside step: 1 where x > 0, else 0. */
export const step = def('step');
export const logicalNot = def('logicalNot');
