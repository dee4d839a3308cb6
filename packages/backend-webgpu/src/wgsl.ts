import type { DType } from '@soma/core';

/**
 * WGSL building blocks shared by every kernel. Storage is 4 bytes per element for every dtype:
 * float32 as f32, int32 as i32, bool as i32 0/1 (WGSL has no byte arrays).
 */
export function wgslType(dtype: DType): 'f32' | 'i32' {
  return dtype === 'float32' ? 'f32' : 'i32';
}

export const WORKGROUP = 256;
/** Dispatch dimensions are capped at 65535 workgroups; larger launches fold into y. */
export const MAX_GROUPS = 65535;

/**
 * IEEE helpers. WGSL leaves NaN and infinity behaviour to the implementation, so NaN tests are
 * done on the bits, and the constants come from private variables (bitcasts of literals would be
 * folded at compile time, where NaN is an error).
 */
export const PRELUDE = /* wgsl */ `
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn nan_f() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf_f() -> f32 { return bitcast<f32>(INF_BITS); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn prm_f(k: i32) -> f32 { return bitcast<f32>(prm[k]); }
`;

/**
 * Errors found on the device (an index out of range, an integer division by zero) set a flag
 * that the next readback reports, the way CUDA reports kernel assertions at the next
 * synchronisation. The first error wins; codes are listed in backend.ts.
 */
const RAISE = /* wgsl */ `
fn raise(code: i32, a: i32, b: i32) {
  if (atomicCompareExchangeWeak(&flags[0], 0, code).exchanged) { atomicStore(&flags[1], a); atomicStore(&flags[2], b); }
}
`;

/** Declares inputs (read-only), several f32 outputs out0.., the metadata array and the flags. */
export function bindingsMulti(inputs: readonly string[], outputs: number): string {
  const lines = inputs.map((t, i) => `@group(0) @binding(${i}) var<storage, read> in${i}: array<${t}>;`);
  for (let k = 0; k < outputs; k++) lines.push(`@group(0) @binding(${inputs.length + k}) var<storage, read_write> out${k}: array<f32>;`);
  lines.push(`@group(0) @binding(${inputs.length + outputs}) var<storage, read> prm: array<i32>;`);
  lines.push(`@group(0) @binding(${inputs.length + outputs + 1}) var<storage, read_write> flags: array<atomic<i32>, 4>;`);
  return lines.join('\n') + '\n' + PRELUDE + RAISE;
}

/** Declares inputs (read-only), the output and the metadata array, in that binding order. */
export function bindings(inputs: readonly string[], output: string, atomicOutput = false): string {
  const lines = inputs.map((t, i) => `@group(0) @binding(${i}) var<storage, read> in${i}: array<${t}>;`);
  const outType = atomicOutput ? `atomic<${output === 'f32' ? 'u32' : output}>` : output;
  lines.push(`@group(0) @binding(${inputs.length}) var<storage, read_write> out: array<${outType}>;`);
  lines.push(`@group(0) @binding(${inputs.length + 1}) var<storage, read> prm: array<i32>;`);
  lines.push(`@group(0) @binding(${inputs.length + 2}) var<storage, read_write> flags: array<atomic<i32>, 4>;`);
  return lines.join('\n') + '\n' + PRELUDE + RAISE;
}

/** A kernel with one invocation per index `i` in [0, prm[0]). */
export function perElement(body: string, workgroup = WORKGROUP): string {
  return /* wgsl */ `
@compute @workgroup_size(${workgroup})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = i32(gid.x + gid.y * nwg.x * ${workgroup}u);
  if (i >= prm[0]) { return; }
${body}
}`;
}

/** Workgroup counts for `threads` invocations of `workgroup` each. */
export function groupsFor(threads: number, workgroup = WORKGROUP): [number, number, number] {
  const groups = Math.ceil(threads / workgroup);
  if (groups <= MAX_GROUPS) return [Math.max(groups, 1), 1, 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1];
}

/** Float parameters travel in the i32 metadata array as their bits. */
export function f32Bits(x: number): number {
  const f = new Float32Array([x]);
  return new Int32Array(f.buffer)[0];
}

/**
 * WGSL that turns a flat output index `i` into the flat index of an input, given the output shape at
 * prm[shapeAt..] and the input's strides (0 on broadcast axes) at prm[stridesAt..], rank `rank`.
 */
export function stridedIndex(name: string, rank: number, shapeAt: number, stridesAt: number, from = 'i'): string {
  if (rank === 0) return `let ${name} = 0;`;
  let s = `var ${name} = 0;\n  { var r = ${from};\n`;
  for (let d = rank - 1; d >= 0; d--) {
    s += `    { let c = r % prm[${shapeAt + d}]; r = r / prm[${shapeAt + d}]; ${name} += c * prm[${stridesAt + d}]; }\n`;
  }
  return s + '  }';
}
