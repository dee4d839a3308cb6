import { describe, expect, it } from 'vitest';
import { CpuBackend, jsGemm, type Gemm } from '@soma/backend-cpu';

/** Float64 reference: C = op(A)·op(B) (+ C0). */
function reference(m: number, n: number, k: number, a: Float32Array, tA: boolean, b: Float32Array, tB: boolean, c0: Float32Array | null): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = c0 ? c0[i * n + j] : 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = s;
    }
  }
  return out;
}

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
}

// The heap's GEMM, given arrays outside the heap here (the copy-through path); tensors use it in place.
const backend = new CpuBackend('gemm-test');
const wasm = backend.gemmKind === 'wasm-simd' ? backend.gemm : null;
const kinds: [string, Gemm | null][] = [['wasm-simd', wasm], ['js', jsGemm]];

describe.each(kinds)('%s GEMM', (_name, gemm) => {
  it('is available on Node 20 (WebAssembly SIMD is standard there)', () => {
    expect(gemm).not.toBeNull();
  });
  // Sizes straddle the tile (4×8), the blocking (64/256/1024) and the small-GEMM cutoff.
  const sizes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 8, 16], [17, 33, 9], [65, 70, 257], [130, 1030, 20], [200, 9, 300]];
  for (const [m, n, k] of sizes) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`${m}x${n}x${k} transA=${tA} transB=${tB}, with offsets and accumulation`, () => {
        const a = rand(m * k + 3, m + k);
        const b = rand(k * n + 5, n + 2 * k);
        const c0 = rand(m * n + 2, 7);
        const ref = reference(m, n, k, a.subarray(3), tA, b.subarray(5), tB, null);
        const refAcc = reference(m, n, k, a.subarray(3), tA, b.subarray(5), tB, c0.subarray(2));
        const c = new Float32Array(m * n + 2);
        gemm!(m, n, k, a, 3, tA, b, 5, tB, c, 2, false);
        const cAcc = c0.slice();
        gemm!(m, n, k, a, 3, tA, b, 5, tB, cAcc, 2, true);
        let err = 0;
        for (let i = 0; i < m * n; i++) {
          err = Math.max(err, Math.abs(c[i + 2] - ref[i]), Math.abs(cAcc[i + 2] - refAcc[i]));
        }
        expect(err).toBeLessThan(1e-4 * Math.sqrt(k));
        expect(c[0]).toBe(0);
        expect(c[1]).toBe(0);
      });
    }
  }
});
