import { beforeAll, describe, it } from 'vitest';
import { registerBackend } from '@soma/core';
import { runConformanceSuite } from '@soma/core/testing';
import { CpuBackend } from '@soma/backend-cpu';

// 'cpu' runs the WebAssembly SIMD kernels where the engine has them; 'cpu-js' forces the TypeScript ones.
registerBackend('cpu-js', () => new CpuBackend('cpu-js', { wasm: false }));

runConformanceSuite('cpu', { describe, it, beforeAll });
runConformanceSuite('cpu-js', { describe, it, beforeAll });
