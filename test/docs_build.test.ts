import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `pnpm run docs` as CI runs it: TypeDoc over every package and the guides, with warnings as errors
// (typedoc.json: a broken link, a referenced type that is not exported, an exported function,
// class or variable without a summary). Slow (half a minute), so the full tier only.
const root = fileURLToPath(new URL('..', import.meta.url));

describe('the API reference', () => {
  it('builds with zero warnings, with a page per package, the ops as functions and the guides', () => {
    const out = mkdtempSync(join(os.tmpdir(), 'soma-docs-'));
    try {
      let log = '';
      try {
        log = execFileSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        throw new Error(`typedoc failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      }
      // eslint-disable-next-line no-control-regex
      expect(log.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(/\[warning\]|\[error\]/);
      const modules = readdirSync(join(out, 'modules'));
      for (const pkg of ['core', 'backend-cpu', 'backend-native', 'backend-webgpu', 'layers', 'optimizers', 'data', 'onnx-io', 'zoo', 'cli', 'testing']) {
        expect(modules, pkg).toContain(`_soma_${pkg}.html`);
      }
      expect(existsSync(join(out, 'functions', '_soma_core.add.html')), 'ops are listed as functions').toBe(true);
      expect(readdirSync(join(out, 'documents')).length).toBeGreaterThanOrEqual(6);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
