import * as ops from '@soma/core';
import { expectTensor } from '../assertions.js';
import type { ConformanceCase } from './index.js';

const g = 'dtype rules';
const i32 = (v: number[]) => ops.tensor(v, [v.length], 'int32');

export const dtypeCases: ConformanceCase[] = [
  { group: g, name: 'int32 + int32 stays int32', run: () => expectTensor(ops.add(i32([1, 2]), i32([3, 4])), { dtype: 'int32', values: [4, 6] }) },
  { group: g, name: 'an integer JS number keeps int32; a fractional one promotes to float32', run: () => {
    expectTensor(ops.mul(i32([1, 2]), 3), { dtype: 'int32', values: [3, 6] });
    expectTensor(ops.add(i32([1, 2]), 0.5), { dtype: 'float32', values: [1.5, 2.5] });
  } },
  { group: g, name: 'int32 with float32 promotes to float32', run: () =>
    expectTensor(ops.add(i32([1, 2]), ops.tensor([0.5, 0.5])), { dtype: 'float32', values: [1.5, 2.5] }) },
  { group: g, name: 'division is true division', run: () => expectTensor(ops.div(i32([1, 3]), i32([2, 2])), { dtype: 'float32', values: [0.5, 1.5] }) },
  { group: g, name: 'comparisons give bool', run: () => expectTensor(ops.less(ops.tensor([1, 5]), 3), { dtype: 'bool', values: [1, 0] }) },
  { group: g, name: 'sum of bool counts as int32; mean gives float32', run: () => {
    expectTensor(ops.sum(ops.tensor([true, true, false])), { dtype: 'int32', values: [2] });
    expectTensor(ops.mean(i32([1, 2])), { dtype: 'float32', values: [1.5] });
  } },
  { group: g, name: 'transcendental functions of int32 give float32', run: () => expectTensor(ops.exp(i32([0, 1])), { dtype: 'float32', values: [1, Math.E] }, { rtol: 1e-6 }) },
  { group: g, name: 'arithmetic on bool computes in int32', run: () => expectTensor(ops.add(ops.tensor([true, false]), ops.tensor([true, true])), { dtype: 'int32', values: [2, 1] }) },
  { group: g, name: 'where promotes its branches', run: () => expectTensor(ops.where(ops.tensor([true, false]), i32([1, 2]), ops.tensor([0.5, 0.5])), { dtype: 'float32', values: [1, 0.5] }) },
  { group: g, name: 'concat promotes to a common dtype', run: () => expectTensor(ops.concat([i32([1]), ops.tensor([0.5])]), { dtype: 'float32', values: [1, 0.5] }) },
  { group: g, name: 'max/argMax keep dtype / give int32', run: () => {
    expectTensor(ops.max(i32([3, 9, 2])), { dtype: 'int32', values: [9] });
    expectTensor(ops.argMax(ops.tensor([3, 9, 9])), { dtype: 'int32', values: [1] });
  } },
  { group: g, name: 'NaN propagates through max, maximum and sum', run: () => {
    const x = ops.tensor([1, NaN, 3]);
    expectTensor(ops.max(x), { values: [NaN] });
    expectTensor(ops.maximum(x, 2), { values: [2, NaN, 3] });
    expectTensor(ops.sum(x), { values: [NaN] });
  } },
];
