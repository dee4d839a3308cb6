import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A consumer project type-checks the published declarations (packages/*/dist/types, as npm ships
// them) under each module resolution a TypeScript user may have, with skipLibCheck off so an error
// inside the declarations is an error, and with code that fails if the API's types vanish.
const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const PACKAGES = ['core', 'backend-cpu', 'backend-native', 'layers', 'optimizers', 'data', 'onnx-io'];

const CONSUMER = `
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { createNativeBackend } from '@soma/backend-native';
import { input, layers, model as functional, sequential, type LayersModel, type SymbolicTensor } from '@soma/layers';
import { adam, schedules } from '@soma/optimizers';
import * as data from '@soma/data';
import { exportOnnx, importOnnx } from '@soma/onnx-io';

export async function main(): Promise<number> {
  const x: soma.Tensor = soma.tensor([[1, 2, 3]]);
  const y: soma.Tensor = x.matmul(soma.ones([3, 1])).relu();
  const model = sequential({ layers: [layers.dense({ inputShape: [3], units: 1 })] });
  // Single-output layers and models are typed as such: no casts from a union.
  const inp: SymbolicTensor = input({ shape: [3] });
  const hidden: SymbolicTensor = layers.dense({ units: 4 }).apply(inp);
  const single = functional({ inputs: inp, outputs: layers.dense({ units: 1 }).apply(hidden) });
  const predicted: soma.Tensor = model.predict(x);
  const fromFunctional: soma.Tensor = single.predict(x);
  const asLayersModel: LayersModel = single;
  // @ts-expect-error: an LSTM may return its states too (returnState), so apply gives a union
  const seq: SymbolicTensor = layers.lstm({ units: 2 }).apply(input({ shape: [5, 3] }));
  void predicted; void fromFunctional; void asLayersModel; void seq;
  model.compile({ optimizer: adam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.1, decayRate: 0.9, decaySteps: 10 }) }), loss: 'meanSquaredError' });
  const history = await model.fit(x, y, { epochs: 1, verbose: 0 });
  const loss: number = history.history.loss[0] as number;
  const ds = data.array([1, 2, 3]);
  // Dataset element types flow through map and batch into fit.
  const pairs = data.Dataset.range(0, 8).map((i) => ({ xs: soma.tensor([i, i, i]), ys: soma.tensor([2 * i]) })).batch(4);
  const batchTensor: soma.Tensor = (await pairs.toArray())[0].xs;
  await model.fit(pairs, { epochs: 1, verbose: 0 });
  await model.fit(data.Dataset.fromTensors({ xs: x, ys: y }).batch(1), { epochs: 1, verbose: 0 });
  const numbers: data.Dataset<soma.Tensor> = data.Dataset.range(0, 8).batch(4);
  // @ts-expect-error: batches of numbers are not { xs, ys } batches
  await model.fit(numbers, { epochs: 1 });
  void batchTensor;
  const bytes: Uint8Array = await exportOnnx(model);
  const imported = await importOnnx(bytes);
  const native: Promise<soma.Backend> = createNativeBackend('n2');
  void native; void ds; void imported;
  // @ts-expect-error: a wrong option type must be an error, so the types did not vanish into any
  soma.tensor([1]).sum('zero');
  return loss + y.size;
}
`;

/** What tsc prints for the consumer project in `dir` (empty when it type-checks). */
function typeErrors(dir: string): string {
  try {
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8' });
    return '';
  } catch (e) {
    return `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
  }
}

interface Mode {
  name: string;
  type: 'module' | 'commonjs';
  compilerOptions: Record<string, unknown>;
  file: string;
}

const MODES: Mode[] = [
  { name: 'NodeNext (an ESM project)', type: 'module', compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' }, file: 'main.ts' },
  { name: 'Node16 (an ESM project)', type: 'module', compilerOptions: { module: 'Node16', moduleResolution: 'Node16' }, file: 'main.ts' },
  { name: 'Bundler', type: 'module', compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler' }, file: 'main.ts' },
  { name: 'Node16 (a CommonJS project)', type: 'commonjs', compilerOptions: { module: 'Node16', moduleResolution: 'Node16' }, file: 'main.ts' },
  { name: "CommonJS with the classic 'node' resolution", type: 'commonjs', compilerOptions: { module: 'CommonJS', moduleResolution: 'node' }, file: 'main.ts' },
];

describe('the published type declarations work in a consumer project under every module resolution', () => {
  it.each(MODES)('$name', (mode) => {
    const dir = mkdtempSync(join(os.tmpdir(), 'soma-types-'));
    try {
      mkdirSync(join(dir, 'node_modules', '@soma'), { recursive: true });
      mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
      for (const p of PACKAGES) symlinkSync(join(root, 'packages', p), join(dir, 'node_modules', '@soma', p), 'dir');
      symlinkSync(join(root, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: mode.type }));
      writeFileSync(join(dir, mode.file), CONSUMER);
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { target: 'ES2022', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, skipLibCheck: false, types: ['node'], esModuleInterop: true, ...mode.compilerOptions },
        files: [mode.file],
      }));
      expect(typeErrors(dir)).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

// A browser project: DOM and ES2022 libs only, no @types/node, skipLibCheck off. It imports the
// packages that run in browsers and uses what `using` and the GPU backend bring in.
const BROWSER_CONSUMER = `
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { createWebGPUBackend } from '@soma/backend-webgpu';
import { layers, sequential, loadModel } from '@soma/layers';
import { adam } from '@soma/optimizers';
import { Dataset } from '@soma/data';
import { importOnnx } from '@soma/onnx-io';

export async function main(): Promise<number> {
  const t: soma.Tensor = soma.tensor2d([[1, 2]]);
  t[Symbol.dispose]();
  const net = sequential([layers.dense({ units: 1, inputShape: [2] })]);
  net.compile({ optimizer: adam(), loss: 'mse' });
  const ds = Dataset.fromArrays([1, 2, 3]);
  void createWebGPUBackend; void loadModel; void importOnnx; void ds;
  return net.countParams();
}
`;

describe('the published declarations type-check in a browser-only project (lib ES2022 + DOM, no @types/node)', () => {
  it('skipLibCheck off, types: []', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'soma-types-browser-'));
    try {
      mkdirSync(join(dir, 'node_modules', '@soma'), { recursive: true });
      for (const p of ['core', 'backend-cpu', 'backend-webgpu', 'layers', 'optimizers', 'data', 'onnx-io']) symlinkSync(join(root, 'packages', p), join(dir, 'node_modules', '@soma', p), 'dir');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'browser-app', private: true, type: 'module' }));
      writeFileSync(join(dir, 'main.ts'), BROWSER_CONSUMER);
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { target: 'ES2022', lib: ['ES2022', 'DOM'], module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, skipLibCheck: false, types: [] },
        files: ['main.ts'],
      }));
      expect(typeErrors(dir)).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the published declarations keep the API documentation (editor tooltips)', () => {
  it('every function @soma/core exports, and the Tensor methods that mirror the ops, carry their JSDoc', async () => {
    const ts = (await import('typescript')).default;
    const file = join(root, 'packages/core/dist/types/index.d.ts');
    const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true });
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    const undocumented: string[] = [];
    const docOf = (s: import('typescript').Symbol) => ts.displayPartsToString(s.getDocumentationComment(checker)).trim();
    let functions = 0;
    for (const e of checker.getExportsOfModule(moduleSymbol)) {
      const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      if (target.flags & ts.SymbolFlags.Class || !checker.getTypeOfSymbol(target).getCallSignatures().length) continue;
      functions++;
      if (!docOf(target)) undocumented.push(e.name);
    }
    expect(functions).toBeGreaterThan(150);
    expect(undocumented).toEqual([]);
    const tensor = checker.getExportsOfModule(moduleSymbol).find((s) => s.name === 'Tensor')!;
    const methods = checker.getAliasedSymbol(tensor).members!;
    for (const name of ['add', 'matmul', 'sum', 'mean', 'relu', 'reshape', 'softmax']) {
      expect(docOf(methods.get(name as import('typescript').__String)!), `Tensor.${name}`).not.toBe('');
    }
    expect(docOf(checker.getExportsOfModule(moduleSymbol).find((s) => s.name === 'add')!)).toMatch(/broadcast/);
  });
});
