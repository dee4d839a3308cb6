import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { encodeOnnx, importOnnx, type AttributeProto, type ModelProto } from '@soma/onnx-io';

/** Dropout(x, ratio, training_mode) with both as Constant nodes, as a training-mode export writes them. */
function dropoutModel(ratio: number, training: boolean, seed?: number): Uint8Array {
  const attribute: AttributeProto[] = seed === undefined ? [] : [{ name: 'seed', type: 2, i: seed }];
  const model: ModelProto = {
    ir_version: 8,
    opset_import: [{ domain: '', version: 13 }],
    graph: {
      name: 'dropout',
      node: [
        { name: '/ratio', op_type: 'Constant', input: [], output: ['ratio'], attribute: [{ name: 'value', type: 4, t: { dims: [], data_type: 1, float_data: [ratio] } }] },
        { name: '/training', op_type: 'Constant', input: [], output: ['training'], attribute: [{ name: 'value', type: 4, t: { dims: [], data_type: 9, int32_data: [training ? 1 : 0] } }] },
        { name: '/Dropout', op_type: 'Dropout', input: ['x', 'ratio', 'training'], output: ['y', 'mask'], attribute },
      ],
      input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'n' }] } } } }],
      output: [{ name: 'y', type: { tensor_type: { elem_type: 1 } } }, { name: 'mask', type: { tensor_type: { elem_type: 9 } } }],
    },
  };
  return encodeOnnx(model);
}

describe('ONNX Dropout in training mode', () => {
  it('drops about `ratio` of the elements, scales the rest by 1 / (1 − ratio), and draws a new mask each run', async () => {
    const m = await importOnnx(dropoutModel(0.25, true));
    const x = soma.ones([4000]);
    const masks: boolean[][] = [];
    for (let run = 0; run < 2; run++) {
      const { y, mask } = m.predict({ x });
      const ys = Array.from(await y.data());
      const ms = Array.from(await mask.data(), Boolean);
      ys.forEach((v, i) => expect(v).toBeCloseTo(ms[i] ? 1 / 0.75 : 0, 5));
      const kept = ms.filter(Boolean).length / ms.length;
      expect(kept).toBeGreaterThan(0.7);
      expect(kept).toBeLessThan(0.8);
      masks.push(ms);
      soma.dispose([y, mask]);
    }
    expect(masks[0]).not.toEqual(masks[1]);
    m.dispose();
    x.dispose();
  });

  it('is the identity with an all-true mask when training_mode is false, and repeats its mask with a seed', async () => {
    const x = soma.randomNormal([50], { seed: 1 });
    const off = await importOnnx(dropoutModel(0.5, false));
    const { y, mask } = off.predict({ x });
    expect(Array.from(await y.data())).toEqual(Array.from(await x.data()));
    expect(Array.from(await mask.data()).every(Boolean)).toBe(true);
    const seeded = await importOnnx(dropoutModel(0.5, true, 7));
    const a = seeded.predict({ x });
    const b = seeded.predict({ x });
    expect(Array.from(await a.mask.data())).toEqual(Array.from(await b.mask.data()));
    soma.dispose([y, mask, a.y, a.mask, b.y, b.mask, x]);
    off.dispose();
    seeded.dispose();
  });
});
