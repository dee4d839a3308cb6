// Reductions in f32x4 over contiguous runs: sums keep eight float32 partial sums (two vectors),
// which is also more accurate than one running float32 sum; max/min propagate NaN as the
// TypeScript loops do.

/** dst[r] = op over src[r·len … (r+1)·len) (op: 0 sum, 1 mean, 2 max, 3 min). */
export function reduceRows(op: i32, src: usize, dst: usize, rows: i32, len: i32): void {
  const body = len & ~7;
  for (let r = 0; r < rows; r++) {
    const x = src + (<usize>(r * len) << 2);
    let v: f32;
    if (op <= 1) {
      let a = f32x4.splat(0), b = f32x4.splat(0);
      for (let i = 0; i < body; i += 8) {
        a = f32x4.add(a, v128.load(x + (<usize>i << 2)));
        b = f32x4.add(b, v128.load(x + (<usize>i << 2), 16));
      }
      const s = f32x4.add(a, b);
      v = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
      for (let i = body; i < len; i++) v += load<f32>(x + (<usize>i << 2));
      if (op == 1) v /= <f32>len;
    } else {
      const isMax = op == 2;
      let a = f32x4.splat(isMax ? -Infinity : Infinity);
      let b = a;
      for (let i = 0; i < body; i += 8) {
        const p = v128.load(x + (<usize>i << 2));
        const q = v128.load(x + (<usize>i << 2), 16);
        a = isMax ? f32x4.max(a, p) : f32x4.min(a, p);
        b = isMax ? f32x4.max(b, q) : f32x4.min(b, q);
      }
      const m = isMax ? f32x4.max(a, b) : f32x4.min(a, b);
      const m01 = isMax ? max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)) : min(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1));
      const m23 = isMax ? max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)) : min(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3));
      v = isMax ? max(m01, m23) : min(m01, m23);
      for (let i = body; i < len; i++) {
        const e = load<f32>(x + (<usize>i << 2));
        v = isMax ? max(v, e) : min(v, e);
      }
    }
    store<f32>(dst + (<usize>r << 2), v);
  }
}

/**
 * dst[m] = Σ (mean with `mean`) of src viewed as [outer, mid, inner] over outer and inner: every
 * axis but one contiguous run, as a bias gradient sums [N, C, H, W] to [C].
 */
export function sumAround(src: usize, dst: usize, outer: i32, mid: i32, inner: i32, mean: bool): void {
  const body = inner & ~3;
  for (let m = 0; m < mid; m++) {
    let a = f32x4.splat(0);
    let tail: f32 = 0;
    for (let o = 0; o < outer; o++) {
      const x = src + (<usize>((o * mid + m) * inner) << 2);
      for (let i = 0; i < body; i += 4) a = f32x4.add(a, v128.load(x + (<usize>i << 2)));
      for (let i = body; i < inner; i++) tail += load<f32>(x + (<usize>i << 2));
    }
    let v = ((f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3))) + tail;
    if (mean) v /= <f32>(outer * inner);
    store<f32>(dst + (<usize>m << 2), v);
  }
}
