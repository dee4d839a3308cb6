import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { encodeOnnx, importOnnx, type ModelProto, type TensorProto } from '@soma/onnx-io';

const int64 = (values: number[]) => new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
const i64 = (name: string, dims: number[], values: number[]): TensorProto => ({ name, dims, data_type: 7, raw_data: int64(values) });

/**
 * What torch.onnx (opset 13+) writes for ViT's class token, `cls.expand(x.shape[0], -1, -1)`
 * (torchvision's VisionTransformer, timm, DeiT): the size [B, -1, -1] is stacked, reshaped to [-1],
 * and its -1s replaced by 1 through ConstantOfShape/Mul/Equal/Where before Expand.
 */
function classTokenModel(): Uint8Array {
  const d = 8;
  const cls = Float32Array.from({ length: d }, (_, i) => i / 10);
  const model: ModelProto = {
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'vit_class_token',
      node: [
        { name: '/Shape', op_type: 'Shape', input: ['x'], output: ['s'] },
        { name: '/Gather', op_type: 'Gather', input: ['s', 'zero'], output: ['b'], attribute: [{ name: 'axis', type: 2, i: 0 }] },
        { name: '/Unsqueeze', op_type: 'Unsqueeze', input: ['b', 'axes0'], output: ['b1'] },
        { name: '/Concat', op_type: 'Concat', input: ['b1', 'minus1', 'minus1'], output: ['stacked'], attribute: [{ name: 'axis', type: 2, i: 0 }] },
        { name: '/Reshape', op_type: 'Reshape', input: ['stacked', 'flat'], output: ['size'] },
        { name: '/Shape_2', op_type: 'Shape', input: ['size'], output: ['ss'] },
        { name: '/ConstantOfShape', op_type: 'ConstantOfShape', input: ['ss'], output: ['ones'], attribute: [{ name: 'value', type: 4, t: i64('', [1], [1]) }] },
        { name: '/Mul', op_type: 'Mul', input: ['ones', 'neg'], output: ['neg_ones'] },
        { name: '/Equal', op_type: 'Equal', input: ['size', 'neg_ones'], output: ['eq'] },
        { name: '/Where', op_type: 'Where', input: ['eq', 'ones', 'size'], output: ['size2'] },
        { name: '/Expand', op_type: 'Expand', input: ['cls', 'size2'], output: ['tokens'] },
        { name: '/Concat_1', op_type: 'Concat', input: ['tokens', 'x'], output: ['y'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
      ],
      initializer: [
        i64('zero', [], [0]), i64('axes0', [1], [0]), i64('minus1', [1], [-1]), i64('flat', [1], [-1]), i64('neg', [], [-1]),
        { name: 'cls', dims: [1, 1, d], data_type: 1, raw_data: new Uint8Array(cls.buffer) },
      ],
      input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'batch' }, { dim_value: 4 }, { dim_value: d }] } } } }],
      output: [{ name: 'y', type: { tensor_type: { elem_type: 1 } } }],
    },
  };
  return encodeOnnx(model);
}

describe("ViT's class token: cls.expand(x.shape[0], -1, -1) as torch.onnx exports it", () => {
  it('imports and predicts for any batch: the -1 of the stacked size resolves, the token is prepended to every sample', async () => {
    const m = await importOnnx(classTokenModel());
    for (const batch of [1, 3]) {
      const x = soma.randomNormal([batch, 4, 8], { seed: batch });
      const { y } = m.predict({ x });
      expect(y.shape).toEqual([batch, 5, 8]);
      const first = soma.slice(y, [0, 0, 0], [batch, 1, 8]).reshape([batch, 8]);
      for (let b = 0; b < batch; b++) expect(Array.from(first.dataSync().slice(b * 8, b * 8 + 8)).map((v) => Math.round(v * 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(Array.from(soma.slice(y, [0, 1, 0], [batch, 4, 8]).dataSync())).toEqual(Array.from(x.dataSync()));
    }
  });

  it('a reshape of shape values with two -1s, or that does not fit, is an error naming the node', async () => {
    const bad: ModelProto = {
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [{ name: '/BadReshape', op_type: 'Reshape', input: ['v', 't'], output: ['y'] }],
        initializer: [i64('v', [6], [1, 2, 3, 4, 5, 6]), i64('t', [2], [-1, -1])],
        input: [],
        output: [{ name: 'y', type: { tensor_type: { elem_type: 7 } } }],
      },
    };
    const m = await importOnnx(encodeOnnx(bad)).catch((e: Error) => e);
    const message = m instanceof Error ? m.message : await Promise.resolve().then(() => { try { (m as Awaited<ReturnType<typeof importOnnx>>).predict({}); return ''; } catch (e) { return (e as Error).message; } });
    expect(message).toMatch(/\/BadReshape.*cannot reshape to \[-1, -1\]: dimensions are non-negative integers, with at most one -1/);
  });
});
