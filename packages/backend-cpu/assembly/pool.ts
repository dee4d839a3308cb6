// 2×2 pooling with stride 2 and no padding — LeNet's, VGG's and most CNNs' — in f32x4: four
// outputs from two 8-float input rows, pairs split by shuffles. Other pooling stays in TypeScript.

/** Average of each 2×2 window (y[plane][oy][ox], windows inside the input). */
export function avgPool2x2(x: usize, y: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32): void {
  const quarter = f32x4.splat(0.25);
  for (let pl = 0; pl < planes; pl++) {
    for (let oy = 0; oy < oh; oy++) {
      const r0 = x + (<usize>((pl * h + 2 * oy) * w) << 2);
      const r1 = r0 + (<usize>w << 2);
      const out = y + (<usize>((pl * oh + oy) * ow) << 2);
      let ox = 0;
      for (; 2 * ox + 8 <= w && ox + 4 <= ow; ox += 4) {
        const o = <usize>ox << 3;
        const s0 = f32x4.add(v128.load(r0 + o), v128.load(r1 + o));
        const s1 = f32x4.add(v128.load(r0 + o, 16), v128.load(r1 + o, 16));
        const pairs = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 2, 4, 6), v128.shuffle<f32>(s0, s1, 1, 3, 5, 7));
        v128.store(out + (<usize>ox << 2), f32x4.mul(pairs, quarter));
      }
      for (; ox < ow; ox++) {
        const o = <usize>ox << 3;
        const s = (load<f32>(r0 + o) + load<f32>(r1 + o)) + (load<f32>(r0 + o + 4) + load<f32>(r1 + o + 4));
        store<f32>(out + (<usize>ox << 2), s * 0.25);
      }
    }
  }
}

/** dx = dy/4 spread over each 2×2 window (dx zeroed beforehand: inputs no window covers stay 0). */
export function avgPool2x2Grad(dy: usize, dx: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32): void {
  const quarter = f32x4.splat(0.25);
  const zero = f32x4.splat(0);
  for (let pl = 0; pl < planes; pl++) {
    for (let oy = 0; oy < oh; oy++) {
      const r0 = dx + (<usize>((pl * h + 2 * oy) * w) << 2);
      const r1 = r0 + (<usize>w << 2);
      const g = dy + (<usize>((pl * oh + oy) * ow) << 2);
      let ox = 0;
      for (; ox + 4 <= ow; ox += 4) {
        // + 0 as the accumulating loop's 0 + g/4 does: a −0 gradient spreads as +0.
        const v = f32x4.add(f32x4.mul(v128.load(g + (<usize>ox << 2)), quarter), zero);
        const lo = v128.shuffle<f32>(v, v, 0, 0, 1, 1);
        const hi = v128.shuffle<f32>(v, v, 2, 2, 3, 3);
        const o = <usize>ox << 3;
        v128.store(r0 + o, lo);
        v128.store(r0 + o, hi, 16);
        v128.store(r1 + o, lo);
        v128.store(r1 + o, hi, 16);
      }
      for (; ox < ow; ox++) {
        const v = load<f32>(g + (<usize>ox << 2)) * 0.25 + 0;
        const o = <usize>ox << 3;
        store<f32>(r0 + o, v);
        store<f32>(r0 + o + 4, v);
        store<f32>(r1 + o, v);
        store<f32>(r1 + o + 4, v);
      }
    }
  }
}

/** Maximum of each 2×2 window; a NaN in a window gives NaN (f32x4.max propagates it). */
export function maxPool2x2(x: usize, y: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32): void {
  for (let pl = 0; pl < planes; pl++) {
    for (let oy = 0; oy < oh; oy++) {
      const r0 = x + (<usize>((pl * h + 2 * oy) * w) << 2);
      const r1 = r0 + (<usize>w << 2);
      const out = y + (<usize>((pl * oh + oy) * ow) << 2);
      let ox = 0;
      for (; 2 * ox + 8 <= w && ox + 4 <= ow; ox += 4) {
        const o = <usize>ox << 3;
        const m0 = f32x4.max(v128.load(r0 + o), v128.load(r1 + o));
        const m1 = f32x4.max(v128.load(r0 + o, 16), v128.load(r1 + o, 16));
        v128.store(out + (<usize>ox << 2), f32x4.max(v128.shuffle<f32>(m0, m1, 0, 2, 4, 6), v128.shuffle<f32>(m0, m1, 1, 3, 5, 7)));
      }
      for (; ox < ow; ox++) {
        const o = <usize>ox << 3;
        store<f32>(out + (<usize>ox << 2), max(max(load<f32>(r0 + o), load<f32>(r0 + o + 4)), max(load<f32>(r1 + o), load<f32>(r1 + o + 4))));
      }
    }
  }
}

/**
 * dx[argmax of each 2×2 window] = dy (dx zeroed beforehand), the window's maximum chosen as the
 * TypeScript kernel chooses it: the first of equal values in row order, and a NaN wins and stays.
 */
export function maxPool2x2Grad(x: usize, dy: usize, dx: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32): void {
  for (let pl = 0; pl < planes; pl++) {
    for (let oy = 0; oy < oh; oy++) {
      const off = <usize>((pl * h + 2 * oy) * w) << 2;
      const r0 = x + off;
      const r1 = r0 + (<usize>w << 2);
      const d0 = dx + off;
      const d1 = d0 + (<usize>w << 2);
      const g = dy + (<usize>((pl * oh + oy) * ow) << 2);
      let ox = 0;
      for (; 2 * ox + 8 <= w && ox + 4 <= ow; ox += 4) {
        const o = <usize>ox << 3;
        const a0 = v128.load(r0 + o), a1 = v128.load(r0 + o, 16);
        const b0 = v128.load(r1 + o), b1 = v128.load(r1 + o, 16);
        const tl = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), tr = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const bl = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), br = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        let best = tl;
        const m1 = beats(tr, best);
        best = v128.bitselect(tr, best, m1);
        const m2 = beats(bl, best);
        best = v128.bitselect(bl, best, m2);
        const m3 = beats(br, best);
        const later3 = m3;
        const later2 = v128.andnot(m2, m3);
        const later1 = v128.andnot(v128.andnot(m1, m2), m3);
        const first = v128.not(v128.or(v128.or(m1, m2), m3));
        const gv = v128.load(g + (<usize>ox << 2));
        const gtl = v128.and(gv, first), gtr = v128.and(gv, later1), gbl = v128.and(gv, later2), gbr = v128.and(gv, later3);
        v128.store(d0 + o, v128.shuffle<f32>(gtl, gtr, 0, 4, 1, 5));
        v128.store(d0 + o, v128.shuffle<f32>(gtl, gtr, 2, 6, 3, 7), 16);
        v128.store(d1 + o, v128.shuffle<f32>(gbl, gbr, 0, 4, 1, 5));
        v128.store(d1 + o, v128.shuffle<f32>(gbl, gbr, 2, 6, 3, 7), 16);
      }
      for (; ox < ow; ox++) {
        const o = <usize>ox << 3;
        // Byte offsets of the window's four inputs in row order; the first is the running best.
        let at = off + o;
        let bv = load<f32>(x + at);
        for (let i = 1; i < 4; i++) {
          const p = off + o + (i & 1 ? 4 : 0) + (i >= 2 ? <usize>w << 2 : 0);
          const v = load<f32>(x + p);
          if (v > bv || (v != v && bv == bv)) {
            bv = v;
            at = p;
          }
        }
        store<f32>(dx + at, load<f32>(g + (<usize>ox << 2)));
      }
    }
  }
}

/** Lanes where v replaces the running maximum m: v > m, or v is NaN and m is not. */
// @ts-ignore: decorator
@inline
function beats(v: v128, m: v128): v128 {
  return v128.or(f32x4.gt(v, m), v128.andnot(f32x4.ne(v, v), f32x4.ne(m, m)));
}
