import { madd } from './madd';

// The tile the filter gradients (conv.ts's direct one, winograd.ts's and winograd4.ts's) accumulate with.

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


/**
 * The Winograd filter gradients' products (winograd.ts's F(2×2), winograd4.ts's F(4×4)): for each
 * of `planes` ξ, sums[ξ][ci][oc] += Σ_tiles V[ξ][ci][tile] · G[ξ][tile][oc], V's rows `tp` floats
 * long (`vPlane` bytes a plane), G in 8-channel panels of tp tiles (`gPlane`), the sums c rounded
 * to 4 rows of m rounded to 8 (`sPlane`); `t` tiles are summed.
 */
// @ts-ignore: decorator
@inline
export function sumTransformed(
  planes: i32, v: usize, vPlane: usize, g: usize, gPlane: usize, sums: usize, sPlane: usize, c: i32, m: i32, tp: i32, t: i32,
): void {
  const mp = (m + 7) & ~7;
  const c4 = (c + 3) & ~3;
  for (let xi = 0; xi < planes; xi++) {
    const vx = v + <usize>xi * vPlane;
    for (let j = 0; j < mp >> 3; j++) {
      const b = g + <usize>xi * gPlane + (<usize>(j * tp) << 5);
      for (let ci = 0; ci < c4; ci += 4) {
        // Rows past c (c not a multiple of 4) read row 0 again; their sums are never used.
        const r1: i32 = ci + 1 < c ? ci + 1 : 0;
        const r2: i32 = ci + 2 < c ? ci + 2 : 0;
        const r3: i32 = ci + 3 < c ? ci + 3 : 0;
        sumTile4x8(
          vx + (<usize>(ci * tp) << 2), vx + (<usize>(r1 * tp) << 2), vx + (<usize>(r2 * tp) << 2), vx + (<usize>(r3 * tp) << 2),
          b, t, sums + <usize>xi * sPlane + (<usize>(ci * mp + (j << 3)) << 2), <usize>mp << 2,
        );
      }
    }
  }
}
