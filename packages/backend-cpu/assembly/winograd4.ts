// Winograd F(4×4, 3×3) (Lavin & Gray, 2015): each 4×4 block of outputs comes from a 6×6 block of
// input in 36 multiplies per channel pair instead of 144 (F(2×2, 3×3), winograd.ts: 64 for the
// same outputs). The transforms cost more adds and lose a little more precision (interpolation
// points 0, ±1, ±2, ∞ against 0, ±1, ∞), so src/wasm/wasm_conv.ts takes this one only where rows
// are at least 4 tiles (16 outputs) wide and the product part dominates. Tiles are processed four
// at a time along a row, one per vector lane, as in winograd.ts.
//
//   Bᵀ = | 4  0 -5  0  1  0 |   G = |  ¼     0     0  |   Aᵀ = | 1  1  1  1  1  0 |
//        | 0 -4 -4  1  1  0 |       | -⅙    -⅙    -⅙  |        | 0  1 -1  2 -2  0 |
//        | 0  4 -4 -1  1  0 |       | -⅙     ⅙    -⅙  |        | 0  1  1  4  4  0 |
//        | 0 -2 -1  2  1  0 |       | 1/24  1/12  ⅙  |        | 0  1 -1  8 -8  1 |
//        | 0  2 -1 -2  1  0 |       | 1/24 -1/12  ⅙  |
//        | 0  4  0 -5  0  1 |       |  0     0     1  |

import { take, padInput, product4x8, skewed } from './winograd';
import { sumTransformed } from './sum_tile';
import { toPanels8 } from './transpose';

// An image is th × twp tiles (twp a multiple of 4: four tiles per vector), stored tp = th·twp
// rounded up to 8 apart; its padded copy is (4·th + 2) × (4·twp + 4): two columns of slack for
// the fifth vector a group of four tiles reads.
// @ts-ignore: decorator
@inline
function tilesHigh(oh: i32): i32 {
  return (oh + 3) >> 2;
}
// @ts-ignore: decorator
@inline
function tilesWide(ow: i32): i32 {
  return (((ow + 3) >> 2) + 3) & ~3;
}

/** Floats of workspace one thread needs: the padded image, V, M, U and 64 floats of scratch. */
export function winograd4WorkFloats(c: i32, m: i32, oh: i32, ow: i32): i32 {
  const th = tilesHigh(oh);
  const twp = tilesWide(ow);
  const tp = (th * twp + 7) & ~7;
  const m4 = (m + 3) & ~3;
  return c * (4 * th + 2) * (4 * twp + 4) + 36 * skewed(c * tp) + 36 * skewed(m4 * tp) + 36 * m4 * c + 64;
}

/**
 * y[img] = conv3×3(x[img], w) + bias at stride 1 with pads (pt, pl), for every image taken from
 * the counter. `work` holds winograd4WorkFloats floats.
 */
export function convWinograd4(
  x: usize, w: usize, bias: usize, y: usize, next: usize, n: i32,
  c: i32, h: i32, wd: i32, m: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  work: usize,
): void {
  const th = tilesHigh(oh);
  const twp = tilesWide(ow);
  const tp = (th * twp + 7) & ~7;
  const m4 = (m + 3) & ~3;
  const ph = 4 * th + 2;
  const pw = 4 * twp + 4;
  const pad = work;
  const v = pad + (<usize>(c * ph * pw) << 2);
  const mm = v + (<usize>(36 * skewed(c * tp)) << 2);
  const u = mm + (<usize>(36 * skewed(m4 * tp)) << 2);
  // Per-thread scratch: static data would be shared by every thread.
  const scratch = u + (<usize>(36 * m4 * c) << 2);
  transformFilter(w, u, c, m, m4, scratch);
  const vPlane = <usize>skewed(c * tp) << 2;
  const mPlane = <usize>skewed(m4 * tp) << 2;
  // Tiles past th·twp (the last rows' rounding to 8) stay zero.
  memory.fill(v, 0, 36 * vPlane);
  for (let img = take(next); img < n; img = take(next)) {
    padInput(x + (<usize>(img * c * h * wd) << 2), pad, c, h, wd, pt, pl, ph, pw);
    for (let ci = 0; ci < c; ci++) {
      const plane = pad + (<usize>(ci * ph * pw) << 2);
      for (let ty = 0; ty < th; ty++) {
        for (let tx = 0; tx < twp; tx += 4) {
          transformInput4(plane + (<usize>(4 * ty * pw + 4 * tx) << 2), <usize>pw << 2, v + (<usize>(ci * tp + ty * twp + tx) << 2), vPlane);
        }
      }
    }
    for (let xi = 0; xi < 36; xi++) {
      const vx = v + <usize>xi * vPlane;
      const ux = u + (<usize>(xi * m4 * c) << 2);
      const mx = mm + <usize>xi * mPlane;
      for (let ob = 0; ob < m4; ob += 4) {
        for (let t0 = 0; t0 < tp; t0 += 8) {
          product4x8(ux + (<usize>(ob * c) << 2), vx + (<usize>t0 << 2), <usize>tp << 2, c, mx + (<usize>(ob * tp + t0) << 2), <usize>tp << 2);
        }
      }
    }
    const yImg = y + (<usize>(img * m * oh * ow) << 2);
    for (let oc = 0; oc < m; oc++) {
      const b = bias ? f32x4.splat(load<f32>(bias + (<usize>oc << 2))) : f32x4.splat(0);
      const yc = yImg + (<usize>(oc * oh * ow) << 2);
      for (let ty = 0; ty < th; ty++) {
        for (let tx = 0; tx < twp; tx += 4) {
          transformOutput4(mm + (<usize>(oc * tp + ty * twp + tx) << 2), mPlane, b, yc, oh, ow, 4 * ty, 4 * tx, scratch);
        }
      }
    }
  }
}

/** U[ξ][oc block of 4][ci][4] = (G g Gᵀ)[ξ] for each filter g = w[oc][ci]; zero for oc ≥ m. */
function transformFilter(w: usize, u: usize, c: i32, m: i32, m4: i32, r: usize): void {
  const plane = <usize>(m4 * c) << 2;
  for (let oc = 0; oc < m4; oc++) {
    for (let ci = 0; ci < c; ci++) {
      // Offset of (oc, ci) inside each ξ plane: block oc/4, row ci, lane oc % 4.
      const at = u + (<usize>(((oc >> 2) * c + ci) * 4 + (oc & 3)) << 2);
      if (oc >= m) {
        for (let xi = 0; xi < 36; xi++) store<f32>(at + <usize>xi * plane, 0);
        continue;
      }
      const g = w + (<usize>((oc * c + ci) * 9) << 2);
      // G·g: 6 rows × 3 columns, in r.
      for (let j = 0; j < 3; j++) {
        gRows(load<f32>(g + (<usize>j << 2)), load<f32>(g + (<usize>(3 + j) << 2)), load<f32>(g + (<usize>(6 + j) << 2)), r + (<usize>j << 2), 12);
      }
      // (G·g)·Gᵀ: each row's 3 values to 6.
      for (let i = 0; i < 6; i++) {
        const a = r + (<usize>(i * 3) << 2);
        gRows(load<f32>(a), load<f32>(a, 4), load<f32>(a, 8), at + <usize>(i * 6) * plane, plane);
      }
    }
  }
}

/** G · (g0, g1, g2): six values stored `stride` bytes apart from `dst`. */
// @ts-ignore: decorator
@inline
function gRows(g0: f32, g1: f32, g2: f32, dst: usize, stride: usize): void {
  const even = g0 + g2;
  const a = <f32>(-1.0 / 6.0) * (even + g1);
  const b = <f32>(-1.0 / 6.0) * (even - g1);
  const e = <f32>(1.0 / 24.0) * g0 + <f32>(1.0 / 6.0) * g2;
  const o = <f32>(1.0 / 12.0) * g1;
  store<f32>(dst, <f32>0.25 * g0);
  store<f32>(dst + stride, a);
  store<f32>(dst + 2 * stride, b);
  store<f32>(dst + 3 * stride, e + o);
  store<f32>(dst + 4 * stride, e - o);
  store<f32>(dst + 5 * stride, g2);
}

/**
 * Bᵀ d B for four horizontally adjacent tiles (one per lane). The rows are combined first on the
 * five vectors that cover a row of the four tiles (columns 0 … 19), lane-wise; then each combined
 * row is split into the tiles' six columns (tile l's column j is element 4l + j) by shuffles and
 * the columns combined.
 */
// @ts-ignore: decorator
@inline
function transformInput4(src: usize, rowBytes: usize, dst: usize, planeBytes: usize): void {
  // Bᵀ on the six rows of each of the five vectors k (columns 4k … 4k + 3): r{i}{k}.
  const two = f32x4.splat(2), four = f32x4.splat(4), five = f32x4.splat(5);
  const p0 = src;
  const d00 = v128.load(p0), d01 = v128.load(p0 + rowBytes), d02 = v128.load(p0 + 2 * rowBytes);
  const d03 = v128.load(p0 + 3 * rowBytes), d04 = v128.load(p0 + 4 * rowBytes), d05 = v128.load(p0 + 5 * rowBytes);
  const t01 = f32x4.sub(d04, f32x4.mul(four, d02)), t02 = f32x4.sub(d03, f32x4.mul(four, d01));
  const t03 = f32x4.sub(d04, d02), t04 = f32x4.mul(two, f32x4.sub(d03, d01));
  const r00 = f32x4.add(f32x4.sub(f32x4.mul(four, d00), f32x4.mul(five, d02)), d04);
  const r10 = f32x4.add(t01, t02), r20 = f32x4.sub(t01, t02), r30 = f32x4.add(t03, t04), r40 = f32x4.sub(t03, t04);
  const r50 = f32x4.add(f32x4.sub(f32x4.mul(four, d01), f32x4.mul(five, d03)), d05);
  const p1 = src + 16;
  const d10 = v128.load(p1), d11 = v128.load(p1 + rowBytes), d12 = v128.load(p1 + 2 * rowBytes);
  const d13 = v128.load(p1 + 3 * rowBytes), d14 = v128.load(p1 + 4 * rowBytes), d15 = v128.load(p1 + 5 * rowBytes);
  const t11 = f32x4.sub(d14, f32x4.mul(four, d12)), t12 = f32x4.sub(d13, f32x4.mul(four, d11));
  const t13 = f32x4.sub(d14, d12), t14 = f32x4.mul(two, f32x4.sub(d13, d11));
  const r01 = f32x4.add(f32x4.sub(f32x4.mul(four, d10), f32x4.mul(five, d12)), d14);
  const r11 = f32x4.add(t11, t12), r21 = f32x4.sub(t11, t12), r31 = f32x4.add(t13, t14), r41 = f32x4.sub(t13, t14);
  const r51 = f32x4.add(f32x4.sub(f32x4.mul(four, d11), f32x4.mul(five, d13)), d15);
  const p2 = src + 32;
  const d20 = v128.load(p2), d21 = v128.load(p2 + rowBytes), d22 = v128.load(p2 + 2 * rowBytes);
  const d23 = v128.load(p2 + 3 * rowBytes), d24 = v128.load(p2 + 4 * rowBytes), d25 = v128.load(p2 + 5 * rowBytes);
  const t21 = f32x4.sub(d24, f32x4.mul(four, d22)), t22 = f32x4.sub(d23, f32x4.mul(four, d21));
  const t23 = f32x4.sub(d24, d22), t24 = f32x4.mul(two, f32x4.sub(d23, d21));
  const r02 = f32x4.add(f32x4.sub(f32x4.mul(four, d20), f32x4.mul(five, d22)), d24);
  const r12 = f32x4.add(t21, t22), r22 = f32x4.sub(t21, t22), r32 = f32x4.add(t23, t24), r42 = f32x4.sub(t23, t24);
  const r52 = f32x4.add(f32x4.sub(f32x4.mul(four, d21), f32x4.mul(five, d23)), d25);
  const p3 = src + 48;
  const d30 = v128.load(p3), d31 = v128.load(p3 + rowBytes), d32 = v128.load(p3 + 2 * rowBytes);
  const d33 = v128.load(p3 + 3 * rowBytes), d34 = v128.load(p3 + 4 * rowBytes), d35 = v128.load(p3 + 5 * rowBytes);
  const t31 = f32x4.sub(d34, f32x4.mul(four, d32)), t32 = f32x4.sub(d33, f32x4.mul(four, d31));
  const t33 = f32x4.sub(d34, d32), t34 = f32x4.mul(two, f32x4.sub(d33, d31));
  const r03 = f32x4.add(f32x4.sub(f32x4.mul(four, d30), f32x4.mul(five, d32)), d34);
  const r13 = f32x4.add(t31, t32), r23 = f32x4.sub(t31, t32), r33 = f32x4.add(t33, t34), r43 = f32x4.sub(t33, t34);
  const r53 = f32x4.add(f32x4.sub(f32x4.mul(four, d31), f32x4.mul(five, d33)), d35);
  const p4 = src + 64;
  const d40 = v128.load(p4), d41 = v128.load(p4 + rowBytes), d42 = v128.load(p4 + 2 * rowBytes);
  const d43 = v128.load(p4 + 3 * rowBytes), d44 = v128.load(p4 + 4 * rowBytes), d45 = v128.load(p4 + 5 * rowBytes);
  const t41 = f32x4.sub(d44, f32x4.mul(four, d42)), t42 = f32x4.sub(d43, f32x4.mul(four, d41));
  const t43 = f32x4.sub(d44, d42), t44 = f32x4.mul(two, f32x4.sub(d43, d41));
  const r04 = f32x4.add(f32x4.sub(f32x4.mul(four, d40), f32x4.mul(five, d42)), d44);
  const r14 = f32x4.add(t41, t42), r24 = f32x4.sub(t41, t42), r34 = f32x4.add(t43, t44), r44 = f32x4.sub(t43, t44);
  const r54 = f32x4.add(f32x4.sub(f32x4.mul(four, d41), f32x4.mul(five, d43)), d45);
  columnsB(r00, r01, r02, r03, r04, dst, planeBytes);
  columnsB(r10, r11, r12, r13, r14, dst + 6 * planeBytes, planeBytes);
  columnsB(r20, r21, r22, r23, r24, dst + 12 * planeBytes, planeBytes);
  columnsB(r30, r31, r32, r33, r34, dst + 18 * planeBytes, planeBytes);
  columnsB(r40, r41, r42, r43, r44, dst + 24 * planeBytes, planeBytes);
  columnsB(r50, r51, r52, r53, r54, dst + 30 * planeBytes, planeBytes);
}

/**
 * One combined row of four tiles (columns 0 … 19 in v0 … v4) → each tile's columns 0 … 5 (lanes =
 * tiles), combined by B and stored as six ξ planes `planeBytes` apart.
 */
// @ts-ignore: decorator
@inline
function columnsB(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, dst: usize, planeBytes: usize): void {
  const a0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), a1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
  const b0 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), b1 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
  const c0 = v128.shuffle<f32>(v1, v2, 0, 4, 1, 5), c1 = v128.shuffle<f32>(v3, v4, 0, 4, 1, 5);
  const d0 = v128.shuffle<f32>(a0, a1, 0, 1, 4, 5), d1 = v128.shuffle<f32>(a0, a1, 2, 3, 6, 7);
  const d2 = v128.shuffle<f32>(b0, b1, 0, 1, 4, 5), d3 = v128.shuffle<f32>(b0, b1, 2, 3, 6, 7);
  const d4 = v128.shuffle<f32>(c0, c1, 0, 1, 4, 5), d5 = v128.shuffle<f32>(c0, c1, 2, 3, 6, 7);
  const t1 = f32x4.sub(d4, f32x4.mul(f32x4.splat(4), d2));
  const t2 = f32x4.sub(d3, f32x4.mul(f32x4.splat(4), d1));
  const t3 = f32x4.sub(d4, d2);
  const t4 = f32x4.mul(f32x4.splat(2), f32x4.sub(d3, d1));
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(f32x4.splat(4), d0), f32x4.mul(f32x4.splat(5), d2)), d4));
  v128.store(dst + planeBytes, f32x4.add(t1, t2));
  v128.store(dst + 2 * planeBytes, f32x4.sub(t1, t2));
  v128.store(dst + 3 * planeBytes, f32x4.add(t3, t4));
  v128.store(dst + 4 * planeBytes, f32x4.sub(t3, t4));
  v128.store(dst + 5 * planeBytes, f32x4.add(f32x4.sub(f32x4.mul(f32x4.splat(4), d1), f32x4.mul(f32x4.splat(5), d3)), d5));
}

/**
 * Aᵀ M A + bias for four horizontally adjacent tiles of one output channel, written as outputs
 * (oy … oy + 3, ox … ox + 15), only those inside oh × ow.
 */
// @ts-ignore: decorator
@inline
function transformOutput4(src: usize, planeBytes: usize, bias: v128, y: usize, oh: i32, ow: i32, oy: i32, ox: i32, tmp: usize): void {
  // Aᵀ M, column j of plane rows i (ξ = 6i + j): c{r}{j}.
  const two = f32x4.splat(2), four = f32x4.splat(4), eight = f32x4.splat(8);
  const m00 = v128.load(src + 0 * planeBytes), m01 = v128.load(src + 6 * planeBytes), m02 = v128.load(src + 12 * planeBytes);
  const m03 = v128.load(src + 18 * planeBytes), m04 = v128.load(src + 24 * planeBytes), m05 = v128.load(src + 30 * planeBytes);
  const s0 = f32x4.add(m01, m02), e0 = f32x4.sub(m01, m02), q0 = f32x4.add(m03, m04), f0 = f32x4.sub(m03, m04);
  const c00 = f32x4.add(f32x4.add(m00, s0), q0), c10 = f32x4.add(e0, f32x4.mul(two, f0));
  const c20 = f32x4.add(s0, f32x4.mul(four, q0)), c30 = f32x4.add(f32x4.add(e0, f32x4.mul(eight, f0)), m05);
  const m10 = v128.load(src + 1 * planeBytes), m11 = v128.load(src + 7 * planeBytes), m12 = v128.load(src + 13 * planeBytes);
  const m13 = v128.load(src + 19 * planeBytes), m14 = v128.load(src + 25 * planeBytes), m15 = v128.load(src + 31 * planeBytes);
  const s1 = f32x4.add(m11, m12), e1 = f32x4.sub(m11, m12), q1 = f32x4.add(m13, m14), f1 = f32x4.sub(m13, m14);
  const c01 = f32x4.add(f32x4.add(m10, s1), q1), c11 = f32x4.add(e1, f32x4.mul(two, f1));
  const c21 = f32x4.add(s1, f32x4.mul(four, q1)), c31 = f32x4.add(f32x4.add(e1, f32x4.mul(eight, f1)), m15);
  const m20 = v128.load(src + 2 * planeBytes), m21 = v128.load(src + 8 * planeBytes), m22 = v128.load(src + 14 * planeBytes);
  const m23 = v128.load(src + 20 * planeBytes), m24 = v128.load(src + 26 * planeBytes), m25 = v128.load(src + 32 * planeBytes);
  const s2 = f32x4.add(m21, m22), e2 = f32x4.sub(m21, m22), q2 = f32x4.add(m23, m24), f2 = f32x4.sub(m23, m24);
  const c02 = f32x4.add(f32x4.add(m20, s2), q2), c12 = f32x4.add(e2, f32x4.mul(two, f2));
  const c22 = f32x4.add(s2, f32x4.mul(four, q2)), c32 = f32x4.add(f32x4.add(e2, f32x4.mul(eight, f2)), m25);
  const m30 = v128.load(src + 3 * planeBytes), m31 = v128.load(src + 9 * planeBytes), m32 = v128.load(src + 15 * planeBytes);
  const m33 = v128.load(src + 21 * planeBytes), m34 = v128.load(src + 27 * planeBytes), m35 = v128.load(src + 33 * planeBytes);
  const s3 = f32x4.add(m31, m32), e3 = f32x4.sub(m31, m32), q3 = f32x4.add(m33, m34), f3 = f32x4.sub(m33, m34);
  const c03 = f32x4.add(f32x4.add(m30, s3), q3), c13 = f32x4.add(e3, f32x4.mul(two, f3));
  const c23 = f32x4.add(s3, f32x4.mul(four, q3)), c33 = f32x4.add(f32x4.add(e3, f32x4.mul(eight, f3)), m35);
  const m40 = v128.load(src + 4 * planeBytes), m41 = v128.load(src + 10 * planeBytes), m42 = v128.load(src + 16 * planeBytes);
  const m43 = v128.load(src + 22 * planeBytes), m44 = v128.load(src + 28 * planeBytes), m45 = v128.load(src + 34 * planeBytes);
  const s4 = f32x4.add(m41, m42), e4 = f32x4.sub(m41, m42), q4 = f32x4.add(m43, m44), f4 = f32x4.sub(m43, m44);
  const c04 = f32x4.add(f32x4.add(m40, s4), q4), c14 = f32x4.add(e4, f32x4.mul(two, f4));
  const c24 = f32x4.add(s4, f32x4.mul(four, q4)), c34 = f32x4.add(f32x4.add(e4, f32x4.mul(eight, f4)), m45);
  const m50 = v128.load(src + 5 * planeBytes), m51 = v128.load(src + 11 * planeBytes), m52 = v128.load(src + 17 * planeBytes);
  const m53 = v128.load(src + 23 * planeBytes), m54 = v128.load(src + 29 * planeBytes), m55 = v128.load(src + 35 * planeBytes);
  const s5 = f32x4.add(m51, m52), e5 = f32x4.sub(m51, m52), q5 = f32x4.add(m53, m54), f5 = f32x4.sub(m53, m54);
  const c05 = f32x4.add(f32x4.add(m50, s5), q5), c15 = f32x4.add(e5, f32x4.mul(two, f5));
  const c25 = f32x4.add(s5, f32x4.mul(four, q5)), c35 = f32x4.add(f32x4.add(e5, f32x4.mul(eight, f5)), m55);
  const valid = ow - ox;
  rowA(c00, c01, c02, c03, c04, c05, bias, y + (<usize>(oy * ow + ox) << 2), valid, tmp);
  if (oy + 1 < oh) rowA(c10, c11, c12, c13, c14, c15, bias, y + (<usize>((oy + 1) * ow + ox) << 2), valid, tmp);
  if (oy + 2 < oh) rowA(c20, c21, c22, c23, c24, c25, bias, y + (<usize>((oy + 2) * ow + ox) << 2), valid, tmp);
  if (oy + 3 < oh) rowA(c30, c31, c32, c33, c34, c35, bias, y + (<usize>((oy + 3) * ow + ox) << 2), valid, tmp);
}

/**
 * One row of Aᵀ M (columns m0 … m5, lanes = four tiles) times A, plus bias: each tile's four
 * outputs, transposed so tile l's land at 4l … 4l + 3, and the first `valid` of the 16 stored.
 */
// @ts-ignore: decorator
@inline
function rowA(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, bias: v128, p: usize, valid: i32, tmp: usize): void {
  const s = f32x4.add(m1, m2), d = f32x4.sub(m1, m2), s2 = f32x4.add(m3, m4), d2 = f32x4.sub(m3, m4);
  const y0 = f32x4.add(f32x4.add(f32x4.add(m0, s), s2), bias);
  const y1 = f32x4.add(f32x4.add(d, f32x4.mul(f32x4.splat(2), d2)), bias);
  const y2 = f32x4.add(f32x4.add(s, f32x4.mul(f32x4.splat(4), s2)), bias);
  const y3 = f32x4.add(f32x4.add(f32x4.add(d, f32x4.mul(f32x4.splat(8), d2)), m5), bias);
  // 4×4 transpose: lane l of y0 … y3 → vector l.
  const a0 = v128.shuffle<f32>(y0, y1, 0, 4, 1, 5), a1 = v128.shuffle<f32>(y2, y3, 0, 4, 1, 5);
  const b0 = v128.shuffle<f32>(y0, y1, 2, 6, 3, 7), b1 = v128.shuffle<f32>(y2, y3, 2, 6, 3, 7);
  const t0 = v128.shuffle<f32>(a0, a1, 0, 1, 4, 5), t1 = v128.shuffle<f32>(a0, a1, 2, 3, 6, 7);
  const t2 = v128.shuffle<f32>(b0, b1, 0, 1, 4, 5), t3 = v128.shuffle<f32>(b0, b1, 2, 3, 6, 7);
  if (valid >= 16) {
    v128.store(p, t0);
    v128.store(p, t1, 16);
    v128.store(p, t2, 32);
    v128.store(p, t3, 48);
    return;
  }
  if (valid <= 0) return;
  v128.store(tmp, t0);
  v128.store(tmp, t1, 16);
  v128.store(tmp, t2, 32);
  v128.store(tmp, t3, 48);
  memory.copy(p, tmp, <usize>valid << 2);
}

/**
 * Floats of workspace one thread needs for the filter gradient: the padded image, V, dy in
 * 8-channel panels, its transform (8-channel panels), the transformed sums P.
 */
export function winograd4FilterWorkFloats(c: i32, m: i32, oh: i32, ow: i32): i32 {
  const th = tilesHigh(oh);
  const twp = tilesWide(ow);
  const tp = (th * twp + 7) & ~7;
  const mp = (m + 7) & ~7;
  const c4 = (c + 3) & ~3;
  return c * (4 * th + 2) * (4 * twp + 4) + 36 * skewed(c * tp) + mp * 16 * th * twp + 36 * skewed(mp * tp) + 36 * skewed(c4 * mp);
}

/**
 * The filter gradient through F(4×4, 3×3), transposed as winograd.ts's convFilterWinograd:
 * dg = Gᵀ[Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ d B)]G — 36 products summed over tiles per channel pair, one
 * per 16 outputs (the direct kernel: 144). dY is first laid out in 8-channel panels (as the
 * direct filter gradient's), so A dY Aᵀ runs on vectors of four channels and lands in the panels
 * the sums read. Images are split into `chunks` as convFilterDirect's (chunk 0 adds into dW,
 * chunk i into partials + (i − 1)·m·c·9).
 */
export function convFilterWinograd4(
  x: usize, dy: usize, dW: usize, partials: usize, chunks: i32, next: usize, n: i32,
  c: i32, h: i32, wd: i32, m: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  work: usize,
): void {
  const th = tilesHigh(oh);
  const twp = tilesWide(ow);
  const t = th * twp;
  const tp = (t + 7) & ~7;
  const mp = (m + 7) & ~7;
  const panels = mp >> 3;
  const c4 = (c + 3) & ~3;
  const ph = 4 * th + 2;
  const pw = 4 * twp + 4;
  // dy's panels cover every tile: 4·th rows of 4·twp positions, zero past oh × ow.
  const dh = 4 * th;
  const dwid = 4 * twp;
  const pad = work;
  const v = pad + (<usize>(c * ph * pw) << 2);
  const vPlane = <usize>skewed(c * tp) << 2;
  const gPlane = <usize>skewed(mp * tp) << 2;
  const sPlane = <usize>skewed(c4 * mp) << 2;
  const dyT = v + 36 * vPlane;
  const g = dyT + (<usize>(panels * dh * dwid) << 5);
  const sums = g + 36 * gPlane;
  const dyRow = <usize>dwid << 5;
  // Tiles past t (the rounding to 8) stay zero; so do lanes of channels past m and dy past oh × ow.
  memory.fill(g, 0, 36 * gPlane);
  memory.fill(dyT, 0, <usize>(panels * dh * dwid) << 5);
  for (let ch = take(next); ch < chunks; ch = take(next)) {
    const target = ch == 0 ? dW : partials + (<usize>((ch - 1) * m * c * 9) << 2);
    memory.fill(sums, 0, 36 * sPlane);
    const img0 = <i32>((<i64>ch * n) / chunks);
    const img1 = <i32>((<i64>(ch + 1) * n) / chunks);
    for (let img = img0; img < img1; img++) {
      padInput(x + (<usize>(img * c * h * wd) << 2), pad, c, h, wd, pt, pl, ph, pw);
      for (let ci = 0; ci < c; ci++) {
        const plane = pad + (<usize>(ci * ph * pw) << 2);
        for (let ty = 0; ty < th; ty++) {
          for (let tx = 0; tx < twp; tx += 4) {
            transformInput4(plane + (<usize>(4 * ty * pw + 4 * tx) << 2), <usize>pw << 2, v + (<usize>(ci * tp + ty * twp + tx) << 2), vPlane);
          }
        }
      }
      toPanels8(dy + (<usize>(img * m * oh * ow) << 2), m, oh, ow, dyT, <usize>(dh * dwid) << 5, dyRow);
      for (let j = 0; j < panels; j++) {
        const panel = dyT + (<usize>(j * dh * dwid) << 5);
        for (let ty = 0; ty < th; ty++) {
          for (let tx = 0; tx < twp; tx++) {
            const src = panel + <usize>(4 * ty) * dyRow + (<usize>(4 * tx) << 5);
            const dst = g + (<usize>(j * tp + ty * twp + tx) << 5);
            transformGradient4(src, dyRow, dst, gPlane);
            transformGradient4(src + 16, dyRow, dst + 16, gPlane);
          }
        }
      }
      sumTransformed(36, v, vPlane, g, gPlane, sums, sPlane, c, m, tp, t);
    }
    for (let oc = 0; oc < m; oc++) {
      for (let ci = 0; ci < c; ci++) {
        transformFilterGradient(sums + (<usize>(ci * mp + oc) << 2), sPlane, target + (<usize>((oc * c + ci) * 9) << 2));
      }
    }
  }
}

/**
 * A dY Aᵀ for one 4×4 tile of four channels (one per lane): positions 32 bytes apart (the
 * panels' 8 channels), rows `rowBytes` apart; the 36 results stored `planeBytes` apart.
 */
// @ts-ignore: decorator
@inline
function transformGradient4(src: usize, rowBytes: usize, dst: usize, planeBytes: usize): void {
  const two = f32x4.splat(2), four = f32x4.splat(4), eight = f32x4.splat(8);
  const p0 = src, p1 = src + rowBytes, p2 = src + 2 * rowBytes, p3 = src + 3 * rowBytes;
  const y00 = v128.load(p0, 0), y01 = v128.load(p0, 32), y02 = v128.load(p0, 64), y03 = v128.load(p0, 96);
  const y10 = v128.load(p1, 0), y11 = v128.load(p1, 32), y12 = v128.load(p1, 64), y13 = v128.load(p1, 96);
  const y20 = v128.load(p2, 0), y21 = v128.load(p2, 32), y22 = v128.load(p2, 64), y23 = v128.load(p2, 96);
  const y30 = v128.load(p3, 0), y31 = v128.load(p3, 32), y32 = v128.load(p3, 64), y33 = v128.load(p3, 96);
  // A on the rows (4 → 6) of each column x: z{i}{x}.
  const e0 = f32x4.add(y00, y20), o0 = f32x4.add(y10, y30);
  const f0 = f32x4.add(y00, f32x4.mul(four, y20)), g0 = f32x4.add(f32x4.mul(two, y10), f32x4.mul(eight, y30));
  const z00 = y00, z10 = f32x4.add(e0, o0), z20 = f32x4.sub(e0, o0), z30 = f32x4.add(f0, g0), z40 = f32x4.sub(f0, g0), z50 = y30;
  const e1 = f32x4.add(y01, y21), o1 = f32x4.add(y11, y31);
  const f1 = f32x4.add(y01, f32x4.mul(four, y21)), g1 = f32x4.add(f32x4.mul(two, y11), f32x4.mul(eight, y31));
  const z01 = y01, z11 = f32x4.add(e1, o1), z21 = f32x4.sub(e1, o1), z31 = f32x4.add(f1, g1), z41 = f32x4.sub(f1, g1), z51 = y31;
  const e2 = f32x4.add(y02, y22), o2 = f32x4.add(y12, y32);
  const f2 = f32x4.add(y02, f32x4.mul(four, y22)), g2 = f32x4.add(f32x4.mul(two, y12), f32x4.mul(eight, y32));
  const z02 = y02, z12 = f32x4.add(e2, o2), z22 = f32x4.sub(e2, o2), z32 = f32x4.add(f2, g2), z42 = f32x4.sub(f2, g2), z52 = y32;
  const e3 = f32x4.add(y03, y23), o3 = f32x4.add(y13, y33);
  const f3 = f32x4.add(y03, f32x4.mul(four, y23)), g3 = f32x4.add(f32x4.mul(two, y13), f32x4.mul(eight, y33));
  const z03 = y03, z13 = f32x4.add(e3, o3), z23 = f32x4.sub(e3, o3), z33 = f32x4.add(f3, g3), z43 = f32x4.sub(f3, g3), z53 = y33;
  // A on the columns of each row i, stored as ξ = 6i + j.
  columnsA(z00, z01, z02, z03, dst + 0 * planeBytes, planeBytes);
  columnsA(z10, z11, z12, z13, dst + 6 * planeBytes, planeBytes);
  columnsA(z20, z21, z22, z23, dst + 12 * planeBytes, planeBytes);
  columnsA(z30, z31, z32, z33, dst + 18 * planeBytes, planeBytes);
  columnsA(z40, z41, z42, z43, dst + 24 * planeBytes, planeBytes);
  columnsA(z50, z51, z52, z53, dst + 30 * planeBytes, planeBytes);
}

/** A on four values (columns of one row) → six, stored `planeBytes` apart from `dst`. */
// @ts-ignore: decorator
@inline
export function columnsA(y0: v128, y1: v128, y2: v128, y3: v128, dst: usize, planeBytes: usize): void {
  const e = f32x4.add(y0, y2), o = f32x4.add(y1, y3);
  const f = f32x4.add(y0, f32x4.mul(f32x4.splat(4), y2)), g = f32x4.add(f32x4.mul(f32x4.splat(2), y1), f32x4.mul(f32x4.splat(8), y3));
  v128.store(dst, y0);
  v128.store(dst + planeBytes, f32x4.add(e, o));
  v128.store(dst + 2 * planeBytes, f32x4.sub(e, o));
  v128.store(dst + 3 * planeBytes, f32x4.add(f, g));
  v128.store(dst + 4 * planeBytes, f32x4.sub(f, g));
  v128.store(dst + 5 * planeBytes, y3);
}

/** dW[3×3] += Gᵀ P G for the 36 sums P[ξ] found `planeBytes` apart from `p`. */
// @ts-ignore: decorator
@inline
function transformFilterGradient(p: usize, planeBytes: usize, dw: usize): void {
  // Gᵀ on the rows of P (6 → 3) for each column j, kept in the sums' own rows 0 … 2 (all six are
  // read before any is overwritten), then on the columns of those three rows, added into dW.
  for (let j = 0; j < 6; j++) gtSix(p + <usize>j * planeBytes, 6 * planeBytes, p + <usize>j * planeBytes, 6 * planeBytes, false);
  for (let i = 0; i < 3; i++) gtSix(p + <usize>(6 * i) * planeBytes, planeBytes, dw + (<usize>(3 * i) << 2), 4, true);
}

/** Gᵀ (p0 … p5, `stride` bytes apart from `p`): three values at `out`, `outStride` apart (added to what is there with `accumulate`). */
// @ts-ignore: decorator
@inline
function gtSix(p: usize, stride: usize, out: usize, outStride: usize, accumulate: bool): void {
  const p0 = load<f32>(p), p1 = load<f32>(p + stride), p2 = load<f32>(p + 2 * stride);
  const p3 = load<f32>(p + 3 * stride), p4 = load<f32>(p + 4 * stride), p5 = load<f32>(p + 5 * stride);
  const s = p1 + p2, s2 = p3 + p4;
  let q0 = <f32>0.25 * p0 - <f32>(1.0 / 6.0) * s + <f32>(1.0 / 24.0) * s2;
  let q1 = <f32>(1.0 / 6.0) * (p2 - p1) + <f32>(1.0 / 12.0) * (p3 - p4);
  let q2 = <f32>(1.0 / 6.0) * (s2 - s) + p5;
  if (accumulate) {
    q0 += load<f32>(out);
    q1 += load<f32>(out + outStride);
    q2 += load<f32>(out + 2 * outStride);
  }
  store<f32>(out, q0);
  store<f32>(out + outStride, q1);
  store<f32>(out + 2 * outStride, q2);
}
