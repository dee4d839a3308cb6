import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { createNativeBackend, type NativeBackend } from '@soma/backend-native';

// The `profile` option: onnxruntime's profiler inside a compiled graph's one session, whose nodes
// soma.profile cannot see, written by endProfiling() as Chrome traces.
const dir = mkdtempSync(join(os.tmpdir(), 'soma-ort-profile-'));
let backend: NativeBackend | null = null;
soma.registerBackend('native-profiled', async () => (backend = await createNativeBackend('native-profiled', { profile: join(dir, 'step') })));

afterAll(async () => {
  await soma.setBackend('cpu');
  rmSync(dir, { recursive: true, force: true });
});

it("a compiled function's nodes are in onnxruntime's profile, written by endProfiling()", async () => {
  await soma.setBackend('native-profiled');
  const w = soma.variable(soma.randomNormal([4, 3, 3, 3], { seed: 1 }));
  const f = soma.compile((x: soma.Tensor) => soma.conv2d(x, w, { padding: 'same' }).relu().sum());
  const x = soma.randomNormal([2, 3, 8, 8], { seed: 2 });
  for (let i = 0; i < 3; i++) soma.dispose(f(x));
  const files = backend!.endProfiling();
  expect(files.length).toBe(1);
  expect(existsSync(files[0])).toBe(true);
  expect(files[0].startsWith(join(dir, 'step'))).toBe(true);
  const events = JSON.parse(readFileSync(files[0], 'utf8')) as { cat?: string; name: string; args?: { op_name?: string } }[];
  const ops = new Set(events.filter((e) => e.cat === 'Node').map((e) => e.args?.op_name));
  expect(ops.has('Conv')).toBe(true);
  expect(events.filter((e) => e.cat === 'Session' && e.name === 'model_run').length).toBe(3);
  // Ended: nothing more to write until a new session records.
  expect(backend!.endProfiling()).toEqual([]);
  soma.dispose([w, x]);
});

it('createNativeBackend refuses unknown options with the closest name, and a profile that is no path prefix', async () => {
  await expect(createNativeBackend('typo', { profiling: '/tmp/x' } as never)).rejects.toThrow(/createNativeBackend: unknown option 'profiling'.*Did you mean 'profile'/);
  await expect(createNativeBackend('bad', { profile: true } as never)).rejects.toThrow(/createNativeBackend: profile must be a file path prefix \(a non-empty string\), got true/);
});
