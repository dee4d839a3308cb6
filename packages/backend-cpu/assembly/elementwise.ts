// Transcendental elementwise kernels in WebAssembly SIMD (f32x4), compiled by scripts/build-wasm.mjs.
//
// exp(x) follows Cephes expf: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts so r is exact),
// e^r by a degree-5 polynomial, and 2^n applied as two factors 2^(n>>1)·2^(n−(n>>1)) built in the
// exponent bits, so results reach float32's overflow (∞ beyond log(FLT_MAX)) and subnormal range.
// tanh and sigmoid are built on it in forms that never overflow; tanh uses Cephes tanhf's odd
// polynomial near 0, where (1 − e)/(1 + e) would cancel.

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
const T0: f32 = -5.70498872745e-3;
const T1: f32 = 2.06390887954e-2;
const T2: f32 = -5.37397155531e-2;
const T3: f32 = 1.33314422036e-1;
const T4: f32 = -3.33332819422e-1;

// @ts-ignore: decorator
@inline
function exp4(x0: v128): v128 {
  const x = f32x4.max(f32x4.min(x0, f32x4.splat(MAX_X)), f32x4.splat(MIN_X));
  // n = round(x / ln2)
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(C1)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(C2)));
  const z = f32x4.mul(r, r);
  let y = f32x4.splat(P0);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(P1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(P2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(P3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(P4));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(P5));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), r), f32x4.splat(1));
  // · 2^n as two factors, each a normal float: n ranges over [-150, 128].
  const ni = i32x4.trunc_sat_f32x4_s(n);
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

/**
 * tanh(x) = sign(x)·(1 − e)/(1 + e) with e = exp(−2|x|) ∈ (0, 1] (no overflow for any x); for
 * |x| < 0.625 the odd polynomial x + x³·P(x²) instead, which keeps full relative precision near 0.
 */
export function tanh(src: usize, dst: usize, n: i32): void {
  const one = f32x4.splat(1);
  const signMask = i32x4.splat(0x80000000);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(src + o);
    const ax = f32x4.abs(x);
    const e = exp4(f32x4.mul(ax, f32x4.splat(-2)));
    // Copy the sign bit of x onto the result (tanh is odd).
    const large = v128.or(f32x4.div(f32x4.sub(one, e), f32x4.add(one, e)), v128.and(x, signMask));
    const z = f32x4.mul(x, x);
    let p = f32x4.splat(T0);
    p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T1));
    p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T2));
    p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T3));
    p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T4));
    const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
    v128.store(dst + o, v128.bitselect(small, large, f32x4.lt(ax, f32x4.splat(0.625))));
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
