// Batch normalization's passes over a tensor viewed as [outer, mid, inner], mid being the channels.
// The statistics kernels take a range of channels [c0, c1), so threads split by channel; each
// inner run is summed in four float32 lanes and added into a float64 total, so a channel of 64K
// values keeps float32's precision.

@inline function lanes(a: v128): f64 {
  return (<f64>f32x4.extract_lane(a, 0) + <f64>f32x4.extract_lane(a, 1)) + (<f64>f32x4.extract_lane(a, 2) + <f64>f32x4.extract_lane(a, 3));
}

@inline function runAt(base: usize, o: i32, m: i32, mid: i32, inner: i32): usize {
  return base + ((<usize>o * <usize>mid + <usize>m) * <usize>inner << 2);
}

// The runs below keep four vector accumulators: one would chain every add on the last one's
// latency (about 3 cycles) and run the pass at a third of the memory's speed.

/** Σ x over `inner` floats from x. */
@inline function sumRun(x: usize, inner: i32): f64 {
  const body16 = inner & ~15;
  const body = inner & ~3;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  for (let i = 0; i < body16; i += 16) {
    const p = x + (<usize>i << 2);
    a0 = f32x4.add(a0, v128.load(p));
    a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32));
    a3 = f32x4.add(a3, v128.load(p, 48));
  }
  for (let i = body16; i < body; i += 4) a0 = f32x4.add(a0, v128.load(x + (<usize>i << 2)));
  let t: f32 = 0;
  for (let i = body; i < inner; i++) t += load<f32>(x + (<usize>i << 2));
  return lanes(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3))) + <f64>t;
}

/** Σ (x − mean)² over `inner` floats from x (`mv`: mean in every lane). */
@inline function squaresRun(x: usize, inner: i32, mean: f32, mv: v128): f64 {
  const body16 = inner & ~15;
  const body = inner & ~3;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  for (let i = 0; i < body16; i += 16) {
    const p = x + (<usize>i << 2);
    const d0 = f32x4.sub(v128.load(p), mv), d1 = f32x4.sub(v128.load(p, 16), mv);
    const d2 = f32x4.sub(v128.load(p, 32), mv), d3 = f32x4.sub(v128.load(p, 48), mv);
    a0 = f32x4.add(a0, f32x4.mul(d0, d0));
    a1 = f32x4.add(a1, f32x4.mul(d1, d1));
    a2 = f32x4.add(a2, f32x4.mul(d2, d2));
    a3 = f32x4.add(a3, f32x4.mul(d3, d3));
  }
  for (let i = body16; i < body; i += 4) {
    const d = f32x4.sub(v128.load(x + (<usize>i << 2)), mv);
    a0 = f32x4.add(a0, f32x4.mul(d, d));
  }
  let t: f32 = 0;
  for (let i = body; i < inner; i++) {
    const d = load<f32>(x + (<usize>i << 2)) - mean;
    t += d * d;
  }
  return lanes(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3))) + <f64>t;
}

/** dst[m] = the mean, dst[mid + m] = the biased variance (two passes: Σx, then Σ(x − mean)²). */
export function channelMoments(src: usize, dst: usize, outer: i32, mid: i32, inner: i32, c0: i32, c1: i32): void {
  const n = <f64>outer * <f64>inner;
  for (let m = c0; m < c1; m++) {
    let s: f64 = 0;
    for (let o = 0; o < outer; o++) {
      const x = runAt(src, o, m, mid, inner);
      s += sumRun(x, inner);
    }
    const mean = <f32>(s / n);
    const mv = f32x4.splat(mean);
    let q: f64 = 0;
    for (let o = 0; o < outer; o++) {
      const x = runAt(src, o, m, mid, inner);
      q += squaresRun(x, inner, mean, mv);
    }
    store<f32>(dst + (<usize>m << 2), mean);
    store<f32>(dst + (<usize>(mid + m) << 2), <f32>(q / n));
  }
}

/** dst[m] = Σ a, dst[mid + m] = Σ a·(b − center[m]) (center 0 when `hasCenter` is false). */
export function channelSums(a: usize, b: usize, center: usize, dst: usize, outer: i32, mid: i32, inner: i32, c0: i32, c1: i32, hasCenter: bool): void {
  const body8 = inner & ~7;
  const body = inner & ~3;
  for (let m = c0; m < c1; m++) {
    const cm: f32 = hasCenter ? load<f32>(center + (<usize>m << 2)) : 0;
    const cv = f32x4.splat(cm);
    let s1: f64 = 0;
    let s2: f64 = 0;
    for (let o = 0; o < outer; o++) {
      const pa = runAt(a, o, m, mid, inner);
      const pb = runAt(b, o, m, mid, inner);
      let v1 = f32x4.splat(0), w1 = f32x4.splat(0);
      let v2 = f32x4.splat(0), w2 = f32x4.splat(0);
      let t1: f32 = 0;
      let t2: f32 = 0;
      for (let i = 0; i < body8; i += 8) {
        const k = <usize>i << 2;
        const va = v128.load(pa + k), wa = v128.load(pa + k, 16);
        v1 = f32x4.add(v1, va);
        w1 = f32x4.add(w1, wa);
        v2 = f32x4.add(v2, f32x4.mul(va, f32x4.sub(v128.load(pb + k), cv)));
        w2 = f32x4.add(w2, f32x4.mul(wa, f32x4.sub(v128.load(pb + k, 16), cv)));
      }
      for (let i = body8; i < body; i += 4) {
        const va = v128.load(pa + (<usize>i << 2));
        v1 = f32x4.add(v1, va);
        v2 = f32x4.add(v2, f32x4.mul(va, f32x4.sub(v128.load(pb + (<usize>i << 2)), cv)));
      }
      v1 = f32x4.add(v1, w1);
      v2 = f32x4.add(v2, w2);
      for (let i = body; i < inner; i++) {
        const va = load<f32>(pa + (<usize>i << 2));
        t1 += va;
        t2 += va * (load<f32>(pb + (<usize>i << 2)) - cm);
      }
      s1 += lanes(v1) + <f64>t1;
      s2 += lanes(v2) + <f64>t2;
    }
    store<f32>(dst + (<usize>m << 2), <f32>s1);
    store<f32>(dst + (<usize>(mid + m) << 2), <f32>s2);
  }
}

/**
 * dst = x·scale[m] + shift[m] (+ x2·scale2[m] with `hasX2`) over rows [r0, r1) of the [outer·mid]
 * runs of `inner` values (row r is channel r mod mid); dst may be x or x2.
 */
export function channelAffine(x: usize, scale: usize, shift: usize, x2: usize, scale2: usize, dst: usize, mid: i32, inner: i32, r0: i32, r1: i32, hasX2: bool): void {
  const body = inner & ~3;
  for (let r = r0; r < r1; r++) {
    const m = r % mid;
    const off = <usize>r * <usize>inner << 2;
    const s = load<f32>(scale + (<usize>m << 2));
    const t = load<f32>(shift + (<usize>m << 2));
    const sv = f32x4.splat(s);
    const tv = f32x4.splat(t);
    const px = x + off;
    const pd = dst + off;
    if (hasX2) {
      const s2 = load<f32>(scale2 + (<usize>m << 2));
      const s2v = f32x4.splat(s2);
      const p2 = x2 + off;
      for (let i = 0; i < body; i += 4) {
        const k = <usize>i << 2;
        const v = f32x4.add(f32x4.add(f32x4.mul(v128.load(px + k), sv), tv), f32x4.mul(v128.load(p2 + k), s2v));
        v128.store(pd + k, v);
      }
      for (let i = body; i < inner; i++) {
        const k = <usize>i << 2;
        store<f32>(pd + k, (load<f32>(px + k) * s + t) + load<f32>(p2 + k) * s2);
      }
    } else {
      for (let i = 0; i < body; i += 4) {
        const k = <usize>i << 2;
        v128.store(pd + k, f32x4.add(f32x4.mul(v128.load(px + k), sv), tv));
      }
      for (let i = body; i < inner; i++) {
        const k = <usize>i << 2;
        store<f32>(pd + k, load<f32>(px + k) * s + t);
      }
    }
  }
}
