import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import ort from 'onnxruntime-node';
import { encodeOnnx, importOnnx, type AttributeProto, type ModelProto } from '@soma/onnx-io';

/**
 * Operators imported beyond ONNX's own node tests (which use one image of one channel), checked
 * against onnxruntime-node on batched, multi-channel inputs: MaxPool's Indices output, pooling
 * pads wider than half the window, Resize in cubic mode.
 */

const int = (name: string, i: number): AttributeProto => ({ name, type: 2, i });
const ints = (name: string, v: number[]): AttributeProto => ({ name, type: 7, ints: v });
const str = (name: string, v: string): AttributeProto => ({ name, type: 3, s: new TextEncoder().encode(v) });
const flt = (name: string, f: number): AttributeProto => ({ name, type: 1, f });

function model(op: string, attrs: AttributeProto[], outputs: { name: string; type: number }[], extra: { name: string; values: number[] }[] = [], opset = 13, extraAs: 'constant' | 'initializer' = 'constant'): Uint8Array {
  const asConstants = extraAs === 'constant' ? extra : [];
  const m: ModelProto = {
    ir_version: 7,
    opset_import: [{ domain: '', version: opset }],
    graph: {
      name: op,
      // Extra inputs as Constant nodes, as torch.onnx writes Resize's roi and scales.
      node: [
        ...asConstants.map((e) => ({ name: `/${e.name}`, op_type: 'Constant', input: [], output: [e.name], attribute: [{ name: 'value', type: 4, t: { dims: [e.values.length], data_type: 1, float_data: e.values } }] })),
        { name: `/${op}`, op_type: op, input: ['x', ...extra.map((e) => e.name)], output: outputs.map((o) => o.name), attribute: attrs },
      ],
      initializer: extraAs === 'initializer' ? extra.map((e) => ({ name: e.name, dims: [e.values.length], data_type: 1, float_data: e.values })) : [],
      input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 2 }, { dim_value: 3 }, { dim_value: 7 }, { dim_value: 6 }] } } } }],
      output: outputs.map((o) => ({ name: o.name, type: { tensor_type: { elem_type: o.type } } })),
    },
  };
  return encodeOnnx(m);
}

async function compare(bytes: Uint8Array, tolerance = 1e-5): Promise<void> {
  // Distinct values (a random permutation) so the position of each maximum is unambiguous.
  const n = 2 * 3 * 7 * 6;
  const values = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n - 0.5);
  const session = await ort.InferenceSession.create(bytes);
  const want = await session.run({ x: new ort.Tensor('float32', values, [2, 3, 7, 6]) });
  const m = await importOnnx(bytes);
  const got = m.predict({ x: soma.tensor(values, [2, 3, 7, 6]) });
  for (const name of Object.keys(want)) {
    const w = want[name];
    expect(got[name].shape, name).toEqual(w.dims.map(Number));
    const g = Array.from(got[name].dataSync());
    Array.from(w.data as ArrayLike<number | bigint>, Number).forEach((v, i) => expect(Math.abs(g[i] - v), `${name}[${i}]`).toBeLessThanOrEqual(tolerance));
  }
}

describe('pooling and resizing, as onnxruntime computes them', () => {
  it('MaxPool with Indices (row- and column-major, pads, strides, dilations) over several images and channels', async () => {
    for (const attrs of [
      [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [2, 2])],
      [ints('kernel_shape', [2, 3]), ints('strides', [1, 2]), int('storage_order', 1)],
      [ints('kernel_shape', [2, 2]), ints('dilations', [2, 2]), ints('pads', [0, 1, 1, 0])],
    ]) {
      await compare(model('MaxPool', attrs, [{ name: 'y', type: 1 }, { name: 'indices', type: 7 }], [], 12), 0);
    }
  });

  it('pooling pads wider than half the window: MaxPool, AveragePool with and without the pads counted', async () => {
    const wide = [ints('kernel_shape', [3, 3]), ints('pads', [2, 2, 2, 2]), ints('strides', [2, 1])];
    await compare(model('MaxPool', wide, [{ name: 'y', type: 1 }]));
    await compare(model('AveragePool', wide, [{ name: 'y', type: 1 }]));
    await compare(model('AveragePool', [...wide, int('count_include_pad', 1)], [{ name: 'y', type: 1 }]));
  });

  it('Resize, cubic: half_pixel and align_corners, up and down, with exclude_outside and another cubic_coeff_a', async () => {
    const sizes = (h: number, w: number) => [{ name: 'roi', values: [] }, { name: 'scales', values: [1, 1, h / 7, w / 6] }];
    for (const [attrs, scales] of [
      [[str('mode', 'cubic')], sizes(2, 1.5)],
      [[str('mode', 'cubic'), str('coordinate_transformation_mode', 'align_corners')], sizes(1.5, 0.75)],
      [[str('mode', 'cubic'), int('exclude_outside', 1), flt('cubic_coeff_a', -0.5)], sizes(0.6, 2)],
    ] as const) {
      await compare(model('Resize', [...attrs], [{ name: 'y', type: 1 }], scales.map((s) => ({ ...s, values: [...s.values] }))), 1e-4);
    }
  });

  it('Resize, tf_crop_and_resize: a crop reaching outside the input takes extrapolation_value there (linear, cubic)', async () => {
    const roi = { name: 'roi', values: [0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3] };
    const scales = { name: 'scales', values: [1, 1, 8 / 7, 1.5] };
    // (nearest is left out: onnxruntime 1.x rounds the cropped coordinates its own way, and ONNX's
    // node test for this transform is linear.)
    for (const mode of ['linear', 'cubic']) {
      const attrs = [str('mode', mode), str('coordinate_transformation_mode', 'tf_crop_and_resize'), flt('extrapolation_value', 7)];
      await compare(model('Resize', attrs, [{ name: 'y', type: 1 }], [roi, scales]), 1e-4);
    }
  });

  it('Resize with roi and scales as float initializers (not Constant nodes) imports them as known parameters, not weights', async () => {
    const m = model('Resize', [str('mode', 'cubic')], [{ name: 'y', type: 1 }], [{ name: 'roi', values: [] }, { name: 'scales', values: [1, 1, 2, 0.5] }], 13, 'initializer');
    await compare(m, 1e-4);
    const imported = await importOnnx(m);
    expect(imported.trainableVariables.length).toBe(0);
    imported.dispose();
  });
});
