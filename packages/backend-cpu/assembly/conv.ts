// Convolution over a range of images, forward and both gradients: im2col (or the input itself
// for a pointwise filter) feeding the GEMM, image by image so each patch matrix stays in cache.
// Threads each take a range of images (src/wasm/wasm_conv.ts).
import { col2im, gemmLd, gemmPacked, im2colCols, im2colPanelsT } from './gemm';
import { madd } from './madd';
import { sumTile4x8 } from './sum_tile';
import { toPanels8 } from './transpose';

/**
 * Floats of patch matrix built at a time by the forward pass (256 KB: half an L2), but at least
 * 128 positions: each block repacks the filter, which is large where positions are few (7×7).
 */
const COL_BLOCK_FLOATS = 65536;

/**
 * Takes the next unit of work (an image, or a chunk of images) from the shared i32 counter at
 * `next`. Threads running the same call share the work this way: one that starts late (waking a
 * worker takes microseconds) or runs slow simply takes fewer.
 */
// @ts-ignore: decorator
@inline
function take(next: usize): i32 {
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
  for (let img = take(next); img < n; img = take(next)) {
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
      // packs with vector copies: measured faster than writing GEMM's panels directly (again on
      // 2026-12-06, panel by panel with sequential stores, for strided convolutions).
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

/**
 * The filter gradient, Σ over images of dy[img] · im2col(x[img])ᵀ, in `chunks` fixed ranges of
 * images: threads take whole chunks from the counter, and chunk ch sums its images in order into
 * its own zeroed buffer (dW for chunk 0, else `partials` + (ch − 1)·m·k floats). The caller adds
 * the buffers up in chunk order, so the result does not depend on which thread took what.
 * `batch` images go into one product (their positions stacked along its depth): with few
 * positions per image (a 4×4 map) one product per image would read and write all of dW for a
 * depth of 16. `dyRows` holds those images' dy rows side by side ([mg, batch·p]).
 */
export function convBackpropFilter(
  x: usize, dy: usize, dW: usize, partials: usize, chunks: i32, next: usize, n: i32,
  c: i32, h: i32, wd: i32, m: i32, groups: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  pointwise: bool, col: usize, work: usize, batch: i32, dyRows: usize,
): void {
  const cg = c / groups;
  const mg = m / groups;
  const k = cg * kh * kw;
  const p = oh * ow;
  for (let ch = take(next); ch < chunks; ch = take(next)) {
    const target = ch == 0 ? dW : partials + (<usize>((ch - 1) * m * k) << 2);
    const img0 = <i32>((<i64>ch * n) / chunks);
    const img1 = <i32>((<i64>(ch + 1) * n) / chunks);
    for (let first = img0; first < img1; first += batch) {
      const count = min(batch, img1 - first);
      const depth = count * p;
      for (let grp = 0; grp < groups; grp++) {
        const dWp = target + <usize>(grp * mg * k) * 4;
        if (pointwise) {
          for (let img = first; img < first + count; img++) {
            const xp = x + <usize>((img * c + grp * cg) * h * wd) * 4;
            const dyp = dy + <usize>((img * m + grp * mg) * p) * 4;
            gemmLd(mg, k, p, dyp, p, false, xp, p, true, dWp, k, true, work);
          }
          continue;
        }
        // Here B = colᵀ: packing it from im2col's rows would read 8 rows at once, one float each;
        // writing the panels directly halves the time of the filter gradient.
        memory.fill(col, 0, <usize>((k + 7) >> 3) * (<usize>depth << 5));
        for (let i = 0; i < count; i++) {
          const img = first + i;
          const xp = x + <usize>((img * c + grp * cg) * h * wd) * 4;
          im2colPanelsT(xp, col, cg, h, wd, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, depth, i * p);
        }
        let a = dy + <usize>((first * m + grp * mg) * p) * 4;
        let lda = p;
        if (count > 1) {
          for (let r = 0; r < mg; r++) {
            for (let i = 0; i < count; i++) {
              memory.copy(dyRows + (<usize>(r * depth + i * p) << 2), dy + (<usize>(((first + i) * m + grp * mg + r) * p) << 2), <usize>p << 2);
            }
          }
          a = dyRows;
          lda = depth;
        }
        gemmPacked(mg, k, depth, a, lda, false, col, dWp, k, true, work);
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
  for (let img = take(next); img < n; img = take(next)) {
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

/**
 * The stride-1 input gradient's filter: w [m][c][taps] turned 180° with its channel axes swapped,
 * dst [c][m][taps] with dst[ci][mo][t] = w[mo][ci][taps − 1 − t].
 */
export function flipFilter(w: usize, dst: usize, m: i32, c: i32, taps: i32): void {
  for (let mo = 0; mo < m; mo++) {
    for (let ci = 0; ci < c; ci++) {
      const from = w + (<usize>((mo * c + ci) * taps) << 2);
      const to = dst + (<usize>((ci * m + mo) * taps + taps - 1) << 2);
      for (let t = 0; t < taps; t++) store<f32>(to - (<usize>t << 2), load<f32>(from + (<usize>t << 2)));
    }
  }
}

/**
 * Direct convolution (no dilation, one group): no patch matrix is built or packed. Each image is
 * copied once into a zero-padded scratch (`pad`), then every 4 output channels × 8 positions keep
 * eight f32x4 sums while the taps stream past. The 8 positions are 8 of one row, or, where rows
 * are at most 4 wide, the first 4 of two rows (so a 4×4 map does not leave half the lanes idle).
 * At stride (sh, sw) the padded image is split into its sh·sw phases (rows ≡ a mod sh, columns
 * ≡ b mod sw), so every tap still reads consecutive outputs from consecutive floats: tap (ki, kj)
 * reads phase (ki mod sh, kj mod sw) from (ki / sh, kj / sw) on. `pad` holds c·sh·sw planes of
 * (oh + ⌈kh/sh⌉) × (ow + ⌈kw/sw⌉ − 1 + 8) floats (the 8: slack for the last vector; the extra
 * row: for the second row of an odd last pair), then 32 bytes for partial stores, the tap table
 * and the packed filter.
 */
export function convDirect(
  x: usize, w: usize, bias: usize, y: usize, next: usize, n: i32,
  c: i32, h: i32, wd: i32, m: i32, kh: i32, kw: i32, pt: i32, pl: i32, oh: i32, ow: i32, sh: i32, sw: i32,
  pad: usize,
): void {
  const qh = (kh + sh - 1) / sh;
  const qw = (kw + sw - 1) / sw;
  const ph = oh + qh;
  const pw = ow + qw - 1 + 8;
  const planeBytes = <usize>(ph * pw) << 2;
  const k = c * kh * kw;
  const p = oh * ow;
  const tmp = pad + <usize>(c * sh * sw) * planeBytes;
  const twoRows = ow <= 4;
  // Each tap's byte offset from a tile's corner in the padded image, and the filter packed in
  // blocks of 4 output channels as [tap][4]: the inner loop then reads one offset and 16
  // contiguous bytes of weights per tap, as GEMM's micro-kernel reads its packed panels.
  const table = tmp + 32;
  const packed = table + (<usize>k << 2);
  let t = 0;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, t++) {
        const phase = (ci * sh + ki % sh) * sw + kj % sw;
        store<i32>(table + (<usize>t << 2), <i32>(<usize>phase * planeBytes) + (((ki / sh) * pw + kj / sw) << 2));
      }
    }
  }
  // A last block of fewer than 4 channels gets zero weights for the missing ones: it runs at the
  // full block's rate (one channel's 2 accumulators wait on each multiply-add's latency: LeNet's
  // 6-channel layers spent as long on their last 2 channels as on the first 4).
  for (let oc = 0; oc < m; oc += 4) {
    for (let tap = 0; tap < k; tap++) {
      for (let r = 0; r < 4; r++) {
        const v: f32 = oc + r < m ? load<f32>(w + (<usize>((oc + r) * k + tap) << 2)) : 0;
        store<f32>(packed + (<usize>(oc * k + tap * 4 + r) << 2), v);
      }
    }
  }
  for (let img = take(next); img < n; img = take(next)) {
    padImage(x + (<usize>(img * c * h * wd) << 2), pad, c, h, wd, pt, pl, ph - 1, ow + qw - 1, ph, pw, sh, sw);
    const yImg = y + (<usize>(img * m * p) << 2);
    // Row by row, every block of output channels: the rows of the padded image one output row
    // reads stay in L1 while each block's weights stream past.
    // Many input channels (more than 128) go in chunks of 64, the later ones added to the
    // output: one row's inputs for all of them would not stay in L1.
    const chunk = c > 128 ? 64 * kh * kw : k;
    for (let oy = 0; oy < oh; oy += twoRows ? 2 : 1) {
      for (let t0 = 0; t0 < k; t0 += chunk) {
        const taps = min(chunk, k - t0);
        for (let oc = 0; oc < m; oc += 4) {
          directBlock4(pad, table + (<usize>t0 << 2), taps, packed + (<usize>(oc * k + t0 * 4) << 2), t0 == 0 ? bias : 0, oc, min(4, m - oc), yImg + (<usize>(oc * p) << 2), p, pw, oy, oh, ow, twoRows, t0 > 0, tmp);
        }
      }
    }
  }
}

/**
 * One image's zero-padded copy, as the direct kernels read it: for each channel, the sh·sw
 * phases of the padded image (row ≡ a mod sh, column ≡ b mod sw; one phase at stride 1) as
 * planes of ph × pw floats, of which the first `rows` × `cols` hold data (the rest stays zero:
 * convDirect's extra row and its slack for a vector at a row's last position).
 */
function padImage(src: usize, pad: usize, c: i32, h: i32, wd: i32, pt: i32, pl: i32, rows: i32, cols: i32, ph: i32, pw: i32, sh: i32, sw: i32): void {
  const planeBytes = <usize>(ph * pw) << 2;
  memory.fill(pad, 0, <usize>(c * sh * sw) * planeBytes);
  // Columns of the input that land inside the phases' first `cols` columns.
  const x0 = max(0, -pl);
  const x1 = min(wd, cols * sw - pl);
  if (x1 <= x0) return;
  for (let ci = 0; ci < c; ci++) {
    const from = src + (<usize>(ci * h * wd) << 2);
    const dst = pad + <usize>(ci * sh * sw) * planeBytes;
    for (let iy = 0; iy < h; iy++) {
      const py = iy + pt;
      const row = py / sh;
      if (py < 0 || row >= rows) continue;
      const phaseRow = dst + <usize>((py % sh) * sw) * planeBytes + (<usize>(row * pw) << 2);
      const line = from + (<usize>(iy * wd) << 2);
      if (sw == 1) {
        memory.copy(phaseRow + (<usize>(x0 + pl) << 2), line + (<usize>x0 << 2), <usize>(x1 - x0) << 2);
        continue;
      }
      let ix = x0;
      if (sw == 2) {
        // Eight inputs at a time: the even-phase four and the odd-phase four by two shuffles.
        if (((ix + pl) & 1) != 0 && ix < x1) {
          store<f32>(phaseRow + planeBytes + (<usize>((ix + pl) >> 1) << 2), load<f32>(line + (<usize>ix << 2)));
          ix++;
        }
        for (; ix + 8 <= x1; ix += 8) {
          const v0 = v128.load(line + (<usize>ix << 2)), v1 = v128.load(line + (<usize>ix << 2), 16);
          const at = phaseRow + (<usize>((ix + pl) >> 1) << 2);
          v128.store(at, v128.shuffle<f32>(v0, v1, 0, 2, 4, 6));
          v128.store(at + planeBytes, v128.shuffle<f32>(v0, v1, 1, 3, 5, 7));
        }
      }
      for (; ix < x1; ix++) {
        const px = ix + pl;
        store<f32>(phaseRow + <usize>(px % sw) * planeBytes + (<usize>(px / sw) << 2), load<f32>(line + (<usize>ix << 2)));
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function directBlock4(
  pad: usize, table: usize, k: i32, packed: usize,
  bias: usize, oc: i32, mv: i32, y: usize, p: i32, pw: i32, oy: i32, oh: i32, ow: i32, twoRows: bool, accumulate: bool, tmp: usize,
): void {
  // The second vector's 4 positions: the next 4 of this row, or the next row's first 4.
  const second: usize = twoRows ? <usize>pw << 2 : 16;
  // mv (1–4) of the block's channels are real; the others' sums are dropped.
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  if (bias) {
    b0 = v128.load32_splat(bias + (<usize>oc << 2));
    if (mv > 1) b1 = v128.load32_splat(bias + (<usize>(oc + 1) << 2));
    if (mv > 2) b2 = v128.load32_splat(bias + (<usize>(oc + 2) << 2));
    if (mv > 3) b3 = v128.load32_splat(bias + (<usize>(oc + 3) << 2));
  }
  const yRow = <usize>p << 2;
  {
    for (let ox = 0; ox < ow; ox += 8) {
      let a00 = b0, a01 = b0, a10 = b1, a11 = b1, a20 = b2, a21 = b2, a30 = b3, a31 = b3;
      const tile = pad + (<usize>(oy * pw + ox) << 2);
      let wq = packed;
      const tEnd = table + (<usize>k << 2);
      for (let tp = table; tp < tEnd; tp += 4) {
        const src = tile + <usize>load<i32>(tp);
        const x0 = v128.load(src);
        const x1 = v128.load(src + second);
        const w0 = v128.load32_splat(wq);
        const w1 = v128.load32_splat(wq, 4);
        const w2 = v128.load32_splat(wq, 8);
        const w3 = v128.load32_splat(wq, 12);
        a00 = madd(w0, x0, a00);
        a01 = madd(w0, x1, a01);
        a10 = madd(w1, x0, a10);
        a11 = madd(w1, x1, a11);
        a20 = madd(w2, x0, a20);
        a21 = madd(w2, x1, a21);
        a30 = madd(w3, x0, a30);
        a31 = madd(w3, x1, a31);
        wq += 16;
      }
      const out = y + (<usize>(oy * ow + ox) << 2);
      if (twoRows) {
        const next = oy + 1 < oh;
        storePair(out, a00, a01, ow, next, accumulate, tmp);
        if (mv > 1) storePair(out + yRow, a10, a11, ow, next, accumulate, tmp);
        if (mv > 2) storePair(out + 2 * yRow, a20, a21, ow, next, accumulate, tmp);
        if (mv > 3) storePair(out + 3 * yRow, a30, a31, ow, next, accumulate, tmp);
        continue;
      }
      const valid = min(8, ow - ox);
      storeRow8(out, a00, a01, valid, accumulate, tmp);
      if (mv > 1) storeRow8(out + yRow, a10, a11, valid, accumulate, tmp);
      if (mv > 2) storeRow8(out + 2 * yRow, a20, a21, valid, accumulate, tmp);
      if (mv > 3) storeRow8(out + 3 * yRow, a30, a31, valid, accumulate, tmp);
    }
  }
}

/**
 * The first `ow` (≤ 4) lanes of lo at p (one output row) and, with `next`, of hi at the row
 * after; added to what is there with `accumulate`.
 */
// @ts-ignore: decorator
@inline
function storePair(p: usize, lo: v128, hi: v128, ow: i32, next: bool, accumulate: bool, tmp: usize): void {
  if (ow == 4 && next) {
    storeRow8(p, lo, hi, 8, accumulate, tmp);
    return;
  }
  storeRow8(p, lo, lo, ow, accumulate, tmp);
  if (next) storeRow8(p + (<usize>ow << 2), hi, hi, ow, accumulate, tmp);
}

/** Stores the first `valid` (≤ 8) lanes of lo:hi at p (added to what is there with `accumulate`), through the 32-byte scratch `tmp` when fewer than 8. */
// @ts-ignore: decorator
@inline
function storeRow8(p: usize, lo: v128, hi: v128, valid: i32, accumulate: bool, tmp: usize): void {
  if (valid == 8) {
    if (accumulate) {
      lo = f32x4.add(lo, v128.load(p));
      hi = f32x4.add(hi, v128.load(p, 16));
    }
    v128.store(p, lo);
    v128.store(p, hi, 16);
    return;
  }
  if (accumulate) {
    memory.copy(tmp, p, <usize>valid << 2);
    lo = f32x4.add(lo, v128.load(tmp));
    hi = f32x4.add(hi, v128.load(tmp, 16));
  }
  v128.store(tmp, lo);
  v128.store(tmp, hi, 16);
  memory.copy(p, tmp, <usize>valid << 2);
}

/** Positions of one image taken per pass of the filter-gradient kernel: an 8 KiB panel of dy. */
const FILTER_BLOCK: i32 = 256;

/**
 * The filter gradient of a stride-1, one-group convolution with no patch matrix. With x padded
 * to rows of pw = ow + kw − 1 and dy laid out on the same row width (zeros in the pw − ow extra
 * columns), every tap's row of the patch matrix is the padded image itself, read from the tap's
 * offset: dWᵀ[tap][oc] = Σ_q xPad[offset(tap) + q] · dyPad[oc][q]. A 4-tap × 8-channel tile of
 * eight accumulators (GEMM's 4×8 micro-kernel shape) splats four taps' values and multiplies two
 * vectors of dy per position. `work` holds, per thread: the padded image (c planes of
 * (oh + kh − 1) × pw floats, then kw of slack), dy transposed into 8-channel panels
 * ([panel][position][8]), the tile sums dWᵀ [taps rounded to 4][channels rounded to 8] and the
 * tap table. Chunks of images as convBackpropFilter takes them: chunk 0 adds into dW, chunk i
 * into partials + (i − 1)·m·k.
 */
export function convFilterDirect(
  x: usize, dy: usize, dW: usize, partials: usize, chunks: i32, next: usize, n: i32,
  c: i32, h: i32, wd: i32, m: i32, kh: i32, kw: i32, pt: i32, pl: i32, oh: i32, ow: i32, sh: i32, sw: i32,
  work: usize,
): void {
  const qh = (kh + sh - 1) / sh;
  const qw = (kw + sw - 1) / sw;
  const pw = ow + qw - 1;
  const ph = oh + qh - 1;
  const plane = ph * pw;
  const q = oh * pw;
  const k = c * kh * kw;
  const kp = (k + 3) & ~3;
  const panels = (m + 7) >> 3;
  const mp = panels << 3;
  const planes = c * sh * sw;
  const xFloats = (planes * plane + qw + 3) & ~3;
  const xPad = work;
  const dyT = xPad + (<usize>xFloats << 2);
  const sums = dyT + (<usize>(panels * q) << 5);
  const table = sums + (<usize>(kp * mp) << 2);
  let t = 0;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, t++) {
        const phase = (ci * sh + ki % sh) * sw + kj % sw;
        store<i32>(table + (<usize>t << 2), (phase * plane + (ki / sh) * pw + kj / sw) << 2);
      }
    }
  }
  // Taps past k (k not a multiple of 4) read tap 0's row; their sums are never written out.
  for (; t < kp; t++) store<i32>(table + (<usize>t << 2), 0);
  // The slack past the planes (the last taps' rows read up to qw − 1 floats beyond) stays zero.
  memory.fill(xPad + (<usize>(planes * plane) << 2), 0, <usize>(xFloats - planes * plane) << 2);
  for (let ch = take(next); ch < chunks; ch = take(next)) {
    const target = ch == 0 ? dW : partials + (<usize>((ch - 1) * m * k) << 2);
    memory.fill(sums, 0, <usize>(kp * mp) << 2);
    const img0 = <i32>((<i64>ch * n) / chunks);
    const img1 = <i32>((<i64>(ch + 1) * n) / chunks);
    for (let img = img0; img < img1; img++) {
      padImage(x + (<usize>(img * c * h * wd) << 2), xPad, c, h, wd, pt, pl, ph, pw, ph, pw, sh, sw);
      memory.fill(dyT, 0, <usize>(panels * q) << 5);
      toPanels8(dy + (<usize>(img * m * oh * ow) << 2), m, oh, ow, dyT, <usize>q << 5, <usize>pw << 5);
      for (let q0 = 0; q0 < q; q0 += FILTER_BLOCK) {
        const qb = min(FILTER_BLOCK, q - q0);
        for (let j = 0; j < panels; j++) {
          const b = dyT + (<usize>(j * q + q0) << 5);
          for (let g = 0; g < kp; g += 4) {
            const a = xPad + (<usize>q0 << 2);
            sumTile4x8(
              a + <usize>load<i32>(table + (<usize>g << 2)), a + <usize>load<i32>(table + (<usize>(g + 1) << 2)),
              a + <usize>load<i32>(table + (<usize>(g + 2) << 2)), a + <usize>load<i32>(table + (<usize>(g + 3) << 2)),
              b, qb, sums + (<usize>(g * mp + (j << 3)) << 2), <usize>mp << 2,
            );
          }
        }
      }
    }
    for (let oc = 0; oc < m; oc++) {
      const out = target + (<usize>(oc * k) << 2);
      for (let tap = 0; tap < k; tap++) {
        const p = out + (<usize>tap << 2);
        store<f32>(p, load<f32>(p) + load<f32>(sums + (<usize>(tap * mp + oc) << 2)));
      }
    }
  }
}

/**
 * W'ᵀ [m·oh·ow, c·h·w] of a stride-1 convolution over a small map (src/kernels/conv.ts's dense
 * path): entry ((mo, oy, ox), (ci, iy, ix)) = w[mo, ci, iy − oy + pt, ix − ox + pl] where that
 * tap exists (`wt` zeroed beforehand). With `fold`, the transpose: each entry of `wt` is added
 * into the tap of w it stands for (a gradient of W'ᵀ folded back onto the filter's).
 */
export function denseMatrix(
  w: usize, wt: usize, c: i32, m: i32, h: i32, wd: i32, kh: i32, kw: i32, oh: i32, ow: i32, pt: i32, pl: i32, fold: bool,
): void {
  const pin = h * wd;
  const cols = c * pin;
  const taps = kh * kw;
  const pinBytes = <usize>pin << 2;
  const tapBytes = <usize>taps << 2;
  for (let mo = 0; mo < m; mo++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const row = wt + (<usize>(((mo * oh + oy) * ow + ox) * cols) << 2);
        for (let iy = 0; iy < h; iy++) {
          const ky = iy - oy + pt;
          if (ky < 0 || ky >= kh) continue;
          for (let ix = 0; ix < wd; ix++) {
            const kx = ix - ox + pl;
            if (kx < 0 || kx >= kw) continue;
            // Every input channel: W'ᵀ steps by h·w, w by one channel's taps.
            let src = w + (<usize>(mo * c * taps + ky * kw + kx) << 2);
            let o = row + (<usize>(iy * wd + ix) << 2);
            if (fold) {
              for (let ci = 0; ci < c; ci++, o += pinBytes, src += tapBytes) store<f32>(src, load<f32>(src) + load<f32>(o));
            } else {
              for (let ci = 0; ci < c; ci++, o += pinBytes, src += tapBytes) store<f32>(o, load<f32>(src));
            }
          }
        }
      }
    }
  }
}
