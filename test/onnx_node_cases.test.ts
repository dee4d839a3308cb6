import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-webgpu';
import '@soma/backend-cpu';
import { importOnnx, type HostInput } from '@soma/onnx-io';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backendsUnderTest } from '@soma/testing';

/**
 * ONNX's own backend node tests (the operators' public specification), generated from Debian's
 * python3-onnx by test/fixtures/make_onnx_node_fixtures.py. Every case must pass, except those
 * listed below with the reason — and those must still fail with that reason, so a fix is noticed
 * and nothing is skipped silently. Integer and scalar inputs are fed as numbers (HostInput), as a
 * model's shapes, axes and bounds would be constants.
 */

type Encoded = { dtype: string; shape: number[]; values: (number | boolean | string | null)[] };
interface NodeCase {
  name: string;
  model: string;
  inputs: Encoded[];
  outputs: Encoded[];
}

const file = fileURLToPath(new URL('./fixtures/onnx/node_cases.json', import.meta.url));
const { cases, generator } = JSON.parse(readFileSync(file, 'utf8')) as { cases: NodeCase[]; generator: string };

const NOT_SUPPORTED: Record<string, RegExp> = {
  test_identity_sequence: /is not a tensor \(sequences, maps and optionals are not supported\)/,
  test_identity_opt: /is not a tensor \(sequences, maps and optionals are not supported\)/,
  test_nonzero_example: /NonZero of data computed at run time has a data-dependent shape/,
};

/**
 * Cases whose expected outputs come from numpy's random generator: Soma's draws differ, so these
 * check what must hold for any draw — each output is 0 or x / (1 − ratio), the mask marks the
 * kept ones, and about 1 − ratio of them are kept.
 */
const RANDOM_DROPOUT = new Set(['test_training_dropout_default', 'test_training_dropout_default_mask', 'test_training_dropout', 'test_training_dropout_mask']);

const decode = (v: number | boolean | string | null): number => (v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const INTEGER = new Set(['int64', 'int32', 'int16', 'int8', 'uint8']);

async function runCase(c: NodeCase): Promise<void> {
  const m = await importOnnx(Uint8Array.from(Buffer.from(c.model, 'base64')));
  const feeds: Record<string, soma.Tensor | HostInput> = {};
  try {
    m.inputs.forEach((io, i) => {
      const t = c.inputs[i];
      const values = t.values.map(decode);
      // Resize's roi, scales and sizes are parameters, known when a real model is imported.
      const parameter = INTEGER.has(t.dtype) || t.shape.length === 0 || (i > 0 && /^test_(resize|upsample)/.test(c.name));
      feeds[io.name] = parameter ? { shape: t.shape, values } : soma.tensor(values, t.shape, t.dtype === 'bool' ? 'bool' : 'float32');
    });
    const out = m.predict(feeds);
    try {
      if (RANDOM_DROPOUT.has(c.name)) {
        const x = c.inputs[0].values.map(decode);
        const ratio = decode(c.inputs[1].values[0]);
        const y = await out[m.outputs[0].name].data();
        const mask = m.outputs[1] ? await out[m.outputs[1].name].data() : null;
        let kept = 0;
        x.forEach((v, k) => {
          const keep = Math.abs(y[k] - v / (1 - ratio)) <= 1e-5 * (1 + Math.abs(v));
          if (!keep && y[k] !== 0) expect.fail(`output[${k}] is ${y[k]}: neither 0 nor x / (1 − ratio) = ${v / (1 - ratio)}`);
          if (mask && Boolean(mask[k]) !== keep) expect.fail(`mask[${k}] is ${mask[k]}, but output[${k}] is ${y[k]}`);
          if (keep) kept++;
        });
        expect(kept / x.length).toBeGreaterThan((1 - ratio) / 3);
        expect(kept / x.length).toBeLessThan(Math.min(1, (1 - ratio) * 2));
        return;
      }
      for (const [i, io] of m.outputs.entries()) {
        const expected = c.outputs[i];
        const got = out[io.name];
        expect(got.shape, `${io.name} shape`).toEqual(expected.shape);
        const g = await got.data();
        expected.values.map(decode).forEach((e, k) => {
          const ok = Number.isNaN(e) ? Number.isNaN(g[k]) : g[k] === e || Math.abs(g[k] - e) <= 1e-5 + 1e-3 * Math.abs(e);
          if (!ok) expect.fail(`${io.name}[${k}] is ${g[k]}, expected ${e}`);
        });
      }
    } finally {
      soma.dispose(out);
    }
  } finally {
    soma.dispose(Object.values(feeds).filter((f): f is soma.Tensor => soma.isTensor(f)));
    m.dispose();
  }
}

describe(`ONNX backend node tests (${cases.length} cases from ${generator})`, () => {
  it('covers the operators the importer lists, with few cases unsupported', () => {
    expect(cases.length).toBeGreaterThan(500);
    expect(Object.keys(NOT_SUPPORTED).length).toBeLessThan(5);
    for (const name of Object.keys(NOT_SUPPORTED)) expect(cases.some((c) => c.name === name), name).toBe(true);
  });

  describe.each(backendsUnderTest(['cpu', 'webgpu']))('on %s', (backend) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
      await soma.setBackend(backend);
      const before = soma.memory().numTensors;
      const reason = NOT_SUPPORTED[name];
      try {
        if (reason) await expect(runCase(c)).rejects.toThrow(reason);
        else await runCase(c);
        expect(soma.memory().numTensors).toBe(before);
      } finally {
        await soma.setBackend('cpu');
      }
    });
  });
});
