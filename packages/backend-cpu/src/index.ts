import { registerBackend } from '@soma/core';
import { CpuBackend } from './backend';

export { CpuBackend } from './backend';
export type { CpuBackendOptions } from './backend';
export { jsGemm } from './kernels/gemm';
export type { Gemm } from './kernels/gemm';
export { loadWasmGemm } from './wasm/wasm_gemm';
export { loadWasmUnary } from './wasm/wasm_elementwise';
export type { SimdUnary, SimdUnaryOp } from './wasm/wasm_elementwise';

// Importing the package makes 'cpu' available; it is the default when nothing else is chosen.
registerBackend('cpu', () => new CpuBackend('cpu'), 1);
