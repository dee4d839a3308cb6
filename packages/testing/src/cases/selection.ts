import * as ops from '@soma/core';
import { expectFails, expectTensor, expectThrows } from '../assertions.js';
import { checkGradients } from '../grad_check.js';
import type { ConformanceCase } from './index.js';

const g = 'selection';
const x = () => ops.tensor([[3, 1, 4, 1], [5, 9, 2, 6]]);

export const selectionCases: ConformanceCase[] = [
  { group: g, name: 'takeAlongAxis picks per position along an axis (negative indices from the end), as torch.gather', run: () => {
    expectTensor(ops.takeAlongAxis(x(), ops.tensor([[0, 3], [2, -1]], undefined, 'int32'), 1), { shape: [2, 2], values: [3, 1, 2, 6] });
    expectTensor(ops.takeAlongAxis(x(), ops.tensor([[1, 0, 1, 0]], undefined, 'int32'), 0), { shape: [1, 4], values: [5, 1, 2, 1] });
  } },
  { group: g, name: 'takeAlongAxis: an index out of range is an error, not a neighbour', runAsync: () =>
    expectFails(() => ops.takeAlongAxis(x(), ops.tensor([[4, 0]], undefined, 'int32'), 1), /gather.*out of range|out of range.*gather/i) },
  { group: g, name: 'topK: largest and smallest values with int32 indices, in order, ties by lower index (torch.topk)', run: () => {
    const [v, i] = ops.topK(x(), 2);
    expectTensor(v, { shape: [2, 2], values: [4, 3, 9, 6] });
    expectTensor(i, { shape: [2, 2], dtype: 'int32', values: [2, 0, 1, 3] });
    const [vs, is] = ops.topK(x(), 2, { largest: false });
    expectTensor(vs, { values: [1, 1, 2, 5] });
    expectTensor(is, { values: [1, 3, 2, 0] });
    const [v0, i0] = ops.topK(x(), 1, { axis: 0 });
    expectTensor(v0, { shape: [1, 4], values: [5, 9, 4, 6] });
    expectTensor(i0, { values: [1, 1, 0, 1] });
    expectThrows(() => ops.topK(x(), 5), 'topK: k must be an integer in [0, 4] for axis 1 of [2,4], got 5');
  } },
  { group: g, name: 'gradients of takeAlongAxis and of topK values match central differences', runAsync: async () => {
    const t = ops.tensor([[0.3, -1.2, 2.5, 0.9], [1.7, -0.4, 0.1, -2.2]]);
    await checkGradients((a) => ops.takeAlongAxis(a, ops.tensor([[0, 3, 3], [2, 1, 0]], undefined, 'int32'), 1), [t]);
    await checkGradients((a) => ops.topK(a, 3)[0], [t]);
  } },
];
