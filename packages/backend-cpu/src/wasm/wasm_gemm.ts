import type { Heap } from '../heap/heap.js';
import { jsGemm, type Gemm } from '../kernels/gemm.js';
import { Operands, type KernelExports } from './module.js';

/** Below this many multiply-adds, a WebAssembly call costs more than it saves. */
const SMALL = 16 * 16 * 16;

/**
 * The SIMD GEMM over the heap: operands that live there (every tensor of a backend with a heap) are
 * read and written in place; others are copied through scratch blocks.
 */
export function wasmGemm(ex: KernelExports, heap: Heap): Gemm {
  const [work] = heap.alloc(ex.workspaceBytes());

  const gemm: Gemm = (m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate) => {
    if (m * n * k < SMALL) {
      jsGemm(m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate);
      return;
    }
    const ops = new Operands(heap);
    const aPtr = ops.in(a, aOff, m * k);
    const bPtr = ops.in(b, bOff, k * n);
    const cPtr = ops.out(c, cOff, m * n, accumulate);
    ex.gemm(m, n, k, aPtr, transA ? 1 : 0, bPtr, transB ? 1 : 0, cPtr, accumulate ? 1 : 0, work);
    ops.done();
  };
  // The patch matrix is built in the heap, next to the GEMM that reads it.
  gemm.withPatches = (m, n, k, a, aOff, transA, x, xOff, g, transB, c, cOff, accumulate) => {
    const ops = new Operands(heap);
    const aPtr = ops.in(a, aOff, m * k);
    const xPtr = ops.in(x, xOff, g.c * g.h * g.w);
    const cPtr = ops.out(c, cOff, m * n, accumulate);
    const col = ops.block(k * n);
    ex.im2col(xPtr, col, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow);
    ex.gemm(m, n, k, aPtr, transA ? 1 : 0, col, transB ? 1 : 0, cPtr, accumulate ? 1 : 0, work);
    ops.done();
  };
  gemm.toImage = (m, n, k, a, aOff, transA, b, bOff, transB, out, outOff, g) => {
    const planes = g.c * g.h * g.w;
    const ops = new Operands(heap);
    const aPtr = ops.in(a, aOff, m * k);
    const bPtr = ops.in(b, bOff, k * n);
    const xPtr = ops.out(out, outOff, planes, false);
    const col = ops.block(m * n);
    ex.gemm(m, n, k, aPtr, transA ? 1 : 0, bPtr, transB ? 1 : 0, col, 0, work);
    ops.view(xPtr, planes).fill(0);
    ex.col2im(col, xPtr, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow);
    ops.done();
  };
  return gemm;
}
