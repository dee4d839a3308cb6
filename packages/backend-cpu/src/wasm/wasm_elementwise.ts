import type { Heap } from '../heap/heap.js';
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
