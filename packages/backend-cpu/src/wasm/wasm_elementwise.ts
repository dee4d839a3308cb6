import type { ArithmeticOp, CompareOp, FusedUpdateAttrs, UnaryOp } from '@soma/core';
import type { Heap } from '../heap/heap.js';
import type { WasmContext } from './context.js';
import { Operands, type KernelExports } from './module.js';

/** The unary functions with SIMD kernels: their cost is the exp, which the scalar path pays per element in Math.exp. */
export type SimdUnaryOp = 'exp' | 'tanh' | 'sigmoid';

/** dst[i] = f(src[i]) for float32 arrays of equal length. */
export type SimdUnary = Record<SimdUnaryOp, (src: Float32Array, dst: Float32Array) => void>;

/** Scalar versions for the last n mod 4 elements (and the reference the SIMD versions are tested against). */
const SCALAR: Record<SimdUnaryOp, (x: number) => number> = {
  exp: Math.exp,
  tanh: Math.tanh,
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
};

/** exp/tanh/sigmoid over the heap: in place for tensors there, through scratch blocks otherwise. */
export function wasmUnary(ex: KernelExports, heap: Heap): SimdUnary {
  const make = (op: SimdUnaryOp) => (src: Float32Array, dst: Float32Array): void => {
    const n = src.length;
    const body = n - (n % 4);
    const ops = new Operands(heap);
    const inPtr = ops.in(src, 0, body);
    const outPtr = ops.out(dst, 0, body, false);
    ex[op](inPtr, outPtr, body);
    ops.done();
    const f = SCALAR[op];
    for (let i = body; i < n; i++) dst[i] = f(src[i]);
  };
  return { exp: make('exp'), tanh: make('tanh'), sigmoid: make('sigmoid') };
}

/** Codes of assembly/elementwise.ts's `unaryBasic` and `binary`. */
export const BASIC_UNARY: Partial<Record<UnaryOp, number>> = { neg: 0, abs: 1, square: 2, sqrt: 3, relu: 4, reciprocal: 5, step: 6 };
export const ARITH: Partial<Record<ArithmeticOp, number>> = { add: 0, sub: 1, mul: 2, div: 3 };
const REDUCE = { sum: 0, mean: 1, max: 2, min: 3 } as const;
const COMPARE: Partial<Record<CompareOp, number>> = { equal: 0, notEqual: 1, less: 2, lessEqual: 3, greater: 4, greaterEqual: 5 };

/**
 * Float32 elementwise kernels in SIMD over tensors in the heap. Each returns false, doing nothing,
 * when it has no kernel for the op or an operand is not in the heap; the caller's loop runs then.
 */
export interface SimdElementwise {
  unary(op: UnaryOp, src: Float32Array, dst: Float32Array): boolean;
  /** dst = a op b, all of one length. */
  binary(op: ArithmeticOp, a: Float32Array, b: Float32Array, dst: Float32Array): boolean;
  /** dst = full op part[m] over full's [outer, mid, inner] (part op full when `partFirst`). */
  broadcast(op: ArithmeticOp, full: Float32Array, part: Float32Array, dst: Float32Array, outer: number, mid: number, inner: number, partFirst: boolean): boolean;
  /**
   * An optimizer step (assembly/optimizer.ts): `ins` are θ, grad and the slots, `outs` θ' and the
   * new slots, as fused_update.ts orders them.
   */
  update(a: FusedUpdateAttrs, ins: Float32Array[], outs: Float32Array[]): boolean;
  /**
   * 2×2, stride-2 pooling (assembly/pool.ts): 'max'/'avg' from x to y, or 'avgGrad' from dy to a
   * zeroed dx; shapes are the input's [n, c, h, w] and the output's.
   */
  pool2x2(kind: 'max' | 'avg' | 'avgGrad', src: Float32Array, dst: Float32Array, inShape: readonly number[], outShape: readonly number[]): boolean;
  /** dx (zeroed) = dy at each 2×2 window's maximum in x, as the TypeScript kernel picks it. */
  maxPool2x2Grad(x: Float32Array, dy: Float32Array, dx: Float32Array, inShape: readonly number[], outShape: readonly number[]): boolean;
  /** dst[r] = op over the r-th run of `len` values of src. */
  reduceRows(op: 'sum' | 'mean' | 'max' | 'min', src: Float32Array, dst: Float32Array, rows: number, len: number): boolean;
  /** dst[m] = Σ (or mean) over outer and inner of src viewed as [outer, mid, inner]. */
  sumAround(src: Float32Array, dst: Float32Array, outer: number, mid: number, inner: number, mean: boolean): boolean;
  /** Softmax (log-softmax with `log`) of `rows` contiguous rows of `len` values. */
  softmaxRows(src: Float32Array, dst: Float32Array, rows: number, len: number, log: boolean): boolean;
  /** dst (0/1 bytes) = a cmp b, b of a's length or a single value. */
  compare(op: CompareOp, a: Float32Array, b: Float32Array, dst: Uint8Array): boolean;
  leakyRelu(src: Float32Array, dst: Float32Array, alpha: number): boolean;
  clip(src: Float32Array, dst: Float32Array, lo: number, hi: number): boolean;
  /** Kernels these have run (memory()'s simdElementwise). */
  readonly calls: number;
}

export function wasmElementwise(cx: WasmContext, transcendental: SimdUnary): SimdElementwise {
  const { ex } = cx;
  /**
   * Runs an elementwise export over [0, n) — on several threads, in ranges of whole vectors, when
   * n·cost (multiply-add equivalents per element) is large. `args(lo, hi)` gives a range's call.
   */
  const over = (fn: 'binary' | 'unaryBasic' | 'exp' | 'tanh' | 'sigmoid', n: number, cost: number, args: (lo: number, hi: number) => number[]) => {
    const threads = cx.threadsFor(n * cost, Math.ceil(n / 4096));
    const step = Math.ceil(n / threads / 4) * 4;
    const calls = [];
    for (let lo = 0; lo < n; lo += step) calls.push({ fn, args: args(lo, Math.min(n, lo + step)) });
    cx.run(calls);
  };
  return {
    calls: 0,
    unary(op, src, dst) {
      const code = BASIC_UNARY[op];
      const [s, d] = [cx.addressOf(src), cx.addressOf(dst)];
      if (code === undefined) {
        if (op !== 'exp' && op !== 'tanh' && op !== 'sigmoid') return false;
        if (s < 0 || d < 0) {
          transcendental[op](src, dst);
        } else {
          // The vector body on the threads; the last n mod 4 through the scalar definition.
          const body = src.length - (src.length % 4);
          over(op, body, 16, (lo, hi) => [s + lo * 4, d + lo * 4, hi - lo]);
          transcendental[op](src.subarray(body), dst.subarray(body));
        }
        (this as { calls: number }).calls++;
        return true;
      }
      if (s < 0 || d < 0) return false;
      over('unaryBasic', src.length, 1, (lo, hi) => [code, s + lo * 4, d + lo * 4, hi - lo]);
      (this as { calls: number }).calls++;
      return true;
    },
    binary(op, a, b, dst) {
      const code = ARITH[op];
      const [ap, bp, dp] = [cx.addressOf(a), cx.addressOf(b), cx.addressOf(dst)];
      if (code === undefined || ap < 0 || bp < 0 || dp < 0) return false;
      over('binary', dst.length, 1, (lo, hi) => [code, ap + lo * 4, bp + lo * 4, dp + lo * 4, hi - lo]);
      (this as { calls: number }).calls++;
      return true;
    },
    update(a, ins, outs) {
      const ip = ins.map((v) => cx.addressOf(v));
      const op = outs.map((v) => cx.addressOf(v));
      if (ip.some((p) => p < 0) || op.some((p) => p < 0)) return false;
      const n = ins[0].length;
      if (a.rule === 'adam') {
        const [theta, grad, m0, v0, vmax0 = 0] = ip;
        const [thOut, mOut, vOut, vmaxOut = 0] = op;
        ex.adamUpdate(theta, grad, m0, v0, vmax0, thOut, mOut, vOut, vmaxOut, n,
          a.decay, a.l2, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.c2, a.epsilon, a.stepSize, +a.amsgrad);
      } else {
        const [theta, grad, b0 = 0] = ip;
        const [thOut, bOut] = op;
        ex.sgdUpdate(theta, grad, b0, thOut, bOut, n, a.l2, a.momentum, 1 - a.dampening, a.lr, +a.first, +a.nesterov);
      }
      (this as { calls: number }).calls++;
      return true;
    },
    pool2x2(kind, src, dst, inShape, outShape) {
      const [s, d] = [cx.addressOf(src), cx.addressOf(dst)];
      if (s < 0 || d < 0) return false;
      const [n, c, h, w] = inShape;
      const fn = kind === 'max' ? ex.maxPool2x2 : kind === 'avg' ? ex.avgPool2x2 : ex.avgPool2x2Grad;
      fn(s, d, n * c, h, w, outShape[2], outShape[3]);
      (this as { calls: number }).calls++;
      return true;
    },
    maxPool2x2Grad(x, dy, dx, inShape, outShape) {
      const [xp, gp, dp] = [cx.addressOf(x), cx.addressOf(dy), cx.addressOf(dx)];
      if (xp < 0 || gp < 0 || dp < 0) return false;
      const [n, c, h, w] = inShape;
      ex.maxPool2x2Grad(xp, gp, dp, n * c, h, w, outShape[2], outShape[3]);
      (this as { calls: number }).calls++;
      return true;
    },
    compare(op, a, b, dst) {
      const code = COMPARE[op];
      const [ap, bp] = [cx.addressOf(a), cx.addressOf(b)];
      const dp = cx.heap.owns(dst.buffer) ? dst.byteOffset : -1;
      if (code === undefined || ap < 0 || bp < 0 || dp < 0) return false;
      ex.compare(code, ap, bp, dp, dst.length, +(b.length === 1 && dst.length !== 1));
      (this as { calls: number }).calls++;
      return true;
    },
    leakyRelu(src, dst, alpha) {
      const [s, d] = [cx.addressOf(src), cx.addressOf(dst)];
      if (s < 0 || d < 0 || src.length < 16) return false;
      ex.leakyRelu(s, d, src.length, alpha);
      (this as { calls: number }).calls++;
      return true;
    },
    clip(src, dst, lo, hi) {
      const [s, d] = [cx.addressOf(src), cx.addressOf(dst)];
      if (s < 0 || d < 0 || src.length < 16) return false;
      ex.clip(s, d, src.length, lo, hi);
      (this as { calls: number }).calls++;
      return true;
    },
    reduceRows(op, src, dst, rows, len) {
      const [s, d] = [cx.addressOf(src), cx.addressOf(dst)];
      if (s < 0 || d < 0) return false;
      ex.reduceRows(REDUCE[op], s, d, rows, len);
      (this as { calls: number }).calls++;
      return true;
    },
    sumAround(src, dst, outer, mid, inner, mean) {
      const [s, d] = [cx.addressOf(src), cx.addressOf(dst)];
      if (s < 0 || d < 0) return false;
      ex.sumAround(s, d, outer, mid, inner, +mean);
      (this as { calls: number }).calls++;
      return true;
    },
    softmaxRows(src, dst, rows, len, log) {
      const [s, d] = [cx.addressOf(src), cx.addressOf(dst)];
      if (s < 0 || d < 0) return false;
      ex.softmaxRows(s, d, rows, len, +log);
      (this as { calls: number }).calls++;
      return true;
    },
    broadcast(op, full, part, dst, outer, mid, inner, partFirst) {
      const code = ARITH[op];
      const [fp, pp, dp] = [cx.addressOf(full), cx.addressOf(part), cx.addressOf(dst)];
      if (code === undefined || fp < 0 || pp < 0 || dp < 0) return false;
      ex.binaryBroadcast(code, fp, pp, dp, outer, mid, inner, +partFirst);
      (this as { calls: number }).calls++;
      return true;
    },
  };
}
