import type { ArithmeticOp, BinaryOp, CompareOp, DType, KernelTensor, TypedArray, UnaryOp } from '@soma/core';
import { broadcastShapes, broadcastStrides, COMPARISON_OPS, sizeOf } from '@soma/core';
import type { SimdElementwise } from '../wasm/wasm_elementwise.js';
import { erf } from './erf.js';
import { alloc, valuesOf } from './storage.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Scalar definitions of the unary kernels; the loop below applies them. */
/** Each unary op on one value: the TypeScript kernels' definitions, which the SIMD kernels' bits match. */
export const UNARY_FNS: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: Math.sign,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  // Round half to even, as ONNX Round, torch.round and numpy do.
  round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  // Written so NaN fails every comparison and passes through, as in PyTorch.
  relu: (x) => (x < 0 ? 0 : x),
  relu6: (x) => (x < 0 ? 0 : x > 6 ? 6 : x),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  gelu: (x) => 0.5 * x * (1 + erf(x * Math.SQRT1_2)),
  // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
  softplus: (x) => (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x))),
  step: (x) => (x > 0 ? 1 : 0),
  logicalNot: (x) => (x ? 0 : 1),
};

export function unary(op: UnaryOp, x: KernelTensor, simd: SimdElementwise | null = null): KernelTensor {
  const { values: dst, t } = alloc(x.shape, x.dtype, true);
  unaryInto(op, valuesOf(x), dst, simd);
  return t;
}

/** dst[i] = op(src[i]); src may be dst itself (an activation applied to a fresh kernel output). */
export function unaryInto(op: UnaryOp, src: TypedArray, dst: TypedArray, simd: SimdElementwise | null): void {
  const n = src.length;
  if (simd && n >= 16 && src instanceof Float32Array && simd.unary(op, src, dst as Float32Array)) return;
  // The ops training hits most get a loop of their own: calling through the table costs a
  // megamorphic call per element (~15 ns), ten times the arithmetic.
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) dst[i] = -src[i]; break;
    case 'square': for (let i = 0; i < n; i++) dst[i] = src[i] * src[i]; break;
    case 'abs': for (let i = 0; i < n; i++) dst[i] = Math.abs(src[i]); break;
    case 'relu': for (let i = 0; i < n; i++) dst[i] = src[i] < 0 ? 0 : src[i]; break;
    case 'step': for (let i = 0; i < n; i++) dst[i] = src[i] > 0 ? 1 : 0; break;
    case 'sqrt': for (let i = 0; i < n; i++) dst[i] = Math.sqrt(src[i]); break;
    case 'rsqrt': for (let i = 0; i < n; i++) dst[i] = 1 / Math.sqrt(src[i]); break;
    case 'reciprocal': for (let i = 0; i < n; i++) dst[i] = 1 / src[i]; break;
    case 'exp': for (let i = 0; i < n; i++) dst[i] = Math.exp(src[i]); break;
    case 'log': for (let i = 0; i < n; i++) dst[i] = Math.log(src[i]); break;
    case 'tanh':
      // tanh(|x|) = (1 − e^(−2|x|)) / (1 + e^(−2|x|)): one exp, and faster than Math.tanh in V8.
      for (let i = 0; i < n; i++) {
        const v = src[i];
        const e = Math.exp(-2 * Math.abs(v));
        const t = (1 - e) / (1 + e);
        dst[i] = v < 0 ? -t : t;
      }
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const v = src[i];
        const e = Math.exp(-Math.abs(v));
        dst[i] = v >= 0 ? 1 / (1 + e) : e / (1 + e);
      }
      break;
    default: {
      const fn = UNARY_FNS[op];
      for (let i = 0; i < n; i++) dst[i] = fn(src[i]);
    }
  }
}

/** Python-style floor division and modulo (sign of the divisor), as torch.remainder / floor_divide. */
const mod = (a: number, b: number): number => {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
};

/** Each arithmetic op on two values (the TypeScript kernels' definitions). */
export const ARITH_FNS: Record<ArithmeticOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b),
  mod,
  floorDiv: (a, b) => Math.floor(a / b),
  atan2: Math.atan2,
};

const COMPARE_FNS: Record<CompareOp, (a: number, b: number) => number> = {
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (a && b ? 1 : 0),
  logicalOr: (a, b) => (a || b ? 1 : 0),
};

/** core's registry rule: comparisons and logic ops give bool. */
function isCompare(op: BinaryOp): op is CompareOp {
  return COMPARISON_OPS.has(op);
}

export function binary(op: BinaryOp, a: KernelTensor, b: KernelTensor, simd: SimdElementwise | null = null): KernelTensor {
  const outShape = broadcastShapes(op, a.shape, b.shape);
  const dtype: DType = isCompare(op) ? 'bool' : a.dtype;
  const { values: dst, t } = alloc(outShape, dtype, true);
  const fn = isCompare(op) ? COMPARE_FNS[op] : ARITH_FNS[op];
  const av = valuesOf(a);
  const bv = valuesOf(b);
  if (simd && dtype === 'float32' && !isCompare(op) && dst.length >= 16 && simdBinary(simd, op, a, b, outShape, dst as Float32Array)) return t;
  if (simd && isCompare(op) && a.dtype === 'float32' && b.dtype === 'float32' && dst.length >= 16 && av.length === dst.length &&
    (bv.length === dst.length || bv.length === 1) && simd.compare(op, av as Float32Array, bv as Float32Array, dst as Uint8Array)) return t;
  if (a.dtype === 'int32' && (op === 'floorDiv' || op === 'mod')) {
    for (let i = 0; i < bv.length; i++) if (bv[i] === 0) throw new Error(`${op}: integer division by zero`);
  }
  // Fast paths for the shapes training hits most: equal shapes and a scalar operand.
  if (av.length === dst.length && bv.length === dst.length) {
    if (op === 'add') for (let i = 0; i < dst.length; i++) dst[i] = av[i] + bv[i];
    else if (op === 'mul') for (let i = 0; i < dst.length; i++) dst[i] = av[i] * bv[i];
    else if (op === 'sub') for (let i = 0; i < dst.length; i++) dst[i] = av[i] - bv[i];
    else if (op === 'div') for (let i = 0; i < dst.length; i++) dst[i] = av[i] / bv[i];
    else for (let i = 0; i < dst.length; i++) dst[i] = fn(av[i], bv[i]);
  } else if (bv.length === 1) {
    const s = bv[0];
    if (op === 'mul') for (let i = 0; i < dst.length; i++) dst[i] = av[i] * s;
    else if (op === 'add') for (let i = 0; i < dst.length; i++) dst[i] = av[i] + s;
    else if (op === 'sub') for (let i = 0; i < dst.length; i++) dst[i] = av[i] - s;
    else if (op === 'div') for (let i = 0; i < dst.length; i++) dst[i] = av[i] / s;
    else for (let i = 0; i < dst.length; i++) dst[i] = fn(av[i], s);
  } else if (av.length === 1) {
    const s = av[0];
    for (let i = 0; i < dst.length; i++) dst[i] = fn(s, bv[i]);
  } else {
    broadcastApply(outShape, a.shape, b.shape, av, bv, dst, fn);
  }
  return t;
}

/** y[r, j] += bias[j] in place over rows of bias.length (a fused matmul's bias), as binary's add computes it. */
export function addRowVector(y: Float32Array, bias: Float32Array, simd: SimdElementwise | null): void {
  const n = bias.length;
  const rows = n === 0 ? 0 : y.length / n;
  if (simd && y.length >= 16 && simd.broadcast('add', y, bias, y, rows, n, 1, false)) return;
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) y[r * n + j] = y[r * n + j] + bias[j];
}

/**
 * The SIMD cases: equal shapes, or one operand full and the other spanning one contiguous run of
 * the output's axes (a scalar, a bias [1, C, 1, 1] or a last-axis vector).
 */
function simdBinary(simd: SimdElementwise, op: ArithmeticOp, a: KernelTensor, b: KernelTensor, outShape: readonly number[], dst: Float32Array): boolean {
  const av = valuesOf(a) as Float32Array;
  const bv = valuesOf(b) as Float32Array;
  if (av.length === dst.length && bv.length === dst.length) return simd.binary(op, av, bv, dst);
  const aFull = av.length === dst.length;
  if (!aFull && bv.length !== dst.length) return false;
  const split = runOf(aFull ? b.shape : a.shape, outShape);
  if (!split) return false;
  return aFull
    ? simd.broadcast(op, av, bv, dst, split[0], split[1], split[2], false)
    : simd.broadcast(op, bv, av, dst, split[0], split[1], split[2], true);
}

/**
 * [outer, mid, inner] when `part` (broadcast to `out`) is 1 everywhere but one contiguous run of
 * axes where it equals `out`; null otherwise.
 */
export function runOf(part: readonly number[], out: readonly number[]): [number, number, number] | null {
  const lead = out.length - part.length;
  const dims = out.map((_, i) => (i < lead ? 1 : part[i - lead]));
  const first = dims.findIndex((d) => d !== 1);
  const all = out.reduce((x, y) => x * y, 1);
  // A single value: one run of every element against it.
  if (first < 0) return [1, 1, all];
  let last = first;
  while (last < out.length && (dims[last] === out[last])) last++;
  for (let i = 0; i < out.length; i++) {
    const inRun = i >= first && i < last;
    if (!inRun && dims[i] !== 1) return null;
  }
  const prod = (from: number, to: number) => out.slice(from, to).reduce((x, y) => x * y, 1);
  return [prod(0, first), prod(first, last), prod(last, out.length)];
}

/** General broadcasting: walks the output in order, moving each operand's offset by its broadcast strides. */
function broadcastApply(
  outShape: readonly number[], aShape: readonly number[], bShape: readonly number[],
  av: TypedArray, bv: TypedArray, dst: TypedArray, fn: (a: number, b: number) => number,
): void {
  const rank = outShape.length;
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const inner = outShape[rank - 1];
  const ai = as[rank - 1];
  const bi = bs[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let aOff = 0;
  let bOff = 0;
  // Bias adds and scalings ([N, C, H, W] with [1, C, 1, 1]) land here: give them direct loops.
  const kind = fn === ARITH_FNS.add ? 1 : fn === ARITH_FNS.mul ? 2 : fn === ARITH_FNS.sub ? 3 : fn === ARITH_FNS.div ? 4 : 0;
  for (let o = 0; o < dst.length; o += inner) {
    if (kind === 1) for (let j = 0; j < inner; j++) dst[o + j] = av[aOff + j * ai] + bv[bOff + j * bi];
    else if (kind === 2) for (let j = 0; j < inner; j++) dst[o + j] = av[aOff + j * ai] * bv[bOff + j * bi];
    else if (kind === 3) for (let j = 0; j < inner; j++) dst[o + j] = av[aOff + j * ai] - bv[bOff + j * bi];
    else if (kind === 4) for (let j = 0; j < inner; j++) dst[o + j] = av[aOff + j * ai] / bv[bOff + j * bi];
    else for (let j = 0; j < inner; j++) dst[o + j] = fn(av[aOff + j * ai], bv[bOff + j * bi]);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      aOff += as[d];
      bOff += bs[d];
      if (idx[d] < outShape[d]) break;
      aOff -= as[d] * outShape[d];
      bOff -= bs[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

export function where(cond: KernelTensor, a: KernelTensor, b: KernelTensor): KernelTensor {
  const outShape = broadcastShapes('where', cond.shape, a.shape, b.shape);
  const n = sizeOf(outShape);
  const { values: dst, t } = alloc(outShape, a.dtype, true);
  const cv = valuesOf(cond);
  const av = valuesOf(a);
  const bv = valuesOf(b);
  const rank = outShape.length;
  const cs = broadcastStrides(cond.shape, outShape);
  const as = broadcastStrides(a.shape, outShape);
  const bs = broadcastStrides(b.shape, outShape);
  const idx = new Array<number>(rank).fill(0);
  let c = 0;
  let ao = 0;
  let bo = 0;
  for (let o = 0; o < n; o++) {
    dst[o] = cv[c] ? av[ao] : bv[bo];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      c += cs[d];
      ao += as[d];
      bo += bs[d];
      if (idx[d] < outShape[d]) break;
      c -= cs[d] * outShape[d];
      ao -= as[d] * outShape[d];
      bo -= bs[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return t;
}

export function clip(x: KernelTensor, lo: number, hi: number, simd: SimdElementwise | null = null): KernelTensor {
  const { values: dst, t } = alloc(x.shape, x.dtype, true);
  const src = valuesOf(x);
  if (simd && src instanceof Float32Array && simd.clip(src, dst as Float32Array, lo, hi)) return t;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    dst[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return t;
}

export function leakyRelu(x: KernelTensor, alpha: number, simd: SimdElementwise | null = null): KernelTensor {
  const { values: dst, t } = alloc(x.shape, x.dtype, true);
  const src = valuesOf(x);
  if (simd && src instanceof Float32Array && simd.leakyRelu(src, dst as Float32Array, alpha)) return t;
  for (let i = 0; i < src.length; i++) dst[i] = src[i] > 0 ? src[i] : alpha * src[i];
  return t;
}

export function cast(x: KernelTensor, dtype: DType): KernelTensor {
  const { values: dst, t } = alloc(x.shape, dtype, true);
  const src = valuesOf(x);
  if (dtype === 'bool') {
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  } else if (dtype === 'int32') {
    // Truncate toward zero (ONNX Cast); Int32Array stores NaN as 0 and wraps out-of-range values.
    for (let i = 0; i < src.length; i++) dst[i] = Math.trunc(src[i]);
  } else {
    dst.set(src);
  }
  return t;
}
