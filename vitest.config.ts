import { configDefaults, defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const pkg = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

/**
 * Files only the full tier runs (`pnpm test:all`, `vitest run --mode all`): those that need built
 * packages (dist/, tarballs, the CLI's bin), a browser, the webgpu backend (SwiftShader is slow),
 * subprocess crash runs, and the conformance suite on the backends and cpu paths past the default
 * cpu and the plain TypeScript kernels. The fast tier (`pnpm test`) runs the rest on the cpu paths.
 */
const FULL_TIER_ONLY = [
  'test/browser.test.ts',
  'test/playground.test.ts',
  'test/examples.test.ts',
  'test/packaging.test.ts',
  'test/packaging_types.test.ts',
  'test/packaging_tarballs.test.ts',
  'test/checkpoint_crash.test.ts',
  'test/docs_build.test.ts',
  'packages/cli/test/cli.test.ts',
  'packages/data/test/reader_memory.test.ts',
  'packages/backend-native/test/load_failure.test.ts',
  'packages/backend-webgpu/test/**',
  'packages/backend-native/test/conformance.test.ts',
  'packages/backend-cpu/test/conformance_one_thread.test.ts',
  'packages/backend-cpu/test/conformance_threads.test.ts',
  'packages/backend-cpu/test/conformance_unshared.test.ts',
  'packages/backend-cpu/test/conformance_plain_simd.test.ts',
  'packages/layers/test/webgpu_training.test.ts',
  'packages/torch-bridge/test/torch_ddp.test.ts',
];

/**
 * Node 20 compiles relaxed SIMD only behind this V8 flag (Node 22 by default); with it the cpu
 * backend's default build is the fused multiply-add one, as users of newer engines get, and
 * conformance_plain_simd.test.ts covers the plain build.
 */
const RELAXED_SIMD_FLAG = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];

// Tests run against each package's TypeScript source, so a failing test points at src/ lines.
export default defineConfig(({ mode }) => {
  const full = mode === 'all';
  return {
    resolve: {
      alias: [
        { find: /^@soma\/core\/internal$/, replacement: pkg('core/src/internal.ts') },
        { find: /^@soma\/([a-z-]+)$/, replacement: pkg('$1/src/index.ts') },
      ],
    },
    test: {
      include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: [...configDefaults.exclude, ...(full ? [] : FULL_TIER_ONLY)],
      // Tests written for every backend (backendsUnderTest) run on the cpu paths in the fast tier.
      env: full ? {} : { SOMA_TEST_BACKENDS: 'cpu,cpu-js' },
      testTimeout: 60_000,
      pool: 'forks',
      // --expose-gc lets the memory tests exercise the FinalizationRegistry safety net.
      poolOptions: { forks: { execArgv: ['--expose-gc', ...RELAXED_SIMD_FLAG] } },
      reporters: ['default', './scripts/summary-reporter.ts'],
      setupFiles: ['./scripts/test-setup.ts'],
    },
  };
});
