// GEMM for the cpu backend, compiled to WebAssembly with 128-bit SIMD by scripts/build-wasm.mjs.
//
//   C[m×n] (+)= op(A)[m×k] · op(B)[k×n]      (row-major; op = optional transpose)
//
// Goto/BLIS structure: B is packed in KC×NC blocks into panels NR columns wide, A in MC×KC blocks
// into panels MR rows tall, and a 4×8 micro-kernel keeps the whole C tile in eight f32x4
// accumulators while it streams both panels. 4×8 uses 8 accumulators + 2 B vectors + 1 A splat =
// 11 of the 16 SIMD registers on x86-64/ARM, so nothing spills.

import { madd } from './madd';
import { transposeStore } from './transpose';

const MR: i32 = 4;
const NR: i32 = 8;
// KC·NR·4 bytes of B panel (8 KiB) stay in L1 while an A panel streams past; MC·KC·4 (64 KiB) of
// packed A fits L2; KC·NC·4 (1 MiB) of packed B is the L2/L3 working set.
const KC: i32 = 256;
const MC: i32 = 64;
const NC: i32 = 1024;

/** Bytes of scratch the caller must provide at `work`: packed A, packed B and one edge tile. */
export function workspaceBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

/**
 * C (+)= op(A)·op(B) with explicit row strides (lda, ldb, ldc, in floats), so a thread can compute
 * one block of a larger product in place.
 */
export function gemmLd(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool,
  work: usize,
): void {
  gemmCore(m, n, k, a, lda, transA, b, ldb, transB, 0, c, ldc, accumulate, work);
}

/**
 * C (+)= op(A)·B where B arrives already in the micro-kernel's panel layout for its whole depth:
 * panel j (columns 8j…8j+7) is k rows of 8 floats at `panels` + j·k·8 floats, zero past column n.
 * The filter gradient writes its transposed patch matrix straight into this layout
 * (im2colPanelsT), so B is never packed a second time.
 */
export function gemmPacked(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool,
  panels: usize,
  c: usize, ldc: i32, accumulate: bool,
  work: usize,
): void {
  gemmCore(m, n, k, a, lda, transA, 0, 0, false, panels, c, ldc, accumulate, work);
}

// @ts-ignore: decorator
@inline
function gemmCore(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool, panels: usize,
  c: usize, ldc: i32, accumulate: bool,
  work: usize,
): void {
  const packA = work;
  const packB = work + <usize>(MC * KC * 4);
  const tile = packB + <usize>(KC * NC * 4);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      const acc = accumulate || p0 > 0;
      if (!panels) packBBlock(b, ldb, transB, p0, kc, j0, nc, packB);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packABlock(a, lda, transA, i0, mc, p0, kc, packA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = panels
            ? panels + ((<usize>((j0 + jr) >> 3) * <usize>k + <usize>p0) << 5)
            : packB + <usize>(jr * kc * 4);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = packA + <usize>(ir * kc * 4);
            const cp = c + (<usize>(i0 + ir) * <usize>ldc + <usize>(j0 + jr)) * 4;
            if (mr == MR && nr == NR) {
              kernel4x8(pa, pb, kc, cp, ldc, acc);
            } else {
              // Edge tile: compute a full 4×8 tile into scratch, then copy the valid part.
              kernel4x8(pa, pb, kc, tile, NR, false);
              for (let r = 0; r < mr; r++) {
                for (let q = 0; q < nr; q++) {
                  const dst = cp + (<usize>r * <usize>ldc + <usize>q) * 4;
                  const v = load<f32>(tile + <usize>(r * NR + q) * 4);
                  store<f32>(dst, acc ? load<f32>(dst) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

/** B[p0:p0+kc, j0:j0+nc] → panels of NR columns, each kc rows of NR floats (zero-padded at the right edge). */
function packBBlock(b: usize, ldb: i32, transB: bool, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jp = 0; jp < nc; jp += NR) {
    const w = min(NR, nc - jp);
    const col0 = j0 + jp;
    if (!transB && w == NR) {
      let src = b + (<usize>p0 * <usize>ldb + <usize>col0) * 4;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += <usize>ldb * 4;
        dst += NR * 4;
      }
      continue;
    }
    let p = 0;
    if (transB && w == NR) {
      // Stored [n, k]: four rows of the eight columns at a time, two 4×4 register transposes
      // (element by element, packing cost a quarter of a small GEMM's time).
      const step = <usize>ldb * 4;
      let src = b + (<usize>col0 * <usize>ldb + <usize>p0) * 4;
      for (; p + 4 <= kc; p += 4) {
        transposeStore(v128.load(src), v128.load(src + step), v128.load(src + 2 * step), v128.load(src + 3 * step), dst, NR * 4);
        const hi = src + 4 * step;
        transposeStore(v128.load(hi), v128.load(hi + step), v128.load(hi + 2 * step), v128.load(hi + 3 * step), dst + 16, NR * 4);
        src += 16;
        dst += 4 * NR * 4;
      }
    }
    for (; p < kc; p++) {
      const row = p0 + p;
      for (let q = 0; q < NR; q++) {
        let v: f32 = 0;
        if (q < w) {
          const col = col0 + q;
          v = transB ? load<f32>(b + (<usize>col * <usize>ldb + <usize>row) * 4) : load<f32>(b + (<usize>row * <usize>ldb + <usize>col) * 4);
        }
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

/** A[i0:i0+mc, p0:p0+kc] → panels of MR rows, each kc columns of MR floats (zero-padded at the bottom edge). */
function packABlock(a: usize, lda: i32, transA: bool, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ip = 0; ip < mc; ip += MR) {
    const h = min(MR, mc - ip);
    const row0 = i0 + ip;
    if (transA && h == MR) {
      // Stored [k, m]: the MR values of one column are adjacent.
      let src = a + (<usize>p0 * <usize>lda + <usize>row0) * 4;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        src += <usize>lda * 4;
        dst += MR * 4;
      }
      continue;
    }
    if (!transA && h == MR) {
      let r0 = a + (<usize>row0 * <usize>lda + <usize>p0) * 4;
      const step = <usize>lda * 4;
      let p = 0;
      // Four columns of the four rows at a time through a 4×4 register transpose.
      for (; p + 4 <= kc; p += 4) {
        transposeStore(v128.load(r0), v128.load(r0 + step), v128.load(r0 + 2 * step), v128.load(r0 + 3 * step), dst, MR * 4);
        r0 += 16;
        dst += 4 * MR * 4;
      }
      for (; p < kc; p++) {
        store<f32>(dst, load<f32>(r0));
        store<f32>(dst, load<f32>(r0 + step), 4);
        store<f32>(dst, load<f32>(r0 + 2 * step), 8);
        store<f32>(dst, load<f32>(r0 + 3 * step), 12);
        r0 += 4;
        dst += MR * 4;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const col = p0 + p;
      for (let r = 0; r < MR; r++) {
        let v: f32 = 0;
        if (r < h) {
          const row = row0 + r;
          v = transA ? load<f32>(a + (<usize>col * <usize>lda + <usize>row) * 4) : load<f32>(a + (<usize>row * <usize>lda + <usize>col) * 4);
        }
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

/** C[4×8] (+)= Apanel[kc×4]ᵀ · Bpanel[kc×8], C rows `ldc` floats apart. */
// @ts-ignore: decorator
@inline
function kernel4x8(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    const a1 = v128.load32_splat(pa, 4);
    const a2 = v128.load32_splat(pa, 8);
    const a3 = v128.load32_splat(pa, 12);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    pa += MR * 4;
    pb += NR * 4;
  }
  const row = <usize>ldc * 4;
  storeRow(c, c00, c01, accumulate);
  storeRow(c + row, c10, c11, accumulate);
  storeRow(c + 2 * row, c20, c21, accumulate);
  storeRow(c + 3 * row, c30, c31, accumulate);
}

// @ts-ignore: decorator
@inline
function storeRow(p: usize, lo: v128, hi: v128, accumulate: bool): void {
  if (accumulate) {
    lo = f32x4.add(lo, v128.load(p));
    hi = f32x4.add(hi, v128.load(p, 16));
  }
  v128.store(p, lo);
  v128.store(p, hi, 16);
}

/** First output column whose input column (ox·sw + xOff) is ≥ 0; shared by im2col and col2im. */
// @ts-ignore: decorator
@inline
function firstInside(ow: i32, sw: i32, xOff: i32): i32 {
  let lo = 0;
  while (lo < ow && lo * sw + xOff < 0) lo++;
  return lo;
}

/** One past the last output column whose input column (ox·sw + xOff) is < w. */
// @ts-ignore: decorator
@inline
function endInside(ow: i32, sw: i32, xOff: i32, w: i32, lo: i32): i32 {
  let hi = ow;
  while (hi > lo && (hi - 1) * sw + xOff >= w) hi--;
  return hi;
}

/** col2im, the transpose of im2col: adds each patch-matrix entry back into its input position of x. */
export function col2im(
  col: usize, x: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
): void {
  let srcRow = col;
  for (let ci = 0; ci < c; ci++) {
    const plane = x + <usize>(ci * h * w) * 4;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const xOff = kj * dw - pl;
        const lo = firstInside(ow, sw, xOff);
        const hi = endInside(ow, sw, xOff, w, lo);
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - pt + ki * dh;
          if (iy >= 0 && iy < h) {
            const dst = plane + <usize>(iy * w + xOff) * 4;
            for (let ox = lo; ox < hi; ox++) {
              const p = dst + <usize>(ox * sw) * 4;
              store<f32>(p, load<f32>(p) + load<f32>(srcRow + <usize>ox * 4));
            }
          }
          srcRow += <usize>ow * 4;
        }
      }
    }
  }
}

/**
 * The transposed patch matrix colᵀ[oh·ow][c·kh·kw] in gemmPacked's panel layout: panels of 8
 * filter taps, each `panelRows` rows of 8 floats. The filter gradient dW = dy · colᵀ reads it.
 */
export function im2colPanelsT(
  x: usize, dst: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  panelRows: i32, rowOffset: i32,
): void {
  // Panels of `panelRows` rows (several images' positions stacked), this image's from
  // `rowOffset`; the caller zeroes the panels first.
  const panelBytes = <usize>panelRows << 5;
  dst += <usize>rowOffset << 5;
  let row = 0;
  for (let ci = 0; ci < c; ci++) {
    const plane = x + <usize>(ci * h * w) * 4;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, row++) {
        const xOff = kj * dw - pl;
        const lo = firstInside(ow, sw, xOff);
        const hi = endInside(ow, sw, xOff, w, lo);
        const lane = dst + <usize>(row >> 3) * panelBytes + (<usize>(row & 7) << 2);
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - pt + ki * dh;
          if (iy < 0 || iy >= h) continue;
          const src = plane + <usize>(iy * w + xOff) * 4;
          let o = oy * ow + lo;
          for (let ox = lo; ox < hi; ox++, o++) {
            store<f32>(lane + (<usize>o << 5), load<f32>(src + <usize>(ox * sw) * 4));
          }
        }
      }
    }
  }
}

/**
 * The columns q0…q1 of one image's patch matrix (output positions in row-major order):
 * col[c·kh·kw][q1 − q0]. Convolution builds its patch matrix block by block so each block stays in
 * cache while the GEMM reads it.
 */
export function im2colCols(
  x: usize, col: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32, q0: i32, q1: i32,
): void {
  let dst = col;
  for (let ci = 0; ci < c; ci++) {
    const plane = x + <usize>(ci * h * w) * 4;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const xOff = kj * dw - pl;
        const lo = firstInside(ow, sw, xOff);
        const hi = endInside(ow, sw, xOff, w, lo);
        let q = q0;
        while (q < q1) {
          const oy = q / ow;
          const ox0 = q - oy * ow;
          const ox1 = min(ow, ox0 + (q1 - q));
          const iy = oy * sh - pt + ki * dh;
          const a = max(ox0, lo);
          const b = min(ox1, hi);
          if (iy < 0 || iy >= h || a >= b) {
            memory.fill(dst, 0, <usize>(ox1 - ox0) * 4);
          } else {
            if (a > ox0) memory.fill(dst, 0, <usize>(a - ox0) * 4);
            const src = plane + <usize>(iy * w + xOff) * 4;
            const out = dst + <usize>(a - ox0) * 4;
            if (sw == 1) {
              memory.copy(out, src + <usize>a * 4, <usize>(b - a) * 4);
            } else {
              for (let ox = a; ox < b; ox++) store<f32>(out + <usize>(ox - a) * 4, load<f32>(src + <usize>(ox * sw) * 4));
            }
            if (b < ox1) memory.fill(dst + <usize>(b - ox0) * 4, 0, <usize>(ox1 - b) * 4);
          }
          dst += <usize>(ox1 - ox0) * 4;
          q += ox1 - ox0;
        }
      }
    }
  }
}

/**
 * Blocks of C taken from the shared i32 counter at `next` until all `blocks` are done: blocks of
 * `size` columns (or rows, with `byRows`) of C = op(A)·op(B). Threads running the same call share
 * the product this way, so a worker that wakes late takes fewer blocks.
 */
export function gemmBlocks(
  next: usize, blocks: i32, size: i32, byRows: bool,
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool,
  work: usize,
): void {
  for (let blk = atomic.add<i32>(next, 1); blk < blocks; blk = atomic.add<i32>(next, 1)) {
    const lo = blk * size;
    if (byRows) {
      const rows = min(size, m - lo);
      const ap = a + <usize>(transA ? lo : lo * lda) * 4;
      gemmCore(rows, n, k, ap, lda, transA, b, ldb, transB, 0, c + <usize>(lo * ldc) * 4, ldc, accumulate, work);
    } else {
      const cols = min(size, n - lo);
      const bp = b + <usize>(transB ? lo * ldb : lo) * 4;
      gemmCore(m, cols, k, a, lda, transA, bp, ldb, transB, 0, c + <usize>lo * 4, ldc, accumulate, work);
    }
  }
}
