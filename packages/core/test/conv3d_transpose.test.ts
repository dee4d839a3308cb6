import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';

/**
 * conv3dTranspose is conv3d's adjoint: for every z and x, ⟨conv3d(z, w), x⟩ = ⟨z, conv3dTranspose(x, w)⟩
 * with the same stride, padding, dilation and groups (and the output padding that gives z's shape
 * back) — an identity that checks every tap without a second implementation.
 */
describe('conv3dTranspose', () => {
  const cases = [
    { z: [2, 3, 5, 6, 4], w: [4, 3, 3, 2, 3], stride: 1, padding: 0, dilation: 1, groups: 1 },
    { z: [1, 2, 7, 6, 5], w: [3, 2, 3, 3, 2], stride: [2, 2, 1], padding: [1, 0, 1, 1, 1, 0], dilation: 1, groups: 1 },
    { z: [2, 4, 6, 7, 6], w: [6, 2, 2, 3, 2], stride: [1, 2, 2], padding: [0, 1, 0], dilation: [2, 1, 1], groups: 2 },
  ] as const;

  for (const c of cases) {
    it(`is conv3d's adjoint: z [${c.z}] w [${c.w}] stride ${JSON.stringify(c.stride)} padding ${JSON.stringify(c.padding)} dilation ${JSON.stringify(c.dilation)} groups ${c.groups}`, () => {
      const z = soma.randomNormal([...c.z], { seed: 1 });
      const w = soma.randomNormal([...c.w], { seed: 2 });
      const options = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
      const y = soma.conv3d(z, w, options);
      const x = soma.randomNormal([...y.shape], { seed: 3 });
      // The output padding that makes the transposed output z's size again (strides drop a remainder).
      const plain = soma.conv3dTranspose(x, w, options);
      const outputPadding = [2, 3, 4].map((i) => c.z[i] - plain.shape[i]) as [number, number, number];
      const back = soma.conv3dTranspose(x, w, { ...options, outputPadding });
      expect(back.shape).toEqual([...c.z]);
      const lhs = y.mul(x).sum().dataSync()[0];
      const rhs = z.mul(back).sum().dataSync()[0];
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3 * (1 + Math.abs(lhs)));
      soma.dispose([z, w, y, x, plain, back]);
    });
  }

  it('adds the bias per output channel and refuses mismatched shapes and output padding with clear errors', () => {
    const x = soma.ones([1, 2, 2, 2, 2]);
    const w = soma.ones([2, 3, 2, 2, 2]);
    const y = soma.conv3dTranspose(x, w, { stride: 2, bias: [1, 2, 3] });
    expect(y.shape).toEqual([1, 3, 4, 4, 4]);
    // Stride 2 with a 2-wide kernel: every output gets exactly one tap from each of 2 channels.
    expect(Array.from(y.dataSync().slice(0, 2))).toEqual([3, 3]);
    expect(() => soma.conv3dTranspose(x, soma.ones([3, 3, 2, 2, 2]))).toThrow(/conv3dTranspose: w \[3,3,2,2,2\] expects 3 input channels, x \[1,2,2,2,2\] has 2/);
    expect(() => soma.conv3dTranspose(x, w, { stride: 2, outputPadding: 2 })).toThrow(/conv3dTranspose: outputPadding must be non-negative integers smaller than the stride or the dilation/);
    soma.dispose([x, w, y]);
  });
});
