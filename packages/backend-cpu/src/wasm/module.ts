import type { Heap } from '../heap/heap.js';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64, MEMORY_FLAG_OFFSET, RELAXED_MEMORY_FLAG_OFFSET } from './generated/kernels_wasm.js';

/** The exports of assembly/index.ts: every kernel takes addresses in the heap. */
export interface KernelExports {
  workspaceBytes(): number;
  gemmLd(m: number, n: number, k: number, a: number, lda: number, transA: number, b: number, ldb: number, transB: number,
    c: number, ldc: number, accumulate: number, work: number): void;
  /** (next, blocks, size, byRows, m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate, work) */
  gemmBlocks(...args: number[]): void;
  /** (operand addresses…, next, n, c, h, w, m, groups, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, pointwise, col, work) */
  convForward(...args: number[]): void;
  /** (x, w, bias, y, next, n, c, h, w, m, kh, kw, pt, pl, oh, ow, sh, sw, pad) */
  convDirect(...args: number[]): void;
  convFilterDirect(...args: number[]): void;
  convWinograd(...args: number[]): void;
  /** (x, w, bias, y, next, n, c, h, w, m, pt, pl, oh, ow, work): Winograd F(4×4, 3×3). */
  convWinograd4(...args: number[]): void;
  winograd4WorkFloats(c: number, m: number, oh: number, ow: number): number;
  convFilterWinograd4(...args: number[]): void;
  /** Winograd F(4×4, 3×3) across the batch (assembly/winograd4_batch.ts), phase by phase. */
  wb4Filter(w: number, u: number, c: number, m: number, next: number, scratch: number): void;
  wb4Input(...args: number[]): void;
  wb4Product(u: number, v: number, mm: number, c: number, m4: number, tAll: number, next: number): void;
  wb4Output(...args: number[]): void;
  wb4Grad(...args: number[]): void;
  wb4FilterProduct(...args: number[]): void;
  wb4FilterOut(p: number, dW: number, c: number, m: number, next: number, scratch: number): void;
  winograd4FilterWorkFloats(c: number, m: number, oh: number, ow: number): number;
  convFilterWinograd(...args: number[]): void;
  winogradFilterWorkFloats(c: number, m: number, oh: number, ow: number): number;
  winogradWorkFloats(c: number, m: number, oh: number, ow: number): number;
  /** Floats between two Winograd ξ planes of `floats` (padded off multiples of 4 KiB). */
  skewed(floats: number): number;
  convBackpropFilter(...args: number[]): void;
  convBackpropInput(...args: number[]): void;
  addInto(dst: number, src: number, n: number): void;
  zero(ptr: number, bytes: number): void;
  /** (w, dst, m, c, taps): dst[ci][mo] = w[mo][ci] turned 180°. */
  flipFilter(w: number, dst: number, m: number, c: number, taps: number): void;
  /** (w, wt, c, m, h, w, kh, kw, oh, ow, pt, pl, fold) */
  denseMatrix(...args: number[]): void;
  exp(src: number, dst: number, n: number): void;
  tanh(src: number, dst: number, n: number): void;
  sigmoid(src: number, dst: number, n: number): void;
  unaryBasic(op: number, src: number, dst: number, n: number): void;
  binary(op: number, a: number, b: number, dst: number, n: number): void;
  avgPool2x2(x: number, y: number, planes: number, h: number, w: number, oh: number, ow: number): void;
  avgPool2x2Grad(dy: number, dx: number, planes: number, h: number, w: number, oh: number, ow: number): void;
  maxPool2x2(x: number, y: number, planes: number, h: number, w: number, oh: number, ow: number): void;
  maxPool2x2Grad(x: number, dy: number, dx: number, planes: number, h: number, w: number, oh: number, ow: number): void;
  compare(op: number, a: number, b: number, dst: number, n: number, scalarB: number): void;
  leakyRelu(src: number, dst: number, n: number, alpha: number): void;
  clip(src: number, dst: number, n: number, lo: number, hi: number): void;
  reduceRows(op: number, src: number, dst: number, rows: number, len: number): void;
  sumAround(src: number, dst: number, outer: number, mid: number, inner: number, mean: number): void;
  softmaxRows(src: number, dst: number, rows: number, len: number, log: number): void;
  chainRun(prog: number, steps: number, inputs: number, out: number, lo: number, hi: number, scratch: number): void;
  chainScratchBytes(steps: number): number;
  adamUpdate(...args: number[]): void;
  sgdUpdate(...args: number[]): void;
  channelMoments(src: number, dst: number, outer: number, mid: number, inner: number, c0: number, c1: number): void;
  channelSums(a: number, b: number, center: number, dst: number, outer: number, mid: number, inner: number, c0: number, c1: number, hasCenter: number): void;
  channelAffine(x: number, scale: number, shift: number, x2: number, scale2: number, dst: number, mid: number, inner: number, r0: number, r1: number, hasX2: number): void;
  /** (src, src0, dst, dst0, dims, rank): dims = rank i32 each of shape, source steps, destination steps, then the index. */
  copyStrided(src: number, src0: number, dst: number, dst0: number, dims: number, rank: number): void;
  binaryBroadcast(op: number, full: number, part: number, dst: number, outer: number, mid: number, inner: number, partFirst: number): void;
}

const compiled = new Map<string, WebAssembly.Module | null>();

/** Which build of the kernels a module is: relaxed SIMD's fused multiply-add, or plain SIMD. */
export type KernelBuild = 'relaxed-simd' | 'simd';

function compile(base64: string, flagOffset: number, shared: boolean): WebAssembly.Module | null {
  if (typeof WebAssembly !== 'object') return null;
  try {
    const bin = atob(base64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    // The same module over an unshared memory: the import's limits flag says so (see build-wasm.mjs).
    if (!shared) bytes[flagOffset] = 1;
    return new WebAssembly.Module(bytes);
  } catch {
    return null;
  }
}

/**
 * The compiled kernel module for a shared or an unshared heap (compiled once per process; the
 * module is a few KB, so synchronous compilation is allowed on a browser's main thread): the
 * relaxed-SIMD build where `build` asks for it and the engine compiles it, else the plain SIMD
 * build. null where WebAssembly or its SIMD proposal is missing.
 */
export function kernelModule(shared: boolean, build: KernelBuild = 'simd'): { module: WebAssembly.Module; build: KernelBuild } | null {
  const key = `${shared}/${build}`;
  if (!compiled.has(key)) {
    compiled.set(key, build === 'relaxed-simd'
      ? compile(KERNELS_RELAXED_WASM_BASE64, RELAXED_MEMORY_FLAG_OFFSET, shared)
      : compile(KERNELS_WASM_BASE64, MEMORY_FLAG_OFFSET, shared));
  }
  const module = compiled.get(key)!;
  if (module) return { module, build };
  return build === 'relaxed-simd' ? kernelModule(shared, 'simd') : null;
}

/** Instantiates the kernels over `heap`'s memory (on this thread). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, {
    env: { memory, abort: () => { throw new Error('backend-cpu: a WebAssembly kernel aborted'); } },
  });
  return instance.exports as unknown as KernelExports;
}

/**
 * Addresses of operands for a kernel call: arrays already in the heap are used where they are;
 * any other array is copied into a scratch block, freed by `done()` (after copying results back).
 */
export class Operands {
  private readonly scratch: [number, number][] = [];
  private readonly writeBack: [Float32Array, number, number, number][] = [];
  constructor(private readonly heap: Heap) {}

  /** The address of arr[off ... off+len) in the heap (copied in when the array lives elsewhere). */
  in(arr: Float32Array, off: number, len: number): number {
    if (this.heap.owns(arr.buffer)) return arr.byteOffset + off * 4;
    const ptr = this.block(len);
    new Float32Array(this.heap.buffer, ptr, len).set(arr.subarray(off, off + len));
    return ptr;
  }

  /** Like `in`, for an array the kernel writes: copied back by `done()` when it lives elsewhere. */
  out(arr: Float32Array, off: number, len: number, initialised: boolean): number {
    if (this.heap.owns(arr.buffer)) return arr.byteOffset + off * 4;
    const ptr = initialised ? this.in(arr, off, len) : this.block(len);
    this.writeBack.push([arr, off, ptr, len]);
    return ptr;
  }

  /** Scratch floats in the heap, freed by `done()`. */
  block(len: number): number {
    const [ptr, size] = this.heap.alloc(len * 4);
    this.scratch.push([ptr, size]);
    return ptr;
  }

  /** A float32 view of a scratch block or operand address. */
  view(ptr: number, len: number): Float32Array {
    return new Float32Array(this.heap.buffer, ptr, len);
  }

  done(): void {
    for (const [arr, off, ptr, len] of this.writeBack) arr.set(this.view(ptr, len), off);
    for (const [ptr, size] of this.scratch) this.heap.release(ptr, size);
  }
}
