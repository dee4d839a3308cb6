// Winograd F(2×2, 3×3) convolution (Lavin & Gray, 2015) for stride-1 3×3 filters: each 2×2 block
// of outputs comes from a 4×4 block of input in 16 multiplies per channel pair instead of 36. The
// input's 4×4 tiles and the filter are transformed (adds only), 16 independent products
// M[ξ] = U[ξ] · V[ξ] (output channels × input channels × tiles) do the multiplies, and the output
// transform folds each 4×4 of M back to 2×2 outputs. Tiles are processed four at a time along a
// row (one vector lane each), so a row of tiles is padded to a multiple of 4.
//
//   Bᵀ = | 1  0 -1  0 |   G = | 1    0    0  |   Aᵀ = | 1  1  1  0 |
//        | 0  1  1  0 |       | ½    ½    ½  |        | 0  1 -1 -1 |
//        | 0 -1  1  0 |       | ½   -½    ½  |
//        | 0  1  0 -1 |       | 0    0    1  |

import { madd } from './madd';
import { sumTransformed } from './sum_tile';

/** Takes the next image from the shared i32 counter at `next` (see conv.ts). */
// @ts-ignore: decorator
@inline
export function take(next: usize): i32 {
  return atomic.add<i32>(next, 1);
}

// An image is th × twp tiles (twp rounded up to a multiple of 4: four tiles per vector), stored
// tp = th·twp rounded up to 8 apart (the products take 8 tiles at a time); its padded copy is
// (2·th + 2) × (2·twp + 2).
// @ts-ignore: decorator
@inline
function tilesHigh(oh: i32): i32 {
  return (oh + 1) >> 1;
}
// @ts-ignore: decorator
@inline
function tilesWide(ow: i32): i32 {
  return (((ow + 1) >> 1) + 3) & ~3;
}

/**
 * Floats between two ξ planes of `floats` each: 16 more, so the 36 planes a transform reads or
 * writes together do not sit a multiple of 4 KiB apart (16 channels × 64 tiles is exactly 4 KiB; measured 1.3–1.7× on
 * ResNet-20's 16- and 32-channel layers, 2026-12-07),
 * where they would share one set of the L1 cache and alias in the store-to-load check.
 */
// @ts-ignore: decorator
@inline
export function skewed(floats: i32): i32 {
  return floats + 16;
}

/** Floats of workspace one thread needs: the padded image, V, M, U and 32 floats of scratch. */
export function winogradWorkFloats(c: i32, m: i32, oh: i32, ow: i32): i32 {
  const th = tilesHigh(oh);
  const twp = tilesWide(ow);
  const tp = (th * twp + 7) & ~7;
  const m4 = (m + 3) & ~3;
  return c * (2 * th + 2) * (2 * twp + 2) + 16 * skewed(c * tp) + 16 * skewed(m4 * tp) + 16 * m4 * c + 32;
}

/**
 * y[img] = conv3×3(x[img], w) + bias at stride 1 with pads (pt, pl), for every image taken from
 * the counter. `work` holds winogradWorkFloats floats.
 */
export function convWinograd(
  x: usize, w: usize, bias: usize, y: usize, next: usize, n: i32,
  c: i32, h: i32, wd: i32, m: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  work: usize,
): void {
  const th = tilesHigh(oh);
  const twp = tilesWide(ow);
  const t = th * twp;
  const tp = (t + 7) & ~7;
  const m4 = (m + 3) & ~3;
  const ph = 2 * th + 2;
  const pw = 2 * twp + 2;
  const pad = work;
  const v = pad + (<usize>(c * ph * pw) << 2);
  const vPlane = <usize>skewed(c * tp) << 2;
  const mPlane = <usize>skewed(m4 * tp) << 2;
  const mm = v + 16 * vPlane;
  const u = mm + 16 * mPlane;
  // Per-thread scratch: static data would be shared by every thread.
  const scratch = u + (<usize>(16 * m4 * c) << 2);
  transformFilter(w, u, c, m, m4, scratch);
  // Tiles past t (the last rows' rounding to 8) stay zero.
  memory.fill(v, 0, 16 * vPlane);
  for (let img = take(next); img < n; img = take(next)) {
    padInput(x + (<usize>(img * c * h * wd) << 2), pad, c, h, wd, pt, pl, ph, pw);
    for (let ci = 0; ci < c; ci++) {
      const plane = pad + (<usize>(ci * ph * pw) << 2);
      for (let ty = 0; ty < th; ty++) {
        for (let tx = 0; tx < twp; tx += 4) {
          transformInput4(plane + (<usize>(2 * ty * pw + 2 * tx) << 2), <usize>pw << 2, v + (<usize>(ci * tp + ty * twp + tx) << 2), vPlane);
        }
      }
    }
    for (let xi = 0; xi < 16; xi++) {
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
          transformOutput4(mm + (<usize>(oc * tp + ty * twp + tx) << 2), mPlane, b, yc, oh, ow, 2 * ty, 2 * tx, scratch);
        }
      }
    }
  }
}

/** U[ξ][oc block of 4][ci][4] = (G g Gᵀ)[ξ] for each filter g = w[oc][ci]; zero for oc ≥ m. */
function transformFilter(w: usize, u: usize, c: i32, m: i32, m4: i32, r: usize): void {
  for (let oc = 0; oc < m4; oc++) {
    for (let ci = 0; ci < c; ci++) {
      // Offset of (oc, ci) inside each ξ plane: block oc/4, row ci, lane oc % 4.
      const at = u + (<usize>(((oc >> 2) * c + ci) * 4 + (oc & 3)) << 2);
      const plane = <usize>(m4 * c) << 2;
      if (oc >= m) {
        for (let xi = 0; xi < 16; xi++) store<f32>(at + <usize>xi * plane, 0);
        continue;
      }
      const g = w + (<usize>((oc * c + ci) * 9) << 2);
      // G·g: 4 rows × 3 columns, in r.
      for (let j = 0; j < 3; j++) {
        const g0 = load<f32>(g + (<usize>j << 2));
        const g1 = load<f32>(g + (<usize>(3 + j) << 2));
        const g2 = load<f32>(g + (<usize>(6 + j) << 2));
        store<f32>(r + (<usize>j << 2), g0);
        store<f32>(r + (<usize>(3 + j) << 2), 0.5 * (g0 + g1 + g2));
        store<f32>(r + (<usize>(6 + j) << 2), 0.5 * (g0 - g1 + g2));
        store<f32>(r + (<usize>(9 + j) << 2), g2);
      }
      // (G·g)·Gᵀ: each row's 3 values to 4.
      for (let i = 0; i < 4; i++) {
        const a0 = load<f32>(r + (<usize>(i * 3) << 2));
        const a1 = load<f32>(r + (<usize>(i * 3 + 1) << 2));
        const a2 = load<f32>(r + (<usize>(i * 3 + 2) << 2));
        store<f32>(at + <usize>(i * 4) * plane, a0);
        store<f32>(at + <usize>(i * 4 + 1) * plane, 0.5 * (a0 + a1 + a2));
        store<f32>(at + <usize>(i * 4 + 2) * plane, 0.5 * (a0 - a1 + a2));
        store<f32>(at + <usize>(i * 4 + 3) * plane, a2);
      }
    }
  }
}

/** The zero-padded image: c planes of ph × pw, the input at (pt, pl). */
export function padInput(src: usize, pad: usize, c: i32, h: i32, wd: i32, pt: i32, pl: i32, ph: i32, pw: i32): void {
  memory.fill(pad, 0, <usize>(c * ph * pw) << 2);
  const x0 = max(0, -pl);
  const x1 = min(wd, pw - pl);
  if (x1 <= x0) return;
  for (let ci = 0; ci < c; ci++) {
    const from = src + (<usize>(ci * h * wd) << 2);
    const dst = pad + (<usize>(ci * ph * pw) << 2);
    for (let iy = 0; iy < h; iy++) {
      const py = iy + pt;
      if (py < 0 || py >= ph) continue;
      memory.copy(dst + (<usize>(py * pw + x0 + pl) << 2), from + (<usize>(iy * wd + x0) << 2), <usize>(x1 - x0) << 2);
    }
  }
}

/**
 * Bᵀ d B for four horizontally adjacent tiles (one per lane): row r of tile lane l is the padded
 * image's columns 2l … 2l + 3, split from two pairs of loads by even/odd shuffles.
 */
// @ts-ignore: decorator
@inline
function transformInput4(src: usize, rowBytes: usize, dst: usize, planeBytes: usize): void {
  // d[r][j]: the tiles' column j of row r.
  let p = src;
  let a = v128.load(p), b = v128.load(p, 16), e = v128.load(p, 8), f = v128.load(p, 24);
  const d00 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), d01 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
  const d02 = v128.shuffle<f32>(e, f, 0, 2, 4, 6), d03 = v128.shuffle<f32>(e, f, 1, 3, 5, 7);
  p += rowBytes;
  a = v128.load(p); b = v128.load(p, 16); e = v128.load(p, 8); f = v128.load(p, 24);
  const d10 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), d11 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
  const d12 = v128.shuffle<f32>(e, f, 0, 2, 4, 6), d13 = v128.shuffle<f32>(e, f, 1, 3, 5, 7);
  p += rowBytes;
  a = v128.load(p); b = v128.load(p, 16); e = v128.load(p, 8); f = v128.load(p, 24);
  const d20 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), d21 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
  const d22 = v128.shuffle<f32>(e, f, 0, 2, 4, 6), d23 = v128.shuffle<f32>(e, f, 1, 3, 5, 7);
  p += rowBytes;
  a = v128.load(p); b = v128.load(p, 16); e = v128.load(p, 8); f = v128.load(p, 24);
  const d30 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), d31 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
  const d32 = v128.shuffle<f32>(e, f, 0, 2, 4, 6), d33 = v128.shuffle<f32>(e, f, 1, 3, 5, 7);
  // Bᵀ d: combine rows.
  const t00 = f32x4.sub(d00, d20), t01 = f32x4.sub(d01, d21), t02 = f32x4.sub(d02, d22), t03 = f32x4.sub(d03, d23);
  const t10 = f32x4.add(d10, d20), t11 = f32x4.add(d11, d21), t12 = f32x4.add(d12, d22), t13 = f32x4.add(d13, d23);
  const t20 = f32x4.sub(d20, d10), t21 = f32x4.sub(d21, d11), t22 = f32x4.sub(d22, d12), t23 = f32x4.sub(d23, d13);
  const t30 = f32x4.sub(d10, d30), t31 = f32x4.sub(d11, d31), t32 = f32x4.sub(d12, d32), t33 = f32x4.sub(d13, d33);
  // (Bᵀ d) B: combine columns; ξ = 4i + j.
  storeRowB(dst, planeBytes, 0, t00, t01, t02, t03);
  storeRowB(dst, planeBytes, 4, t10, t11, t12, t13);
  storeRowB(dst, planeBytes, 8, t20, t21, t22, t23);
  storeRowB(dst, planeBytes, 12, t30, t31, t32, t33);
}

// @ts-ignore: decorator
@inline
function storeRowB(dst: usize, planeBytes: usize, xi: i32, r0: v128, r1: v128, r2: v128, r3: v128): void {
  v128.store(dst + <usize>xi * planeBytes, f32x4.sub(r0, r2));
  v128.store(dst + <usize>(xi + 1) * planeBytes, f32x4.add(r1, r2));
  v128.store(dst + <usize>(xi + 2) * planeBytes, f32x4.sub(r2, r1));
  v128.store(dst + <usize>(xi + 3) * planeBytes, f32x4.sub(r1, r3));
}

/**
 * M[4 channels][8 tiles] = Σ_ci U[ci][4] ⊗ V[ci][8 tiles]: GEMM's 4×8 tile shape, the filter's
 * four values splat from one packed row, the tiles read contiguously.
 */
// @ts-ignore: decorator
@inline
export function product4x8(u: usize, v: usize, vRow: usize, c: i32, out: usize, outRow: usize): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  for (let ci = 0; ci < c; ci++) {
    const x0 = v128.load(v);
    const x1 = v128.load(v, 16);
    const w0 = v128.load32_splat(u);
    const w1 = v128.load32_splat(u, 4);
    const w2 = v128.load32_splat(u, 8);
    const w3 = v128.load32_splat(u, 12);
    a00 = madd(w0, x0, a00);
    a01 = madd(w0, x1, a01);
    a10 = madd(w1, x0, a10);
    a11 = madd(w1, x1, a11);
    a20 = madd(w2, x0, a20);
    a21 = madd(w2, x1, a21);
    a30 = madd(w3, x0, a30);
    a31 = madd(w3, x1, a31);
    u += 16;
    v += vRow;
  }
  v128.store(out, a00);
  v128.store(out, a01, 16);
  v128.store(out + outRow, a10);
  v128.store(out + outRow, a11, 16);
  v128.store(out + 2 * outRow, a20);
  v128.store(out + 2 * outRow, a21, 16);
  v128.store(out + 3 * outRow, a30);
  v128.store(out + 3 * outRow, a31, 16);
}

/**
 * Aᵀ M A + bias for four horizontally adjacent tiles of one output channel, written as outputs
 * (2·ty, 2·tx) … (2·ty + 1, 2·tx + 7), only those inside oh × ow.
 */
// @ts-ignore: decorator
@inline
function transformOutput4(src: usize, planeBytes: usize, bias: v128, y: usize, oh: i32, ow: i32, oy: i32, ox: i32, tmp: usize): void {
  // Aᵀ M: rows s0 = m0 + m1 + m2, s1 = m1 − m2 − m3, per column j.
  const m00 = v128.load(src), m01 = v128.load(src + planeBytes), m02 = v128.load(src + 2 * planeBytes), m03 = v128.load(src + 3 * planeBytes);
  const m10 = v128.load(src + 4 * planeBytes), m11 = v128.load(src + 5 * planeBytes), m12 = v128.load(src + 6 * planeBytes), m13 = v128.load(src + 7 * planeBytes);
  const m20 = v128.load(src + 8 * planeBytes), m21 = v128.load(src + 9 * planeBytes), m22 = v128.load(src + 10 * planeBytes), m23 = v128.load(src + 11 * planeBytes);
  const m30 = v128.load(src + 12 * planeBytes), m31 = v128.load(src + 13 * planeBytes), m32 = v128.load(src + 14 * planeBytes), m33 = v128.load(src + 15 * planeBytes);
  const s00 = f32x4.add(f32x4.add(m00, m10), m20), s01 = f32x4.add(f32x4.add(m01, m11), m21);
  const s02 = f32x4.add(f32x4.add(m02, m12), m22), s03 = f32x4.add(f32x4.add(m03, m13), m23);
  const s10 = f32x4.sub(f32x4.sub(m10, m20), m30), s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
  const s12 = f32x4.sub(f32x4.sub(m12, m22), m32), s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
  // (Aᵀ M) A: per row, y0 = s0 + s1 + s2, y1 = s1 − s2 − s3.
  const y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), bias);
  const y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), bias);
  const y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), bias);
  const y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), bias);
  storeOutputRow(y + (<usize>(oy * ow + ox) << 2), y00, y01, ow - ox, tmp);
  if (oy + 1 < oh) storeOutputRow(y + (<usize>((oy + 1) * ow + ox) << 2), y10, y11, ow - ox, tmp);
}

/** Interleaves four tiles' left and right outputs into 8 positions and stores the first `valid`. */
// @ts-ignore: decorator
@inline
function storeOutputRow(p: usize, left: v128, right: v128, valid: i32, tmp: usize): void {
  const lo = v128.shuffle<f32>(left, right, 0, 4, 1, 5);
  const hi = v128.shuffle<f32>(left, right, 2, 6, 3, 7);
  if (valid >= 8) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
    return;
  }
  if (valid <= 0) return;
  v128.store(tmp, lo);
  v128.store(tmp, hi, 16);
  memory.copy(p, tmp, <usize>valid << 2);
}

/**
 * Floats of workspace one thread needs for the filter gradient: the padded image, V, the
 * transformed output gradient (8-channel panels), the transformed sums P and 16 floats.
 */
export function winogradFilterWorkFloats(c: i32, m: i32, oh: i32, ow: i32): i32 {
  const th = tilesHigh(oh);
  const twp = tilesWide(ow);
  const tp = (th * twp + 7) & ~7;
  const mp = (m + 7) & ~7;
  const c4 = (c + 3) & ~3;
  return c * (2 * th + 2) * (2 * twp + 2) + 16 * skewed(c * tp) + 16 * skewed(mp * tp) + 16 * skewed(c4 * mp);
}

/**
 * The filter gradient through the same algorithm, transposed: the forward pass computes each
 * output tile as Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, so dg = Gᵀ[Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ d B)]G — 16
 * products summed over tiles (input channels × output channels each) instead of 36, and the
 * 4×4 → 3×3 transform once at the end. Images are split into `chunks` as convFilterDirect's
 * (chunk 0 adds into dW, chunk i into partials + (i − 1)·m·c·9).
 */
export function convFilterWinograd(
  x: usize, dy: usize, dW: usize, partials: usize, chunks: i32, next: usize, n: i32,
  c: i32, h: i32, wd: i32, m: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  work: usize,
): void {
  const th = tilesHigh(oh);
  const twp = tilesWide(ow);
  const t = th * twp;
  const tp = (t + 7) & ~7;
  const mp = (m + 7) & ~7;
  const c4 = (c + 3) & ~3;
  const ph = 2 * th + 2;
  const pw = 2 * twp + 2;
  const pad = work;
  const v = pad + (<usize>(c * ph * pw) << 2);
  const vPlane = <usize>skewed(c * tp) << 2;
  const gPlane = <usize>skewed(mp * tp) << 2;
  const sPlane = <usize>skewed(c4 * mp) << 2;
  const g = v + 16 * vPlane;
  const sums = g + 16 * gPlane;
  // Lanes of channels past m stay zero.
  memory.fill(g, 0, 16 * gPlane);
  for (let ch = take(next); ch < chunks; ch = take(next)) {
    const target = ch == 0 ? dW : partials + (<usize>((ch - 1) * m * c * 9) << 2);
    memory.fill(sums, 0, 16 * sPlane);
    const img0 = <i32>((<i64>ch * n) / chunks);
    const img1 = <i32>((<i64>(ch + 1) * n) / chunks);
    for (let img = img0; img < img1; img++) {
      padInput(x + (<usize>(img * c * h * wd) << 2), pad, c, h, wd, pt, pl, ph, pw);
      for (let ci = 0; ci < c; ci++) {
        const plane = pad + (<usize>(ci * ph * pw) << 2);
        for (let ty = 0; ty < th; ty++) {
          for (let tx = 0; tx < twp; tx += 4) {
            transformInput4(plane + (<usize>(2 * ty * pw + 2 * tx) << 2), <usize>pw << 2, v + (<usize>(ci * tp + ty * twp + tx) << 2), vPlane);
          }
        }
      }
      for (let oc = 0; oc < m; oc++) {
        const src = dy + (<usize>((img * m + oc) * oh * ow) << 2);
        const lane = g + (<usize>((oc >> 3) * tp) << 5) + (<usize>(oc & 7) << 2);
        for (let ty = 0; ty < th; ty++) {
          for (let tx = 0; tx < twp; tx++) {
            transformGradient(src, oh, ow, 2 * ty, 2 * tx, lane + (<usize>(ty * twp + tx) << 5), gPlane);
          }
        }
      }
      sumTransformed(16, v, vPlane, g, gPlane, sums, sPlane, c, m, tp, t);
    }
    for (let oc = 0; oc < m; oc++) {
      for (let ci = 0; ci < c; ci++) {
        transformFilterGradient(sums + (<usize>(ci * mp + oc) << 2), sPlane, target + (<usize>((oc * c + ci) * 9) << 2));
      }
    }
  }
}

/**
 * A dY Aᵀ for the 2×2 outputs at (oy, ox) (zero where they fall outside oh × ow), its 16 values
 * stored `planeBytes` apart from `dst`.
 */
// @ts-ignore: decorator
@inline
function transformGradient(src: usize, oh: i32, ow: i32, oy: i32, ox: i32, dst: usize, planeBytes: usize): void {
  const right = ox + 1 < ow;
  const below = oy + 1 < oh;
  const inside = oy < oh && ox < ow;
  const p = src + (<usize>(oy * ow + ox) << 2);
  const a = inside ? load<f32>(p) : 0;
  const b = inside && right ? load<f32>(p, 4) : 0;
  const cc = inside && below ? load<f32>(p + (<usize>ow << 2)) : 0;
  const d = inside && below && right ? load<f32>(p + (<usize>ow << 2), 4) : 0;
  // A = [1 0; 1 1; 1 −1; 0 −1]: rows (a, b), (a + c, b + d), (a − c, b − d), (−c, −d), then each row (p, q) → (p, p + q, p − q, −q).
  storeGradientRow(dst, planeBytes, 0, a, b);
  storeGradientRow(dst, planeBytes, 4, a + cc, b + d);
  storeGradientRow(dst, planeBytes, 8, a - cc, b - d);
  storeGradientRow(dst, planeBytes, 12, -cc, -d);
}

// @ts-ignore: decorator
@inline
function storeGradientRow(dst: usize, planeBytes: usize, xi: i32, p: f32, q: f32): void {
  store<f32>(dst + <usize>xi * planeBytes, p);
  store<f32>(dst + <usize>(xi + 1) * planeBytes, p + q);
  store<f32>(dst + <usize>(xi + 2) * planeBytes, p - q);
  store<f32>(dst + <usize>(xi + 3) * planeBytes, -q);
}

/** dW[3×3] += Gᵀ P G for the 16 sums P[ξ] found `planeBytes` apart from `p`. */
// @ts-ignore: decorator
@inline
function transformFilterGradient(p: usize, planeBytes: usize, dw: usize): void {
  // Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1], applied to the rows of P, then to the columns.
  for (let j = 0; j < 4; j++) {
    const p0 = load<f32>(p + <usize>j * planeBytes);
    const p1 = load<f32>(p + <usize>(4 + j) * planeBytes);
    const p2 = load<f32>(p + <usize>(8 + j) * planeBytes);
    const p3 = load<f32>(p + <usize>(12 + j) * planeBytes);
    // R[i][j] kept in the sums' own slots (each column is read before it is overwritten).
    store<f32>(p + <usize>j * planeBytes, p0 + 0.5 * (p1 + p2));
    store<f32>(p + <usize>(4 + j) * planeBytes, 0.5 * (p1 - p2));
    store<f32>(p + <usize>(8 + j) * planeBytes, 0.5 * (p1 + p2) + p3);
  }
  for (let i = 0; i < 3; i++) {
    const r0 = load<f32>(p + <usize>(4 * i) * planeBytes);
    const r1 = load<f32>(p + <usize>(4 * i + 1) * planeBytes);
    const r2 = load<f32>(p + <usize>(4 * i + 2) * planeBytes);
    const r3 = load<f32>(p + <usize>(4 * i + 3) * planeBytes);
    const out = dw + (<usize>(3 * i) << 2);
    store<f32>(out, load<f32>(out) + r0 + 0.5 * (r1 + r2));
    store<f32>(out, load<f32>(out, 4) + 0.5 * (r1 - r2), 4);
    store<f32>(out, load<f32>(out, 8) + 0.5 * (r1 + r2) + r3, 8);
  }
}
