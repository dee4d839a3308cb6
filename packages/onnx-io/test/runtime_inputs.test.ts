import { afterEach, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { importOnnx } from '@soma/onnx-io';
import { i64, input, model, output } from './helpers/graph.js';

/** data [batch, 6] reshaped by a shape given at run time, as onnxruntime takes it (an int64 tensor). */
const reshapeModel = () => model([{ name: '/Reshape', op_type: 'Reshape', input: ['data', 'shape'], output: ['y'] }], [input('data', 1, ['batch', 6]), input('shape', 7, [3])], ['y']);

afterEach(() => {
  expect(soma.memory().numTensors).toBeLessThan(50);
});

describe('OnnxModel.run reads integer inputs given as tensors (shapes, axes, counts) when it runs', () => {
  it("Reshape's shape as an int tensor: right result, one graph per distinct value, reused", async () => {
    const m = await importOnnx(reshapeModel());
    const data = soma.arange(0, 12, 1, 'float32').reshape([2, 6]);
    const before = soma.compileStats().graphsTraced;
    const runs: [number[], number[]][] = [[[2, 3, 2], [2, 3, 2]], [[4, -1, 1], [4, 3, 1]], [[2, 3, 2], [2, 3, 2]], [[0, 2, 3], [2, 2, 3]]];
    for (const [values, shape] of runs) {
      const s = soma.tensor(values, [3], 'int32');
      const { y } = await m.run({ data, shape: s });
      expect(y.shape).toEqual(shape);
      expect(Array.from(await y.data())).toEqual(Array.from({ length: 12 }, (_, i) => i));
      soma.dispose([s, y]);
    }
    // [2,3,2] is traced once and reused; [4,-1,1] and [0,2,3] each get their own graph.
    expect(soma.compileStats().graphsTraced - before).toBe(3);
    expect(soma.compileStats().fallbackReasons.filter((r) => r.name === 'OnnxModel.run' && /known/.test(r.reason))).toEqual([]);
    data.dispose();
    m.dispose();
  });

  it('predict (synchronous) says the input must be numbers or the call run, naming the node and the input', async () => {
    const m = await importOnnx(reshapeModel());
    const data = soma.zeros([2, 6]);
    const s = soma.tensor([1, 3, 4], [3], 'int32');
    expect(() => m.predict({ data, shape: s })).toThrow(
      /OnnxModel\.predict: node '\/Reshape' \(Reshape\): the target shape must be known as numbers, and it is input 'shape', given as a tensor: pass it as numbers \(\{ shape, values \}\), or call await model\.run\(feeds\)/,
    );
    // The same input as numbers works in predict.
    const { y } = m.predict({ data, shape: { shape: [3], values: [1, 3, 4] } });
    expect(y.shape).toEqual([1, 3, 4]);
    soma.dispose([data, s, y]);
    m.dispose();
  });

  it('an input read through host folding (Cast, Add) and a large input used as data is never read', async () => {
    // y = Tile(x, Cast(reps) + 1): reps is read on the host; x (data) stays a tensor.
    const m = await importOnnx(model(
      [
        { op_type: 'Cast', input: ['reps'], output: ['r64'], attribute: [{ name: 'to', type: 2, i: 7 }] },
        { op_type: 'Add', input: ['r64', 'one'], output: ['r'] },
        { name: 'tile', op_type: 'Tile', input: ['x', 'r'], output: ['y'] },
      ],
      [input('x', 1, [2, 3]), input('reps', 6, [2])],
      ['y'],
      [i64('one', [1], [1])],
    ));
    const x = soma.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const reps = soma.tensor([0, 1], [2], 'int32');
    const { y } = await m.run({ x, reps });
    expect(y.shape).toEqual([2, 6]);
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
    soma.dispose([x, reps, y]);
    m.dispose();
  });

  it('a value computed from the data (NonZero of x > 0, a Range to max(x)) is read when run executes', async () => {
    const m = await importOnnx(model(
      [
        { op_type: 'Greater', input: ['x', 'zero'], output: ['positive'] },
        { name: 'nonzero', op_type: 'NonZero', input: ['positive'], output: ['where'] },
        { op_type: 'ReduceMax', input: ['x'], output: ['top'], attribute: [{ name: 'keepdims', type: 2, i: 0 }] },
        { op_type: 'Cast', input: ['top'], output: ['limit'], attribute: [{ name: 'to', type: 2, i: 7 }] },
        { name: 'range', op_type: 'Range', input: ['start', 'limit', 'step'], output: ['counts'] },
      ],
      [input('x', 1, [2, 3])],
      ['where', 'counts'],
      [{ name: 'zero', dims: [], data_type: 1, float_data: [0] }, i64('start', [], [0]), i64('step', [], [1])],
    ));
    for (const [values, where, counts] of [
      [[1, -2, 0, 3, 4, -1], [0, 1, 1, 0, 0, 1], [0, 1, 2, 3]],
      [[-1, -1, 2, -1, -1, -1], [0, 2], [0, 1]],
    ] as const) {
      const x = soma.tensor([...values], [2, 3]);
      const out = await m.run({ x });
      expect(out.where.shape).toEqual([2, where.length / 2]);
      expect(Array.from(await out.where.data())).toEqual([...where]);
      expect(Array.from(await out.counts.data())).toEqual([...counts]);
      soma.dispose([x, out]);
    }
    const x = soma.ones([2, 3]);
    expect(() => m.predict({ x })).toThrow(/OnnxModel\.predict: node 'nonzero' \(NonZero\): .* is computed from the data \('positive'\): call await model\.run\(feeds\)/);
    x.dispose();
    m.dispose();
  });

  it('a large input whose numbers an operator needs (NonZero of a mask) is data: read when reached, not traced per value', async () => {
    const m = await importOnnx(model([{ op_type: 'NonZero', input: ['mask'], output: ['where'] }], [input('mask', 9, ['n'])], [output('where', 7)]));
    const before = soma.compileStats().graphsTraced;
    for (const hot of [[3, 4999], [0]]) {
      const mask = soma.tensor(Array.from({ length: 5000 }, (_, i) => hot.includes(i)), [5000], 'bool');
      const { where } = await m.run({ mask });
      expect(Array.from(await where.data())).toEqual(hot);
      soma.dispose([mask, where]);
    }
    expect(soma.compileStats().graphsTraced).toBe(before);
    m.dispose();
  });
});
