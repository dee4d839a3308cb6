import type { KernelTensor } from '@soma/core';
import { sizeOf } from '@soma/core';
import type { ProgramRunner } from '../program.js';
import { bindings, groupsFor, MAX_GROUPS, perElement } from '../wgsl.js';

/**
 * Softmax or log-softmax along one axis in one pass per row: the row's maximum and Σexp(x − max)
 * are reduced, then every element is written, with no intermediate tensors. Rows of up to 64
 * elements take one invocation each; longer rows a workgroup, reducing as a tree. A NaN in a row
 * makes the row NaN, as the composed ops do.
 */
export function softmax(r: ProgramRunner, x: KernelTensor, axis: number, log: boolean): KernelTensor {
  const len = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const rows = len === 0 ? 0 : sizeOf(x.shape) / len;
  const meta = [rows, len, Math.max(inner, 1)];
  const write = (v: string) => (log ? `${v} - mx - log(s)` : `exp(${v} - mx) / s`);
  const base = 'let base = (row / prm[2]) * prm[1] * prm[2] + row % prm[2]; let st = prm[2];';
  // max that lets NaN win, as max-reduction does
  const maxOf = (a: string, b: string) => `select(max(${a}, ${b}), nan_f(), is_nan(${a}) || is_nan(${b}))`;
  if (len <= 64) {
    return r.run({
      key: `softmax_${log ? 'log' : 'exp'}_n`,
      shader: () => `${bindings(['f32'], 'f32')}${perElement(`  let row = i; ${base}
  var mx = -inf_f();
  for (var j = 0; j < prm[1]; j++) { mx = ${maxOf('mx', 'in0[base + j * st]')}; }
  var s = 0.0;
  for (var j = 0; j < prm[1]; j++) { s += exp(in0[base + j * st] - mx); }
  for (var j = 0; j < prm[1]; j++) { let v = in0[base + j * st]; out[base + j * st] = select(${write('v')}, mx, is_nan(mx)); }`)}`,
      workgroups: groupsFor(rows),
      meta,
    }, [x], x.shape, 'float32');
  }
  const wg = 128;
  return r.run({
    key: `softmax_${log ? 'log' : 'exp'}_w`,
    shader: () => `${bindings(['f32'], 'f32')}
var<workgroup> part: array<f32, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3u) {
  let row = i32(wid.x + wid.y * nwg.x);
  if (row >= prm[0]) { return; }
  ${base}
  var m = -inf_f();
  for (var j = i32(lid); j < prm[1]; j += ${wg}) { m = ${maxOf('m', 'in0[base + j * st]')}; }
  part[lid] = m;
  workgroupBarrier();
  for (var k = ${wg / 2}u; k > 0u; k = k >> 1u) {
    if (lid < k) { part[lid] = ${maxOf('part[lid]', 'part[lid + k]')}; }
    workgroupBarrier();
  }
  let mx = part[0];
  workgroupBarrier();
  var t = 0.0;
  for (var j = i32(lid); j < prm[1]; j += ${wg}) { t += exp(in0[base + j * st] - mx); }
  part[lid] = t;
  workgroupBarrier();
  for (var k = ${wg / 2}u; k > 0u; k = k >> 1u) {
    if (lid < k) { part[lid] = part[lid] + part[lid + k]; }
    workgroupBarrier();
  }
  let s = part[0];
  for (var j = i32(lid); j < prm[1]; j += ${wg}) { let v = in0[base + j * st]; out[base + j * st] = select(${write('v')}, mx, is_nan(mx)); }
}`,
    workgroups: rows <= MAX_GROUPS ? [rows, 1, 1] : [MAX_GROUPS, Math.ceil(rows / MAX_GROUPS), 1],
    meta,
  }, [x], x.shape, 'float32');
}
