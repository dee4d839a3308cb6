import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';

/** numpy.tile's rule, one output element at a time: out[i] = x[i mod shape]. */
function naiveTile(values: Float32Array, shape: number[], reps: number[]): number[] {
  const out = shape.map((d, i) => d * reps[i]);
  const size = out.reduce((a, b) => a * b, 1);
  const res: number[] = [];
  for (let o = 0; o < size; o++) {
    let rest = o;
    let src = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const i = rest % out[d];
      rest = Math.floor(rest / out[d]);
      src += (i % shape[d]) * stride;
      stride *= shape[d];
    }
    res.push(values[src]);
  }
  return res;
}

describe("cpu's tile (block copies per axis) against numpy.tile's element rule", () => {
  const cases: [number[], number[]][] = [
    [[1], [7]], [[], []], [[3], [1]], [[1, 16, 1, 1], [4, 1, 5, 3]], [[2, 3], [3, 2]], [[2, 1, 3], [1, 4, 2]],
    [[1, 1], [3, 4]], [[3, 2, 2, 1], [2, 1, 3, 5]], [[2, 3], [0, 2]],
  ];
  it.each(cases)('shape %j, reps %j', async (shape, reps) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: size }, (_, i) => i * 1.5 - 2);
    const x = soma.tensor(values, shape);
    const y = soma.tile(x, reps);
    expect(y.shape).toEqual(shape.map((d, i) => d * reps[i]));
    expect(Array.from(await y.data())).toEqual(naiveTile(values, shape, reps));
    soma.dispose([x, y]);
  });
});

describe("cpu's constant pad (trailing unpadded axes copied as one run) against an element rule", () => {
  const cases: [number[], [number, number][]][] = [
    [[2, 3, 4, 5], [[0, 0], [1, 2], [0, 0], [0, 0]]], [[2, 3, 4, 5], [[0, 0], [0, 0], [1, 1], [2, 0]]],
    [[3, 4], [[2, 1], [0, 0]]], [[3, 4], [[0, 0], [0, 0]]], [[5], [[1, 3]]], [[2, 1, 3], [[1, 0], [0, 0], [0, 0]]],
  ];
  it.each(cases)('shape %j, pads %j', async (shape, pads) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: size }, (_, i) => i + 1);
    const x = soma.tensor(values, shape);
    const y = soma.pad(x, pads, -7);
    const out = shape.map((d, i) => d + pads[i][0] + pads[i][1]);
    const want: number[] = [];
    const total = out.reduce((a, b) => a * b, 1);
    for (let o = 0; o < total; o++) {
      let rest = o;
      let src = 0;
      let stride = 1;
      let inside = true;
      for (let d = shape.length - 1; d >= 0; d--) {
        const i = (rest % out[d]) - pads[d][0];
        rest = Math.floor(rest / out[d]);
        if (i < 0 || i >= shape[d]) inside = false;
        src += i * stride;
        stride *= shape[d];
      }
      want.push(inside ? values[src] : -7);
    }
    expect(Array.from(await y.data())).toEqual(want);
    soma.dispose([x, y]);
  });
});
