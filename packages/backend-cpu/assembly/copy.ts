// Strided copies of 4-byte elements (float32, int32) between tensors on the heap: pad, strided
// slices, transposes and broadcast tiles, whose TypeScript loops pay several nanoseconds an element
// (a stride-2 slice's gradient pads a ResNet shortcut's 2 MB in 2.6 ms that way).

/**
 * dst[dst0 + Σ idx[d]·dstStep[d]] = src[src0 + Σ idx[d]·srcStep[d]] for every index of `shape`.
 * `dims` holds four runs of `rank` i32: shape, srcStep, dstStep (in elements, the last axis
 * innermost) and room for the index. Offsets stay in elements, so negative steps work.
 */
export function copyStrided(src: usize, src0: i32, dst: usize, dst0: i32, dims: usize, rank: i32): void {
  const shapeAt = dims;
  const srcAt = dims + (<usize>rank << 2);
  const dstAt = dims + (<usize>(2 * rank) << 2);
  const idx = dims + (<usize>(3 * rank) << 2);
  const last = <usize>(rank - 1) << 2;
  const inner = load<i32>(shapeAt + last);
  const si = load<i32>(srcAt + last);
  const di = load<i32>(dstAt + last);
  let rows: i32 = 1;
  for (let d = 0; d < rank - 1; d++) {
    rows *= load<i32>(shapeAt + (<usize>d << 2));
    store<i32>(idx + (<usize>d << 2), 0);
  }
  if (inner === 0) rows = 0;
  let s = src0;
  let o = dst0;
  for (let r = 0; r < rows; r++) {
    if (si === 1 && di === 1) memory.copy(dst + (<usize>o << 2), src + (<usize>s << 2), <usize>inner << 2);
    else {
      let a = s;
      let b = o;
      for (let j = 0; j < inner; j++, a += si, b += di) store<i32>(dst + (<usize>b << 2), load<i32>(src + (<usize>a << 2)));
    }
    for (let d = rank - 2; d >= 0; d--) {
      const at = <usize>d << 2;
      const i = load<i32>(idx + at) + 1;
      const ss = load<i32>(srcAt + at);
      const ds = load<i32>(dstAt + at);
      s += ss;
      o += ds;
      if (i < load<i32>(shapeAt + at)) {
        store<i32>(idx + at, i);
        break;
      }
      store<i32>(idx + at, 0);
      s -= ss * i;
      o -= ds * i;
    }
  }
}
