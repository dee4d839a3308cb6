import type { Conv2dAttrs, KernelTensor, Shape } from '@soma/core';
import { outLength, sizeOf } from '@soma/core';
import type { ProgramRunner } from '../program.js';
import { bindings } from '../wgsl.js';
import { reduce } from './reduce.js';

/**
 * One tiled GEMM shader serves matmul and the three convolutions (as implicit GEMMs): each caller
 * supplies WGSL functions `prepA(b, row)`/`loadA(b, p, k)`, `prepB(b, col)`/`loadB(b, p, k)` and
 * `store(b, row, col, v, split)`, which hide the operands' layouts: prep* turns a row (column) into
 * a vec4<i32> of whatever its loads need, once per k loop, and load* reads element k of it. The shader stages BK-deep tiles of A and B in workgroup
 * memory; each invocation accumulates a TM×TN block in registers (rows and columns strided by the
 * thread grid, so shared-memory reads and global stores stay contiguous across a warp). When the
 * output has too few tiles to fill the GPU, K is split across workgroups and the partial products
 * are summed by a reduction afterwards.
 */
interface Tiling {
  bm: number;
  bn: number;
  bk: number;
  tm: number;
  tn: number;
}

const SMALL: Tiling = { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 };
const LARGE: Tiling = { bm: 128, bn: 128, bk: 16, tm: 8, tn: 8 };
// Convolutions with few channels make thin GEMMs (LeNet: 6 output channels, 50,000 rows); a square
// tile would compute ten times the useful work.
const TALL: Tiling = { bm: 128, bn: 16, bk: 16, tm: 8, tn: 1 };
const WIDE: Tiling = { bm: 16, bn: 128, bk: 16, tm: 1, tn: 8 };

function tilingFor(m: number, n: number, batch: number): Tiling {
  if (n <= 16 && m > 16) return TALL;
  if (m <= 16 && n > 16) return WIDE;
  return m * n * batch >= 1024 * 1024 && m >= 128 && n >= 128 ? LARGE : SMALL;
}

/** Whether A is read along rows (its rows are contiguous in memory) or along k; the same for B's columns. */
interface Access {
  aRowFast: boolean;
  bColFast: boolean;
}

function gemmShader(cfg: Tiling, access: Access, inputs: readonly string[], loaders: string): string {
  const { bm, bn, bk, tm, tn } = cfg;
  const tx = bn / tn;
  const ty = bm / tm;
  const nt = tx * ty;
  const lines: string[] = [];
  const prep: string[] = [];
  // Each staging slot of an invocation keeps its row (column) for the whole k loop, so the row's
  // address arithmetic (prepA/prepB: divisions into n, oh, ow for a convolution) runs once.
  const stage = (which: 'A' | 'B', rows: number, fast: boolean): void => {
    const per = (rows * bk) / nt;
    for (let s = 0; s < per; s++) {
      const e = `(t + ${s * nt})`;
      if (which === 'A') {
        const [r, k] = fast ? [`${e} % ${bm}`, `${e} / ${bm}`] : [`${e} / ${bk}`, `${e} % ${bk}`];
        prep.push(`  let ar${s} = ${r}; let ak${s} = ${k}; let aok${s} = m0 + ar${s} < M; let ap${s} = prepA(b, min(m0 + ar${s}, M - 1));`);
        lines.push(`    { let k = k0 + ak${s}; var v = 0.0; if (aok${s} && k < kEnd) { v = loadA(b, ap${s}, k); } As[ak${s} * ${bm} + ar${s}] = v; }`);
      } else {
        const [c, k] = fast ? [`${e} % ${bn}`, `${e} / ${bn}`] : [`${e} / ${bk}`, `${e} % ${bk}`];
        prep.push(`  let bc${s} = ${c}; let bk${s} = ${k}; let bok${s} = n0 + bc${s} < N; let bp${s} = prepB(b, min(n0 + bc${s}, N - 1));`);
        lines.push(`    { let k = k0 + bk${s}; var v = 0.0; if (bok${s} && k < kEnd) { v = loadB(b, bp${s}, k); } Bs[bk${s} * ${bn} + bc${s}] = v; }`);
      }
    }
  };
  stage('A', bm, access.aRowFast);
  stage('B', bn, access.bColFast);
  const decl: string[] = [];
  for (let i = 0; i < tm; i++) for (let j = 0; j < tn; j++) decl.push(`var c${i}_${j} = 0.0;`);
  const inner: string[] = [];
  for (let i = 0; i < tm; i++) inner.push(`let a${i} = As[kk * ${bm} + ty + ${i * ty}];`);
  for (let j = 0; j < tn; j++) inner.push(`let b${j} = Bs[kk * ${bn} + tx + ${j * tx}];`);
  for (let i = 0; i < tm; i++) for (let j = 0; j < tn; j++) inner.push(`c${i}_${j} = fma(a${i}, b${j}, c${i}_${j});`);
  const out: string[] = [];
  for (let i = 0; i < tm; i++) {
    out.push(`  { let row = m0 + ty + ${i * ty}; if (row < M) {`);
    for (let j = 0; j < tn; j++) out.push(`    { let col = n0 + tx + ${j * tx}; if (col < N) { store(b, row, col, c${i}_${j}, split); } }`);
    out.push('  } }');
  }
  return `${bindings(inputs, 'f32')}
${loaders}
var<workgroup> As: array<f32, ${bm * bk}>;
var<workgroup> Bs: array<f32, ${bn * bk}>;
@compute @workgroup_size(${tx}, ${ty})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let M = prm[0]; let N = prm[1]; let K = prm[2]; let splits = prm[3];
  let z = i32(wid.z); let b = z / splits; let split = z % splits;
  let kPer = ((K + splits - 1) / splits + ${bk - 1}) / ${bk} * ${bk};
  let kBegin = split * kPer;
  let kEnd = min(K, kBegin + kPer);
  let m0 = i32(wid.y) * ${bm}; let n0 = i32(wid.x) * ${bn};
  let tx = i32(lid.x); let ty = i32(lid.y); let t = i32(li);
  ${decl.join(' ')}
${prep.join('\n')}
  for (var k0 = kBegin; k0 < kEnd; k0 += ${bk}) {
${lines.join('\n')}
    workgroupBarrier();
    for (var kk = 0; kk < ${bk}; kk++) {
      ${inner.join('\n      ')}
    }
    workgroupBarrier();
  }
${out.join('\n')}
}`;
}

/** Meta layout shared by every GEMM: [M, N, K, splits, ...the loaders' own values from index 4]. */
interface GemmCall {
  name: string;
  m: number;
  n: number;
  k: number;
  batch: number;
  access: Access;
  inputs: readonly KernelTensor[];
  /** WGSL element types of the inputs (default f32). */
  types?: readonly string[];
  loaders: string;
  extra: readonly number[];
  /** Output shape when K is not split; with splits the store writes [splits, ...outShape]. */
  outShape: Shape;
  /** Whether the caller's store handles `split` (writes split × output size further on). */
  splittable: boolean;
}

function splitsFor(c: GemmCall, cfg: Tiling): number {
  if (!c.splittable) return 1;
  const tiles = Math.ceil(c.m / cfg.bm) * Math.ceil(c.n / cfg.bn) * c.batch;
  if (tiles >= 64 || c.k < 1024) return 1;
  return Math.max(1, Math.min(Math.ceil(c.k / 256), Math.ceil(128 / tiles), 64));
}

function runGemm(r: ProgramRunner, c: GemmCall): KernelTensor {
  const cfg = tilingFor(c.m, c.n, c.batch);
  const splits = splitsFor(c, cfg);
  const key = `gemm_${c.name}_${cfg.bm}x${cfg.bn}x${cfg.bk}x${cfg.tm}x${cfg.tn}_${c.access.aRowFast ? 'r' : 'k'}${c.access.bColFast ? 'c' : 'k'}`;
  const program = {
    key,
    shader: () => gemmShader(cfg, c.access, c.inputs.map((_, i) => c.types?.[i] ?? 'f32'), c.loaders),
    workgroups: [Math.ceil(c.n / cfg.bn), Math.ceil(c.m / cfg.bm), c.batch * splits] as [number, number, number],
    meta: [c.m, c.n, c.k, splits, ...c.extra],
  };
  if (c.k === 0) return r.run({ ...program, workgroups: [0, 0, 0] }, c.inputs, c.outShape, 'float32', 'zeros');
  if (splits === 1) return r.run(program, c.inputs, c.outShape, 'float32');
  const partial = r.run(program, c.inputs, [splits, ...c.outShape], 'float32');
  const summed = reduce(r, 'sum', partial, [0]);
  r.dispose(partial);
  return summed;
}

/** out[b, m, n] = Σk A[b, m, k] B[b, k, n], with ONNX Gemm's transposes and batch broadcasting. */
export function matmul(r: ProgramRunner, a: KernelTensor, b: KernelTensor, transA: boolean, transB: boolean): KernelTensor {
  const [ba, a1, a2] = a.shape;
  const [bb, b1, b2] = b.shape;
  const [m, k] = transA ? [a2, a1] : [a1, a2];
  const n = transB ? b1 : b2;
  const batch = Math.max(ba, bb);
  const outSize = batch * m * n;
  const loaders = `
fn prepA(b: i32, row: i32) -> vec4<i32> { return vec4<i32>(b * prm[4] + ${transA ? 'row' : 'row * prm[2]'}, 0, 0, 0); }
fn loadA(b: i32, p: vec4<i32>, k: i32) -> f32 { return in0[p.x + ${transA ? 'k * prm[0]' : 'k'}]; }
fn prepB(b: i32, col: i32) -> vec4<i32> { return vec4<i32>(b * prm[5] + ${transB ? 'col * prm[2]' : 'col'}, 0, 0, 0); }
fn loadB(b: i32, p: vec4<i32>, k: i32) -> f32 { return in1[p.x + ${transB ? 'k' : 'k * prm[1]'}]; }
fn store(b: i32, row: i32, col: i32, v: f32, split: i32) { out[split * prm[6] + (b * prm[0] + row) * prm[1] + col] = v; }`;
  return runGemm(r, {
    name: `mm${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, m, n, k, batch,
    access: { aRowFast: transA, bColFast: !transB },
    inputs: [a, b], loaders,
    extra: [ba === 1 ? 0 : m * k, bb === 1 ? 0 : k * n, outSize],
    outShape: [batch, m, n], splittable: true,
  });
}

interface ConvGeometry {
  n: number; c: number; h: number; w: number;
  m: number; kh: number; kw: number; oh: number; ow: number;
  group: number;
}

function geometry(xShape: Shape, wShape: Shape, a: Conv2dAttrs, outHW?: [number, number]): ConvGeometry {
  const [n, c, h, w] = xShape;
  const [m, , kh, kw] = wShape;
  const oh = outHW?.[0] ?? outLength(h, a.pads[0], a.pads[2], kh, a.strides[0], a.dilations[0]);
  const ow = outHW?.[1] ?? outLength(w, a.pads[1], a.pads[3], kw, a.strides[1], a.dilations[1]);
  return { n, c, h, w, m, kh, kw, oh, ow, group: a.group };
}

/**
 * Metadata for the convolution loaders, from index 4: [N, C, H, W, M, kh, kw, OH, OW, stride h/w,
 * pad top/left, dilation h/w, C/group, M/group, output size].
 */
function convMeta(g: ConvGeometry, a: Conv2dAttrs, outSize: number): number[] {
  return [g.n, g.c, g.h, g.w, g.m, g.kh, g.kw, g.oh, g.ow, a.strides[0], a.strides[1], a.pads[0], a.pads[1], a.dilations[0], a.dilations[1], g.c / g.group, g.m / g.group, outSize];
}

/** Names for the conv metadata, shared by the three loaders. */
const CONV_NAMES = `
fn cN() -> i32 { return prm[4]; } fn cC() -> i32 { return prm[5]; } fn cH() -> i32 { return prm[6]; } fn cW() -> i32 { return prm[7]; }
fn cM() -> i32 { return prm[8]; } fn cKh() -> i32 { return prm[9]; } fn cKw() -> i32 { return prm[10]; }
fn cOH() -> i32 { return prm[11]; } fn cOW() -> i32 { return prm[12]; }
fn cSh() -> i32 { return prm[13]; } fn cSw() -> i32 { return prm[14]; } fn cPt() -> i32 { return prm[15]; } fn cPl() -> i32 { return prm[16]; }
fn cDh() -> i32 { return prm[17]; } fn cDw() -> i32 { return prm[18]; } fn cCg() -> i32 { return prm[19]; } fn cMg() -> i32 { return prm[20]; }
fn cOut() -> i32 { return prm[21]; }
`;

/**
 * Per-k address tables, built on the host once per geometry and kept on the GPU: the loaders add
 * table entries instead of dividing k into its (channel, kernel row, kernel column) or
 * (image, output row, output column) parts for every element they load.
 */
function convTable(r: ProgramRunner, kind: string, g: ConvGeometry, a: Conv2dAttrs, k: number, entry: (k: number, out: Int32Array, at: number) => void): KernelTensor {
  const key = `${kind}|${g.n},${g.c},${g.h},${g.w},${g.m},${g.kh},${g.kw},${g.oh},${g.ow},${g.group}|${a.strides}|${a.pads}|${a.dilations}`;
  return r.constant(key, () => {
    const t = new Int32Array(Math.max(k, 1) * 4);
    for (let i = 0; i < k; i++) entry(i, t, 4 * i);
    return t;
  });
}

/** ONNX Conv as a GEMM per group: rows (n, oh, ow), columns output channels, k (c, i, j). */
export function conv2d(r: ProgramRunner, x: KernelTensor, w: KernelTensor, bias: KernelTensor | undefined, a: Conv2dAttrs): KernelTensor {
  const g = geometry(x.shape, w.shape, a);
  const outShape = [g.n, g.m, g.oh, g.ow];
  const cg = g.c / g.group;
  const kk = g.kh * g.kw;
  // k = (c, i, j): [offset of x, row step, column step, 0]
  const table = convTable(r, 'fwd', g, a, cg * kk, (k, t, at) => {
    const c = Math.floor(k / kk);
    const i = Math.floor((k % kk) / g.kw);
    const j = k % g.kw;
    t[at] = c * g.h * g.w + i * a.dilations[0] * g.w + j * a.dilations[1];
    t[at + 1] = i * a.dilations[0];
    t[at + 2] = j * a.dilations[1];
  });
  const loaders = `${CONV_NAMES}
fn prepA(g: i32, r: i32) -> vec4<i32> {
  let hw = cOH() * cOW(); let n = r / hw; let p = r % hw;
  let ih0 = (p / cOW()) * cSh() - cPt(); let iw0 = (p % cOW()) * cSw() - cPl();
  return vec4<i32>(((n * cC() + g * cCg()) * cH() + ih0) * cW() + iw0, ih0, iw0, 0);
}
fn loadA(g: i32, p: vec4<i32>, k: i32) -> f32 {
  let ih = p.y + in2[4 * k + 1]; let iw = p.z + in2[4 * k + 2];
  if (ih < 0 || ih >= cH() || iw < 0 || iw >= cW()) { return 0.0; }
  return in0[p.x + in2[4 * k]];
}
fn prepB(g: i32, col: i32) -> vec4<i32> { return vec4<i32>((g * cMg() + col) * cCg() * cKh() * cKw(), 0, 0, 0); }
fn loadB(g: i32, p: vec4<i32>, k: i32) -> f32 { return in1[p.x + k]; }
fn store(g: i32, r: i32, col: i32, v: f32, split: i32) {
  let hw = cOH() * cOW(); let n = r / hw; let p = r % hw; let m = g * cMg() + col;
  out[split * cOut() + (n * cM() + m) * hw + p] = v${bias ? ' + in3[m]' : ''};
}`;
  return runGemm(r, {
    name: `conv${bias ? 'b' : ''}`, m: g.n * g.oh * g.ow, n: g.m / g.group, k: cg * kk, batch: g.group,
    access: { aRowFast: true, bColFast: false },
    inputs: bias ? [x, w, table, bias] : [x, w, table], types: ['f32', 'f32', 'i32', 'f32'], loaders,
    extra: convMeta(g, a, sizeOf(outShape)), outShape, splittable: !bias,
  });
}

/** Gradient of conv2d with respect to its input: rows (n, ih, iw), columns input channels, k (m, i, j). */
export function conv2dBackpropInput(r: ProgramRunner, dy: KernelTensor, w: KernelTensor, a: Conv2dAttrs & { readonly inputShape: Shape }): KernelTensor {
  const g = geometry(a.inputShape, w.shape, a, [dy.shape[2], dy.shape[3]]);
  const mg = g.m / g.group;
  const cg = g.c / g.group;
  const kk = g.kh * g.kw;
  // k = (m, i, j): [offset of dy, row step, column step, offset of w]
  const table = convTable(r, 'dx', g, a, mg * kk, (k, t, at) => {
    const m = Math.floor(k / kk);
    const q = k % kk;
    t[at] = m * g.oh * g.ow;
    t[at + 1] = Math.floor(q / g.kw) * a.dilations[0];
    t[at + 2] = (q % g.kw) * a.dilations[1];
    t[at + 3] = m * cg * kk + q;
  });
  const unit = a.strides[0] === 1 && a.strides[1] === 1;
  const loaders = `${CONV_NAMES}
fn prepA(g: i32, r: i32) -> vec4<i32> {
  let hw = cH() * cW(); let n = r / hw; let p = r % hw;
  return vec4<i32>((n * cM() + g * cMg()) * cOH() * cOW(), p / cW() + cPt(), p % cW() + cPl(), 0);
}
fn loadA(g: i32, p: vec4<i32>, k: i32) -> f32 {
  let th = p.y - in2[4 * k + 1]; let tw = p.z - in2[4 * k + 2];
  if (th < 0 || tw < 0) { return 0.0; }
  ${unit ? 'let oh = th; let ow = tw;' : `if (th % cSh() != 0 || tw % cSw() != 0) { return 0.0; }
  let oh = th / cSh(); let ow = tw / cSw();`}
  if (oh >= cOH() || ow >= cOW()) { return 0.0; }
  return in0[p.x + in2[4 * k] + oh * cOW() + ow];
}
fn prepB(g: i32, col: i32) -> vec4<i32> { return vec4<i32>((g * cMg() * cCg() + col) * cKh() * cKw(), 0, 0, 0); }
fn loadB(g: i32, p: vec4<i32>, k: i32) -> f32 { return in1[p.x + in2[4 * k + 3]]; }
fn store(g: i32, r: i32, col: i32, v: f32, split: i32) {
  let hw = cH() * cW(); let n = r / hw; let p = r % hw;
  out[split * cOut() + (n * cC() + g * cCg() + col) * hw + p] = v;
}`;
  const outShape = [...a.inputShape];
  return runGemm(r, {
    name: `convDx${unit ? '1' : 's'}`, m: g.n * g.h * g.w, n: cg, k: mg * kk, batch: g.group,
    access: { aRowFast: true, bColFast: true },
    inputs: [dy, w, table], types: ['f32', 'f32', 'i32'], loaders,
    extra: convMeta(g, a, sizeOf(outShape)), outShape, splittable: true,
  });
}

/** Gradient of conv2d with respect to its filter: rows output channels, columns (c, i, j), k (n, oh, ow). */
export function conv2dBackpropFilter(r: ProgramRunner, x: KernelTensor, dy: KernelTensor, a: Conv2dAttrs & { readonly filterShape: Shape }): KernelTensor {
  const g = geometry(x.shape, a.filterShape, a, [dy.shape[2], dy.shape[3]]);
  const cg = g.c / g.group;
  const ohw = g.oh * g.ow;
  // k = (n, oh, ow): [offset of dy, offset of x's image, first input row, first input column]
  const table = convTable(r, 'dw', g, a, g.n * ohw, (k, t, at) => {
    const n = Math.floor(k / ohw);
    const p = k % ohw;
    t[at] = n * g.m * ohw + p;
    t[at + 1] = n * g.c * g.h * g.w;
    t[at + 2] = Math.floor(p / g.ow) * a.strides[0] - a.pads[0];
    t[at + 3] = (p % g.ow) * a.strides[1] - a.pads[1];
  });
  const loaders = `${CONV_NAMES}
fn prepA(g: i32, m: i32) -> vec4<i32> { return vec4<i32>((g * cMg() + m) * cOH() * cOW(), 0, 0, 0); }
fn loadA(g: i32, p: vec4<i32>, k: i32) -> f32 { return in1[p.x + in2[4 * k]]; }
fn prepB(g: i32, col: i32) -> vec4<i32> {
  let kk = cKh() * cKw(); let c = col / kk; let q = col % kk;
  return vec4<i32>((g * cCg() + c) * cH() * cW(), (q / cKw()) * cDh(), (q % cKw()) * cDw(), 0);
}
fn loadB(g: i32, p: vec4<i32>, k: i32) -> f32 {
  let ih = in2[4 * k + 2] + p.y; let iw = in2[4 * k + 3] + p.z;
  if (ih < 0 || ih >= cH() || iw < 0 || iw >= cW()) { return 0.0; }
  return in0[in2[4 * k + 1] + p.x + ih * cW() + iw];
}
fn store(g: i32, m: i32, col: i32, v: f32, split: i32) {
  out[split * cOut() + (g * cMg() + m) * cCg() * cKh() * cKw() + col] = v;
}`;
  const outShape = [...a.filterShape];
  return runGemm(r, {
    name: 'convDw', m: g.m / g.group, n: cg * g.kh * g.kw, k: g.n * ohw, batch: g.group,
    access: { aRowFast: false, bColFast: false },
    inputs: [x, dy, table], types: ['f32', 'f32', 'i32'], loaders,
    extra: convMeta(g, a, sizeOf(outShape)), outShape, splittable: true,
  });
}
