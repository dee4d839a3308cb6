// Transcendental elementwise kernels in WebAssembly SIMD (f32x4), compiled by scripts/build-wasm.mjs.
//
// exp(x) follows Cephes expf: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts so r is exact),
// e^r by a degree-5 polynomial, and 2^n applied as two factors 2^(n>>1)·2^(n−(n>>1)) built in the
// exponent bits, so results reach float32's overflow (∞ beyond log(FLT_MAX)) and subnormal range.
// sigmoid is built on it in a form that never overflows; tanh is a rational fit of its own (below).

import { madd } from './madd';

const LOG2E: f32 = 1.44269504088896341;
const C1: f32 = 0.693359375;
const C2: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;
/** log(FLT_MAX): above it float32 exp is ∞. */
const MAX_X: f32 = 88.72283905206835;
/** Below log(2^-150) float32 exp rounds to 0. */
const MIN_X: f32 = -103.97208;

/** 1.5·2^23: added to |v| < 2^22, it leaves round(v) in the low mantissa bits. */
const ROUNDER: f32 = 12582912;

// @ts-ignore: decorator
@inline
function exp4(x0: v128): v128 {
  // pmin/pmax: one instruction each on x86 (min/max spend several on NaN and −0, neither of
  // which matters to a clamp: a NaN comes through as the first operand).
  const x = f32x4.pmax(f32x4.pmin(x0, f32x4.splat(MAX_X)), f32x4.splat(MIN_X));
  // n = round(x / ln2), as a float and as an integer from the same sum's bits (no nearest and
  // no saturating conversion, which x86 spends several instructions on each).
  const shifted = madd(x, f32x4.splat(LOG2E), f32x4.splat(ROUNDER));
  const n = f32x4.sub(shifted, f32x4.splat(ROUNDER));
  const ni = i32x4.sub(shifted, f32x4.splat(ROUNDER));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(C1)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(C2)));
  const z = f32x4.mul(r, r);
  let y = madd(f32x4.splat(P0), r, f32x4.splat(P1));
  y = madd(y, r, f32x4.splat(P2));
  y = madd(y, r, f32x4.splat(P3));
  y = madd(y, r, f32x4.splat(P4));
  y = madd(y, r, f32x4.splat(P5));
  y = f32x4.add(madd(y, z, r), f32x4.splat(1));
  // · 2^n as two factors, each a normal float: n ranges over [-150, 128].
  const half = i32x4.shr_s(ni, 1);
  const p1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const p2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
  const result = f32x4.mul(f32x4.mul(y, p1), p2);
  return v128.bitselect(f32x4.splat(Infinity), result, f32x4.gt(x0, f32x4.splat(MAX_X)));
}

/** out[i] = exp(in[i]) for i < n (n a multiple of 4; the caller handles the tail). */
export function exp(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, exp4(v128.load(src + o)));
  }
}

// tanh as a 13/6-degree rational minimax fit on [−9, 9] (Eigen's generic_fast_tanh_float
// coefficients, which MLAS also uses), ±1 beyond: x·P(x²)/Q(x²) keeps tanh's relative precision
// near 0 with no second branch, and costs one division and ten multiply-adds against the exp form's
// thirty-odd operations (2026-12-07: 3.3 → 1.7 ns a value on one thread, within 4 ulps).
const A1: f32 = 4.89352455891786e-3;
const A3: f32 = 6.37261928875436e-4;
const A5: f32 = 1.48572235717979e-5;
const A7: f32 = 5.12229709037114e-8;
const A9: f32 = -8.60467152213735e-11;
const A11: f32 = 2.00018790482477e-13;
const A13: f32 = -2.76076847742355e-16;
const B0: f32 = 4.89352518554385e-3;
const B2: f32 = 2.26843463243900e-3;
const B4: f32 = 1.18534705686654e-4;
const B6: f32 = 1.19825839466702e-6;

// @ts-ignore: decorator
@inline
function tanh4(x0: v128): v128 {
  const x = f32x4.pmax(f32x4.pmin(x0, f32x4.splat(9)), f32x4.splat(-9));
  const z = f32x4.mul(x, x);
  let p = madd(z, f32x4.splat(A13), f32x4.splat(A11));
  p = madd(z, p, f32x4.splat(A9));
  p = madd(z, p, f32x4.splat(A7));
  p = madd(z, p, f32x4.splat(A5));
  p = madd(z, p, f32x4.splat(A3));
  p = madd(z, p, f32x4.splat(A1));
  p = f32x4.mul(x, p);
  let q = madd(z, f32x4.splat(B6), f32x4.splat(B4));
  q = madd(z, q, f32x4.splat(B2));
  q = madd(z, q, f32x4.splat(B0));
  // At |x| ≥ 9 float32's tanh is ±1 exactly; the fit is a few ulps short of it there.
  const r = f32x4.div(p, q);
  const sat = v128.or(f32x4.splat(1), v128.and(x0, i32x4.splat(0x80000000)));
  return v128.bitselect(sat, r, f32x4.ge(f32x4.abs(x0), f32x4.splat(9)));
}

/** out[i] = tanh(in[i]) for i < n (n a multiple of 4). */
export function tanh(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, tanh4(v128.load(src + o)));
  }
}

/** sigmoid(x) = 1/(1 + e^−x) for x ≥ 0 and e^x/(1 + e^x) below, with e = exp(−|x|): no overflow. */
export function sigmoid(src: usize, dst: usize, n: i32): void {
  const one = f32x4.splat(1);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(src + o);
    const e = exp4(f32x4.neg(f32x4.abs(x)));
    const inv = f32x4.div(one, f32x4.add(one, e));
    const negative = f32x4.lt(x, f32x4.splat(0));
    v128.store(dst + o, v128.bitselect(f32x4.mul(e, inv), inv, negative));
  }
}

// ---- arithmetic: + − × ÷ in f32x4. float32 SIMD arithmetic is correctly rounded, as is
// JavaScript's double arithmetic rounded to float32 (double holds more than 2·24 + 2 bits), so
// these give the same bits as the TypeScript loops.

// @ts-ignore: decorator
@inline
function op4(op: i32, a: v128, b: v128): v128 {
  if (op == 0) return f32x4.add(a, b);
  if (op == 1) return f32x4.sub(a, b);
  if (op == 2) return f32x4.mul(a, b);
  return f32x4.div(a, b);
}

// @ts-ignore: decorator
@inline
function op1(op: i32, a: f32, b: f32): f32 {
  if (op == 0) return a + b;
  if (op == 1) return a - b;
  if (op == 2) return a * b;
  return a / b;
}

/** dst[i] = a[i] op b[i] (op: 0 add, 1 sub, 2 mul, 3 div). */
export function binary(op: i32, a: usize, b: usize, dst: usize, n: i32): void {
  if (op == 0) binaryLoop(0, a, b, dst, n);
  else if (op == 1) binaryLoop(1, a, b, dst, n);
  else if (op == 2) binaryLoop(2, a, b, dst, n);
  else binaryLoop(3, a, b, dst, n);
}

// @ts-ignore: decorator
@inline
function binaryLoop(op: i32, a: usize, b: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, op4(op, v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, op1(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

/**
 * Broadcasting where one operand (`full`, shaped [outer, mid, inner]) meets one of `mid` values
 * (`part`): dst = full op part[m] (or part[m] op full when `partFirst`). Bias adds and per-channel
 * scalings are this, with inner = 1 for a vector along the last axis.
 */
export function binaryBroadcast(op: i32, full: usize, part: usize, dst: usize, outer: i32, mid: i32, inner: i32, partFirst: bool): void {
  if (partFirst) {
    if (op == 1) broadcastLoop(1, true, full, part, dst, outer, mid, inner);
    else if (op == 3) broadcastLoop(3, true, full, part, dst, outer, mid, inner);
    else if (op == 0) broadcastLoop(0, false, full, part, dst, outer, mid, inner);
    else broadcastLoop(2, false, full, part, dst, outer, mid, inner);
  } else {
    if (op == 0) broadcastLoop(0, false, full, part, dst, outer, mid, inner);
    else if (op == 1) broadcastLoop(1, false, full, part, dst, outer, mid, inner);
    else if (op == 2) broadcastLoop(2, false, full, part, dst, outer, mid, inner);
    else broadcastLoop(3, false, full, part, dst, outer, mid, inner);
  }
}

// @ts-ignore: decorator
@inline
function broadcastLoop(op: i32, partFirst: bool, full: usize, part: usize, dst: usize, outer: i32, mid: i32, inner: i32): void {
  if (inner == 1) {
    // A vector along the last axis: each row of `mid` meets the whole of `part`.
    for (let r = 0; r < outer; r++) {
      const row = <usize>(r * mid) << 2;
      let i = 0;
      for (; i + 4 <= mid; i += 4) {
        const o = <usize>i << 2;
        const f = v128.load(full + row + o);
        const p = v128.load(part + o);
        v128.store(dst + row + o, partFirst ? op4(op, p, f) : op4(op, f, p));
      }
      for (; i < mid; i++) {
        const o = <usize>i << 2;
        const f = load<f32>(full + row + o);
        const p = load<f32>(part + o);
        store<f32>(dst + row + o, partFirst ? op1(op, p, f) : op1(op, f, p));
      }
    }
    return;
  }
  for (let r = 0; r < outer * mid; r++) {
    const s = load<f32>(part + (<usize>(r % mid) << 2));
    const sv = f32x4.splat(s);
    const row = <usize>r * <usize>inner << 2;
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const o = row + (<usize>i << 2);
      const f = v128.load(full + o);
      v128.store(dst + o, partFirst ? op4(op, sv, f) : op4(op, f, sv));
    }
    for (; i < inner; i++) {
      const o = row + (<usize>i << 2);
      const f = load<f32>(full + o);
      store<f32>(dst + o, partFirst ? op1(op, s, f) : op1(op, f, s));
    }
  }
}

/** dst[i] = f(src[i]) for the cheap unary ops (0 neg, 1 abs, 2 square, 3 sqrt, 4 relu, 5 reciprocal, 6 step). */
export function unaryBasic(op: i32, src: usize, dst: usize, n: i32): void {
  if (op == 0) unaryLoop(0, src, dst, n);
  else if (op == 1) unaryLoop(1, src, dst, n);
  else if (op == 2) unaryLoop(2, src, dst, n);
  else if (op == 3) unaryLoop(3, src, dst, n);
  else if (op == 4) unaryLoop(4, src, dst, n);
  else if (op == 5) unaryLoop(5, src, dst, n);
  else unaryLoop(6, src, dst, n);
}

// @ts-ignore: decorator
@inline
function unary4(op: i32, x: v128): v128 {
  if (op == 0) return f32x4.neg(x);
  if (op == 1) return f32x4.abs(x);
  if (op == 2) return f32x4.mul(x, x);
  if (op == 3) return f32x4.sqrt(x);
  // relu keeps NaN (x < 0 is false for NaN), as the scalar loop does.
  if (op == 4) return v128.bitselect(f32x4.splat(0), x, f32x4.lt(x, f32x4.splat(0)));
  if (op == 5) return f32x4.div(f32x4.splat(1), x);
  // step: 1 where x > 0, else 0 (NaN included), relu's gradient.
  return v128.bitselect(f32x4.splat(1), f32x4.splat(0), f32x4.gt(x, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline
function unaryLoop(op: i32, src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, unary4(op, v128.load(src + o)));
  }
  // The tail through the same vector code on a zero-padded lane set.
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = unary4(op, f32x4.splat(load<f32>(src + o)));
    store<f32>(dst + o, f32x4.extract_lane(v, 0));
  }
}

/**
 * Softmax (or log-softmax with `log`) of `rows` contiguous rows of `len` floats, one pass each for
 * the maximum, Σexp(x − max) and the output, in f32x4. A NaN anywhere in a row makes the row NaN,
 * as the composed ops do.
 */
export function softmaxRows(src: usize, dst: usize, rows: i32, len: i32, log: bool): void {
  const body = len & ~3;
  for (let r = 0; r < rows; r++) {
    const x = src + (<usize>(r * len) << 2);
    const y = dst + (<usize>(r * len) << 2);
    let vm = f32x4.splat(-Infinity);
    for (let i = 0; i < body; i += 4) vm = f32x4.max(vm, v128.load(x + (<usize>i << 2)));
    let mx = max(max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
    for (let i = body; i < len; i++) mx = max(mx, load<f32>(x + (<usize>i << 2)));
    if (isNaN(mx)) {
      for (let i = 0; i < len; i++) store<f32>(y + (<usize>i << 2), mx);
      continue;
    }
    const vmx = f32x4.splat(mx);
    let vs = f32x4.splat(0);
    for (let i = 0; i < body; i += 4) vs = f32x4.add(vs, exp4(f32x4.sub(v128.load(x + (<usize>i << 2)), vmx)));
    let s = (f32x4.extract_lane(vs, 0) + f32x4.extract_lane(vs, 1)) + (f32x4.extract_lane(vs, 2) + f32x4.extract_lane(vs, 3));
    for (let i = body; i < len; i++) s += f32x4.extract_lane(exp4(f32x4.splat(load<f32>(x + (<usize>i << 2)) - mx)), 0);
    if (log) {
      const ls = f32x4.splat(Mathf.log(s));
      for (let i = 0; i < body; i += 4) v128.store(y + (<usize>i << 2), f32x4.sub(f32x4.sub(v128.load(x + (<usize>i << 2)), vmx), ls));
      const l = Mathf.log(s);
      for (let i = body; i < len; i++) store<f32>(y + (<usize>i << 2), (load<f32>(x + (<usize>i << 2)) - mx) - l);
    } else {
      const vsum = f32x4.splat(s);
      for (let i = 0; i < body; i += 4) v128.store(y + (<usize>i << 2), f32x4.div(exp4(f32x4.sub(v128.load(x + (<usize>i << 2)), vmx)), vsum));
      for (let i = body; i < len; i++) store<f32>(y + (<usize>i << 2), f32x4.extract_lane(exp4(f32x4.splat(load<f32>(x + (<usize>i << 2)) - mx)), 0) / s);
    }
  }
}

/**
 * dst[i] = x > 0 ? x : alpha·x (leakyRelu; NaN stays NaN). The product is formed in double and
 * rounded once, as the TypeScript loop does with its double alpha (0.2 is no float32), so the bits
 * agree.
 */
export function leakyRelu(src: usize, dst: usize, n: i32, alpha: f64): void {
  const a = f64x2.splat(alpha);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(src + o);
    const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(x), a));
    const hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)), a));
    const scaled = v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
    v128.store(dst + o, v128.bitselect(x, scaled, f32x4.gt(x, zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(src + o);
    store<f32>(dst + o, x > 0 ? x : <f32>(<f64>x * alpha));
  }
}

/** dst[i] = x < lo ? lo : x > hi ? hi : x (clip; NaN passes through, as the loop's comparisons let it). */
export function clip(src: usize, dst: usize, n: i32, lo: f32, hi: f32): void {
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(src + o);
    const low = v128.bitselect(vlo, x, f32x4.lt(x, vlo));
    v128.store(dst + o, v128.bitselect(vhi, low, f32x4.gt(x, vhi)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(src + o);
    store<f32>(dst + o, x < lo ? lo : x > hi ? hi : x);
  }
}

// @ts-ignore: decorator
@inline
function cmp4(op: i32, a: v128, b: v128): v128 {
  if (op == 0) return f32x4.eq(a, b);
  if (op == 1) return f32x4.ne(a, b);
  if (op == 2) return f32x4.lt(a, b);
  if (op == 3) return f32x4.le(a, b);
  if (op == 4) return f32x4.gt(a, b);
  return f32x4.ge(a, b);
}

/**
 * dst[i] (bytes, 0/1) = a[i] cmp b[i] (0 equal, 1 notEqual, 2 less, 3 lessEqual, 4 greater,
 * 5 greaterEqual); with `scalarB`, b is one value. Sixteen at a time: four f32x4 masks narrowed to
 * bytes. NaN compares false, except notEqual, as in JavaScript.
 */
export function compare(op: i32, a: usize, b: usize, dst: usize, n: i32, scalarB: bool): void {
  if (op == 0) compareLoop(0, a, b, dst, n, scalarB);
  else if (op == 1) compareLoop(1, a, b, dst, n, scalarB);
  else if (op == 2) compareLoop(2, a, b, dst, n, scalarB);
  else if (op == 3) compareLoop(3, a, b, dst, n, scalarB);
  else if (op == 4) compareLoop(4, a, b, dst, n, scalarB);
  else compareLoop(5, a, b, dst, n, scalarB);
}

// @ts-ignore: decorator
@inline
function compareLoop(op: i32, a: usize, b: usize, dst: usize, n: i32, scalarB: bool): void {
  const one = i8x16.splat(1);
  const s = v128.load32_splat(b);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const m0 = cmp4(op, v128.load(a + o), scalarB ? s : v128.load(b + o));
    const m1 = cmp4(op, v128.load(a + o, 16), scalarB ? s : v128.load(b + o, 16));
    const m2 = cmp4(op, v128.load(a + o, 32), scalarB ? s : v128.load(b + o, 32));
    const m3 = cmp4(op, v128.load(a + o, 48), scalarB ? s : v128.load(b + o, 48));
    // Masks are all-ones (−1) or 0: narrow with signed saturation to bytes of −1/0, then keep bit 0.
    const lo = i16x8.narrow_i32x4_s(m0, m1);
    const hi = i16x8.narrow_i32x4_s(m2, m3);
    v128.store(dst + <usize>i, v128.and(i8x16.narrow_i16x8_s(lo, hi), one));
  }
  for (; i < n; i++) {
    const x = f32x4.splat(load<f32>(a + (<usize>i << 2)));
    const y = scalarB ? s : f32x4.splat(load<f32>(b + (<usize>i << 2)));
    store<u8>(dst + <usize>i, <u8>(i32x4.extract_lane(cmp4(op, x, y), 0) & 1));
  }
}
