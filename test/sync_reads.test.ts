import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// A synchronous read throws on a GPU backend (WebGPU maps buffers only asynchronously), so library
// code reads with data() and awaits. Every synchronous read left in packages/*/src is listed here
// with why it may stay; a new one fails this test until it is made asynchronous or justified.
const ALLOWED: Record<string, { count: number; why: string }> = {
  'core/src/tensor.ts': { count: 4, why: 'the documented *Sync APIs themselves (dataSync, arraySync) and toString' },
  'core/src/kernels/tensor_info.ts': { count: 1, why: "the backend contract's readSync" },
  'core/src/engine/engine.ts': { count: 1, why: 'toBackend: a synchronous copy, which fails on an async-only backend naming toBackendAsync' },
  'core/src/engine/delegation.ts': { count: 2, why: 'delegation between two synchronous backends (documented; needs sync reads on both)' },
  'core/src/ops/random.ts': { count: 1, why: 'bernoulli on synchronous backends only (the async path compares on the device)' },
  'core/src/graph/trace.ts': { count: 1, why: 'comparing two traces reads device-made constants (host-made ones are kept on the host); a known limit (webgpu falls back to eager there), noted when the compiled-path issue closed' },
  'backend-cpu/src/backend.ts': { count: 2, why: "the cpu backend's readSync" },
  'backend-native/src/backend.ts': { count: 4, why: "native's values live on the host: its readSync, and graph inputs and constants handed to onnxruntime" },
  'backend-webgpu/src/backend.ts': { count: 3, why: 'readSync that throws, and its message naming dataSync()/arraySync() and data()' },
  'data/src/preprocessing/scalers.ts': { count: 1, why: 'Scaler.fit, documented as synchronous beside fitAsync' },
  'data/src/preprocessing/encoders.ts': { count: 2, why: 'inverseTransform and decode, documented as synchronous beside inverseTransformAsync and decodeAsync' },
  'layers/src/integer_ids.ts': { count: 1, why: 'id checks on synchronous backends only, reading the ids themselves (GPU backends defer them to the batch readback)' },
  'layers/src/io/model_io.ts': { count: 1, why: 'modelToArtifacts, documented as synchronous (save() uses modelToArtifactsAsync)' },
  'testing/src/assertions.ts': { count: 1, why: 'the conformance kit asserts on synchronous backends' },
};

const root = join(import.meta.dirname, '..', 'packages');
const SYNC = /\b(dataSync|readSync|arraySync)\s*\(/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Calls of a synchronous read per file, comment lines left out. */
function syncReads(): Record<string, number> {
  const found: Record<string, number> = {};
  for (const pkg of readdirSync(root)) {
    let src: string;
    try {
      src = join(root, pkg, 'src');
      if (!statSync(src).isDirectory()) continue;
    } catch {
      continue;
    }
    for (const file of sources(src)) {
      const code = readFileSync(file, 'utf8').split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l)).join('\n');
      const n = [...code.matchAll(SYNC)].length;
      if (n) found[relative(root, file)] = n;
    }
  }
  return found;
}

describe('no synchronous read in library code beyond the justified list', () => {
  it('every dataSync/readSync/arraySync call in packages/*/src is listed with its reason, and no file has more than listed', () => {
    const found = syncReads();
    const unexpected = Object.entries(found).filter(([f, n]) => n > (ALLOWED[f]?.count ?? 0)).map(([f, n]) => `${f}: ${n} (allowed ${ALLOWED[f]?.count ?? 0})`);
    expect(unexpected, 'read with await t.data() instead, or justify the read in ALLOWED').toEqual([]);
  });

  it('the list shrinks when a read goes (no stale allowance)', () => {
    const found = syncReads();
    const stale = Object.entries(ALLOWED).filter(([f, a]) => (found[f] ?? 0) < a.count).map(([f, a]) => `${f}: ${found[f] ?? 0} < ${a.count}`);
    expect(stale).toEqual([]);
  });
});
