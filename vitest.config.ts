import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const pkg = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

// Tests run against each package's TypeScript source, so a failing test points at src/ lines.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@soma\/core\/testing$/, replacement: pkg('core/src/testing/index.ts') },
      { find: /^@soma\/([a-z-]+)$/, replacement: pkg('$1/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // --expose-gc lets the memory tests exercise the FinalizationRegistry safety net.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    reporters: ['default', './scripts/summary-reporter.ts'],
    setupFiles: ['./scripts/test-setup.ts'],
  },
});
