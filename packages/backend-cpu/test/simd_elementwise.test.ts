import { describe, expect, it } from 'vitest';
import type { KernelTensor, Pool2dAttrs } from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';

// The SIMD arithmetic must give the TypeScript loops' bits: float32 + − × ÷ and sqrt are correctly
// rounded either way. Shapes cover equal shapes, scalars on either side, bias-style [1, C, 1, 1],
// last-axis vectors, odd lengths (scalar tails) and a broadcast SIMD does not take.
const simd = new CpuBackend('simd', { threads: 1 });
const plain = new CpuBackend('plain', { wasm: false });

function values(n: number, seed: number): Float32Array {
  let s = seed;
  const v = Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 8 - 4);
  // Zeros, signed zeros, NaN and infinities where they matter for division and relu.
  if (n > 8) v.set([0, -0, NaN, Infinity, -Infinity], 3);
  return v;
}

function on(b: CpuBackend, v: Float32Array, shape: readonly number[]): KernelTensor {
  return b.write(v, shape, 'float32');
}

const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);

describe('SIMD elementwise kernels give the TypeScript kernels\' bits', () => {
  const pairs: [number[], number[]][] = [
    [[3, 37], [3, 37]], [[64, 6, 5, 5], [1, 6, 1, 1]], [[1, 6, 1, 1], [8, 6, 7, 3]], [[64, 120], [120]],
    [[120], [64, 120]], [[5, 41], []], [[], [5, 41]], [[7, 9, 4], [9, 1]], [[4, 33], [4, 1]], [[6, 5, 4], [6, 1, 4]],
  ];
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    for (const [sa, sb] of pairs) {
      it(`${op} [${sa}] with [${sb}]`, () => {
        const [va, vb] = [values(size(sa), 11), values(size(sb), 29)];
        const want = plain.readSync(plain.binary([on(plain, va, sa), on(plain, vb, sb)], { op }).dataId);
        const before = simd.memoryInfo().simdElementwise;
        const got = simd.readSync(simd.binary([on(simd, va, sa), on(simd, vb, sb)], { op }).dataId);
        expect(Array.from(got)).toEqual(Array.from(want));
        // Every pair but the last ([6, 1, 4]: broadcast inside a run, not around it) takes the SIMD path.
        const simdShape = pairs.indexOf(pairs.find(([x, y]) => x === sa && y === sb)!) < pairs.length - 1;
        expect(simd.memoryInfo().simdElementwise - before).toBe(simdShape ? 1 : 0);
      });
    }
  }
  for (const op of ['neg', 'abs', 'square', 'sqrt', 'relu', 'reciprocal'] as const) {
    it(`${op} over 103 values`, () => {
      const v = values(103, 5);
      const want = plain.readSync(plain.unary([on(plain, v, [103])], { op }).dataId);
      const before = simd.memoryInfo().simdElementwise;
      const got = simd.readSync(simd.unary([on(simd, v, [103])], { op }).dataId);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(simd.memoryInfo().simdElementwise - before).toBe(1);
    });
  }
});

describe('softmax and log-softmax in one pass per row', () => {
  const reference = (v: number[], log: boolean): number[] => {
    if (v.some(Number.isNaN)) return v.map(() => NaN);
    const mx = Math.max(...v);
    const s = v.reduce((a, x) => a + Math.exp(x - mx), 0);
    return v.map((x) => (log ? x - mx - Math.log(s) : Math.exp(x - mx) / s));
  };
  for (const backend of [simd, plain]) {
    for (const log of [false, true]) {
      for (const [shape, axis] of [[[5, 37], 1], [[3, 10], 1], [[4, 6, 3], 1], [[2, 3], 0], [[1, 1031], 1]] as [number[], number][]) {
        it(`${log ? 'logSoftmax' : 'softmax'} of [${shape}] along ${axis} on ${backend.name}`, () => {
          const v = values(size(shape), 17).map((x) => x * 3);
          v[2] = -Infinity;
          if (shape[0] === 5) v[40] = NaN; // row 1 of [5, 37] is NaN throughout
          const got = backend.readSync(backend.softmax([on(backend, v, shape)], { axis, log }).dataId);
          const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
          const len = shape[axis];
          for (let row = 0; row < v.length / len; row++) {
            const base = Math.floor(row / inner) * len * inner + (row % inner);
            const idx = Array.from({ length: len }, (_, j) => base + j * inner);
            const want = reference(idx.map((i) => v[i]), log);
            idx.forEach((i, j) => {
              if (Number.isNaN(want[j])) expect(got[i]).toBeNaN();
              else if (!Number.isFinite(want[j])) expect(got[i]).toBe(want[j]);
              else expect(Math.abs(got[i] - want[j])).toBeLessThan(2e-6 * Math.max(1, Math.abs(want[j])));
            });
          }
        });
      }
    }
  }
});

describe('2×2 stride-2 pooling in SIMD against the TypeScript loops', () => {
  const attrs: Pool2dAttrs = { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceil_mode: false, count_include_pad: false };
  for (const shape of [[2, 3, 28, 28], [1, 2, 9, 21], [3, 1, 6, 10], [1, 1, 4, 2]]) {
    it(`max, average and the average's gradient over [${shape}] (odd sizes drop the last row/column)`, () => {
      const v = values(size(shape), 23);
      const ask = (b: CpuBackend) => {
        const x = on(b, v, shape);
        const mx = b.maxPool2d([x], attrs);
        const av = b.avgPool2d([x], attrs);
        const g = b.avgPool2dGrad([on(b, values(size(av.shape), 31), av.shape)], { ...attrs, inputShape: shape });
        return [mx, av, g].map((t) => Array.from(b.readSync(t.dataId)));
      };
      const before = simd.memoryInfo().simdElementwise;
      const [got, want] = [ask(simd), ask(plain)];
      expect(simd.memoryInfo().simdElementwise - before).toBe(3);
      // Max and the gradient are exact; the average sums in float32 (the loop in double): within an ulp or two.
      expect(got[0]).toEqual(want[0]);
      expect(got[2]).toEqual(want[2]);
      got[1].forEach((x, i) => (Number.isNaN(want[1][i]) ? expect(x).toBeNaN() : expect(Math.abs(x - want[1][i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(want[1][i])))));
    });
  }
});

describe('2×2 stride-2 max pooling\'s gradient in SIMD against the TypeScript loop', () => {
  const attrs: Pool2dAttrs = { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceil_mode: false, count_include_pad: false };
  for (const shape of [[2, 3, 28, 28], [1, 2, 9, 21], [3, 1, 6, 10], [1, 1, 4, 2]]) {
    it(`routes dy to the same input of each window over [${shape}]: ties (the first wins), NaNs (they win), odd sizes`, () => {
      // Values on a coarse grid, so windows hold ties; NaNs and infinities sprinkled through.
      const v = values(size(shape), 41).map((x, i) => (i % 37 === 5 ? NaN : i % 41 === 7 ? -Infinity : Math.round(x)));
      const ask = (b: CpuBackend) => {
        const x = on(b, v, shape);
        const y = b.maxPool2d([x], attrs);
        const dy = on(b, values(size(y.shape), 43).map((g, i) => (i % 5 === 0 ? -0 : g)), y.shape);
        return Array.from(b.readSync(b.maxPool2dGrad([dy, x], attrs).dataId));
      };
      const before = simd.memoryInfo().simdElementwise;
      const [got, want] = [ask(simd), ask(plain)];
      expect(simd.memoryInfo().simdElementwise - before).toBe(2);
      expect(got.map((g) => Object.is(g, -0) ? '-0' : g)).toEqual(want.map((g) => Object.is(g, -0) ? '-0' : g));
    });
  }
});

describe('elementwise kernels shared among threads', () => {
  it('large arithmetic, cheap unary and transcendental ops split across three threads give the single-thread bits', async () => {
    const threaded = new CpuBackend('threaded-ew', { threads: 3, minParallelWork: 0 });
    await threaded.init();
    const n = 50_003;
    const [a, b] = [values(n, 3), values(n, 8)];
    const ask = (be: CpuBackend) => [
      be.binary([on(be, a, [n]), on(be, b, [n])], { op: 'div' }),
      be.unary([on(be, a, [n])], { op: 'sqrt' }),
      be.unary([on(be, a, [n])], { op: 'tanh' }),
    ].map((t) => Array.from(be.readSync(t.dataId)));
    expect(ask(threaded)).toEqual(ask(simd));
  });
});

describe('reductions in SIMD against the TypeScript loops', () => {
  const cases: [number[], number[]][] = [[[7, 37], [1]], [[64, 6, 9, 9], [0, 2, 3]], [[5, 300], [1]], [[4, 3, 5], [0, 1]], [[2, 11, 3], [0, 2]]];
  for (const op of ['sum', 'mean', 'max', 'min'] as const) {
    for (const [shape, axes] of cases) {
      it(`${op} of [${shape}] over axes [${axes}]`, () => {
        const v = values(size(shape), 41);
        if (op === 'sum' || op === 'mean') v.forEach((_, i) => { if (!Number.isFinite(v[i])) v[i] = 0.5; });
        const before = simd.memoryInfo().simdElementwise;
        const got = Array.from(simd.readSync(simd.reduce([on(simd, v, shape)], { op, axes }).dataId));
        const want = Array.from(plain.readSync(plain.reduce([on(plain, v, shape)], { op, axes }).dataId));
        expect(simd.memoryInfo().simdElementwise - before).toBe(1);
        got.forEach((x, i) => {
          if (Number.isNaN(want[i])) expect(x).toBeNaN();
          else if (op === 'max' || op === 'min') expect(x).toBe(want[i]);
          // float32 partial sums against the loop's double sum: a few ulps of the largest partial.
          else expect(Math.abs(x - want[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i])) * Math.sqrt(v.length));
        });
      });
    }
  }
});

describe('step, clip and leakyRelu in SIMD', () => {
  it('give the loops\' bits (leakyRelu forms alpha·x in double, as the loop does)', () => {
    const v = values(203, 13);
    const ask = (b: CpuBackend) => [
      b.unary([on(b, v, [203])], { op: 'step' }),
      b.clip([on(b, v, [203])], { min: -0.1, max: 1.7 }),
      b.leakyRelu([on(b, v, [203])], { alpha: 0.2 }),
    ].map((t) => Array.from(b.readSync(t.dataId)));
    const before = simd.memoryInfo().simdElementwise;
    const got = ask(simd);
    expect(simd.memoryInfo().simdElementwise - before).toBe(3);
    expect(got).toEqual(ask(plain));
  });
});

describe('comparisons in SIMD', () => {
  for (const op of ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'] as const) {
    it(`${op}: equal shapes and a scalar, 16 at a time and the tail, NaN and signed zeros`, () => {
      const a = values(133, 3);
      const b = a.map((x, i) => (i % 3 === 0 ? x : i % 3 === 1 ? -x : x + 0.5));
      b[4] = 0; // a[4] is −0: equal, not less
      const ask = (be: CpuBackend) => [
        be.binary([on(be, a, [133]), on(be, b, [133])], { op }),
        be.binary([on(be, a, [133]), on(be, Float32Array.of(0.25), [])], { op }),
      ].map((t) => Array.from(be.readSync(t.dataId)));
      const before = simd.memoryInfo().simdElementwise;
      const got = ask(simd);
      expect(simd.memoryInfo().simdElementwise - before).toBe(2);
      expect(got).toEqual(ask(plain));
    });
  }
});
