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
  { group: g, name: "pad modes reflect, edge, symmetric and wrap copy the tensor's values as numpy.pad does (PyTorch's reflect/replicate/circular)", run: () => {
    const v = ops.tensor([1, 2, 3]);
    // numpy.pad([1, 2, 3], (2, 2), mode) for each mode.
    expectTensor(ops.pad(v, [[2, 2]], { mode: 'reflect' }), { shape: [7], values: [3, 2, 1, 2, 3, 2, 1] });
    expectTensor(ops.pad(v, [[2, 2]], { mode: 'edge' }), { values: [1, 1, 1, 2, 3, 3, 3] });
    expectTensor(ops.pad(v, [[2, 2]], { mode: 'symmetric' }), { values: [2, 1, 1, 2, 3, 3, 2] });
    expectTensor(ops.pad(v, [[2, 2]], { mode: 'wrap' }), { values: [2, 3, 1, 2, 3, 1, 2] });
    // Padding wider than the axis keeps reflecting: numpy.pad([1, 2, 3], (5, 4), 'reflect').
    expectTensor(ops.pad(v, [[5, 4]], { mode: 'reflect' }), { values: [2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3] });
    expectTensor(ops.pad(ops.tensor([[1, 2], [3, 4]]), [[1, 1], [1, 1]], { mode: 'reflect' }), { shape: [4, 4], values: [4, 3, 4, 3, 2, 1, 2, 1, 4, 3, 4, 3, 2, 1, 2, 1] });
    expectTensor(ops.pad(ops.tensor([[1, 2, 3], [4, 5, 6]], undefined, 'int32'), [[1, 0], [2, 1]], { mode: 'edge' }), { shape: [3, 6], dtype: 'int32', values: [1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6] });
    expectTensor(ops.pad(v, [[1, 1]], { value: 9 }), { values: [9, 1, 2, 3, 9] });
    expectThrows(() => ops.pad(v, [[1, 1]], { mode: 'mirror' as never }), "pad: mode must be one of 'constant', 'reflect', 'edge', 'symmetric', 'wrap', got \"mirror\"");
    expectThrows(() => ops.pad(ops.zeros([0, 2]), [[1, 0], [0, 0]], { mode: 'edge' }), "pad: mode 'edge' needs values to copy, but axis 0 of [0,2] is empty");
    // A padding from a file is bounded before any index array or tensor is made.
    expectThrows(() => ops.pad(v, [[2 ** 31, 0]], { mode: 'reflect' }), 'pad: the padded shape [2147483651] has 2,147,483,651 elements; a tensor holds at most 2,147,483,647');
    expectThrows(() => ops.pad(v, [[2 ** 40, 0]]), 'pad: the padded shape [1099511627779] has 1,099,511,627,779 elements; a tensor holds at most 2,147,483,647');
  } },
  { group: g, name: 'gradients of reflect and edge padding (NCHW images, as ReflectionPad2d) match central differences', runAsync: async () => {
    const img = ops.tensor([[[[0.3, -1.2, 2.5], [0.9, 1.7, -0.4]]]]);
    await checkGradients((a) => ops.pad(a, [[0, 0], [0, 0], [1, 1], [2, 1]], { mode: 'reflect' }).square(), [img]);
    await checkGradients((a) => ops.pad(a, [[0, 0], [0, 0], [2, 0], [1, 2]], { mode: 'edge' }).square(), [img]);
  } },
];
