import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-native';
import '@soma/backend-webgpu';
import { importOnnx } from '@soma/onnx-io';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backendsUnderTest } from '@soma/testing';

/**
 * Models people export from PyTorch (test/fixtures/make_torch_model_fixtures.py: torchvision's
 * VisionTransformer, a timm-style ViT block whose class token is expanded to the batch, a
 * CycleGAN generator with reflection padding, an LSTM over packed sequences, a 3-D UNet), with
 * PyTorch's outputs: Soma must match them to 1e-4 on every backend, at a batch size other than
 * the exported one too (the batch is symbolic in each file).
 */
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/onnx/${name}`, import.meta.url));
interface Reference {
  inputs: Record<string, { shape: number[]; dtype: 'float32' | 'int32'; values: number[] }>;
  outputs: Record<string, { shape: number[]; values: number[] }>;
}

const MODELS = ['vit_torchvision', 'vit_block', 'reflect_generator', 'lstm_packed', 'unet3d'];

function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  return worst;
}

describe.each(backendsUnderTest(['cpu', 'native', 'webgpu']))('PyTorch-exported models match PyTorch on %s', (backend) => {
  it.each(MODELS)('%s', async (name) => {
    await soma.setBackend(backend);
    try {
      const ref = JSON.parse(readFileSync(fixture(`${name}.json`), 'utf8')) as Reference;
      const m = await importOnnx(fixture(`${name}.onnx`));
      expect(m.inputs[0].shape[0]).toBe('batch');
      const feeds = Object.fromEntries(Object.entries(ref.inputs).map(([k, v]) => [k, soma.tensor(v.values, v.shape, v.dtype)]));
      const out = await m.run(feeds);
      for (const [k, r] of Object.entries(ref.outputs)) {
        expect(out[k].shape).toEqual(r.shape);
        expect(worstError(await out[k].data(), r.values), `${name}: output ${k}`).toBeLessThan(1e-4);
      }
      // The first row alone (a batch of one) gives the first row of the reference.
      const first = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.slice(t.shape.map(() => 0), [1, ...t.shape.slice(1)])]));
      const one = await m.run(first);
      for (const [k, r] of Object.entries(ref.outputs)) {
        const per = r.values.length / r.shape[0];
        expect(worstError(await one[k].data(), r.values.slice(0, per)), `${name}: output ${k}, batch of one`).toBeLessThan(1e-4);
      }
      soma.dispose([...Object.values(feeds), ...Object.values(first), ...Object.values(out), ...Object.values(one)]);
      m.dispose();
    } finally {
      await soma.setBackend('cpu');
    }
  });
});
