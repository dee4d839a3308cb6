import { jsGemm, type Gemm } from '../kernels/gemm.js';
import type { WasmContext } from './context.js';
import { Operands } from './module.js';

/** Below this many multiply-adds, a WebAssembly call costs more than it saves. */
const SMALL = 16 * 16 * 16;

/**
 * The SIMD GEMM over the heap: operands that live there (every tensor of a backend with a heap) are
 * read and written in place, and large products are shared among threads by blocks of C's rows or
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
    const threads = cx.threadsFor(m * n * k, Math.ceil(Math.max(n / 32, m / 16)));
    if (threads === 1) {
      cx.ex.gemmLd(m, n, k, aPtr, lda, +transA, bPtr, ldb, +transB, cPtr, n, +accumulate, cx.work);
    } else {
      // Threads take blocks of the longer side of C, about four each (columns in multiples of the
      // micro-tile's 8, rows of its 4), so a worker that wakes late takes fewer.
      const byRows = m > n;
      const side = byRows ? m : n;
      const unit = byRows ? 4 : 8;
      const size = Math.max(byRows ? 16 : 32, Math.ceil(side / (threads * 4) / unit) * unit);
      const next = cx.freshCounter();
      const args = [next, Math.ceil(side / size), size, +byRows, m, n, k, aPtr, lda, +transA, bPtr, ldb, +transB, cPtr, n, +accumulate];
      cx.run(Array.from({ length: threads }, (_, t) => ({ fn: 'gemmBlocks' as const, args: [...args, cx.workOf(t)] })));
    }
    ops.done();
  };
}
