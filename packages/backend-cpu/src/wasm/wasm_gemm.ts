import type { Gemm } from '../kernels/gemm';

/** Placeholder until the SIMD module lands: no WebAssembly GEMM yet. */
export function loadWasmGemm(): Gemm | null {
  return null;
}
