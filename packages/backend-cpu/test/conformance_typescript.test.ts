import { beforeAll, describe, it } from 'vitest';
import { registerBackend } from '@soma/core';
import { runConformanceSuite } from '@soma/testing';
import { CpuBackend } from '@soma/backend-cpu';

// The plain TypeScript kernels (no WebAssembly).
registerBackend('cpu-js', () => new CpuBackend('cpu-js', { wasm: false }));

runConformanceSuite('cpu-js', { describe, it, beforeAll });
