import type { ConvKernels, ConvShape } from '../kernels/gemm.js';
import type { WasmContext } from './context.js';

/**
 * Whole convolutions in WebAssembly over the heap: threads take images from a shared counter,
 * each with its own patch matrix and GEMM workspace. The filter gradient is split into one fixed
 * range of images per thread, each summed into its own buffer and added up in order, so it is
 * the same from run to run whichever thread took which range.
 */
/**
 * Stride 1, no dilation, one group, a filter wider than 1×1: assembly/conv.ts's convDirect runs
 * (a zero-padded copy of each image, every 4 output channels × 8 positions accumulated over a
 * table of tap offsets): no patch matrix is built or packed, 1.3–2.8× the im2col + GEMM path
 * from 6 to 512 channels in the 2026-12-06 measurements.
 */
function direct(s: ConvShape): boolean {
  return s.groups === 1 && s.sh === 1 && s.sw === 1 && s.dh === 1 && s.dw === 1 && !s.pointwise;
}

/**
 * Output rows at least this wide take F(4×4, 3×3): four of its tiles fill a vector. Narrower
 * (8×8 maps) leave lanes idle and F(2×2)'s 4 multiplies per output beat its 4.5 (measured 1.25–1.45×
 * at 16–128 channels on 16×16 and 32×32 maps, 2026-12-07).
 */
const WINOGRAD4_MIN_WIDTH = 16;

type BatchPhase = 'wb4Filter' | 'wb4Input' | 'wb4Product' | 'wb4Output' | 'wb4Grad' | 'wb4FilterProduct' | 'wb4FilterOut';

export function wasmConv(cx: WasmContext, options: { winograd: boolean }): ConvKernels {
  const { ex, heap } = cx;
  const shapeArgs = (s: ConvShape): number[] => [
    s.c, s.h, s.w, s.m, s.groups, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, s.pt, s.pl, s.oh, s.ow, +s.pointwise,
  ];
  /** Multiply-adds of the whole convolution, and the patch-matrix floats one thread needs. */
  const sizes = (s: ConvShape) => {
    const k = (s.c / s.groups) * s.kh * s.kw;
    const p = s.oh * s.ow;
    // The filter gradient's transposed patch matrix is written as 8-wide panels, padded to whole panels.
    return { work: s.n * s.m * k * p, col: s.pointwise ? 0 : Math.ceil(k / 8) * 8 * p };
  };

  /**
   * Runs `fn` on as many threads as pay, each with its own patch matrix (`col` floats, the
   * default from `sizes`) and `extra` floats after it; `lead(t)` gives a thread's operand
   * addresses, `tail(extraPtr)` any arguments after the workspace.
   */
  function over(
    fn: 'convForward' | 'convBackpropFilter' | 'convBackpropInput', s: ConvShape, lead: (t: number, threads: number) => number[],
    more: { col?: number; extra?: number; tail?: (extraPtr: number) => number[] } = {},
  ): void {
    const sized = sizes(s);
    const col = Math.max(more.col ?? sized.col, 1);
    const extra = more.extra ?? 0;
    const threads = cx.threadsFor(sized.work, s.n);
    const blocks = Array.from({ length: threads }, () => heap.alloc((col + extra) * 4));
    try {
      const next = cx.freshCounter();
      cx.run(blocks.map(([colPtr], t) => ({
        fn, args: [...lead(t, threads), next, s.n, ...shapeArgs(s), colPtr, cx.workOf(t), ...(more.tail?.(colPtr + col * 4) ?? [])],
      })));
    } finally {
      for (const [ptr, size] of blocks) heap.release(ptr, size);
    }
  }

  /**
   * A strided forward convolution (no dilation, one group) through convDirect on the padded
   * image's phases, where every tap reads consecutive outputs from consecutive floats again.
   * Against the patch matrix and GEMM: 1.2–1.4× at 16–32 channels (ResNet-20's stride-2 layers),
   * 1.2–1.9× at 3 (a 7×7 ImageNet stem, CIFAR 5×5); 0.9× at 64–128 channels on 28×28 and
   * 56×56 maps, where one output row's inputs leave L1 (measured 2026-12-07, alternating).
   */
  function directStrided(s: ConvShape): boolean {
    return s.groups === 1 && s.dh === 1 && s.dw === 1 && !s.pointwise && s.c < 64;
  }

  /** convDirect over every image: one zero-padded image, the tap table and the packed filter per thread. */
  function runDirect(xp: number, wp: number, bp: number, yp: number, s: ConvShape): void {
    const k = s.c * s.kh * s.kw;
    // The padded image's sh·sw phases, 32 bytes for partial stores, the tap table, the packed filter.
    const rows = s.oh + Math.ceil(s.kh / s.sh);
    const cols = s.ow + Math.ceil(s.kw / s.sw) - 1 + 8;
    const padBytes = s.c * s.sh * s.sw * rows * cols * 4 + 32 + k * 4 + Math.ceil(s.m / 4) * 4 * k * 4;
    const threads = cx.threadsFor(sizes(s).work, s.n);
    const blocks = Array.from({ length: threads }, () => heap.alloc(padBytes));
    try {
      const next = cx.freshCounter();
      const args = [xp, wp, bp, yp, next, s.n, s.c, s.h, s.w, s.m, s.kh, s.kw, s.pt, s.pl, s.oh, s.ow, s.sh, s.sw];
      cx.run(blocks.map(([pad]) => ({ fn: 'convDirect' as const, args: [...args, pad] })));
    } finally {
      for (const [ptr, size] of blocks) heap.release(ptr, size);
    }
  }

  /**
   * Winograd (F(2×2, 3×3) in assembly/winograd.ts, F(4×4, 3×3) in winograd4.ts) where it pays:
   * 3×3 filters at stride 1 with rows of 8 or more outputs and 8 or more channels each way
   * (DenseNet's 12-channel growth: 1.4–1.9× the direct kernel; 1.1–1.5× at 8, 2026-12-07).
   */
  function winograd(s: ConvShape): boolean {
    return direct(s) && s.kh === 3 && s.kw === 3 && s.ow >= 8 && Math.min(s.c, s.m) >= 8 && options.winograd;
  }

  /**
   * F(4×4, 3×3) (assembly/winograd4.ts) where rows hold at least four of its 4-wide tiles, one
   * per vector lane: 36 multiplies per 16 outputs against F(2×2)'s 64.
   */
  function winograd4(s: ConvShape): boolean {
    return winograd(s) && s.ow >= WINOGRAD4_MIN_WIDTH;
  }

  /** convWinograd or convWinograd4 over every image: its workspace per thread. */
  function runWinograd(xp: number, wp: number, bp: number, yp: number, s: ConvShape): void {
    const four = winograd4(s);
    const bytes = (four ? ex.winograd4WorkFloats(s.c, s.m, s.oh, s.ow) : ex.winogradWorkFloats(s.c, s.m, s.oh, s.ow)) * 4;
    const threads = cx.threadsFor(sizes(s).work, s.n);
    const blocks = Array.from({ length: threads }, () => heap.alloc(bytes));
    try {
      const next = cx.freshCounter();
      const args = [xp, wp, bp, yp, next, s.n, s.c, s.h, s.w, s.m, s.pt, s.pl, s.oh, s.ow];
      const fn = four ? 'convWinograd4' as const : 'convWinograd' as const;
      cx.run(blocks.map(([work]) => ({ fn, args: [...args, work] })));
    } finally {
      for (const [ptr, size] of blocks) heap.release(ptr, size);
    }
  }

  /**
   * F(4×4, 3×3) across the batch (assembly/winograd4_batch.ts) for maps narrower than
   * winograd4's rows: lanes are images, so 12×12, 8×8, 4×4 and 2×2 maps fill them. With its ξ
   * planes skewed off multiples of 4 KiB and its relayouts as 4×4 transposes, it pays from 48
   * channels each way (against F(2×2) on 8×8: 1.1–1.2× at 48–64 channels, 1.35× at 64 on 12×12;
   * even at 16–32; against the direct kernel on 4×4 maps: even at 16–48, 1.5× at 64 and 2–4×
   * at 512). Measured 2026-12-07, one process, alternating.
   */
  function winogradBatch(s: ConvShape): boolean {
    if (!direct(s) || s.kh !== 3 || s.kw !== 3 || s.ow >= WINOGRAD4_MIN_WIDTH || !options.winograd || !batchFits(s)) return false;
    return Math.min(s.c, s.m) >= 48;
  }

  /**
   * The batch form's transformed input and products (36 floats per channel and tile of every
   * image) within 256 MiB: a larger batch keeps the per-image kernels, whose workspace is per thread.
   */
  function batchFits(s: ConvShape): boolean {
    return 36 * (s.c + s.m) * batchTiles(s).tAll * 4 <= 256 * 2 ** 20;
  }

  /** The batch form's tiles: th × tw positions, images rounded up to 8, tAll = th·tw·n8 columns. */
  function batchTiles(s: ConvShape): { th: number; tw: number; n8: number; tAll: number } {
    const th = Math.ceil(s.oh / 4);
    const tw = Math.ceil(s.ow / 4);
    const n8 = Math.ceil(s.n / 8) * 8;
    return { th, tw, n8, tAll: th * tw * n8 };
  }

  /**
   * The filter gradient across the batch where the direct filter kernel does not run (rows under
   * 12) and a tile holds more than 2×2 outputs: 1.15–1.6× the paths before it at 16–64 channels on
   * 8×8 and 4×4 maps, 2–2.8× at 128–512 (on 2×2 maps 0.85×: 36 products for 4 outputs).
   * Measured 2026-12-07, one process, alternating.
   */
  function winogradBatchFilter(s: ConvShape): boolean {
    return direct(s) && s.kh === 3 && s.kw === 3 && s.ow < 12 && s.oh >= 3 && s.ow >= 3 && s.c >= 16 && s.m >= 16 && options.winograd && batchFits(s);
  }

  /** winograd4_batch's four phases, each over as many threads as pay. */
  function runWinogradBatch(xp: number, wp: number, bp: number, yp: number, s: ConvShape): void {
    const { th, tw, n8, tAll } = batchTiles(s);
    const m4 = Math.ceil(s.m / 4) * 4;
    // U, V, M (36 planes each), the input with images innermost (padded), the output likewise.
    const floats = [36 * ex.skewed(m4 * s.c), 36 * ex.skewed(s.c * tAll), 36 * ex.skewed(m4 * tAll), s.c * (4 * th + 2) * (4 * tw + 2) * n8, s.m * tAll * 16];
    const blocks = floats.map((f) => heap.alloc(f * 4));
    const [u, v, mm, xt, yt] = blocks.map(([ptr]) => ptr);
    const { phase, scratch } = batchPhases(s, 576);
    try {
      phase('wb4Filter', m4 / 4, (next, sc) => [wp, u, s.c, s.m, next, sc]);
      phase('wb4Input', s.c, (next, sc) => [xp, xt, v, s.n, s.c, s.h, s.w, s.pt, s.pl, th, tw, n8, next, sc]);
      phase('wb4Product', 36 * (m4 / 4), (next) => [u, v, mm, s.c, m4, tAll, next]);
      phase('wb4Output', s.m, (next, sc) => [mm, bp, yp, yt, s.n, s.m, s.oh, s.ow, th, tw, n8, next, sc]);
    } finally {
      for (const [ptr, size] of [...blocks, ...scratch]) heap.release(ptr, size);
    }
  }

  /**
   * Per-thread scratch of `bytes` and a runner for one phase of winograd4_batch: its calls on
   * as many threads as pay (at most `parts`), sharing a fresh counter.
   */
  function batchPhases(s: ConvShape, bytes: number) {
    const threads = cx.threadsFor(sizes(s).work, Math.max(s.c, s.m));
    const scratch = Array.from({ length: threads }, () => heap.alloc(bytes));
    const phase = (fn: BatchPhase, parts: number, args: (next: number, scratch: number, t: number) => number[]) => {
      const next = cx.freshCounter();
      cx.run(scratch.slice(0, Math.min(threads, parts)).map(([ptr], t) => ({ fn, args: args(next, ptr, t) })));
    };
    return { phase, scratch };
  }

  /** The filter gradient through F(4×4, 3×3) across the batch: V and G = A dY Aᵀ, one GEMM per ξ, Gᵀ P G. */
  function runWinogradBatchFilter(xp: number, dyp: number, dwp: number, s: ConvShape): void {
    const { th, tw, n8, tAll } = batchTiles(s);
    // V, the input with images innermost (padded), G, P (and 4 floats of slack for wb4FilterOut).
    const floats = [36 * ex.skewed(s.c * tAll), s.c * (4 * th + 2) * (4 * tw + 2) * n8, 36 * ex.skewed(s.m * tAll), 36 * ex.skewed(s.m * s.c) + 4];
    const blocks = floats.map((f) => heap.alloc(f * 4));
    const [v, xt, gg, p] = blocks.map(([ptr]) => ptr);
    const { phase, scratch } = batchPhases(s, Math.max(576, 16 * tAll * 4 + 384));
    try {
      phase('wb4Input', s.c, (next, sc) => [xp, xt, v, s.n, s.c, s.h, s.w, s.pt, s.pl, th, tw, n8, next, sc]);
      phase('wb4Grad', s.m, (next, sc) => [dyp, gg, s.n, s.m, s.oh, s.ow, th, tw, n8, next, sc]);
      phase('wb4FilterProduct', 36, (next, _sc, t) => [gg, v, p, s.c, s.m, tAll, next, cx.workOf(t)]);
      phase('wb4FilterOut', s.m, (next, sc) => [p, dwp, s.c, s.m, next, sc]);
    } finally {
      for (const [ptr, size] of [...blocks, ...scratch]) heap.release(ptr, size);
    }
  }

  /** A stride-1 convolution: Winograd where it pays, else the direct kernel. */
  function runStride1(xp: number, wp: number, bp: number, yp: number, s: ConvShape): void {
    if (winogradBatch(s)) runWinogradBatch(xp, wp, bp, yp, s);
    else if (winograd(s)) runWinograd(xp, wp, bp, yp, s);
    else runDirect(xp, wp, bp, yp, s);
  }

  /**
   * A filter gradient kernel (convFilterDirect, convFilterWinograd, convFilterWinograd4) over every
   * image: fixed ranges of images (four per thread), taken from a counter, each summed into its own
   * zeroed buffer (the first into dw) and added up in order, so the result does not depend on which
   * thread took which range, and a thread the host preempts holds back a quarter of its share
   * rather than all of it (ResNet-20's step on the shared 2-vCPU machine: median even, 90th
   * percentile 140 → 133 ms against one range per thread, 2026-12-07). Only up to 64 × 64
   * channels, where that was measured: each range zeroes, fills and transforms its own m·c sums,
   * which grows with the filter while the images per range shrink.
   */
  function runFilterChunks(fn: 'convFilterDirect' | 'convFilterWinograd' | 'convFilterWinograd4', workBytes: number, xp: number, dyp: number, dwp: number, len: number, s: ConvShape): void {
    const threads = cx.threadsFor(sizes(s).work, s.n);
    const chunks = threads > 1 ? Math.min(s.n, s.c * s.m <= 64 * 64 ? 4 * threads : threads) : 1;
    const blocks = Array.from({ length: threads }, () => heap.alloc(workBytes));
    const scratch = chunks > 1 ? heap.alloc((chunks - 1) * len * 4) : null;
    try {
      if (scratch) heap.zero(scratch[0], scratch[1]);
      const next = cx.freshCounter();
      const direct = fn === 'convFilterDirect';
      const shape = direct ? [s.c, s.h, s.w, s.m, s.kh, s.kw] : [s.c, s.h, s.w, s.m];
      const args = [xp, dyp, dwp, scratch?.[0] ?? 0, chunks, next, s.n, ...shape, s.pt, s.pl, s.oh, s.ow, ...(direct ? [s.sh, s.sw] : [])];
      cx.run(blocks.map(([work]) => ({ fn, args: [...args, work] })));
      for (let c = 1; c < chunks; c++) ex.addInto(dwp, scratch![0] + (c - 1) * len * 4, len);
    } finally {
      for (const [ptr, size] of blocks) heap.release(ptr, size);
      if (scratch) heap.release(scratch[0], scratch[1]);
    }
  }

  /** convFilterDirect's workspace: the padded image's phases, dy's 8-channel panels, the tile sums and the tap table. */
  function filterDirectBytes(s: ConvShape): number {
    const qw = Math.ceil(s.kw / s.sw);
    const pw = s.ow + qw - 1;
    const q = s.oh * pw;
    const kp = Math.ceil((s.c * s.kh * s.kw) / 4) * 4;
    const mp = Math.ceil(s.m / 8) * 8;
    const xFloats = (s.c * s.sh * s.sw * (s.oh + Math.ceil(s.kh / s.sh) - 1) * pw + qw + 3) & ~3;
    return (xFloats + mp * q + kp * mp + kp) * 4;
  }

  return {
    forward(x, w, bias, y, s) {
      const [xp, wp, yp] = [cx.addressOf(x), cx.addressOf(w), cx.addressOf(y)];
      const bp = bias ? cx.addressOf(bias) : 0;
      if (xp < 0 || wp < 0 || yp < 0 || bp < 0 || s.n === 0) return false;
      if (direct(s)) runStride1(xp, wp, bp, yp, s);
      else if (directStrided(s)) runDirect(xp, wp, bp, yp, s);
      else over('convForward', s, () => [xp, wp, bp, yp]);
      return true;
    },
    backpropInput(dy, w, dx, s) {
      const [dyp, wp, dxp] = [cx.addressOf(dy), cx.addressOf(w), cx.addressOf(dx)];
      if (dyp < 0 || wp < 0 || dxp < 0 || s.n === 0) return false;
      const pt = s.kh - 1 - s.pt;
      const pl = s.kw - 1 - s.pl;
      if (!direct(s) || pt < 0 || pl < 0) {
        over('convBackpropInput', s, () => [dyp, wp, dxp]);
        return true;
      }
      // At stride 1, dx is dy convolved with the filter turned 180° and its channel axes swapped,
      // padded by k − 1 − pad: the direct forward kernel, with no patch matrix and no col2im.
      const taps = s.kh * s.kw;
      const [flipped, bytes] = heap.alloc(s.m * s.c * taps * 4);
      try {
        ex.flipFilter(wp, flipped, s.m, s.c, taps);
        runStride1(dyp, flipped, 0, dxp, { ...s, c: s.m, h: s.oh, w: s.ow, m: s.c, pt, pl, oh: s.h, ow: s.w });
      } finally {
        heap.release(flipped, bytes);
      }
      return true;
    },
    denseMatrix(w, wt, s, fold) {
      const [wp, tp] = [cx.addressOf(w), cx.addressOf(wt)];
      if (wp < 0 || tp < 0) return false;
      ex.denseMatrix(wp, tp, s.c, s.m, s.h, s.w, s.kh, s.kw, s.oh, s.ow, s.pt, s.pl, +fold);
      return true;
    },
    backpropFilter(x, dy, dw, s) {
      const [xp, dyp, dwp] = [cx.addressOf(x), cx.addressOf(dy), cx.addressOf(dw)];
      if (xp < 0 || dyp < 0 || dwp < 0 || s.n === 0 || s.oh * s.ow === 0) return false;
      if (winogradBatchFilter(s)) {
        runWinogradBatchFilter(xp, dyp, dwp, s);
        return true;
      }
      // F(4×4)'s filter gradient on rows of 16 or more: 36 products per 16 outputs against the
      // direct kernel's 144; 1.1–1.8× it from 16 to 256 channels on 16×16 and 32×32 maps (2026-12-07).
      if (winograd4(s)) {
        runFilterChunks('convFilterWinograd4', ex.winograd4FilterWorkFloats(s.c, s.m, s.oh, s.ow) * 4, xp, dyp, dwp, dw.length, s);
        return true;
      }
      // F(2×2)'s (rows of 8 to 15): its transforms (a scalar one for dy) and its 16 × c × m sums
      // pay only from 64 channels each way up to 128 × 128 (measured 1.1–1.4×; 0.4–0.8× at 16–32
      // channels, 0.9× at 256 × 256 whose sums leave the cache).
      if (winograd(s) && Math.min(s.c, s.m) >= 64 && s.c * s.m <= 128 * 128) {
        runFilterChunks('convFilterWinograd', ex.winogradFilterWorkFloats(s.c, s.m, s.oh, s.ow) * 4, xp, dyp, dwp, dw.length, s);
        return true;
      }
      // Read straight from the padded image where rows are wide enough that the pw − ow padding
      // columns it also multiplies cost little (1.3–1.8× the patch-matrix path at 16–32 channels,
      // 16×16 and 32×32 maps; even at 8×8, slower below). A 1×1 filter (DenseNet's bottlenecks)
      // is the same kernel with one tap per channel and no padding: 1.2–1.35× its GEMM from 120
      // channels on 16×16 and 32×32 maps, even below (2026-12-07).
      // A strided one under 64 channels reads the same way from the padded image's phases:
      // 1.1–1.9× the patch matrix on rows of 16 to 112 (ResNet-20's first stride-2 layer 1.27×),
      // slower on 8 (2026-12-07).
      if ((direct(s) || (s.pointwise && s.groups === 1) || directStrided(s)) && s.ow >= 12) {
        runFilterChunks('convFilterDirect', filterDirectBytes(s), xp, dyp, dwp, dw.length, s);
        return true;
      }
      // One zeroed buffer per chunk of images beyond the first (which sums into dw), added in order.
      const len = dw.length;
      const state: { scratch: [number, number] | null; chunks: number } = { scratch: null, chunks: 1 };
      // Images per product: enough stacked positions for a GEMM depth of 256 (one image when
      // its map has that many).
      const p = s.oh * s.ow;
      const batch = Math.max(1, Math.min(s.n, Math.ceil(256 / p)));
      const mg = s.m / s.groups;
      const k = (s.c / s.groups) * s.kh * s.kw;
      over('convBackpropFilter', s, (t, threads) => {
        if (t === 0 && threads > 1) {
          state.chunks = threads;
          state.scratch = heap.alloc((threads - 1) * len * 4);
          heap.zero(state.scratch[0], (threads - 1) * len * 4);
        }
        return [xp, dyp, dwp, state.scratch?.[0] ?? 0, state.chunks];
      }, { col: s.pointwise ? 0 : Math.ceil(k / 8) * 8 * p * batch, extra: batch > 1 ? mg * p * batch : 0, tail: (extraPtr) => [batch, extraPtr] });
      if (state.scratch) {
        const [ptr, size] = state.scratch;
        for (let c = 1; c < state.chunks; c++) ex.addInto(dwp, ptr + (c - 1) * len * 4, len);
        heap.release(ptr, size);
      }
      return true;
    },
  };
}
