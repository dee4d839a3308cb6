import { jsGemm, type Gemm } from '../kernels/gemm';
import { GEMM_WASM_BASE64 } from './generated/gemm_wasm';
import { Heap, HEAP_BASE, instantiate } from './module';

interface GemmExports {
  workspaceBytes(): number;
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

  return (m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate) => {
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
}
