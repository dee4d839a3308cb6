// Convolution over a range of images, forward and both gradients: im2col (or the input itself
// for a pointwise filter) feeding the GEMM, image by image so each patch matrix stays in cache.
// Threads each take a range of images (src/wasm/wasm_conv.ts).
import { col2im, gemmLd, gemmPacked, im2colCols, im2colPanelsT } from './gemm';

/**
 * Floats of patch matrix built at a time by the forward pass (256 KB: half an L2), but at least
 * 128 positions: each block repacks the filter, which is large where positions are few (7×7).
 */
const COL_BLOCK_FLOATS = 65536;

/**
 * Takes the next image from the shared counter at `next` (an i32) until all `n` are done. Threads
 * running the same call share the images this way: one that starts late (waking a worker takes
 * microseconds) or runs slow simply takes fewer.
 */
// @ts-ignore: decorator
@inline
function nextImage(next: usize): i32 {
  return atomic.add<i32>(next, 1);
}

/** y[img] = W · im2col(x[img]) (+ bias) for every image, taken from the counter at `next`. */
export function convForward(
  x: usize, w: usize, bias: usize, y: usize, next: usize, n: i32,
  c: i32, h: i32, wd: i32, m: i32, groups: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  pointwise: bool, col: usize, work: usize,
): void {
  const cg = c / groups;
  const mg = m / groups;
  const k = cg * kh * kw;
  const p = oh * ow;
  for (let img = nextImage(next); img < n; img = nextImage(next)) {
    for (let grp = 0; grp < groups; grp++) {
      const xp = x + <usize>((img * c + grp * cg) * h * wd) * 4;
      const yp = y + <usize>((img * m + grp * mg) * p) * 4;
      const wp = w + <usize>(grp * mg * k) * 4;
      if (pointwise) {
        gemmLd(mg, p, k, wp, k, false, xp, p, false, yp, p, false, work);
        continue;
      }
      // The patch matrix in blocks of output positions that stay in cache (a whole one for
      // 64 channels at 56×56 is 7 MB). Its rows are runs of input rows (memory.copy), which GEMM
      // packs with vector copies: measured faster than writing GEMM's panels directly.
      const block = min(p, max(128, (COL_BLOCK_FLOATS / k) & ~7));
      for (let q0 = 0; q0 < p; q0 += block) {
        const q1 = min(p, q0 + block);
        im2colCols(xp, col, cg, h, wd, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, q0, q1);
        gemmLd(mg, q1 - q0, k, wp, k, false, col, q1 - q0, false, yp + <usize>q0 * 4, p, false, work);
      }
    }
    if (bias) {
      for (let oc = 0; oc < m; oc++) addScalar(y + <usize>((img * m + oc) * p) * 4, load<f32>(bias + <usize>oc * 4), p);
    }
  }
}

/** dW += Σ over the images this thread takes of dy[img] · im2col(x[img])ᵀ (dW starts zeroed). */
export function convBackpropFilter(
  x: usize, dy: usize, dW: usize, next: usize, n: i32,
  c: i32, h: i32, wd: i32, m: i32, groups: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  pointwise: bool, col: usize, work: usize,
): void {
  const cg = c / groups;
  const mg = m / groups;
  const k = cg * kh * kw;
  const p = oh * ow;
  for (let img = nextImage(next); img < n; img = nextImage(next)) {
    for (let grp = 0; grp < groups; grp++) {
      const xp = x + <usize>((img * c + grp * cg) * h * wd) * 4;
      const dyp = dy + <usize>((img * m + grp * mg) * p) * 4;
      const dWp = dW + <usize>(grp * mg * k) * 4;
      if (pointwise) {
        gemmLd(mg, k, p, dyp, p, false, xp, p, true, dWp, k, true, work);
      } else {
        // Here B = colᵀ: packing it from im2col's rows would read 8 rows at once, one float each;
        // writing the panels directly halves the time of the filter gradient.
        im2colPanelsT(xp, col, cg, h, wd, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow);
        gemmPacked(mg, k, p, dyp, p, false, col, dWp, k, true, work);
      }
    }
  }
}

/** dx[img] = col2im(Wᵀ · dy[img]) for every image, taken from the counter at `next`. */
export function convBackpropInput(
  dy: usize, w: usize, dx: usize, next: usize, n: i32,
  c: i32, h: i32, wd: i32, m: i32, groups: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  pointwise: bool, col: usize, work: usize,
): void {
  const cg = c / groups;
  const mg = m / groups;
  const k = cg * kh * kw;
  const p = oh * ow;
  for (let img = nextImage(next); img < n; img = nextImage(next)) {
    for (let grp = 0; grp < groups; grp++) {
      const dxp = dx + <usize>((img * c + grp * cg) * h * wd) * 4;
      const dyp = dy + <usize>((img * m + grp * mg) * p) * 4;
      const wp = w + <usize>(grp * mg * k) * 4;
      if (pointwise) {
        gemmLd(k, p, mg, wp, k, true, dyp, p, false, dxp, p, false, work);
        continue;
      }
      gemmLd(k, p, mg, wp, k, true, dyp, p, false, col, p, false, work);
      memory.fill(dxp, 0, <usize>(cg * h * wd) * 4);
      col2im(col, dxp, cg, h, wd, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow);
    }
  }
}

/** dst[i] += src[i] for i < n: sums the threads' partial filter gradients. */
export function addInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

// @ts-ignore: decorator
@inline
function addScalar(dst: usize, s: f32, n: i32): void {
  const v = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + s);
  }
}

/** Zeroes `bytes` bytes at `ptr` (memory.fill: far faster than filling a shared view from JavaScript). */
export function zero(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}
