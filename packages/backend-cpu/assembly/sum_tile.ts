import { madd } from './madd';

// The tile both filter gradients (conv.ts's direct one, winograd.ts's) accumulate with.

/**
 * sums[4 rows][8 channels] += Σ_i rows a0…a3 [i] × panel b[i][8], for i < count: four rows read
 * as scalars (splat), the panel as two vectors per position — GEMM's 4×8 micro-kernel shape with
 * both operands addressed directly. `rowBytes` apart are the four rows of sums.
 */
// @ts-ignore: decorator
@inline
export function sumTile4x8(a0: usize, a1: usize, a2: usize, a3: usize, b: usize, count: i32, sums: usize, rowBytes: usize): void {
  let c00 = v128.load(sums), c01 = v128.load(sums, 16);
  let c10 = v128.load(sums + rowBytes), c11 = v128.load(sums + rowBytes, 16);
  let c20 = v128.load(sums + 2 * rowBytes), c21 = v128.load(sums + 2 * rowBytes, 16);
  let c30 = v128.load(sums + 3 * rowBytes), c31 = v128.load(sums + 3 * rowBytes, 16);
  const end = <usize>count << 2;
  for (let off: usize = 0; off < end; off += 4) {
    const bp = b + (off << 3);
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const s0 = v128.load32_splat(a0 + off);
    const s1 = v128.load32_splat(a1 + off);
    const s2 = v128.load32_splat(a2 + off);
    const s3 = v128.load32_splat(a3 + off);
    c00 = madd(s0, b0, c00);
    c01 = madd(s0, b1, c01);
    c10 = madd(s1, b0, c10);
    c11 = madd(s1, b1, c11);
    c20 = madd(s2, b0, c20);
    c21 = madd(s2, b1, c21);
    c30 = madd(s3, b0, c30);
    c31 = madd(s3, b1, c31);
  }
  v128.store(sums, c00);
  v128.store(sums, c01, 16);
  v128.store(sums + rowBytes, c10);
  v128.store(sums + rowBytes, c11, 16);
  v128.store(sums + 2 * rowBytes, c20);
  v128.store(sums + 2 * rowBytes, c21, 16);
  v128.store(sums + 3 * rowBytes, c30);
  v128.store(sums + 3 * rowBytes, c31, 16);
}

