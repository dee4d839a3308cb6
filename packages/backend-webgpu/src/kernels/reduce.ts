import type { ArgReduceOp, DType, KernelTensor, ReduceOp } from '@soma/core';
import { BOOLEAN_REDUCTIONS, sizeOf, stridesOf } from '@soma/core';
import type { ProgramRunner } from '../program.js';
import { bindings, groupsFor, MAX_GROUPS, perElement, stridedIndex, wgslType } from '../wgsl.js';

/** Identity, accumulate step and final step of each reduction, for the element type `t`. */
function accumulator(op: ReduceOp, t: 'f32' | 'i32'): { init: string; step: (acc: string, v: string) => string; finish: (acc: string) => string } {
  const lowest = t === 'f32' ? '-inf_f()' : 'i32(-2147483647 - 1)';
  const highest = t === 'f32' ? 'inf_f()' : '2147483647';
  const nanSticky = (cmp: string) => (acc: string, v: string) =>
    t === 'f32' ? `select(${acc}, ${v}, ${v} ${cmp} ${acc} || is_nan(${v}))` : `select(${acc}, ${v}, ${v} ${cmp} ${acc})`;
  const one = t === 'f32' ? '1.0' : '1';
  const zero = t === 'f32' ? '0.0' : '0';
  switch (op) {
    case 'sum': return { init: zero, step: (a, v) => `${a} + ${v}`, finish: (a) => a };
    case 'mean': return { init: zero, step: (a, v) => `${a} + ${v}`, finish: (a) => `select(${a} / f32(prm[1]), nan_f(), prm[1] == 0)` };
    case 'prod': return { init: one, step: (a, v) => `${a} * ${v}`, finish: (a) => a };
    case 'max': return { init: lowest, step: nanSticky('>'), finish: (a) => a };
    case 'min': return { init: highest, step: nanSticky('<'), finish: (a) => a };
    case 'any': return { init: '0', step: (a, v) => `select(${a}, 1, ${v} != ${zero})`, finish: (a) => a };
    case 'all': return { init: '1', step: (a, v) => `select(${a}, 0, ${v} == ${zero})`, finish: (a) => a };
  }
}

/**
 * Reduction over any sorted set of axes. Metadata: [outputs, count, kept shape, kept strides,
 * reduced shape, reduced strides]. Short reductions run one invocation per output; long ones a
 * workgroup per output, summing as a tree in workgroup memory (also better rounding).
 */
export function reduce(r: ProgramRunner, op: ReduceOp, x: KernelTensor, axes: readonly number[]): KernelTensor {
  const rank = x.shape.length;
  const strides = stridesOf(x.shape);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = kept.map((i) => x.shape[i]);
  const nOut = sizeOf(outShape);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  const inT = wgslType(x.dtype);
  const outDtype: DType = BOOLEAN_REDUCTIONS.has(op) ? 'bool' : x.dtype;
  const accT = op === 'any' || op === 'all' ? 'i32' : inT;
  const acc = accumulator(op, inT);
  const kr = kept.length;
  const rr = axes.length;
  // Reduced axes that are the trailing, contiguous ones need no index arithmetic.
  const trailing = axes.every((a, i) => a === rank - rr + i);
  const meta = [nOut, count, ...outShape, ...kept.map((i) => strides[i]), ...axes.map((a) => x.shape[a]), ...axes.map((a) => strides[a])];
  const baseCode = trailing ? 'let base = o * prm[1];' : stridedIndex('base', kr, 2, 2 + kr, 'o');
  const offset = (j: string) => (trailing ? `base + ${j}` : `base + off_${'r'}(${j})`);
  const offFn = trailing ? '' : `fn off_r(j: i32) -> i32 {\n  ${stridedIndex('o', rr, 2 + 2 * kr, 2 + 2 * kr + rr, 'j')}\n  return o;\n}\n`;
  const wide = count >= 128;
  const key = `reduce_${op}_${inT}_${kr}_${rr}_${trailing ? 't' : 'g'}_${wide ? 'w' : 'n'}`;
  if (!wide) {
    return r.run({
      key,
      shader: () => `${bindings([inT], wgslType(outDtype))}${offFn}${perElement(`  let o = i;\n  ${baseCode}\n  var acc: ${accT} = ${acc.init};\n  for (var j = 0; j < prm[1]; j++) { let v = in0[${offset('j')}]; acc = ${acc.step('acc', 'v')}; }\n  out[i] = ${acc.finish('acc')};`)}`,
      workgroups: groupsFor(nOut),
      meta,
    }, [x], outShape, outDtype);
  }
  const wg = 256;
  const groups: [number, number, number] = nOut <= MAX_GROUPS ? [nOut, 1, 1] : [MAX_GROUPS, Math.ceil(nOut / MAX_GROUPS), 1];
  return r.run({
    key,
    shader: () => `${bindings([inT], wgslType(outDtype))}${offFn}
var<workgroup> part: array<${accT}, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3u) {
  let o = i32(wid.x + wid.y * nwg.x);
  if (o >= prm[0]) { return; }
  ${baseCode}
  var acc: ${accT} = ${acc.init};
  for (var j = i32(lid); j < prm[1]; j += ${wg}) { let v = in0[${offset('j')}]; acc = ${acc.step('acc', 'v')}; }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { let v = part[lid + s]; part[lid] = ${acc.step('part[lid]', 'v')}; }
    workgroupBarrier();
  }
  if (lid == 0u) { let a = part[0]; out[o] = ${acc.finish('a')}; }
}`,
    workgroups: groups,
    meta,
  }, [x], outShape, outDtype);
}

/** First index of the largest (smallest) value along `axis`; a NaN wins at its first position. */
export function argReduce(r: ProgramRunner, op: ArgReduceOp, x: KernelTensor, axis: number): KernelTensor {
  const outShape = x.shape.filter((_, i) => i !== axis);
  const nOut = sizeOf(outShape);
  const len = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const t = wgslType(x.dtype);
  const cmp = op === 'argMax' ? '>' : '<';
  const nanCheck = t === 'f32' ? '|| (is_nan(v) && !is_nan(best))' : '';
  return r.run({
    key: `${op}_${t}`,
    shader: () => `${bindings([t], 'i32')}${perElement(`  let base = (i / prm[2]) * prm[1] * prm[2] + i % prm[2];
  var best = in0[base];
  var at = 0;
  for (var j = 1; j < prm[1]; j++) {
    let v = in0[base + j * prm[2]];
    if (v ${cmp} best ${nanCheck}) { best = v; at = j; }
  }
  out[i] = at;`)}`,
    workgroups: groupsFor(nOut),
    meta: [nOut, len, Math.max(inner, 1)],
  }, [x], outShape, 'int32');
}
