import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@soma/backend-cpu';

const reference: Record<'exp' | 'tanh' | 'sigmoid', (x: number) => number> = {
  exp: Math.exp,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

describe('WebAssembly SIMD exp, tanh and sigmoid', () => {
  const simd = new CpuBackend('simd-test').simdUnary;
  it('loads on Node 20', () => expect(simd).not.toBeNull());
  // Dense near 0 (where relative error is hardest for tanh), plus the saturating and overflow ranges.
  const xs = Float32Array.from([
    ...Array.from({ length: 20001 }, (_, i) => (i - 10000) / 1000),
    ...Array.from({ length: 2001 }, (_, i) => (i - 1000) / 10),
    0, -0, 1e-8, -1e-8, 1e-30, 88.7, -87.3, 100, -100, 1000, -1000,
    3, // an odd length exercises the scalar tail
  ]);
  for (const op of ['exp', 'tanh', 'sigmoid'] as const) {
    it(`${op} is within 4 float32 ulps of Math in double precision`, () => {
      const out = new Float32Array(xs.length);
      simd![op](xs, out);
      let worst = 0;
      let at = 0;
      xs.forEach((x, i) => {
        const want = reference[op](x);
        // Where the exact value is beyond float32 (overflow), the answer must be what float32 gives: ∞.
        if (!Number.isFinite(Math.fround(want))) {
          expect(out[i], `${op}(${x})`).toBe(Math.fround(want));
          return;
        }
        if (want === 0) return;
        const ulp = Math.max(Math.abs(want), 1.2e-38) * 2 ** -23;
        const err = Math.abs(out[i] - want) / ulp;
        if (err > worst) [worst, at] = [err, x];
      });
      expect(worst, `worst at x = ${at}`).toBeLessThanOrEqual(4);
      expect(out.every((v) => !Number.isNaN(v))).toBe(true);
      if (op === 'tanh') expect([out[xs.indexOf(1000)], out[xs.indexOf(-1000)]]).toEqual([1, -1]);
      if (op === 'sigmoid') expect(out[xs.indexOf(-1000)]).toBe(0);
    });
    it(`${op} gives NaN for NaN, in every lane`, () => {
      // The clamp before the exponent uses pmin/pmax, which pass a NaN first operand through.
      const nan = Float32Array.from([NaN, 1, NaN, -1, 0.5, NaN, NaN, NaN]);
      const out = new Float32Array(nan.length);
      simd![op](nan, out);
      nan.forEach((x, i) => {
        if (Number.isNaN(x)) expect(out[i], `${op}(NaN) in lane ${i}`).toBeNaN();
        else expect(Math.abs(out[i] - reference[op](x))).toBeLessThan(1e-6 * Math.max(1, reference[op](x)));
      });
    });
  }
});
