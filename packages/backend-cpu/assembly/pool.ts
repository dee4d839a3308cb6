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
