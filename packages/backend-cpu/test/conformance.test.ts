import { beforeAll, describe, it } from 'vitest';
import { registerBackend } from '@soma/core';
import { runConformanceSuite } from '@soma/core/testing';
import { CpuBackend } from '@soma/backend-cpu';

// Every cpu path: 'cpu' as users get it (WebAssembly SIMD, threads on every core), one thread,
// threads forced onto every kernel that can split (three of them, so splits are uneven even on a
// two-core machine), an unshared heap (a page that is not cross-origin isolated: it starts at
// 128 KiB, so kernels keep growing it mid-run), and the plain TypeScript kernels.
registerBackend('cpu-1t', () => new CpuBackend('cpu-1t', { threads: 1 }));
registerBackend('cpu-threads', () => new CpuBackend('cpu-threads', { threads: 3, minParallelWork: 0 }));
registerBackend('cpu-unshared', () => new CpuBackend('cpu-unshared', { sharedMemory: false }));
registerBackend('cpu-js', () => new CpuBackend('cpu-js', { wasm: false }));

runConformanceSuite('cpu', { describe, it, beforeAll });
runConformanceSuite('cpu-1t', { describe, it, beforeAll });
runConformanceSuite('cpu-threads', { describe, it, beforeAll });
runConformanceSuite('cpu-unshared', { describe, it, beforeAll });
runConformanceSuite('cpu-js', { describe, it, beforeAll });
