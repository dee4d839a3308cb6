import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import * as soma from '@soma/core';
import '@soma/backend-cpu';

// Every `@example` in the packages' JSDoc is code a user will paste: this test collects them all,
// type-checks them together against the sources (strict, as tsconfig.test.json), and runs each on
// cpu. Every op of @soma/core and every layer factory of @soma/layers must have one.
const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'test', '.doc-examples');

interface Example {
  /** 'packages/core/src/ops/index.ts: add' */
  where: string;
  name: string;
  code: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'generated' || entry === 'fixtures' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function collectExamples(): Example[] {
  const examples: Example[] = [];
  for (const pkg of readdirSync(join(root, 'packages'))) {
    for (const file of sourceFiles(join(root, 'packages', pkg, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\/\s*\n\s*export (?:declare )?(?:async )?(?:const|function|class|let) (\w+)/g)) {
        const doc = m[1].split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n');
        const parts = doc.split('@example').slice(1);
        for (const part of parts) {
          const fenced = /^\s*```ts\n([\s\S]*?)\n```/.exec(part);
          const where = `${relative(root, file)}: ${m[2]}`;
          if (!fenced) throw new Error(`${where}: an @example must be one fenced \`\`\`ts block`);
          examples.push({ where, name: m[2], code: fenced[1] });
        }
      }
    }
  }
  return examples;
}

/** Names a file exports as values: `export const x =`, `export function x(`, `export { a, b } from`. */
function exportedValues(file: string): { name: string; alias: boolean }[] {
  const text = readFileSync(join(root, file), 'utf8');
  const names: { name: string; alias: boolean }[] = [];
  for (const m of text.matchAll(/^export const (\w+) = (\w+)?/gm)) names.push({ name: m[1], alias: !!m[2] && !/^[sn]$/.test(m[2]) && !text.includes(`export const ${m[1]} = ${m[2]}(`) });
  for (const m of text.matchAll(/^export function (\w+)/gm)) names.push({ name: m[1], alias: false });
  for (const m of text.matchAll(/^export \{([^}]*)\} from/gm)) for (const n of m[1].split(',')) names.push({ name: n.trim(), alias: false });
  return names;
}

const examples = collectExamples();
const PRELUDE = [
  "import * as soma from '@soma/core';",
  "import '@soma/backend-cpu';",
  "import { input, layers, model, sequential } from '@soma/layers';",
  "import { backendsUnderTest } from '@soma/testing';",
  "import { train } from '@soma/optimizers';",
  'void input; void layers; void model; void sequential; void backendsUnderTest; void soma; void train;',
];

describe('the API reference examples (@example in JSDoc)', () => {
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('every op of @soma/core and every layer factory of @soma/layers has one', () => {
    const documented = new Set(examples.map((e) => e.name));
    const ops = exportedValues('packages/core/src/ops/index.ts').filter((e) => !e.alias).map((e) => e.name);
    const factories = exportedValues('packages/layers/src/layers/index.ts').filter((e) => !e.alias && /^[a-z]/.test(e.name)).map((e) => e.name);
    expect(ops.length).toBeGreaterThan(100);
    expect(factories.length).toBeGreaterThan(35);
    expect(ops.filter((n) => !documented.has(n)), 'ops without an @example').toEqual([]);
    expect(factories.filter((n) => !documented.has(n)), 'layer factories without an @example').toEqual([]);
  });

  it("the guides' TypeScript blocks type-check (strict), each as its own module", () => {
    const guides = join(root, 'docs', 'guides');
    const files: string[] = [];
    mkdirSync(outDir, { recursive: true });
    for (const guide of readdirSync(guides).filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(guides, guide), 'utf8');
      let i = 0;
      for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
        const file = join(outDir, `${guide.replace(/\.md$/, '')}_${i++}.ts`);
        writeFileSync(file, `${m[1]}\nexport {};\n`);
        files.push(file);
      }
    }
    expect(files.length).toBeGreaterThan(10);
    const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.test.json'), { noUnusedLocals: false }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const program = ts.createProgram(files, config.options);
    const errors = files.flatMap((f) => ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${relative(outDir, f)}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    }));
    expect(errors, 'type errors in docs/guides code blocks').toEqual([]);
  }, 120_000);

  it('they type-check together (strict) and each runs on cpu without an error', async () => {
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, 'examples.ts');
    const bodies = examples.map((e, i) => `// ${e.where}\nexport async function example${i}(): Promise<void> {\n${e.code}\n}`);
    writeFileSync(file, `${PRELUDE.join('\n')}\n\n${bodies.join('\n\n')}\n`);

    const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.test.json'), { noUnusedLocals: false }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const program = ts.createProgram([file], config.options);
    const lines = readFileSync(file, 'utf8').split('\n');
    const errors = ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
      let header = line;
      while (header > 0 && !lines[header].startsWith('// packages/')) header--;
      return `${lines[header].slice(3)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}\n    ${lines[line]?.trim()}`;
    });
    expect(errors, 'type errors in @example code').toEqual([]);

    const module = (await import(pathToFileURL(file).href)) as Record<string, () => Promise<void>>;
    const failures: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      for (let i = 0; i < examples.length; i++) {
        await soma.setBackend('cpu');
        try {
          await module[`example${i}`]();
        } catch (e) {
          failures.push(`${examples[i].where}: ${(e as Error).message}`);
        }
      }
    } finally {
      log.mockRestore();
    }
    expect(failures).toEqual([]);
    expect(examples.length).toBeGreaterThan(150);
  }, 120_000);
});
