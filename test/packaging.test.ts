import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (code: string, type: 'module' | 'commonjs'): string =>
  execFileSync(process.execPath, [type === 'module' ? '--input-type=module' : '--input-type=commonjs', '-e', code], { cwd: `${root}/bench`, encoding: 'utf8' });

// `pnpm test:all` builds every package before vitest starts; these check what users would install.
describe('built packages', () => {
  for (const name of ['core', 'backend-cpu', 'layers', 'optimizers', 'data', 'onnx-io', 'zoo', 'backend-webgpu', 'backend-native', 'testing', 'torch-bridge']) {
    it(`@soma/${name}: every exports-map target exists`, () => {
      type Target = string | { [condition: string]: Target };
      const pkg = JSON.parse(readFileSync(`${root}/packages/${name}/package.json`, 'utf8')) as { exports: Record<string, Target> };
      // Conditions nest (import → { types, default }, require → { types, default }).
      const files = (t: Target): string[] => (typeof t === 'string' ? [t] : Object.values(t).flatMap(files));
      for (const [sub, target] of Object.entries(pkg.exports)) {
        const all = files(target);
        expect(all.length, sub).toBeGreaterThan(0);
        for (const f of all) expect(existsSync(`${root}/packages/${name}/${f}`), `${sub} -> ${f}`).toBe(true);
      }
    });
  }

  it('load as ES modules in plain Node and train a step', () => {
    const out = run(`
      import * as soma from '@soma/core';
      import '@soma/backend-cpu';
      const g = soma.grad((x) => x.square().sum())(soma.tensor([1, 2]));
      console.log(JSON.stringify({ g: Array.from(g.dataSync()), backends: soma.listBackends() }));`, 'module');
    expect(JSON.parse(out)).toEqual({ g: [2, 4], backends: ['cpu'] });
  });

  it('load through require() and share one engine with the ESM build', () => {
    const out = run(`
      const soma = require('@soma/core');
      require('@soma/backend-cpu');
      import('@soma/core').then((esm) => {
        const t = soma.tensor([[1, 2], [3, 4]]);
        // A tensor from the CJS copy goes through the ESM copy's ops and @soma/testing's checker.
        const viaEsm = esm.mul(t, 2).sum().dataSync()[0];
        return require('@soma/testing').checkGradients((x) => x.square(), [t]).then((check) => {
          console.log(JSON.stringify({ sum: soma.sum(t).dataSync()[0], viaEsm, esmSees: esm.memory().numTensors >= 1, checked: check.checked }));
        });
      });`, 'commonjs');
    expect(JSON.parse(out)).toEqual({ sum: 10, viaEsm: 20, esmSees: true, checked: 4 });
  });
});
