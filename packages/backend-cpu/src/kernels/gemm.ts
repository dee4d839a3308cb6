/**
 * C[m×n] = op(A)[m×k] · op(B)[k×n] (+ C when `accumulate`). A is row-major [m, k] at `aOff`, or
 * [k, m] when `transA`; B is [k, n], or [n, k] when `transB`. Both cpu GEMMs (WebAssembly SIMD and
 * the plain TypeScript fallback) have this signature, so conv and matmul do not care which runs.
 */
export type Gemm = ((
  m: number, n: number, k: number,
  a: Float32Array, aOff: number, transA: boolean,
  b: Float32Array, bOff: number, transB: boolean,
  c: Float32Array, cOff: number, accumulate: boolean,
) => void) & {
  /** Whole convolutions over the heap (the WebAssembly GEMM): null when an operand lives elsewhere. */
  conv?: ConvKernels;
};

/** A convolution's shape: input [n, c, h, w], filter [m, c/groups, kh, kw], output [n, m, oh, ow]. */
export interface ConvShape {
  n: number; c: number; h: number; w: number; m: number; groups: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number; pt: number; pl: number; oh: number; ow: number;
  /** 1×1, stride 1, no padding: the patch matrix is the input itself. */
  pointwise: boolean;
}

/**
 * Convolution forward and gradients run whole (all images, threads splitting them) by the
 * WebAssembly kernels. Each returns false, doing nothing, when an operand is not in the heap.
 */
export interface ConvKernels {
  /** Runs the convolution forward; returns false when this path does not handle the shape. */
  forward(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, s: ConvShape): boolean;
  /** The gradient with respect to the input; false when this path does not handle the shape. */
  backpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, s: ConvShape): boolean;
  /** The gradient with respect to the filter; false when this path does not handle the shape. */
  backpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, s: ConvShape): boolean;
  /**
   * A small map's dense matrix W'ᵀ from w (zeroed `wt`), or with `fold` its gradient added back
   * into w's taps (src/kernels/conv.ts); false when an operand is not in the heap.
   */
  denseMatrix(w: Float32Array, wt: Float32Array, s: ConvShape, fold: boolean): boolean;
}

const TILE = 4;

/**
 * The TypeScript GEMM for engines without WebAssembly SIMD: operands are packed to row-major
 * A[m,k] and B[k,n], then a 4×4 register tile walks k with 16 scalar accumulators.
 */
export const jsGemm: Gemm = (m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate) => {
  const A = transA || aOff !== 0 ? packRowMajor(a, aOff, m, k, transA) : a;
  const B = transB || bOff !== 0 ? packRowMajor(b, bOff, k, n, transB) : b;
  const mt = m - (m % TILE);
  const nt = n - (n % TILE);
  for (let i = 0; i < mt; i += TILE) {
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let j = 0; j < nt; j += TILE) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0, bp = j; p < k; p++, bp += n) {
        const b0 = B[bp], b1 = B[bp + 1], b2 = B[bp + 2], b3 = B[bp + 3];
        const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
        c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
        c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
        c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3;
        c30 += x3 * b0; c31 += x3 * b1; c32 += x3 * b2; c33 += x3 * b3;
      }
      const r0 = cOff + i * n + j;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      if (accumulate) {
        c[r0] += c00; c[r0 + 1] += c01; c[r0 + 2] += c02; c[r0 + 3] += c03;
        c[r1] += c10; c[r1 + 1] += c11; c[r1 + 2] += c12; c[r1 + 3] += c13;
        c[r2] += c20; c[r2 + 1] += c21; c[r2 + 2] += c22; c[r2 + 3] += c23;
        c[r3] += c30; c[r3 + 1] += c31; c[r3 + 2] += c32; c[r3 + 3] += c33;
      } else {
        c[r0] = c00; c[r0 + 1] = c01; c[r0 + 2] = c02; c[r0 + 3] = c03;
        c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
        c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
        c[r3] = c30; c[r3 + 1] = c31; c[r3 + 2] = c32; c[r3 + 3] = c33;
      }
    }
  }
  // Edges: the rows below the last full tile and the columns right of it.
  for (let i = 0; i < m; i++) {
    for (let j = i < mt ? nt : 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p] * B[p * n + j];
      const o = cOff + i * n + j;
      c[o] = accumulate ? c[o] + s : s;
    }
  }
};

/** Copies a [rows, cols] matrix (stored transposed when `trans`) into a fresh row-major array. */
export function packRowMajor(src: Float32Array, off: number, rows: number, cols: number, trans: boolean): Float32Array {
  const dst = new Float32Array(rows * cols);
  if (!trans) {
    dst.set(src.subarray(off, off + rows * cols));
    return dst;
  }
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[r * cols + c] = src[off + c * rows + r];
  return dst;
}
