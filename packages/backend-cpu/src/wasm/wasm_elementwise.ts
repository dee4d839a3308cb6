import { ELEMENTWISE_WASM_BASE64 } from './generated/elementwise_wasm.js';
import { Heap, HEAP_BASE, instantiate } from './module.js';

/** The unary functions with SIMD kernels: their cost is the exp, which the scalar path pays per element in Math.exp. */
export type SimdUnaryOp = 'exp' | 'tanh' | 'sigmoid';

/** dst[i] = f(src[i]) for float32 arrays of equal length. */
export type SimdUnary = Record<SimdUnaryOp, (src: Float32Array, dst: Float32Array) => void>;

type Kernel = (src: number, dst: number, n: number) => void;
type Exports = Record<SimdUnaryOp, Kernel>;

/** Scalar versions for the last n mod 4 elements (and the reference the SIMD versions are tested against). */
const SCALAR: Record<SimdUnaryOp, (x: number) => number> = {
  exp: Math.exp,
  tanh: Math.tanh,
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
};

export function loadWasmUnary(): SimdUnary | null {
  const ex = instantiate<Exports>(ELEMENTWISE_WASM_BASE64);
  if (!ex) return null;
  const heap = new Heap(ex.memory);
  const make = (op: SimdUnaryOp) => (src: Float32Array, dst: Float32Array): void => {
    const n = src.length;
    const body = n - (n % 4);
    const inPtr = HEAP_BASE;
    const outPtr = HEAP_BASE + body * 4;
    heap.ensure(outPtr + body * 4);
    heap.f32.set(src.subarray(0, body), inPtr >> 2);
    ex[op](inPtr, outPtr, body);
    dst.set(heap.f32.subarray(outPtr >> 2, (outPtr >> 2) + body));
    const f = SCALAR[op];
    for (let i = body; i < n; i++) dst[i] = f(src[i]);
  };
  return { exp: make('exp'), tanh: make('tanh'), sigmoid: make('sigmoid') };
}
