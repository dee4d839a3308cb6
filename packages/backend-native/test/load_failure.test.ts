import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = (name: string) => fileURLToPath(new URL(`../../${name}`, import.meta.url));

describe("when onnxruntime-node cannot load, importing '@soma/backend-native' is harmless and setBackend says why", () => {
  it('an installation without onnxruntime-node: the import succeeds, setBackend names the cause and the registered backends', () => {
    // The built package in a project whose node_modules lack onnxruntime-node (as when its binary
    // is missing for the platform): a child process, so this run's loaded copy does not interfere.
    const dir = mkdtempSync(join(os.tmpdir(), 'soma-native-missing-'));
    try {
      const mods = join(dir, 'node_modules', '@soma');
      mkdirSync(mods, { recursive: true });
      symlinkSync(pkg('core'), join(mods, 'core'), 'dir');
      symlinkSync(pkg('backend-cpu'), join(mods, 'backend-cpu'), 'dir');
      // A copy, not a link: a link would resolve onnxruntime-node from the workspace.
      cpSync(join(pkg('backend-native'), 'dist'), join(mods, 'backend-native', 'dist'), { recursive: true });
      cpSync(join(pkg('backend-native'), 'package.json'), join(mods, 'backend-native', 'package.json'));
      symlinkSync(pkg('onnx-io'), join(mods, 'onnx-io'), 'dir');
      writeFileSync(join(dir, 'main.mjs'), `
        import * as soma from '@soma/core';
        import '@soma/backend-cpu';
        import '@soma/backend-native';
        const y = soma.tensor([1, 2]).mul(2).dataSync();
        try {
          await soma.setBackend('native');
          console.log('loaded');
        } catch (e) {
          console.log(JSON.stringify({ message: e.message, still: soma.getBackendName(), y: Array.from(y) }));
        }
      `);
      const out = execFileSync(process.execPath, [join(dir, 'main.mjs')], { cwd: dir, encoding: 'utf8' });
      const r = JSON.parse(out.trim().split('\n').pop()!) as { message: string; still: string; y: number[] };
      expect(r.message).toMatch(/^setBackend\('native'\): onnxruntime-node could not be loaded \(.*onnxruntime-node.*\); registered backends: .*cpu/);
      expect(r.still).toBe('cpu');
      expect(r.y).toEqual([2, 4]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
