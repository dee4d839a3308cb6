// Register transposes for the relayouts the convolution kernels make (images or channels moved
// innermost): a scalar store per value cost as much as the transform or sums that follow it.

/** Stores the transpose of the 4×4 block with rows r0…r3: its column j at out + j·step. */
// @ts-ignore: decorator
@inline
export function transposeStore(r0: v128, r1: v128, r2: v128, r3: v128, out: usize, step: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(out + step, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(out + 2 * step, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(out + 3 * step, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/** Four floats of `row` from `at` bytes, or zeros where the row does not exist. */
// @ts-ignore: decorator
@inline
function rowOrZero(row: usize, exists: bool, at: usize): v128 {
  return exists ? v128.load(row + at) : f32x4.splat(0);
}

/**
 * The filter gradients' dy panels: m channels of one image (oh × ow floats each from `src`) with
 * channel oc's (oy, ox) at panels + (oc >> 3)·panelBytes + oy·rowBytes + 32·ox + 4·(oc & 7).
 * Eight channels go four positions at a time through two 4×4 transposes; lanes of channels past
 * m get zeros, positions past ow are not written.
 */
export function toPanels8(src: usize, m: i32, oh: i32, ow: i32, panels: usize, panelBytes: usize, rowBytes: usize): void {
  const plane = <usize>(oh * ow) << 2;
  const body = ow & ~3;
  for (let oc0 = 0; oc0 < m; oc0 += 8) {
    const first = src + <usize>oc0 * plane;
    const live = m - oc0;
    const panel = panels + <usize>(oc0 >> 3) * panelBytes;
    for (let oy = 0; oy < oh; oy++) {
      const row = first + (<usize>(oy * ow) << 2);
      const out = panel + <usize>oy * rowBytes;
      for (let ox = 0; ox < body; ox += 4) {
        const at = <usize>ox << 2;
        const r0 = v128.load(row + at);
        const r1 = rowOrZero(row + plane, live > 1, at), r2 = rowOrZero(row + 2 * plane, live > 2, at);
        const r3 = rowOrZero(row + 3 * plane, live > 3, at), r4 = rowOrZero(row + 4 * plane, live > 4, at);
        const r5 = rowOrZero(row + 5 * plane, live > 5, at), r6 = rowOrZero(row + 6 * plane, live > 6, at);
        const r7 = rowOrZero(row + 7 * plane, live > 7, at);
        const o = out + (<usize>ox << 5);
        transposeStore(r0, r1, r2, r3, o, 32);
        transposeStore(r4, r5, r6, r7, o + 16, 32);
      }
      for (let ox = body; ox < ow; ox++) {
        for (let l = 0; l < min(8, live); l++) store<f32>(out + (<usize>ox << 5) + (<usize>l << 2), load<f32>(row + <usize>l * plane + (<usize>ox << 2)));
      }
    }
  }
}
