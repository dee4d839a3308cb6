import type { ArithmeticOp, KernelTensor, RecurrentActivation, RecurrentAttrs } from '@soma/core';
import type { SimdElementwise } from '../wasm/wasm_elementwise.js';
import * as ew from './elementwise.js';
import type { Gemm } from './gemm.js';
import { allocF32, f32, valuesOf } from './storage.js';

const GATES = { rnn: 1, lstm: 4, gru: 3 } as const;
const { fround } = Math;

/** The float32 arithmetic the kernel needs, in SIMD over the heap where there is one. */
interface Arith {
  /** dst = x op y, all of one length. */
  op(op: ArithmeticOp, x: Float32Array, y: Float32Array, dst: Float32Array): void;
  /** dst = full op row for rows of row.length values. */
  rows(op: ArithmeticOp, full: Float32Array, row: Float32Array, dst: Float32Array): void;
}

function arith(simd: SimdElementwise | null): Arith {
  return {
    op(op, x, y, dst) {
      if (simd?.binary(op, x, y, dst)) return;
      const f = ew.ARITH_FNS[op];
      for (let i = 0; i < dst.length; i++) dst[i] = f(x[i], y[i]);
    },
    rows(op, full, row, dst) {
      const m = row.length;
      if (simd?.broadcast(op, full, row, dst, full.length / m, m, 1, false)) return;
      const f = ew.ARITH_FNS[op];
      for (let i = 0; i < dst.length; i++) dst[i] = f(full[i], row[i % m]);
    },
  };
}

/**
 * A whole recurrent layer (core's optional recurrentSequence kernel) without a kernel dispatch per
 * op and step: the input projection as one GEMM over the time-major sequence, then per step one
 * GEMM for the recurrent product and the gate arithmetic as whole-buffer SIMD passes. Every
 * operation is the one core's step-by-step default body runs, in its order — each gate activated
 * as one contiguous [batch, units] block, as the body's split gives it — so the results are its bits.
 */
export function recurrentSequence(gemm: Gemm, simd: SimdElementwise | null, inputs: readonly (KernelTensor | undefined)[], a: RecurrentAttrs): KernelTensor {
  const given = inputs.filter((t): t is KernelTensor => t !== undefined);
  const [x, kernel, rk, bias, h0, ...rest] = given;
  const c0 = a.cell === 'lstm' ? rest.shift() : undefined;
  const mask = a.masked ? (valuesOf(rest.pop()!) as Uint8Array) : null;
  const peephole = rest[0];
  const [b, t, f] = x.shape;
  const units = rk.shape[0];
  const width = GATES[a.cell] * units;
  const bu = b * units;
  const ar = arith(simd);
  const scratch: KernelTensor[] = [];
  const buffer = (n: number): Float32Array => {
    const s = allocF32([n], true);
    scratch.push(s.t);
    return s.values;
  };
  const rows = t + (a.cellState ? 1 : 0);
  const { values: out, t: result } = allocF32([b, rows, units], true);
  try {
    const bv = f32(bias);
    // Every recurrent bias but GRU's reset-after one joins the input projection, summed first.
    const separate = a.cell === 'gru' && a.resetAfter;
    const b0 = bv.subarray(0, width);
    const b1 = bv.subarray(width, 2 * width);
    let rowBias = b0;
    if (!separate) {
      rowBias = buffer(width);
      ar.op('add', b0, b1, rowBias);
    }
    // x time-major, so each step's projected inputs are one contiguous [batch, gates·units] block.
    const xv = f32(x);
    const xt = buffer(t * b * f);
    for (let s = 0; s < t; s++) for (let r = 0; r < b; r++) xt.set(xv.subarray((r * t + s) * f, (r * t + s + 1) * f), (s * b + r) * f);
    const xw = buffer(t * b * width);
    gemm(t * b, width, f, xt, 0, false, f32(kernel), 0, false, xw, 0, false);
    ar.rows('add', xw, rowBias, xw);
    let h = buffer(bu);
    let h2 = buffer(bu);
    h.set(f32(h0));
    let c = c0 ? buffer(bu) : null;
    let c2 = c0 ? buffer(bu) : null;
    if (c && c0) c.set(f32(c0));
    const hu = buffer(b * width);
    const gate = Array.from({ length: GATES[a.cell] }, () => buffer(bu));
    const tmp = buffer(bu);
    const tmp2 = buffer(bu);
    const rkv = f32(rk);
    // GRU's reset-before form multiplies two column blocks of the recurrent kernel apart: packed once.
    let rkZr: Float32Array | null = null;
    let rkH: Float32Array | null = null;
    if (a.cell === 'gru' && !a.resetAfter) {
      rkZr = buffer(units * 2 * units);
      rkH = buffer(units * units);
      for (let i = 0; i < units; i++) {
        rkZr.set(rkv.subarray(i * width, i * width + 2 * units), i * 2 * units);
        rkH.set(rkv.subarray(i * width + 2 * units, (i + 1) * width), i * units);
      }
    }
    const pv = peephole ? f32(peephole) : null;
    const act = (kind: RecurrentActivation, v: Float32Array) => activate(kind, v, tmp2, simd);
    /** dst ← columns [k·units, (k + 1)·units) of src's rows of `cols` (the body's split). */
    const split = (src: Float32Array, cols: number, k: number, dst: Float32Array) => {
      for (let r = 0; r < b; r++) dst.set(src.subarray(r * cols + k * units, r * cols + (k + 1) * units), r * units);
    };
    /** z ← z + s ⊙ p[k] (a peephole). */
    const peep = (z: Float32Array, s: Float32Array, k: number) => {
      ar.rows('mul', s, pv!.subarray(k * units, (k + 1) * units), tmp);
      ar.op('add', z, tmp, z);
    };
    for (let i = 0; i < t; i++) {
      const step = a.goBackwards ? t - 1 - i : i;
      const xs = xw.subarray(step * b * width, (step + 1) * b * width);
      if (a.cell === 'rnn') {
        gemm(b, width, units, h, 0, false, rkv, 0, false, hu, 0, false);
        ar.op('add', xs, hu, h2);
        act(a.activation, h2);
      } else if (a.cell === 'lstm') {
        gemm(b, width, units, h, 0, false, rkv, 0, false, hu, 0, false);
        ar.op('add', xs, hu, hu);
        const [gi, gf, gc, go] = gate;
        for (let k = 0; k < 4; k++) split(hu, width, k, gate[k]);
        if (pv) peep(gi, c!, 0);
        act(a.recurrentActivation, gi);
        if (pv) peep(gf, c!, 1);
        act(a.recurrentActivation, gf);
        act(a.activation, gc);
        ar.op('mul', gf, c!, tmp);
        ar.op('mul', gi, gc, gc);
        ar.op('add', tmp, gc, c2!);
        if (pv) peep(go, c2!, 2);
        act(a.recurrentActivation, go);
        gc.set(c2!);
        act(a.activation, gc);
        ar.op('mul', go, gc, h2);
      } else {
        const [gz, gr, gh] = gate;
        if (a.resetAfter) {
          gemm(b, width, units, h, 0, false, rkv, 0, false, hu, 0, false);
          ar.rows('add', hu, b1, hu);
          split(xs, width, 0, gz);
          split(hu, width, 0, tmp);
          ar.op('add', gz, tmp, gz);
          split(xs, width, 1, gr);
          split(hu, width, 1, tmp);
          ar.op('add', gr, tmp, gr);
          act(a.recurrentActivation, gz);
          act(a.recurrentActivation, gr);
          split(hu, width, 2, tmp);
          ar.op('mul', gr, tmp, tmp);
          split(xs, width, 2, gh);
          ar.op('add', gh, tmp, gh);
        } else {
          gemm(b, 2 * units, units, h, 0, false, rkZr!, 0, false, hu, 0, false);
          split(xs, width, 0, gz);
          split(hu, 2 * units, 0, tmp);
          ar.op('add', gz, tmp, gz);
          split(xs, width, 1, gr);
          split(hu, 2 * units, 1, tmp);
          ar.op('add', gr, tmp, gr);
          act(a.recurrentActivation, gz);
          act(a.recurrentActivation, gr);
          ar.op('mul', gr, h, tmp);
          gemm(b, units, units, tmp, 0, false, rkH!, 0, false, hu, 0, false);
          split(xs, width, 2, gh);
          ar.op('add', gh, hu.subarray(0, bu), gh);
        }
        act(a.activation, gh);
        // z·h + (1 − z)·candidate, as the body's z.mul(h).add(z.neg().add(1).mul(candidate)).
        for (let k = 0; k < bu; k++) tmp[k] = fround(1 - gz[k]);
        ar.op('mul', tmp, gh, tmp);
        ar.op('mul', gz, h, h2);
        ar.op('add', h2, tmp, h2);
      }
      // A masked (padded) step leaves the states, and so the output, as they were.
      if (mask) {
        for (let r = 0; r < b; r++) {
          if (mask[r * t + step]) continue;
          h2.set(h.subarray(r * units, (r + 1) * units), r * units);
          if (c2) c2.set(c!.subarray(r * units, (r + 1) * units), r * units);
        }
      }
      [h, h2] = [h2, h];
      if (c2) [c, c2] = [c2, c];
      for (let r = 0; r < b; r++) out.set(h.subarray(r * units, (r + 1) * units), (r * rows + i) * units);
    }
    if (a.cellState) for (let r = 0; r < b; r++) out.set(c!.subarray(r * units, (r + 1) * units), (r * rows + t) * units);
    return result;
  } finally {
    for (const s of scratch) (s.dataId as { release(): void }).release();
  }
}

/** v ← activation(v) in place, through the same kernels (SIMD where they are) as the body's unary ops. */
function activate(kind: RecurrentActivation, v: Float32Array, tmp: Float32Array, simd: SimdElementwise | null): void {
  if (kind === 'linear') return;
  if (kind === 'hardSigmoid') {
    // relu6(x + 3) / 6, each op rounded.
    const t = tmp.subarray(0, v.length);
    for (let i = 0; i < v.length; i++) t[i] = fround(v[i] + 3);
    ew.unaryInto('relu6', t, t, simd);
    for (let i = 0; i < v.length; i++) v[i] = fround(t[i] / 6);
    return;
  }
  ew.unaryInto(kind, v, v, simd);
}
