import { beforeAll, describe, it } from 'vitest';
import { registerBackend } from '@soma/core';
import { runConformanceSuite } from '@soma/testing';
import { CpuBackend } from '@soma/backend-cpu';

// The plain SIMD build (no fused multiply-add): what engines without relaxed SIMD run.
registerBackend('cpu-plain-simd', () => new CpuBackend('cpu-plain-simd', { relaxedSimd: false }));

runConformanceSuite('cpu-plain-simd', { describe, it, beforeAll });
