import { beforeAll, describe, it } from 'vitest';
import { registerBackend } from '@soma/core';
import { runConformanceSuite } from '@soma/testing';
import { CpuBackend } from '@soma/backend-cpu';

// One thread.
registerBackend('cpu-1t', () => new CpuBackend('cpu-1t', { threads: 1 }));

runConformanceSuite('cpu-1t', { describe, it, beforeAll });
