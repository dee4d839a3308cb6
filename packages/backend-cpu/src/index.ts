import { registerBackend } from '@soma/core';
import { CpuBackend } from './backend.js';

export { CpuBackend } from './backend.js';
export type { CpuBackendOptions } from './backend.js';
export { jsGemm } from './kernels/gemm.js';
export type { Gemm } from './kernels/gemm.js';
export { loadWasmGemm } from './wasm/wasm_gemm.js';
export { loadWasmUnary } from './wasm/wasm_elementwise.js';
export type { SimdUnary, SimdUnaryOp } from './wasm/wasm_elementwise.js';

// Importing the package makes 'cpu' available; it is the default when nothing else is chosen.
registerBackend('cpu', () => new CpuBackend('cpu'), 1);
