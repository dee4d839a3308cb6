import * as ops from '@soma/core';
import { expectTensor } from '../assertions.js';
import { checkGradients } from '../grad_check.js';
import type { ConformanceCase } from './index.js';

const g = '3-D convolution and pooling';
export const volumeCases: ConformanceCase[] = [
  { group: g, name: 'conv3d, maxPool3d and avgPool3d values on NCDHW volumes', run: () => {
    expectTensor(ops.conv3d(ops.ones([1, 1, 3, 3, 3]), ops.ones([1, 1, 2, 2, 2])), { shape: [1, 1, 2, 2, 2], values: new Array(8).fill(8) });
    // Padding 1: every 3x3x3 window covers the whole 2x2x2 volume.
    expectTensor(ops.conv3d(ops.ones([1, 1, 2, 2, 2]), ops.ones([1, 1, 3, 3, 3]), { padding: 1 }), { shape: [1, 1, 2, 2, 2], values: new Array(8).fill(8) });
    const x = ops.arange(0, 64).reshape([1, 1, 4, 4, 4]).cast('float32');
    expectTensor(ops.maxPool3d(x, { kernelSize: 2 }), { shape: [1, 1, 2, 2, 2], values: [21, 23, 29, 31, 53, 55, 61, 63] });
    expectTensor(ops.avgPool3d(x, { kernelSize: 2 }), { values: [10.5, 12.5, 18.5, 20.5, 42.5, 44.5, 50.5, 52.5] });
    expectTensor(ops.avgPool3d(ops.ones([1, 1, 3, 3, 3]), { kernelSize: 3, stride: 1, padding: 1, countIncludePad: false }), { shape: [1, 1, 3, 3, 3], values: new Array(27).fill(1) });
  } },
  { group: g, name: 'gradients of conv3d (input, filter, bias) and of 3-D pooling match central differences', runAsync: async () => {
    const x = ops.randomNormal([1, 2, 3, 4, 4], { seed: 21 });
    const w = ops.randomNormal([2, 2, 2, 2, 2], { seed: 22 });
    const b = ops.tensor([0.3, -0.2]);
    await checkGradients((p, q, r) => ops.conv3d(p, q, { padding: 1, stride: [1, 2, 2], bias: r }), [x, w, b]);
    const distinct = ops.tensor(Array.from({ length: 2 * 4 * 4 * 4 }, (_, i) => ((i * 37) % 128) / 16 - 4), [1, 2, 4, 4, 4]);
    await checkGradients((p) => ops.maxPool3d(p, { kernelSize: 2 }), [distinct], { eps: 1e-2 });
    await checkGradients((p) => ops.avgPool3d(p, { kernelSize: [2, 3, 3], stride: 1, padding: [0, 1, 1], countIncludePad: false }), [x]);
  } },
];
