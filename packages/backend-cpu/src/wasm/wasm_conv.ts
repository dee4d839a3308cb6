import type { ConvKernels, ConvShape } from '../kernels/gemm.js';
import { splitRange, type WasmContext } from './context.js';

/**
 * Whole convolutions in WebAssembly over the heap: the images split across threads, each thread
 * with its own patch matrix and GEMM workspace. For the filter gradient every thread but the first
 * sums into a partial of its own, added up at the end.
 */
export function wasmConv(cx: WasmContext): ConvKernels {
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

  /** Runs `fn` over ranges of images, one per thread, each with its own patch matrix; `lead(t)` gives a thread's operand addresses. */
  function over(fn: 'convForward' | 'convBackpropFilter' | 'convBackpropInput', s: ConvShape, lead: (t: number) => number[]): void {
    const { work, col } = sizes(s);
    const ranges = splitRange(s.n, cx.threadsFor(work, s.n));
    const blocks = ranges.map(() => heap.alloc(Math.max(col, 1) * 4));
    try {
      cx.run(ranges.map(([lo, hi], t) => ({ fn, args: [...lead(t), lo, hi, ...shapeArgs(s), blocks[t][0], cx.workOf(t)] })));
    } finally {
      for (const [ptr, size] of blocks) heap.release(ptr, size);
    }
  }

  return {
    forward(x, w, bias, y, s) {
      const [xp, wp, yp] = [cx.addressOf(x), cx.addressOf(w), cx.addressOf(y)];
      const bp = bias ? cx.addressOf(bias) : 0;
      if (xp < 0 || wp < 0 || yp < 0 || bp < 0 || s.n === 0) return false;
      over('convForward', s, () => [xp, wp, bp, yp]);
      return true;
    },
    backpropInput(dy, w, dx, s) {
      const [dyp, wp, dxp] = [cx.addressOf(dy), cx.addressOf(w), cx.addressOf(dx)];
      if (dyp < 0 || wp < 0 || dxp < 0 || s.n === 0) return false;
      over('convBackpropInput', s, () => [dyp, wp, dxp]);
      return true;
    },
    backpropFilter(x, dy, dw, s) {
      const [xp, dyp, dwp] = [cx.addressOf(x), cx.addressOf(dy), cx.addressOf(dw)];
      if (xp < 0 || dyp < 0 || dwp < 0 || s.n === 0 || s.oh * s.ow === 0) return false;
      const len = dw.length;
      const partials: [number, number][] = [];
      over('convBackpropFilter', s, (t) => {
        if (t === 0) return [xp, dyp, dwp];
        partials.push(heap.alloc(len * 4));
        return [xp, dyp, partials[t - 1][0]];
      });
      for (const [ptr, size] of partials) {
        ex.addInto(dwp, ptr, len);
        heap.release(ptr, size);
      }
      return true;
    },
  };
}
