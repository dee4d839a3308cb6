import * as ops from '@soma/core';
import { variable } from '@soma/core';
import { expectFails } from '../assertions.js';
import type { ConformanceCase } from './index.js';

const g = 'error messages';
const e = (name: string, fn: () => unknown, pattern: RegExp | string): ConformanceCase => ({ group: g, name, runAsync: () => expectFails(fn, pattern) });

export const errorCases: ConformanceCase[] = [
  // Sizes are checked before any array is made: these would otherwise allocate gigabytes first.
  e('randomNormal past the element limit', () => ops.randomNormal([2 ** 31]), 'randomNormal: shape [2147483648] has 2,147,483,648 elements; a tensor holds at most 2,147,483,647'),
  e('zeros whose element count passes 2^53', () => ops.zeros([2 ** 30, 2 ** 30, 2 ** 30]), /^zeros: shape \[1073741824,1073741824,1073741824\] has more than 2\^53 elements/),
  e('oneHot with a huge depth', () => ops.oneHot(ops.tensor([1, 2], [2], 'int32'), 2 ** 31), 'oneHot: the result [2, 2147483648] has 4,294,967,296 elements'),
  e('arange with billions of steps', () => ops.arange(0, 2 ** 32), /^arange: arange\(0, 4294967296, 1\) has 4,294,967,296 elements/),
  e('matmul names both shapes', () => ops.matmul(ops.zeros([2, 3]), ops.zeros([4, 5])), 'matmul: inner dimensions differ: a is [2,3], b is [4,5]'),
  e('broadcasting failure names the op and shapes', () => ops.add(ops.zeros([2, 3]), ops.zeros([4])), 'add: shapes [2,3] and [4] cannot be broadcast together'),
  e('reshape to a different size', () => ops.reshape(ops.zeros([2, 3]), [4, 2]), 'reshape: cannot reshape [2,3] (6 elements) into [4,2] (8 elements)'),
  e('reshape with two -1', () => ops.reshape(ops.zeros([4]), [-1, -1]), /reshape: shape must hold non-negative integers and at most one -1/),
  e('transpose with a bad permutation', () => ops.transpose(ops.zeros([2, 3]), [0, 0]), /transpose: perm \[0,0\] is not a permutation/),
  e('axis out of range', () => ops.sum(ops.zeros([2, 3]), 2), 'sum: axis 2 is out of range for a tensor of rank 2'),
  e('softmax axis out of range', () => ops.softmax(ops.zeros([2, 3]), -3), 'softmax: axis -3 is out of range'),
  e('conv2d channel mismatch', () => ops.conv2d(ops.zeros([1, 3, 5, 5]), ops.zeros([4, 2, 3, 3])), /conv2d: w \[4,2,3,3\] expects 2 input channels.*x \[1,3,5,5\] has 3/),
  e('conv2d input rank', () => ops.conv2d(ops.zeros([3, 5, 5]), ops.zeros([4, 3, 3, 3])), 'conv2d: x must be rank 4 (NCHW), got [3,5,5]'),
  e('conv2d kernel larger than input', () => ops.conv2d(ops.zeros([1, 1, 2, 2]), ops.zeros([1, 1, 3, 3])), /conv2d: input 2x2 .* is smaller than the dilated kernel 3x3/),
  e('conv2d bad groups', () => ops.conv2d(ops.zeros([1, 4, 5, 5]), ops.zeros([3, 2, 3, 3]), { groups: 2 }), /conv2d: groups=2 must divide/),
  e('maxPool2d window larger than input', () => ops.maxPool2d(ops.zeros([1, 1, 2, 2]), { kernelSize: 3, stride: 1 }), /maxPool2d: input 2x2 is smaller than the pooling window 3x3/),
  e('pooling padding over half the kernel', () => ops.maxPool2d(ops.zeros([1, 1, 4, 4]), { kernelSize: 2, padding: 2 }), /maxPool2d: padding .* must be at most half/),
  e('gather index out of range', () => ops.gather(ops.zeros([3, 2]), [0, 3]), 'gather: index 3 is out of range for an axis of size 3'),
  e('gather with float indices', () => ops.gather(ops.zeros([3]), ops.tensor([0.5])), 'gather: indices must be int32, got float32'),
  e('concat shape mismatch', () => ops.concat([ops.zeros([2, 3]), ops.zeros([3, 3])], 1), 'concat: xs[1] has shape [3,3], which does not match xs[0] [2,3] outside axis 1'),
  e('stack shape mismatch', () => ops.stack([ops.zeros([2]), ops.zeros([3])]), 'stack: xs[1] has shape [3] but xs[0] has [2]'),
  e('split sizes that do not add up', () => ops.split(ops.zeros([5]), [2, 2]), 'split: sizes [2,2] do not add up to 5'),
  e('slice past the end', () => ops.slice(ops.zeros([3]), [2], [2]), /slice: begin \[2\] with size \[2\] goes past shape \[3\]/),
  e('pad with negative amounts', () => ops.pad(ops.zeros([2]), [[-1, 0]]), /pad: paddings must be pairs of non-negative integers/),
  e('tile with the wrong number of reps', () => ops.tile(ops.zeros([2, 2]), [2]), /tile: reps must hold 2 non-negative integers/),
  e('clip with min > max', () => ops.clip(ops.zeros([2]), 1, 0), 'clip: needs min <= max, got min=1, max=0'),
  e('unknown cast dtype', () => ops.cast(ops.zeros([2]), 'float64' as 'float32'), "cast: unknown dtype 'float64'"),
  e('squeeze of a non-1 axis', () => ops.squeeze(ops.zeros([2, 3]), 0), 'squeeze: axis 0 has size 2, not 1'),
  e('batchNorm statistics of the wrong size', () => ops.batchNorm(ops.zeros([2, 3]), ops.zeros([2]), ops.ones([3])), 'batchNorm: mean must be [3] for x [2,3] (channel axis 1), got [2]'),
  e('using a disposed tensor', () => {
    const t = ops.ones([2]);
    t.dispose();
    return ops.add(t, 1);
  }, /is disposed/),
  e('assigning a wrongly shaped value to a variable', () => {
    const v = variable(ops.zeros([2]));
    try {
      v.assign(ops.zeros([3]));
    } finally {
      v.dispose();
    }
  }, /Variable.assign: variable_\d+ is \[2\] float32, got \[3\] float32/),
  e('dropout rate outside [0, 1)', () => ops.dropout(ops.ones([2]), 1), 'dropout: rate must be in [0, 1), got 1'),
];
