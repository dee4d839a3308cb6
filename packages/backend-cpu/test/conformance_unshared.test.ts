import { beforeAll, describe, it } from 'vitest';
import { registerBackend } from '@soma/core';
import { runConformanceSuite } from '@soma/testing';
import { CpuBackend } from '@soma/backend-cpu';

// An unshared heap (a page that is not cross-origin isolated: it starts at 128 KiB, so kernels
// keep growing it mid-run).
registerBackend('cpu-unshared', () => new CpuBackend('cpu-unshared', { sharedMemory: false }));

runConformanceSuite('cpu-unshared', { describe, it, beforeAll });
