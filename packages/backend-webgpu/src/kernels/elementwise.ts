import type { BinaryOp, DType, KernelTensor, UnaryOp } from '@soma/core';
import { broadcastShapes, broadcastStrides, COMPARISON_OPS, sizeOf } from '@soma/core';
import type { ProgramRunner } from '../program.js';
import { bindings, f32Bits, groupsFor, perElement, stridedIndex, wgslType } from '../wgsl.js';

/**
 * Float functions WGSL lacks or leaves imprecise near the points the conformance suite probes
 * (expm1/log1p near 0, erf, domain edges that must give NaN or ±inf).
 */
export const MATH_LIB = /* wgsl */ `
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 1e-4) { return x + 0.5 * x * x; }
  if (x > 88.7) { return inf_f(); }
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * x / log(u);
}
fn exp_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.8) { return inf_f(); }
  if (x < -104.0) { return 0.0; }
  return exp(x);
}
fn log_(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return nan_f(); }
  if (x == 0.0) { return -inf_f(); }
  if (is_inf(x)) { return x; }
  return log(x);
}
fn log1p_(x: f32) -> f32 {
  if (is_nan(x) || x < -1.0) { return nan_f(); }
  if (x == -1.0) { return -inf_f(); }
  if (is_inf(x)) { return x; }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}
fn sqrt_(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return nan_f(); }
  if (is_inf(x)) { return x; }
  return sqrt(x);
}
fn tanh_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let t = expm1_(2.0 * min(abs(x), 10.0));
  return sign(x) * t / (t + 2.0);
}
fn sinh_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  if (a > 89.0) { return sign(x) * inf_f(); }
  let e = expm1_(a);
  return sign(x) * 0.5 * (e + e / (e + 1.0));
}
fn cosh_(x: f32) -> f32 {
  let a = abs(x);
  if (is_nan(x)) { return x; }
  if (a > 89.0) { return inf_f(); }
  let e = exp(a);
  return 0.5 * (e + 1.0 / e);
}
fn erf_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  // Abramowitz & Stegun 7.1.26 with a Taylor series near 0: |error| < 2e-7.
  let a = abs(x);
  if (a < 0.5) {
    let x2 = x * x;
    return x * (1.1283791671 + x2 * (-0.3761263890 + x2 * (0.1128379167 + x2 * (-0.0268661706 + x2 * 0.0052239776))));
  }
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return sign(x) * y;
}
fn sigmoid_(x: f32) -> f32 {
  let e = exp(-abs(x));
  if (is_nan(x)) { return x; }
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
fn asin_(x: f32) -> f32 { if (is_nan(x) || abs(x) > 1.0) { return nan_f(); } return asin(x); }
fn acos_(x: f32) -> f32 { if (is_nan(x) || abs(x) > 1.0) { return nan_f(); } return acos(x); }
fn trig_(x: f32) -> bool { return is_nan(x) || is_inf(x); }
// Cephes' sinf/cosf: Cody-Waite reduction by pi/4 and minimax polynomials (about 1e-7), since
// WGSL only promises 2^-11 absolute error for sin and cos.
fn sin_poly(z: f32) -> f32 { let zz = z * z; return ((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1) * zz * z + z; }
fn cos_poly(z: f32) -> f32 { let zz = z * z; return ((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz + 4.166664568298827e-2) * zz * zz - 0.5 * zz + 1.0; }
fn octant(a: f32) -> vec2f {
  var j = floor(a * 1.27323954473516);
  j = j + (j % 2.0);
  let z = ((a - j * 0.78515625) - j * 2.4187564849853515625e-4) - j * 3.77489497744594108e-8;
  return vec2f(z, j % 8.0);
}
fn sin_(x: f32) -> f32 {
  if (trig_(x)) { return nan_f(); }
  let o = octant(abs(x)); var j = o.y; var s = sign(x);
  if (j > 3.0) { s = -s; j = j - 4.0; }
  return s * select(sin_poly(o.x), cos_poly(o.x), j == 2.0);
}
fn cos_(x: f32) -> f32 {
  if (trig_(x)) { return nan_f(); }
  let o = octant(abs(x)); var j = o.y; var s = 1.0;
  if (j > 3.0) { s = -s; j = j - 4.0; }
  if (j > 1.0) { s = -s; }
  return s * select(cos_poly(o.x), sin_poly(o.x), j == 2.0);
}
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return nan_f(); }
  let bInt = floor(b) == b;
  if (a == 0.0) {
    if (b > 0.0) { return select(0.0, a, bInt && abs(b % 2.0) == 1.0); }
    return select(inf_f(), sign(1.0 / a) * inf_f(), bInt && abs(b % 2.0) == 1.0);
  }
  if (is_inf(b)) {
    if (abs(a) == 1.0) { return 1.0; }
    return select(0.0, inf_f(), (abs(a) > 1.0) == (b > 0.0));
  }
  if (a < 0.0) {
    if (!bInt) { return nan_f(); }
    let m = exp2(b * log2(-a));
    return select(m, -m, abs(b % 2.0) == 1.0);
  }
  if (is_inf(a)) { return select(0.0, inf_f(), b > 0.0); }
  return exp2(b * log2(a));
}
fn mod_(a: f32, b: f32) -> f32 {
  if (b == 0.0 || is_nan(a) || is_nan(b) || is_inf(a)) { return nan_f(); }
  if (is_inf(b)) { return select(a, b, a != 0.0 && (a < 0.0) != (b < 0.0)); }
  let r = a - b * trunc(a / b);
  return select(r, r + b, r != 0.0 && (r < 0.0) != (b < 0.0));
}
fn idiv_floor(a: i32, b: i32) -> i32 {
  if (b == 0) { raise(3, 0, 0); return 0; }
  let q = a / b;
  return select(q, q - 1, (a % b != 0) && ((a < 0) != (b < 0)));
}
fn imod_(a: i32, b: i32) -> i32 {
  if (b == 0) { raise(4, 0, 0); return 0; }
  let r = a % b;
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}
fn ipow_(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(-1, 1, b % 2 == 0); }
    return 0;
  }
  var r = 1; var base = a; var e = b;
  loop { if (e == 0) { break; } if ((e & 1) == 1) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}
`;

const SELU_ALPHA = '1.6732632423543772';
const SELU_SCALE = '1.0507009873554805';

/** Float unary expressions of `x`. NaN passes through the comparisons as in PyTorch. */
export const UNARY_F32: Record<Exclude<UnaryOp, 'logicalNot'>, string> = {
  neg: '-x',
  abs: 'abs(x)',
  sign: 'select(select(0.0, 1.0, x > 0.0), -1.0, x < 0.0) + select(0.0, x, is_nan(x))',
  exp: 'exp_(x)',
  expm1: 'select(expm1_(x), -1.0, x < -88.0)',
  log: 'log_(x)',
  log1p: 'log1p_(x)',
  sqrt: 'sqrt_(x)',
  rsqrt: 'select(1.0 / sqrt_(x), inf_f(), x == 0.0)',
  square: 'x * x',
  reciprocal: '1.0 / x',
  sin: 'sin_(x)',
  cos: 'cos_(x)',
  tan: 'sin_(x) / cos_(x)',
  asin: 'asin_(x)',
  acos: 'acos_(x)',
  atan: 'select(atan(x), x, is_nan(x))',
  sinh: 'sinh_(x)',
  cosh: 'cosh_(x)',
  tanh: 'tanh_(x)',
  erf: 'erf_(x)',
  floor: 'floor(x)',
  ceil: 'ceil(x)',
  round: 'round(x)',
  sigmoid: 'sigmoid_(x)',
  // Explicit NaN tests: NVIDIA's compiler turns these selects into max/min, which drop NaN.
  relu: 'select(select(x, 0.0, x < 0.0), x, is_nan(x))',
  relu6: 'select(select(select(x, 6.0, x > 6.0), 0.0, x < 0.0), x, is_nan(x))',
  elu: 'select(expm1_(x), x, x > 0.0 || is_nan(x))',
  selu: `${SELU_SCALE} * select(${SELU_ALPHA} * expm1_(x), x, x > 0.0 || is_nan(x))`,
  gelu: '0.5 * x * (1.0 + erf_(x * 0.7071067811865476))',
  softplus: 'select(select(0.0, x, x > 0.0) + log1p_(exp(-abs(x))), x, is_nan(x))',
  step: 'select(0.0, 1.0, x > 0.0)',
};

/** int32 unary ops computed in integers; the rest go through f32. */
const UNARY_I32: Partial<Record<UnaryOp, string>> = {
  neg: '-x', abs: 'abs(x)', sign: 'sign(x)', square: 'x * x', floor: 'x', ceil: 'x', round: 'x',
  relu: 'max(x, 0)', relu6: 'clamp(x, 0, 6)', step: 'select(0, 1, x > 0)', logicalNot: 'select(0, 1, x == 0)',
};

export function unary(r: ProgramRunner, op: UnaryOp, x: KernelTensor): KernelTensor {
  const n = sizeOf(x.shape);
  const t = wgslType(x.dtype);
  let expr: string;
  if (t === 'i32') expr = UNARY_I32[op] ?? `i32(${UNARY_F32[op as Exclude<UnaryOp, 'logicalNot'>].replace(/\bx\b/g, 'f32(x)')})`;
  else if (op === 'logicalNot') expr = 'select(0.0, 1.0, x == 0.0)';
  else expr = UNARY_F32[op];
  return r.run({
    key: `unary_${op}_${t}`,
    shader: () => `${bindings([t], t)}${MATH_LIB}${perElement(`  let x = in0[i];\n  out[i] = ${expr};`)}`,
    workgroups: groupsFor(n),
    meta: [n],
  }, [x], x.shape, x.dtype);
}

type Expr = (a: string, b: string) => string;

export const BINARY_F32: Record<BinaryOp, Expr> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: (a, b) => `pow_(${a}, ${b})`,
  maximum: (a, b) => `select(max(${a}, ${b}), nan_f(), is_nan(${a}) || is_nan(${b}))`,
  minimum: (a, b) => `select(min(${a}, ${b}), nan_f(), is_nan(${a}) || is_nan(${b}))`,
  mod: (a, b) => `mod_(${a}, ${b})`,
  floorDiv: (a, b) => `floor(${a} / ${b})`,
  atan2: (a, b) => `select(atan2(${a}, ${b}), nan_f(), is_nan(${a}) || is_nan(${b}))`,
  equal: (a, b) => `select(0, 1, ${a} == ${b} && !is_nan(${a}))`,
  notEqual: (a, b) => `select(1, 0, ${a} == ${b} && !is_nan(${a}))`,
  less: (a, b) => `select(0, 1, ${a} < ${b} && !is_nan(${a}) && !is_nan(${b}))`,
  lessEqual: (a, b) => `select(0, 1, ${a} <= ${b} && !is_nan(${a}) && !is_nan(${b}))`,
  greater: (a, b) => `select(0, 1, ${a} > ${b} && !is_nan(${a}) && !is_nan(${b}))`,
  greaterEqual: (a, b) => `select(0, 1, ${a} >= ${b} && !is_nan(${a}) && !is_nan(${b}))`,
  logicalAnd: (a, b) => `select(0, 1, ${a} != 0.0 && ${b} != 0.0)`,
  logicalOr: (a, b) => `select(0, 1, ${a} != 0.0 || ${b} != 0.0)`,
};

const BINARY_I32: Record<BinaryOp, Expr> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `select(0, ${a} / ${b}, ${b} != 0)`,
  pow: (a, b) => `ipow_(${a}, ${b})`,
  maximum: (a, b) => `max(${a}, ${b})`,
  minimum: (a, b) => `min(${a}, ${b})`,
  mod: (a, b) => `imod_(${a}, ${b})`,
  floorDiv: (a, b) => `idiv_floor(${a}, ${b})`,
  atan2: (a, b) => `i32(atan2(f32(${a}), f32(${b})))`,
  equal: (a, b) => `select(0, 1, ${a} == ${b})`,
  notEqual: (a, b) => `select(0, 1, ${a} != ${b})`,
  less: (a, b) => `select(0, 1, ${a} < ${b})`,
  lessEqual: (a, b) => `select(0, 1, ${a} <= ${b})`,
  greater: (a, b) => `select(0, 1, ${a} > ${b})`,
  greaterEqual: (a, b) => `select(0, 1, ${a} >= ${b})`,
  logicalAnd: (a, b) => `select(0, 1, ${a} != 0 && ${b} != 0)`,
  logicalOr: (a, b) => `select(0, 1, ${a} != 0 || ${b} != 0)`,
};

/**
 * Index code for operands broadcast against `outShape`: a plain index when an operand has the
 * output's size, 0 for a single element, strides otherwise. Returns the key part and the code.
 */
export function broadcastIndexing(inputs: readonly KernelTensor[], outShape: readonly number[]): { key: string; code: string; meta: number[] } {
  const n = sizeOf(outShape);
  const rank = outShape.length;
  const meta = [n, ...outShape];
  const kinds: string[] = [];
  const lines: string[] = [];
  inputs.forEach((t, k) => {
    const size = sizeOf(t.shape);
    if (size === n && t.shape.length === rank) {
      kinds.push('s');
      lines.push(`  let i${k} = i;`);
    } else if (size === 1) {
      kinds.push('1');
      lines.push(`  let i${k} = 0;`);
    } else {
      kinds.push('b');
      const at = meta.length;
      meta.push(...broadcastStrides(t.shape, outShape));
      lines.push(`  ${stridedIndex(`i${k}`, rank, 1, at)}`);
    }
  });
  return { key: `${rank}${kinds.join('')}`, code: lines.join('\n'), meta };
}

export function binary(r: ProgramRunner, op: BinaryOp, a: KernelTensor, b: KernelTensor): KernelTensor {
  const outShape = broadcastShapes(op, a.shape, b.shape);
  const t = wgslType(a.dtype);
  const outDtype: DType = COMPARISON_OPS.has(op) ? 'bool' : a.dtype;
  const ix = broadcastIndexing([a, b], outShape);
  const expr = (t === 'f32' ? BINARY_F32 : BINARY_I32)[op]('in0[i0]', 'in1[i1]');
  const ot = wgslType(outDtype);
  return r.run({
    key: `binary_${op}_${t}_${ix.key}`,
    shader: () => `${bindings([t, t], ot)}${MATH_LIB}${perElement(`${ix.code}\n  out[i] = ${expr};`)}`,
    workgroups: groupsFor(sizeOf(outShape)),
    meta: ix.meta,
  }, [a, b], outShape, outDtype);
}

export function where(r: ProgramRunner, c: KernelTensor, a: KernelTensor, b: KernelTensor): KernelTensor {
  const outShape = broadcastShapes('where', c.shape, a.shape, b.shape);
  const t = wgslType(a.dtype);
  const ix = broadcastIndexing([c, a, b], outShape);
  return r.run({
    key: `where_${t}_${ix.key}`,
    shader: () => `${bindings(['i32', t, t], t)}${perElement(`${ix.code}\n  out[i] = select(in2[i2], in1[i1], in0[i0] != 0);`)}`,
    workgroups: groupsFor(sizeOf(outShape)),
    meta: ix.meta,
  }, [c, a, b], outShape, a.dtype);
}

export function clip(r: ProgramRunner, x: KernelTensor, min: number, max: number): KernelTensor {
  const n = sizeOf(x.shape);
  const t = wgslType(x.dtype);
  const body = t === 'f32'
    ? '  let x = in0[i];\n  out[i] = select(select(select(x, prm_f(2), x > prm_f(2)), prm_f(1), x < prm_f(1)), x, is_nan(x));'
    : '  let x = f32(in0[i]);\n  out[i] = select(in0[i], i32(select(prm_f(2), prm_f(1), x < prm_f(1))), x < prm_f(1) || x > prm_f(2));';
  return r.run({
    key: `clip_${t}`,
    shader: () => `${bindings([t], t)}${perElement(body)}`,
    workgroups: groupsFor(n),
    meta: [n, f32Bits(min), f32Bits(max)],
  }, [x], x.shape, x.dtype);
}

export function leakyRelu(r: ProgramRunner, x: KernelTensor, alpha: number): KernelTensor {
  const n = sizeOf(x.shape);
  return r.run({
    key: 'leakyRelu',
    shader: () => `${bindings(['f32'], 'f32')}${perElement('  let x = in0[i];\n  out[i] = select(prm_f(1) * x, x, x > 0.0 || is_nan(x));')}`,
    workgroups: groupsFor(n),
    meta: [n, f32Bits(alpha)],
  }, [x], x.shape, x.dtype);
}

export function cast(r: ProgramRunner, x: KernelTensor, to: DType): KernelTensor {
  if (x.dtype === to || (x.dtype === 'bool' && to === 'int32')) {
    return r.copy(x, x.shape, to);
  }
  const n = sizeOf(x.shape);
  const from = wgslType(x.dtype);
  let expr: string;
  if (to === 'bool') expr = from === 'f32' ? 'select(1, 0, in0[i] == 0.0 && !is_nan(in0[i]))' : 'select(0, 1, in0[i] != 0)';
  else if (to === 'float32') expr = 'f32(in0[i])';
  else expr = 'select(i32(in0[i]), 0, is_nan(in0[i]))';
  const t = wgslType(to);
  return r.run({
    key: `cast_${x.dtype}_${to}`,
    shader: () => `${bindings([from], t)}${perElement(`  out[i] = ${expr};`)}`,
    workgroups: groupsFor(n),
    meta: [n],
  }, [x], x.shape, to);
}
