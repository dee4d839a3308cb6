import { jsGemm, type Gemm } from '../kernels/gemm.js';
import { GEMM_WASM_BASE64 } from './generated/gemm_wasm.js';
import { Heap, HEAP_BASE, instantiate } from './module.js';

interface GemmExports {
  workspaceBytes(): number;
  im2col(x: number, col: number, c: number, h: number, w: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, pt: number, pl: number, oh: number, ow: number): void;
  col2im(col: number, x: number, c: number, h: number, w: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, pt: number, pl: number, oh: number, ow: number): void;
  gemm(m: number, n: number, k: number, a: number, transA: number, b: number, transB: number, c: number, accumulate: number, work: number): void;
}

/** Below this many multiply-adds, copying into wasm memory costs more than it saves. */
const SMALL = 16 * 16 * 16;

/**
 * Instantiates the SIMD GEMM synchronously (the module is ~2 KB, under browsers' main-thread limit
 * for synchronous compilation). Returns null where WebAssembly or its SIMD proposal is missing, so
 * the backend falls back to the TypeScript GEMM.
 */
export function loadWasmGemm(): Gemm | null {
  const ex = instantiate<GemmExports>(GEMM_WASM_BASE64);
  if (!ex) return null;
  const work = HEAP_BASE;
  const workBytes = ex.workspaceBytes();
  const heap = new Heap(ex.memory);

  const gemm: Gemm = (m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate) => {
    if (m * n * k < SMALL) {
      jsGemm(m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate);
      return;
    }
    const aPtr = work + workBytes;
    const bPtr = aPtr + m * k * 4;
    const cPtr = bPtr + k * n * 4;
    heap.ensure(cPtr + m * n * 4);
    heap.f32.set(a.subarray(aOff, aOff + m * k), aPtr >> 2);
    heap.f32.set(b.subarray(bOff, bOff + k * n), bPtr >> 2);
    if (accumulate) heap.f32.set(c.subarray(cOff, cOff + m * n), cPtr >> 2);
    ex.gemm(m, n, k, aPtr, transA ? 1 : 0, bPtr, transB ? 1 : 0, cPtr, accumulate ? 1 : 0, work);
    c.set(heap.f32.subarray(cPtr >> 2, (cPtr >> 2) + m * n), cOff);
  };
  // The image goes into wasm memory and its patch matrix is built there, next to the GEMM that reads it.
  gemm.withPatches = (m, n, k, a, aOff, transA, x, xOff, g, transB, c, cOff, accumulate) => {
    const planes = g.c * g.h * g.w;
    const aPtr = work + workBytes;
    const xPtr = aPtr + m * k * 4;
    const bPtr = xPtr + planes * 4;
    const cPtr = bPtr + k * n * 4;
    heap.ensure(cPtr + m * n * 4);
    heap.f32.set(a.subarray(aOff, aOff + m * k), aPtr >> 2);
    heap.f32.set(x.subarray(xOff, xOff + planes), xPtr >> 2);
    ex.im2col(xPtr, bPtr, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow);
    if (accumulate) heap.f32.set(c.subarray(cOff, cOff + m * n), cPtr >> 2);
    ex.gemm(m, n, k, aPtr, transA ? 1 : 0, bPtr, transB ? 1 : 0, cPtr, accumulate ? 1 : 0, work);
    c.set(heap.f32.subarray(cPtr >> 2, (cPtr >> 2) + m * n), cOff);
  };
  gemm.toImage = (m, n, k, a, aOff, transA, b, bOff, transB, out, outOff, g) => {
    const planes = g.c * g.h * g.w;
    const aPtr = work + workBytes;
    const bPtr = aPtr + m * k * 4;
    const colPtr = bPtr + k * n * 4;
    const xPtr = colPtr + m * n * 4;
    heap.ensure(xPtr + planes * 4);
    heap.f32.set(a.subarray(aOff, aOff + m * k), aPtr >> 2);
    heap.f32.set(b.subarray(bOff, bOff + k * n), bPtr >> 2);
    ex.gemm(m, n, k, aPtr, transA ? 1 : 0, bPtr, transB ? 1 : 0, colPtr, 0, work);
    heap.f32.fill(0, xPtr >> 2, (xPtr >> 2) + planes);
    ex.col2im(colPtr, xPtr, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow);
    out.set(heap.f32.subarray(xPtr >> 2, (xPtr >> 2) + planes), outOff);
  };
  return gemm;
}
