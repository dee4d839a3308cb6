import * as ops from '@soma/core';
import { grad } from '@soma/core';
import { check, expectTensor, expectThrows } from '../assertions.js';
import type { Tensor } from '@soma/core';
import type { ConformanceCase } from './index.js';

const g = 'edge shapes';
export const edgeShapeCases: ConformanceCase[] = [
  { group: g, name: 'rank-0 tensors through elementwise ops and reductions', run: () => {
    const s = ops.scalar(2);
    expectTensor(ops.mul(s, s), { shape: [], values: [4] });
    expectTensor(ops.sum(s), { shape: [], values: [2] });
    expectTensor(ops.add(s, ops.tensor([1, 2])), { shape: [2], values: [3, 4] });
    expectTensor(ops.reshape(s, [1, 1]), { shape: [1, 1], values: [2] });
    expectTensor(grad((x) => x.mul(x))(3), { shape: [], values: [6] });
  } },
  { group: g, name: 'zero-size tensors through elementwise ops', run: () => {
    const z = ops.zeros([0, 3]);
    expectTensor(ops.add(z, ops.ones([3])), { shape: [0, 3] });
    expectTensor(ops.exp(z), { shape: [0, 3] });
    expectTensor(ops.transpose(z), { shape: [3, 0] });
  } },
  { group: g, name: 'reductions over zero-size axes give the identity', run: () => {
    expectTensor(ops.sum(ops.zeros([0])), { shape: [], values: [0] });
    expectTensor(ops.prod(ops.zeros([2, 0]), 1), { shape: [2], values: [1, 1] });
    expectTensor(ops.sum(ops.zeros([0, 3]), 0), { shape: [3], values: [0, 0, 0] });
    expectTensor(ops.mean(ops.zeros([0])), { values: [NaN] });
  } },
  { group: g, name: 'max over a zero-size axis is an error', run: () =>
    expectThrows(() => ops.max(ops.zeros([2, 0]), 1), 'max: cannot reduce over a zero-size axis') },
  { group: g, name: 'matmul with an empty inner dimension gives zeros', run: () =>
    expectTensor(ops.matmul(ops.zeros([2, 0]), ops.zeros([0, 3])), { shape: [2, 3], values: [0, 0, 0, 0, 0, 0] }) },
  { group: g, name: 'matmul with empty outer dimensions', run: () => expectTensor(ops.matmul(ops.zeros([0, 4]), ops.zeros([4, 3])), { shape: [0, 3] }) },
  { group: g, name: 'concat with an empty piece', run: () =>
    expectTensor(ops.concat([ops.zeros([2, 0]), ops.ones([2, 1])], 1), { shape: [2, 1], values: [1, 1] }) },
  { group: g, name: 'slice to an empty result', run: () => expectTensor(ops.slice(ops.ones([3, 3]), [1, 1], [0, 2]), { shape: [0, 2] }) },
  { group: g, name: 'reshape with -1 and size-1 dimensions', run: () => {
    expectTensor(ops.reshape(ops.ones([2, 3]), [-1]), { shape: [6] });
    expectTensor(ops.reshape(ops.zeros([0, 3]), [3, 0]), { shape: [3, 0] });
  } },
  { group: g, name: 'broadcasting [2,1,3] with [4,1] gives [2,4,3]', run: () =>
    expectTensor(ops.add(ops.zeros([2, 1, 3]), ops.ones([4, 1])), { shape: [2, 4, 3] }) },
  { group: g, name: 'large elementwise and reduction sizes are exact', run: () => {
    const n = 100_003;
    expectTensor(ops.sum(ops.ones([n])), { values: [n] });
    expectTensor(ops.sum(ops.ones([7, n]), 1), { shape: [7], values: new Array(7).fill(n) });
  } },
  { group: g, name: 'NaN passes through activations and comparisons-based ops, as in PyTorch (relu(NaN) is NaN)', runAsync: async () => {
    // 20 elements, so vectorized paths (SIMD exp/tanh/sigmoid) are covered as well as scalar tails.
    const values = Array.from({ length: 20 }, (_, i) => [NaN, -1, 0.5, 7][i % 4]);
    const x = ops.tensor(values);
    const activations = {
      relu: ops.relu, relu6: ops.relu6, elu: ops.elu, selu: ops.selu, gelu: ops.gelu, softplus: ops.softplus,
      sigmoid: ops.sigmoid, tanh: ops.tanh, abs: ops.abs, exp: ops.exp,
      leakyRelu: (t: Tensor) => ops.leakyRelu(t, 0.1), clip: (t: Tensor) => ops.clip(t, 0, 1), maximum: (t: Tensor) => ops.maximum(t, 0),
    };
    for (const [name, f] of Object.entries(activations)) {
      const y = (await f(x).data());
      values.forEach((v, i) => check(Number.isNaN(v) === Number.isNaN(y[i]), () => `${name}: element ${i} of f([${v}]) is ${y[i]}; NaN must map to NaN and numbers to numbers`));
    }
  } },
  { group: g, name: 'a 1x1 image through conv and pooling', run: () => {
    expectTensor(ops.conv2d(ops.ones([1, 1, 1, 1]), ops.fill([2, 1, 1, 1], 3)), { shape: [1, 2, 1, 1], values: [3, 3] });
    expectTensor(ops.maxPool2d(ops.ones([1, 1, 1, 1]), { kernelSize: 1 }), { shape: [1, 1, 1, 1], values: [1] });
  } },
];
