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
