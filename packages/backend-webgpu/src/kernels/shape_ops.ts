import type { DType, KernelTensor, Shape } from '@soma/core';
import { sizeOf, stridesOf } from '@soma/core';
import type { ProgramRunner } from '../program.js';
import { bindings, f32Bits, groupsFor, perElement, stridedIndex, wgslType } from '../wgsl.js';

// Data movement copies 32-bit words whatever the dtype, so one pipeline serves every dtype.

export function transpose(r: ProgramRunner, x: KernelTensor, perm: readonly number[]): KernelTensor {
  const rank = perm.length;
  const outShape = perm.map((p) => x.shape[p]);
  const strides = stridesOf(x.shape);
  const n = sizeOf(outShape);
  return r.run({
    key: `transpose_${rank}`,
    shader: () => `${bindings(['u32'], 'u32')}${perElement(`  ${stridedIndex('src', rank, 1, 1 + rank)}\n  out[i] = in0[src];`)}`,
    workgroups: groupsFor(n),
    meta: [n, ...outShape, ...perm.map((p) => strides[p])],
  }, [x], outShape, x.dtype);
}

export function stridedSlice(r: ProgramRunner, x: KernelTensor, begin: readonly number[], steps: readonly number[], outShape: Shape): KernelTensor {
  const rank = outShape.length;
  const strides = stridesOf(x.shape);
  const n = sizeOf(outShape);
  const base = begin.reduce((s, b, d) => s + b * strides[d], 0);
  return r.run({
    key: `stridedSlice_${rank}`,
    shader: () => `${bindings(['u32'], 'u32')}${perElement(`  ${stridedIndex('src', rank, 1, 1 + rank)}\n  out[i] = in0[src + prm[${1 + 2 * rank}]];`)}`,
    workgroups: groupsFor(n),
    meta: [n, ...outShape, ...steps.map((s, d) => s * strides[d]), base],
  }, [x], [...outShape], x.dtype);
}

/** The bits a fill value has in a buffer of `dtype`. */
function wordOf(value: number, dtype: DType): number {
  if (dtype === 'float32') return f32Bits(value);
  if (dtype === 'bool') return value ? 1 : 0;
  return Math.trunc(value) | 0;
}

export function pad(r: ProgramRunner, x: KernelTensor, pads: readonly number[], value: number): KernelTensor {
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d + pads[i] + pads[i + rank]);
  const n = sizeOf(outShape);
  const strides = stridesOf(x.shape);
  // meta: [n, outShape, inShape, begin pads, inStrides, fill bits]
  const lines: string[] = ['  var rem = i; var src = 0; var inside = true;'];
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(`  { let c = rem % prm[${1 + d}] - prm[${1 + 2 * rank + d}]; rem = rem / prm[${1 + d}]; if (c < 0 || c >= prm[${1 + rank + d}]) { inside = false; } src += c * prm[${1 + 3 * rank + d}]; }`);
  }
  lines.push(`  if (inside) { out[i] = in0[src]; } else { out[i] = u32(prm[${1 + 4 * rank}]); }`);
  return r.run({
    key: `pad_${rank}`,
    shader: () => `${bindings(['u32'], 'u32')}${perElement(lines.join('\n'))}`,
    workgroups: groupsFor(n),
    meta: [n, ...outShape, ...x.shape, ...pads.slice(0, rank), ...strides, wordOf(value, x.dtype)],
  }, [x], outShape, x.dtype);
}

export function concat(r: ProgramRunner, xs: readonly KernelTensor[], axis: number): KernelTensor {
  const first = xs[0];
  const outShape = [...first.shape];
  outShape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
  const out = r.empty(outShape, first.dtype);
  const inner = sizeOf(first.shape.slice(axis + 1));
  let offset = 0;
  for (const t of xs) {
    const n = sizeOf(t.shape);
    const len = t.shape[axis];
    if (n > 0) {
      r.runInto({
        key: 'concat_piece',
        // meta: [n, piece axis length × inner, output axis length × inner, offset × inner]
        shader: () => `${bindings(['u32'], 'u32')}${perElement('  out[(i / prm[1]) * prm[2] + prm[3] + i % prm[1]] = in0[i];')}`,
        workgroups: groupsFor(n),
        meta: [n, len * inner, outShape[axis] * inner, offset * inner],
      }, [t], out);
    }
    offset += len;
  }
  return out;
}

export function gather(r: ProgramRunner, x: KernelTensor, indices: KernelTensor, axis: number): KernelTensor {
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const n = sizeOf(outShape);
  const inner = sizeOf(x.shape.slice(axis + 1));
  const nIdx = sizeOf(indices.shape);
  return r.run({
    key: 'gather',
    // meta: [n, inner, number of indices, axis length]
    shader: () => `${bindings(['u32', 'i32'], 'u32')}${perElement(`  let inner = prm[1]; let j = (i / inner) % prm[2]; let o = i / (inner * prm[2]);
  let at = in1[j] + select(0, prm[3], in1[j] < 0);
  if (at < 0 || at >= prm[3]) { raise(1, in1[j], prm[3]); out[i] = 0u; return; }
  out[i] = in0[(o * prm[3] + at) * inner + i % inner];`)}`,
    workgroups: groupsFor(n),
    meta: [n, Math.max(inner, 1), Math.max(nIdx, 1), x.shape[axis]],
  }, [x, indices], outShape, x.dtype);
}

/** Starts from a copy of x; each update is added atomically (a compare-and-swap loop for floats). */
export function scatterAdd(r: ProgramRunner, x: KernelTensor, indices: KernelTensor, updates: KernelTensor, axis: number): KernelTensor {
  const n = sizeOf(updates.shape);
  const inner = sizeOf(x.shape.slice(axis + 1));
  const nIdx = sizeOf(indices.shape);
  const t = wgslType(x.dtype);
  const add = t === 'f32'
    ? `  var old = atomicLoad(&out[dst]);
  loop {
    let next = bitcast<u32>(bitcast<f32>(old) + in2[i]);
    let res = atomicCompareExchangeWeak(&out[dst], old, next);
    if (res.exchanged) { break; }
    old = res.old_value;
  }`
    : '  atomicAdd(&out[dst], in2[i]);';
  return r.run({
    key: `scatterAdd_${t}`,
    shader: () => `${bindings(['u32', 'i32', t], t, true)}${perElement(`  let inner = prm[1]; let j = (i / inner) % prm[2]; let o = i / (inner * prm[2]);
  let at = in1[j] + select(0, prm[3], in1[j] < 0);
  if (at < 0 || at >= prm[3]) { raise(2, in1[j], prm[3]); return; }
  let dst = (o * prm[3] + at) * inner + i % inner;
${add}`)}`,
    workgroups: groupsFor(n),
    meta: [n, Math.max(inner, 1), Math.max(nIdx, 1), x.shape[axis]],
  }, [x, indices, updates], x.shape, x.dtype, x);
}

export function tile(r: ProgramRunner, x: KernelTensor, repeats: readonly number[]): KernelTensor {
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * repeats[i]);
  const n = sizeOf(outShape);
  const strides = stridesOf(x.shape);
  const lines: string[] = ['  var rem = i; var src = 0;'];
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(`  { let c = rem % prm[${1 + d}]; rem = rem / prm[${1 + d}]; src += (c % prm[${1 + rank + d}]) * prm[${1 + 2 * rank + d}]; }`);
  }
  lines.push('  out[i] = in0[src];');
  return r.run({
    key: `tile_${rank}`,
    shader: () => `${bindings(['u32'], 'u32')}${perElement(lines.join('\n'))}`,
    workgroups: groupsFor(n),
    meta: [n, ...outShape, ...x.shape, ...strides],
  }, [x], outShape, x.dtype);
}

/**
 * One invocation per row picks the k positions in output order by k scans, each taking the best
 * element ordered after the previous pick: O(k·n) per row, no scratch memory. NaN ranks as the
 * largest value; ties go to the lower index.
 */
export function topK(r: ProgramRunner, x: KernelTensor, k: number, largest: boolean): KernelTensor {
  const len = x.shape[x.shape.length - 1];
  const rows = len === 0 ? 0 : sizeOf(x.shape) / len;
  const outShape = [...x.shape.slice(0, -1), k];
  const t = wgslType(x.dtype);
  const nan = (v: string) => (t === 'f32' ? `is_nan(${v})` : 'false');
  const cmp = largest ? '>' : '<';
  const nanFirst = largest ? 'na' : 'nb';
  return r.run({
    key: `topK_${t}_${largest ? 'l' : 's'}`,
    shader: () => `${bindings([t], 'i32')}
fn before(ia: i32, ib: i32) -> bool {
  let va = in0[ia]; let vb = in0[ib]; let na = ${nan('va')}; let nb = ${nan('vb')};
  if (na != nb) { return ${nanFirst}; }
  if (na || va == vb) { return ia < ib; }
  return va ${cmp} vb;
}
${perElement(`  let len = prm[1]; let k = prm[2]; let base = i * len;
  var prev = -1;
  for (var t = 0; t < k; t++) {
    var best = -1;
    for (var j = 0; j < len; j++) {
      if (prev >= 0 && !before(prev, base + j)) { continue; }
      if (best < 0 || before(base + j, best)) { best = base + j; }
    }
    out[i * k + t] = best - base;
    prev = best;
  }`)}`,
    workgroups: groupsFor(rows),
    meta: [rows, len, k],
  }, [x], outShape, 'int32');
}
