// Winograd F(4×4, 3×3) across the batch, for maps too narrow for winograd4.ts's four tiles per
// row (8×8, 4×4, 2×2: VGG's and ResNet's last stages). A vector's four lanes are four images at
// the same tile position, so a map of any size fills them, and the products are one GEMM per ξ
// over every tile of every image: M[ξ] (m × T) = U[ξ] (m × c) · V[ξ] (c × T), T = positions × n8
// (images rounded up to 8, the extra ones zero). Four phases, each split over threads by its own
// counter: the filter's transform (blocks of 4 output channels), the input's (input channels),
// the products (ξ × blocks of 4 output channels) and the output's (output channels). The
// transforms are winograd4.ts's matrices applied lane by lane. Every ξ plane is `skewed` (winograd.ts)
// floats long.

import { take, product4x8, skewed } from './winograd';
import { gemmLd } from './gemm';
import { columnsA } from './winograd4';
import { transposeStore } from './transpose';

/**
 * Lays `rows` × `cols` positions of up to four images (planes `imgBytes` apart from `src`, rows
 * `srcRow` bytes) into the images-innermost layout: position (y, x) of image l at
 * dst + y·dstRow + x·col + 4l. Four whole images go four positions at a time through a 4×4
 * transpose in registers (a scalar store per value costs as much as the transform after it).
 */
// @ts-ignore: decorator
@inline
function toLanes(src: usize, imgBytes: usize, srcRow: usize, dst: usize, dstRow: usize, col: usize, rows: i32, cols: i32, images: i32): void {
  const body = images === 4 ? cols & ~3 : 0;
  for (let y = 0; y < rows; y++) {
    const from = src + <usize>y * srcRow;
    const to = dst + <usize>y * dstRow;
    for (let x = 0; x < body; x += 4) {
      const k = <usize>x << 2;
      const r0 = v128.load(from + k), r1 = v128.load(from + imgBytes + k);
      const r2 = v128.load(from + 2 * imgBytes + k), r3 = v128.load(from + 3 * imgBytes + k);
      transposeStore(r0, r1, r2, r3, to + <usize>x * col, col);
    }
    for (let l = 0; l < images; l++) {
      for (let x = body; x < cols; x++) store<f32>(to + <usize>x * col + (<usize>l << 2), load<f32>(from + <usize>l * imgBytes + (<usize>x << 2)));
    }
  }
}

/** toLanes' inverse: the images-innermost layout at `src` back into up to four images' planes at `dst`. */
// @ts-ignore: decorator
@inline
function fromLanes(src: usize, srcRow: usize, col: usize, dst: usize, imgBytes: usize, dstRow: usize, rows: i32, cols: i32, images: i32): void {
  const body = images === 4 ? cols & ~3 : 0;
  for (let y = 0; y < rows; y++) {
    const from = src + <usize>y * srcRow;
    const to = dst + <usize>y * dstRow;
    for (let x = 0; x < body; x += 4) {
      const p = from + <usize>x * col;
      const c0 = v128.load(p), c1 = v128.load(p + col), c2 = v128.load(p + 2 * col), c3 = v128.load(p + 3 * col);
      transposeStore(c0, c1, c2, c3, to + (<usize>x << 2), imgBytes);
    }
    for (let l = 0; l < images; l++) {
      for (let x = body; x < cols; x++) store<f32>(to + <usize>l * imgBytes + (<usize>x << 2), load<f32>(from + <usize>x * col + (<usize>l << 2)));
    }
  }
}

/** Bᵀ on six vectors `stride` bytes apart from `p`, the six results `outStride` apart from `out` (in place allowed). */
// @ts-ignore: decorator
@inline
function bt6(p: usize, stride: usize, out: usize, outStride: usize): void {
  const d0 = v128.load(p), d1 = v128.load(p + stride), d2 = v128.load(p + 2 * stride);
  const d3 = v128.load(p + 3 * stride), d4 = v128.load(p + 4 * stride), d5 = v128.load(p + 5 * stride);
  const four = f32x4.splat(4), five = f32x4.splat(5);
  const t1 = f32x4.sub(d4, f32x4.mul(four, d2)), t2 = f32x4.sub(d3, f32x4.mul(four, d1));
  const t3 = f32x4.sub(d4, d2), t4 = f32x4.mul(f32x4.splat(2), f32x4.sub(d3, d1));
  v128.store(out, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(out + outStride, f32x4.add(t1, t2));
  v128.store(out + 2 * outStride, f32x4.sub(t1, t2));
  v128.store(out + 3 * outStride, f32x4.add(t3, t4));
  v128.store(out + 4 * outStride, f32x4.sub(t3, t4));
  v128.store(out + 5 * outStride, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/** Aᵀ on six vectors `stride` bytes apart from `p` (plus `bias`), the four results `outStride` apart from `out`. */
// @ts-ignore: decorator
@inline
function at6(p: usize, stride: usize, bias: v128, out: usize, outStride: usize): void {
  const m0 = v128.load(p), m1 = v128.load(p + stride), m2 = v128.load(p + 2 * stride);
  const m3 = v128.load(p + 3 * stride), m4 = v128.load(p + 4 * stride), m5 = v128.load(p + 5 * stride);
  const s = f32x4.add(m1, m2), d = f32x4.sub(m1, m2), s2 = f32x4.add(m3, m4), d2 = f32x4.sub(m3, m4);
  v128.store(out, f32x4.add(f32x4.add(f32x4.add(m0, s), s2), bias));
  v128.store(out + outStride, f32x4.add(f32x4.add(d, f32x4.mul(f32x4.splat(2), d2)), bias));
  v128.store(out + 2 * outStride, f32x4.add(f32x4.add(s, f32x4.mul(f32x4.splat(4), s2)), bias));
  v128.store(out + 3 * outStride, f32x4.add(f32x4.add(f32x4.add(d, f32x4.mul(f32x4.splat(8), d2)), m5), bias));
}

/** G on three vectors `stride` bytes apart from `p`, the six results `outStride` apart from `out`. */
// @ts-ignore: decorator
@inline
function g3(p: usize, stride: usize, out: usize, outStride: usize): void {
  const g0 = v128.load(p), g1 = v128.load(p + stride), g2 = v128.load(p + 2 * stride);
  const even = f32x4.add(g0, g2);
  const sixth = f32x4.splat(<f32>(-1.0 / 6.0));
  const e = f32x4.add(f32x4.mul(f32x4.splat(<f32>(1.0 / 24.0)), g0), f32x4.mul(f32x4.splat(<f32>(1.0 / 6.0)), g2));
  const o = f32x4.mul(f32x4.splat(<f32>(1.0 / 12.0)), g1);
  v128.store(out, f32x4.mul(f32x4.splat(0.25), g0));
  v128.store(out + outStride, f32x4.mul(sixth, f32x4.add(even, g1)));
  v128.store(out + 2 * outStride, f32x4.mul(sixth, f32x4.sub(even, g1)));
  v128.store(out + 3 * outStride, f32x4.add(e, o));
  v128.store(out + 4 * outStride, f32x4.sub(e, o));
  v128.store(out + 5 * outStride, g2);
}

/**
 * U[ξ][block of 4 output channels][ci][4] = (G g Gᵀ)[ξ] for the blocks taken from the counter,
 * lanes = the block's four output channels (zero past m). `scratch`: 432 bytes per thread.
 */
export function wb4Filter(w: usize, u: usize, c: i32, m: i32, next: usize, scratch: usize): void {
  const m4 = (m + 3) & ~3;
  const plane = <usize>skewed(m4 * c) << 2;
  const gg = scratch; // [9 taps][4 lanes]
  const rows = scratch + 144; // G·g: [6 rows][3 columns][4 lanes]
  for (let ob = take(next); ob < (m4 >> 2); ob = take(next)) {
    for (let ci = 0; ci < c; ci++) {
      for (let l = 0; l < 4; l++) {
        const oc = (ob << 2) + l;
        const src = w + (<usize>((oc * c + ci) * 9) << 2);
        for (let t = 0; t < 9; t++) store<f32>(gg + (<usize>(t * 4 + l) << 2), oc < m ? load<f32>(src + (<usize>t << 2)) : 0);
      }
      for (let j = 0; j < 3; j++) g3(gg + (<usize>j << 4), 48, rows + (<usize>j << 4), 48);
      const at = u + (<usize>((ob * c + ci) * 4) << 2);
      for (let i = 0; i < 6; i++) g3(rows + <usize>(i * 48), 16, at + <usize>(i * 6) * plane, plane);
    }
  }
}

/**
 * V[ξ][ci][pos·n8 + img] = (Bᵀ d B)[ξ] for every tile position and image of the input channels
 * taken from the counter, lanes = four images. Each channel is first laid out zero-padded with
 * the images innermost (`xt`: c planes of (4·th + 2) × (4·tw + 2) × n8 floats, zero past n), so
 * a tile's 36 values are 36 vector loads. `scratch`: 576 bytes per thread.
 */
export function wb4Input(
  x: usize, xt: usize, v: usize, n: i32, c: i32, h: i32, wd: i32, pt: i32, pl: i32, th: i32, tw: i32, n8: i32, next: usize, scratch: usize,
): void {
  const tAll = th * tw * n8;
  const plane = <usize>skewed(c * tAll) << 2;
  const ph = 4 * th + 2;
  const pw = 4 * tw + 2;
  const col = <usize>n8 << 2;
  const row = <usize>pw * col;
  const y0 = max(0, -pt), y1 = min(h, ph - pt);
  const x0 = max(0, -pl), x1 = min(wd, pw - pl);
  for (let ci = take(next); ci < c; ci = take(next)) {
    const pad = xt + <usize>(ci * ph) * row;
    memory.fill(pad, 0, <usize>ph * row);
    const imgBytes = <usize>(c * h * wd) << 2;
    for (let img = 0; img < n; img += 4) {
      const src = x + (<usize>((img * c + ci) * h * wd + y0 * wd + x0) << 2);
      const to = pad + (<usize>img << 2) + <usize>(y0 + pt) * row + <usize>(x0 + pl) * col;
      toLanes(src, imgBytes, <usize>wd << 2, to, row, col, y1 - y0, x1 - x0, min(4, n - img));
    }
    for (let ty = 0; ty < th; ty++) {
      for (let tx = 0; tx < tw; tx++) {
        for (let g = 0; g < n8; g += 4) {
          const src = pad + <usize>(4 * ty) * row + <usize>(4 * tx) * col + (<usize>g << 2);
          // Bᵀ on the columns (rows combined) into scratch [row][column][lane]; then on the rows, into V.
          for (let j = 0; j < 6; j++) bt6(src + <usize>j * col, row, scratch + (<usize>j << 4), 96);
          const dst = v + (<usize>(ci * tAll + (ty * tw + tx) * n8 + g) << 2);
          for (let i = 0; i < 6; i++) bt6(scratch + <usize>(i * 96), 16, dst + <usize>(i * 6) * plane, plane);
        }
      }
    }
  }
}

/** M[ξ][oc block][tiles] = U[ξ] · V[ξ] for the (ξ, block of 4 output channels) pairs taken from the counter. */
export function wb4Product(u: usize, v: usize, mm: usize, c: i32, m4: i32, tAll: i32, next: usize): void {
  const blocks = m4 >> 2;
  const row = <usize>tAll << 2;
  const uPlane = <usize>skewed(m4 * c) << 2;
  const vPlane = <usize>skewed(c * tAll) << 2;
  const mPlane = <usize>skewed(m4 * tAll) << 2;
  for (let item = take(next); item < 36 * blocks; item = take(next)) {
    const xi = item / blocks;
    const ob = (item - xi * blocks) << 2;
    const ux = u + <usize>xi * uPlane + (<usize>(ob * c) << 2);
    const vx = v + <usize>xi * vPlane;
    const mx = mm + <usize>xi * mPlane + <usize>ob * row;
    for (let t0 = 0; t0 < tAll; t0 += 8) product4x8(ux, vx + (<usize>t0 << 2), row, c, mx + (<usize>t0 << 2), row);
  }
}

/**
 * y[img][oc] = Aᵀ M A + bias for the output channels taken from the counter: every tile of every
 * image into `yt` (m planes of 4·th × 4·tw × n8 floats, images innermost, as vector stores), then
 * those inside n × oh × ow copied out. `scratch`: 384 bytes per thread.
 */
export function wb4Output(
  mm: usize, bias: usize, y: usize, yt: usize, n: i32, m: i32, oh: i32, ow: i32, th: i32, tw: i32, n8: i32, next: usize, scratch: usize,
): void {
  const m4 = (m + 3) & ~3;
  const tAll = th * tw * n8;
  const plane = <usize>skewed(m4 * tAll) << 2;
  const col = <usize>n8 << 2;
  const row = <usize>(4 * tw) * col;
  const zero = f32x4.splat(0);
  for (let oc = take(next); oc < m; oc = take(next)) {
    const b = bias ? f32x4.splat(load<f32>(bias + (<usize>oc << 2))) : zero;
    const out = yt + <usize>(oc * 4 * th) * row;
    for (let ty = 0; ty < th; ty++) {
      for (let tx = 0; tx < tw; tx++) {
        for (let g = 0; g < n; g += 4) {
          const src = mm + (<usize>(oc * tAll + (ty * tw + tx) * n8 + g) << 2);
          // Aᵀ on the rows of each column into scratch [row][column][lane], then on the columns into yt.
          for (let j = 0; j < 6; j++) at6(src + <usize>j * plane, 6 * plane, zero, scratch + (<usize>j << 4), 96);
          const dst = out + <usize>(4 * ty) * row + <usize>(4 * tx) * col + (<usize>g << 2);
          for (let r = 0; r < 4; r++) at6(scratch + <usize>(r * 96), 16, b, dst + <usize>r * row, col);
        }
      }
    }
    const imgBytes = <usize>(m * oh * ow) << 2;
    for (let img = 0; img < n; img += 4) {
      fromLanes(out + (<usize>img << 2), row, col, y + (<usize>((img * m + oc) * oh * ow) << 2), imgBytes, <usize>ow << 2, oh, ow, min(4, n - img));
    }
  }
}

/** A on four vectors `stride` bytes apart from `p`, the six results `outStride` apart from `out`. */
// @ts-ignore: decorator
@inline
function a4(p: usize, stride: usize, out: usize, outStride: usize): void {
  columnsA(v128.load(p), v128.load(p + stride), v128.load(p + 2 * stride), v128.load(p + 3 * stride), out, outStride);
}

/** Gᵀ on six vectors `stride` bytes apart from `p`, the three results `outStride` apart from `out` (in place allowed). */
// @ts-ignore: decorator
@inline
function gt6(p: usize, stride: usize, out: usize, outStride: usize): void {
  const p0 = v128.load(p), p1 = v128.load(p + stride), p2 = v128.load(p + 2 * stride);
  const p3 = v128.load(p + 3 * stride), p4 = v128.load(p + 4 * stride), p5 = v128.load(p + 5 * stride);
  const s = f32x4.add(p1, p2), s2 = f32x4.add(p3, p4);
  const sixth = f32x4.splat(<f32>(1.0 / 6.0));
  v128.store(out, f32x4.add(f32x4.sub(f32x4.mul(f32x4.splat(0.25), p0), f32x4.mul(sixth, s)), f32x4.mul(f32x4.splat(<f32>(1.0 / 24.0)), s2)));
  v128.store(out + outStride, f32x4.add(f32x4.mul(sixth, f32x4.sub(p2, p1)), f32x4.mul(f32x4.splat(<f32>(1.0 / 12.0)), f32x4.sub(p3, p4))));
  v128.store(out + 2 * outStride, f32x4.add(f32x4.mul(sixth, f32x4.sub(s2, s)), p5));
}

/**
 * The filter gradient's transformed output gradient, G[ξ][oc][pos·n8 + img] = (A dY Aᵀ)[ξ], for
 * the output channels taken from the counter, lanes = four images. Each channel's dY is first laid
 * out with the images innermost over whole tiles (4·th × 4·tw × n8 floats at `scratch`, zero past
 * n × oh × ow), then 384 bytes for the transform.
 */
export function wb4Grad(
  dy: usize, gg: usize, n: i32, m: i32, oh: i32, ow: i32, th: i32, tw: i32, n8: i32, next: usize, scratch: usize,
): void {
  const tAll = th * tw * n8;
  const plane = <usize>skewed(m * tAll) << 2;
  const col = <usize>n8 << 2;
  const row = <usize>(4 * tw) * col;
  const tmp = scratch + <usize>(4 * th) * row;
  for (let oc = take(next); oc < m; oc = take(next)) {
    memory.fill(scratch, 0, <usize>(4 * th) * row);
    const imgBytes = <usize>(m * oh * ow) << 2;
    for (let img = 0; img < n; img += 4) {
      toLanes(dy + (<usize>((img * m + oc) * oh * ow) << 2), imgBytes, <usize>ow << 2, scratch + (<usize>img << 2), row, col, oh, ow, min(4, n - img));
    }
    for (let ty = 0; ty < th; ty++) {
      for (let tx = 0; tx < tw; tx++) {
        for (let g = 0; g < n8; g += 4) {
          const src = scratch + <usize>(4 * ty) * row + <usize>(4 * tx) * col + (<usize>g << 2);
          // A on the rows of each column into tmp [row][column][lane] (6 × 4), then on the columns into G.
          for (let k = 0; k < 4; k++) a4(src + <usize>k * col, row, tmp + (<usize>k << 4), 64);
          const dst = gg + (<usize>(oc * tAll + (ty * tw + tx) * n8 + g) << 2);
          for (let i = 0; i < 6; i++) a4(tmp + <usize>(i * 64), 16, dst + <usize>(i * 6) * plane, plane);
        }
      }
    }
  }
}

/** P[ξ] (m × c) = G[ξ] · V[ξ]ᵀ, summed over every tile of every image, for the ξ taken from the counter. */
export function wb4FilterProduct(gg: usize, v: usize, p: usize, c: i32, m: i32, tAll: i32, next: usize, work: usize): void {
  for (let xi = take(next); xi < 36; xi = take(next)) {
    gemmLd(
      m, c, tAll,
      gg + <usize>xi * (<usize>skewed(m * tAll) << 2), tAll, false,
      v + <usize>xi * (<usize>skewed(c * tAll) << 2), tAll, true,
      p + <usize>xi * (<usize>skewed(m * c) << 2), c, false, work,
    );
  }
}

/**
 * dW[oc][ci] = Gᵀ P[oc][ci] G for the output channels taken from the counter, four input
 * channels per vector (P is read 4 floats past its end at most: the caller leaves them).
 * `scratch`: 432 bytes per thread.
 */
export function wb4FilterOut(p: usize, dW: usize, c: i32, m: i32, next: usize, scratch: usize): void {
  const plane = <usize>skewed(m * c) << 2;
  for (let oc = take(next); oc < m; oc = take(next)) {
    for (let ci = 0; ci < c; ci += 4) {
      const src = p + (<usize>(oc * c + ci) << 2);
      // Gᵀ on the rows of each column into scratch [row][column][lane] (3 × 6), then on the columns.
      for (let j = 0; j < 6; j++) gt6(src + <usize>j * plane, 6 * plane, scratch + (<usize>j << 4), 96);
      for (let i = 0; i < 3; i++) gt6(scratch + <usize>(i * 96), 16, scratch + 288 + <usize>(i * 48), 16);
      const lanes = min(4, c - ci);
      for (let l = 0; l < lanes; l++) {
        const out = dW + (<usize>((oc * c + ci + l) * 9) << 2);
        for (let t = 0; t < 9; t++) store<f32>(out + (<usize>t << 2), load<f32>(scratch + 288 + (<usize>(t * 4 + l) << 2)));
      }
    }
  }
}
