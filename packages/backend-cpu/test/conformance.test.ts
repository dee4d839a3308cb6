import { beforeAll, describe, it } from 'vitest';
import { runConformanceSuite } from '@soma/testing';
import '@soma/backend-cpu';

// 'cpu' as users get it: WebAssembly SIMD, threads on every core. The other cpu paths run the same
// suite in files of their own (conformance_*.test.ts), so vitest's forks run them in parallel.
runConformanceSuite('cpu', { describe, it, beforeAll });
