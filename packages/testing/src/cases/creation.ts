import { getEngine } from '@soma/core/internal';
import * as ops from '@soma/core';
import { check, expectTensor, expectThrows } from '../assertions.js';
import type { ConformanceCase } from './index.js';

const g = 'creation';
export const creationCases: ConformanceCase[] = [
  { group: g, name: 'tensor infers shape and float32 from nested arrays', run: () =>
    expectTensor(ops.tensor([[1, 2, 3], [4, 5, 6]]), { shape: [2, 3], dtype: 'float32', values: [1, 2, 3, 4, 5, 6] }) },
  { group: g, name: 'tensor from a flat array and a shape', run: () =>
    expectTensor(ops.tensor([1, 2, 3, 4], [2, 2], 'int32'), { shape: [2, 2], dtype: 'int32', values: [1, 2, 3, 4] }) },
  { group: g, name: 'tensor of booleans is bool', run: () => expectTensor(ops.tensor([true, false]), { dtype: 'bool', values: [1, 0] }) },
  { group: g, name: 'tensor from a typed array keeps its dtype', run: () =>
    expectTensor(ops.tensor(new Int32Array([3, -4])), { shape: [2], dtype: 'int32', values: [3, -4] }) },
  { group: g, name: 'int32 tensors truncate toward zero', run: () => expectTensor(ops.tensor([1.7, -1.7], [2], 'int32'), { values: [1, -1] }) },
  { group: g, name: 'scalar has rank 0', run: () => expectTensor(ops.scalar(3.5), { shape: [], values: [3.5] }) },
  { group: g, name: 'zeros, ones and fill', run: () => {
    expectTensor(ops.zeros([2, 2]), { dtype: 'float32', values: [0, 0, 0, 0] });
    expectTensor(ops.ones([3], 'int32'), { dtype: 'int32', values: [1, 1, 1] });
    expectTensor(ops.fill([2], 7.5), { values: [7.5, 7.5] });
    expectTensor(ops.fill([2], true), { dtype: 'bool', values: [1, 1] });
  } },
  { group: g, name: 'zerosLike and onesLike copy shape and dtype', run: () => {
    const x = ops.tensor([[1, 2]], undefined, 'int32');
    expectTensor(ops.zerosLike(x), { shape: [1, 2], dtype: 'int32', values: [0, 0] });
    expectTensor(ops.onesLike(x), { shape: [1, 2], dtype: 'int32', values: [1, 1] });
  } },
  { group: g, name: 'arange: int32 for integers, float32 otherwise', run: () => {
    expectTensor(ops.arange(5), { dtype: 'int32', values: [0, 1, 2, 3, 4] });
    expectTensor(ops.arange(2, 10, 3), { values: [2, 5, 8] });
    expectTensor(ops.arange(0, 1, 0.25), { dtype: 'float32', values: [0, 0.25, 0.5, 0.75] });
    expectTensor(ops.arange(5, 0, -2), { values: [5, 3, 1] });
    expectTensor(ops.arange(3, 3), { shape: [0] });
  } },
  { group: g, name: 'linspace includes both ends', run: () => expectTensor(ops.linspace(0, 1, 5), { values: [0, 0.25, 0.5, 0.75, 1] }) },
  { group: g, name: 'eye, square and rectangular', run: () => {
    expectTensor(ops.eye(2), { values: [1, 0, 0, 1] });
    expectTensor(ops.eye(2, 3), { shape: [2, 3], values: [1, 0, 0, 0, 1, 0] });
  } },
  { group: g, name: 'oneHot with on/off values; out-of-range gives an all-off row', run: () =>
    expectTensor(ops.oneHot([0, 2, 5], 3, { onValue: 5, offValue: -1 }), { shape: [3, 3], values: [5, -1, -1, -1, -1, 5, -1, -1, -1] }) },
  { group: g, name: 'array() nests like the shape; bool gives booleans', runAsync: async () => {
    const a = (await ops.tensor([[1, 2], [3, 4]]).array());
    check(JSON.stringify(a) === '[[1,2],[3,4]]', () => `got ${JSON.stringify(a)}`);
    const b = (await ops.tensor([true, false]).array());
    check(JSON.stringify(b) === '[true,false]', () => `got ${JSON.stringify(b)}`);
    check((await ops.scalar(2).array()) === 2, () => 'scalar arraySync should be a number');
  } },
  { runAsync: async () => {
    const t = ops.tensor([[1, 2], [3, 4]]);
    const d = await t.data();
    const a = await t.array();
    t.dispose();
    check(d instanceof Float32Array && d[3] === 4, () => `data() gave ${String(d)}`);
    check(JSON.stringify(a) === '[[1,2],[3,4]]', () => `array() gave ${JSON.stringify(a)}`);
  }, group: g, name: 'data() and array() resolve asynchronously' },
  { group: g, name: 'toString prints like PyTorch (on backends that read synchronously; otherwise it says to use data())', run: () => {
    const t = ops.tensor([[1, 2], [3, 4]]);
    if (getEngine().backendByName(t.backendName).syncReads === false) {
      const s = t.toString();
      check(s.includes('data()') && s.includes('shape=[2,2]'), () => `got ${JSON.stringify(s)}`);
      return;
    }
    const s = t.toString();
    check(s === 'tensor([[1., 2.],\n        [3., 4.]])', () => `got ${JSON.stringify(s)}`);
    const i = ops.tensor([1, -20], [2], 'int32').toString();
    check(i === 'tensor([  1, -20], dtype=int32)', () => `got ${JSON.stringify(i)}`);
    const big = ops.zeros([2000]).toString();
    check(big.includes('...') && big.length < 200, () => `large tensors should be summarized, got ${big.length} chars`);
  } },
  { group: g, name: 'data() returns a copy the caller cannot use to mutate the tensor', runAsync: async () => {
    const t = ops.tensor([1, 2]);
    const d = (await t.data());
    d[0] = 99;
    expectTensor(t, { values: [1, 2] });
  } },
  { group: g, name: 'ragged nested arrays are rejected', run: () => expectThrows(() => ops.tensor([[1, 2], [3]]), /tensor: ragged nested array/) },
  { group: g, name: 'shape and value count must agree', run: () =>
    expectThrows(() => ops.tensor([1, 2, 3], [2, 2]), 'tensor: shape [2,2] needs 4 values, got 3') },
];
