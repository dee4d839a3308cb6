// esbuild aliases from each @soma package name to its TypeScript source, so a browser bundle
// (the playground, the browser test) builds without building the packages first.
import { join } from 'node:path';

const PACKAGES = ['core', 'backend-cpu', 'backend-webgpu', 'layers', 'optimizers', 'data', 'zoo', 'testing', 'torch-bridge'];

/** The alias map for the repository at `root`. */
export function sourceAliases(root) {
  const src = (p, file = 'index.ts') => join(root, 'packages', p, 'src', file);
  return { '@soma/core/internal': src('core', 'internal.ts'), ...Object.fromEntries(PACKAGES.map((p) => [`@soma/${p}`, src(p)])) };
}
