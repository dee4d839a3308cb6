import { beforeAll, describe, it } from 'vitest';
import { registerBackend } from '@soma/core';
import { runConformanceSuite } from '@soma/testing';
import { CpuBackend } from '@soma/backend-cpu';

// Threads forced onto every kernel that can split (three of them, so splits are uneven even on a
// two-core machine).
registerBackend('cpu-threads', () => new CpuBackend('cpu-threads', { threads: 3, minParallelWork: 0 }));

runConformanceSuite('cpu-threads', { describe, it, beforeAll });
