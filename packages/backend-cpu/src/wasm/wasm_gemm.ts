import { jsGemm, type Gemm } from '../kernels/gemm.js';
import { splitRange, type WasmContext } from './context.js';
import { Operands } from './module.js';

/** Below this many multiply-adds, a WebAssembly call costs more than it saves. */
const SMALL = 16 * 16 * 16;

/**
 * The SIMD GEMM over the heap: operands that live there (every tensor of a backend with a heap) are
 * read and written in place, and large products are split across threads by blocks of C's rows or
 * columns; operands outside the heap are copied through scratch blocks.
 */
export function wasmGemm(cx: WasmContext): Gemm {
  const { heap } = cx;
  return (m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate) => {
    if (m * n * k < SMALL) {
      jsGemm(m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate);
      return;
    }
    const ops = new Operands(heap);
    const aPtr = ops.in(a, aOff, m * k);
    const bPtr = ops.in(b, bOff, k * n);
    const cPtr = ops.out(c, cOff, m * n, accumulate);
    const lda = transA ? m : k;
    const ldb = transB ? k : n;
    // Split the longer side of C: columns in multiples of the micro-tile's 8, rows in multiples of 4.
    const byColumns = n >= m;
    const threads = cx.threadsFor(m * n * k, Math.ceil((byColumns ? n / 8 : m / 4)));
    const ranges = splitRange(byColumns ? n : m, threads, byColumns ? 8 : 4);
    cx.run(ranges.map(([lo, hi], t) => {
      const args = byColumns
        ? [m, hi - lo, k, aPtr, lda, +transA, bPtr + (transB ? lo * ldb : lo) * 4, ldb, +transB, cPtr + lo * 4, n, +accumulate, cx.workOf(t)]
        : [hi - lo, n, k, aPtr + (transA ? lo : lo * lda) * 4, lda, +transA, bPtr, ldb, +transB, cPtr + lo * n * 4, n, +accumulate, cx.workOf(t)];
      return { fn: 'gemmLd' as const, args };
    }));
    ops.done();
  };
}
