import { registerBackend } from '@soma/core';
import { CpuBackend } from './backend.js';

export { CpuBackend } from './backend.js';
export type { CpuBackendOptions } from './backend.js';
export { jsGemm } from './kernels/gemm.js';
export type { Gemm, ConvKernels, ConvShape } from './kernels/gemm.js';
export { Heap, HeapExhaustedError, sizeClass } from './heap/heap.js';
export type { HeapStats } from './heap/heap.js';
export type { SimdUnary, SimdUnaryOp } from './wasm/wasm_elementwise.js';
export type { KernelBuild } from './wasm/module.js';

// Importing the package makes 'cpu' available; it is the default when nothing else is chosen.
registerBackend('cpu', () => new CpuBackend('cpu'), 1);
