import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-webgpu';
import '@soma/backend-cpu';
import { importOnnx, type HostInput, type OnnxValue } from '@soma/onnx-io';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backendsUnderTest } from '@soma/testing';
import { decode, INTEGER, mismatch, ortMismatch, type Encoded, type NodeCase } from './helpers/onnx_node_case.js';

/**
 * ONNX's own backend node tests (the operators' public specification), generated from Debian's
 * python3-onnx by test/fixtures/make_onnx_node_fixtures.py, fed two ways: every input as a tensor
 * of the file's type, as onnxruntime takes them, through `run` (which reads shapes, axes and
 * counts on the host when it runs); and integer and scalar inputs as numbers (HostInput) through
 * the synchronous `predict`, as a model's constant shapes would be. Every case must pass, except
 * those listed below with the reason — and those must still fail with that reason, so a fix is
 * noticed and nothing is skipped silently.
 */

const file = fileURLToPath(new URL('./fixtures/onnx/node_cases.json', import.meta.url));
const { cases, generator } = JSON.parse(readFileSync(file, 'utf8')) as { cases: NodeCase[]; generator: string };

type Feeding = 'tensors' | 'numbers';

const NOT_SUPPORTED: Record<Feeding, Record<string, RegExp>> = {
  tensors: {},
  numbers: {
    // predict is synchronous: a shape that depends on the values needs run.
    test_nonzero_example: /OnnxModel\.predict: node .* \(NonZero\): .* is input 'condition', given as a tensor: .*call await model\.run\(feeds\)/,
  },
};

/**
 * Cases whose expected outputs come from numpy's random generator: Soma's draws differ (so do
 * onnxruntime's), so these check what must hold for any draw — each output is 0 or
 * x / (1 − ratio), the mask marks the kept ones, and about 1 − ratio of them are kept.
 */
const RANDOM_DROPOUT = new Set(['test_training_dropout_default', 'test_training_dropout_default_mask', 'test_training_dropout', 'test_training_dropout_mask']);

function checkDropout(c: NodeCase, [y, mask]: ArrayLike<number>[]): void {
  const x = c.inputs[0].values.map(decode);
  const ratio = decode(c.inputs[1].values[0]);
  let kept = 0;
  x.forEach((v, k) => {
    const keep = Math.abs(y[k] - v / (1 - ratio)) <= 1e-5 * (1 + Math.abs(v));
    if (!keep && y[k] !== 0) expect.fail(`output[${k}] is ${y[k]}: neither 0 nor x / (1 − ratio) = ${v / (1 - ratio)}`);
    if (mask && Boolean(mask[k]) !== keep) expect.fail(`mask[${k}] is ${mask[k]}, but output[${k}] is ${y[k]}`);
    if (keep) kept++;
  });
  expect(kept / x.length).toBeGreaterThan((1 - ratio) / 3);
  expect(kept / x.length).toBeLessThan(Math.min(1, (1 - ratio) * 2));
}

/** A case's input as Soma takes it: a tensor, host numbers, an array of tensors (a sequence) or null (an empty optional). */
function feed(t: Encoded, parameter: boolean): soma.Tensor | HostInput | soma.Tensor[] | null {
  if (t.dtype === 'none') return null;
  if (t.dtype === 'sequence') return t.items!.map((item) => feed(item, false) as soma.Tensor);
  const values = t.values.map(decode);
  const dtype = INTEGER.has(t.dtype) ? 'int32' : t.dtype === 'bool' ? 'bool' : 'float32';
  return parameter ? { shape: t.shape, values } : soma.tensor(dtype === 'bool' ? values.map(Boolean) : values, t.shape, dtype);
}

async function expectValue(got: OnnxValue, expected: Encoded, what: string): Promise<void> {
  if (expected.dtype === 'none') return expect(got, what).toBeNull();
  if (expected.dtype === 'sequence') {
    expect(Array.isArray(got), `${what} is a sequence`).toBe(true);
    const items = got as soma.Tensor[];
    expect(items.length, `${what} length`).toBe(expected.items!.length);
    for (const [k, item] of expected.items!.entries()) await expectValue(items[k], item, `${what}[${k}]`);
    return;
  }
  const t = got as soma.Tensor;
  expect(soma.isTensor(t), `${what} is a tensor`).toBe(true);
  expect(t.shape, `${what} shape`).toEqual(expected.shape);
  const bad = mismatch(await t.data(), expected);
  if (bad) expect.fail(`${what}${bad}`);
}

async function runCase(c: NodeCase, feeding: Feeding): Promise<void> {
  const m = await importOnnx(Uint8Array.from(Buffer.from(c.model, 'base64')));
  const feeds: Record<string, soma.Tensor | HostInput | soma.Tensor[] | null> = {};
  const made = () => Object.values(feeds).flatMap((f) => (Array.isArray(f) ? f : soma.isTensor(f) ? [f] : []));
  try {
    m.inputs.forEach((io, i) => {
      const t = c.inputs[i];
      // Resize's roi, scales and sizes are parameters, known when a real model is imported.
      const parameter = INTEGER.has(t.dtype) || t.shape?.length === 0 || (i > 0 && /^test_(resize|upsample)/.test(c.name));
      feeds[io.name] = feed(t, feeding === 'numbers' && parameter);
    });
    // Sequences and optionals at the graph's edges go through runValues.
    const values = [...m.inputs, ...m.outputs].some((io) => io.kind !== 'tensor');
    const out: Record<string, OnnxValue> = values
      ? await m.runValues(feeds)
      : feeding === 'tensors'
        ? await m.run(feeds as Record<string, soma.Tensor>)
        : m.predict(feeds as Record<string, soma.Tensor | HostInput>);
    try {
      if (RANDOM_DROPOUT.has(c.name)) {
        checkDropout(c, await Promise.all(m.outputs.map((o) => (out[o.name] as soma.Tensor).data())));
        return;
      }
      for (const [i, io] of m.outputs.entries()) await expectValue(out[io.name], c.outputs[i], io.name);
    } finally {
      soma.dispose(out);
    }
  } finally {
    soma.dispose(made());
    m.dispose();
  }
}

describe(`ONNX backend node tests (${cases.length} cases from ${generator})`, () => {
  it('covers the operators the importer lists, with few cases unsupported', () => {
    expect(cases.length).toBeGreaterThan(500);
    for (const listed of Object.values(NOT_SUPPORTED)) {
      expect(Object.keys(listed).length).toBeLessThan(5);
      for (const name of Object.keys(listed)) expect(cases.some((c) => c.name === name), name).toBe(true);
    }
  });

  it('fed as onnxruntime-node takes them, Soma passes every case onnxruntime-node 1.30 passes', async () => {
    await soma.setBackend('cpu');
    const ortFails: string[] = [];
    const somaFails: string[] = [];
    for (const c of cases) {
      const check = RANDOM_DROPOUT.has(c.name) ? (outs: ArrayLike<number>[]) => checkDropout(c, outs) : undefined;
      if (await ortMismatch(c, check)) ortFails.push(c.name);
      if (await runCase(c, 'tensors').then(() => false, () => true)) somaFails.push(c.name);
    }
    expect(somaFails.filter((n) => !ortFails.includes(n)), 'cases onnxruntime-node passes and Soma fails').toEqual([]);
    expect(cases.length - somaFails.length).toBeGreaterThanOrEqual(cases.length - ortFails.length);
    // onnxruntime-node fails some cases too (int16 Max/Min, batch-major recurrent layouts, align_corners downsampling, sequence inputs from JavaScript).
    expect(ortFails.length).toBeGreaterThan(0);
  });

  describe.each((['tensors', 'numbers'] as const).flatMap((feeding) => backendsUnderTest(['cpu', 'webgpu']).map((backend) => [feeding, backend] as const)))('inputs as %s, on %s', (feeding, backend) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
      await soma.setBackend(backend);
      const before = soma.memory().numTensors;
      const reason = NOT_SUPPORTED[feeding][name];
      try {
        if (reason) await expect(runCase(c, feeding)).rejects.toThrow(reason);
        else await runCase(c, feeding);
        expect(soma.memory().numTensors).toBe(before);
      } finally {
        await soma.setBackend('cpu');
      }
    });
  });
});
