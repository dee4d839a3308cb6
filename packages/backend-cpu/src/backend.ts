import type {
  ArgReduceOp, Backend, BinaryOp, Conv2dAttrs, DataId, DType, KernelTensor, Pool2dAttrs, ReduceOp, Shape, TypedArray, UnaryOp,
} from '@soma/core';
import * as conv from './kernels/conv';
import * as ew from './kernels/elementwise';
import { jsGemm, type Gemm } from './kernels/gemm';
import { matmul } from './kernels/matmul';
import * as pool from './kernels/pool';
import * as red from './kernels/reduce';
import * as shp from './kernels/shape_ops';
import { out, type CpuData } from './kernels/storage';
import { loadWasmUnary, type SimdUnary } from './wasm/wasm_elementwise';
import { loadWasmGemm } from './wasm/wasm_gemm';

export interface CpuBackendOptions {
  /**
   * Use the WebAssembly SIMD kernels (default: whenever the engine supports them). false forces
   * the plain TypeScript kernels, which is how CI tests both paths.
   */
  wasm?: boolean;
}

/** The cpu backend: typed arrays in the JS heap; GEMM-shaped work goes to WebAssembly SIMD when available. */
export class CpuBackend implements Backend {
  readonly name: string;
  readonly gemm: Gemm;
  /** Which GEMM runs: 'wasm-simd' or 'js'. */
  readonly gemmKind: 'wasm-simd' | 'js';
  /** SIMD exp/tanh/sigmoid, or null on the TypeScript path. */
  private readonly simdUnary: SimdUnary | null;
  private numBuffers = 0;

  constructor(name = 'cpu', options: CpuBackendOptions = {}) {
    this.name = name;
    const wasm = options.wasm === false ? null : loadWasmGemm();
    if (options.wasm === true && !wasm) throw new Error(`backend '${name}': WebAssembly SIMD was requested but this engine cannot run it`);
    this.gemm = wasm ?? jsGemm;
    this.gemmKind = wasm ? 'wasm-simd' : 'js';
    this.simdUnary = wasm ? loadWasmUnary() : null;
  }

  // storage
  write(values: TypedArray, shape: Shape, dtype: DType): KernelTensor {
    this.numBuffers++;
    return out(values, shape, dtype);
  }
  async read(dataId: DataId): Promise<TypedArray> {
    return this.readSync(dataId);
  }
  readSync(dataId: DataId): TypedArray {
    // A copy, so callers can never mutate a tensor through the array they were given.
    return (dataId as CpuData).values.slice();
  }
  disposeData(dataId: DataId): void {
    (dataId as CpuData).values = EMPTY;
  }
  memoryInfo(): Record<string, number> {
    return { wasmSimd: this.gemmKind === 'wasm-simd' ? 1 : 0 };
  }

  // elementwise
  unary(op: UnaryOp, x: KernelTensor): KernelTensor { return ew.unary(op, x, this.simdUnary); }
  binary(op: BinaryOp, a: KernelTensor, b: KernelTensor): KernelTensor { return ew.binary(op, a, b); }
  where(c: KernelTensor, a: KernelTensor, b: KernelTensor): KernelTensor { return ew.where(c, a, b); }
  clip(x: KernelTensor, min: number, max: number): KernelTensor { return ew.clip(x, min, max); }
  cast(x: KernelTensor, dtype: DType): KernelTensor { return ew.cast(x, dtype); }
  leakyRelu(x: KernelTensor, alpha: number): KernelTensor { return ew.leakyRelu(x, alpha); }

  // reductions
  reduce(op: ReduceOp, x: KernelTensor, axes: readonly number[]): KernelTensor { return red.reduce(op, x, axes); }
  argReduce(op: ArgReduceOp, x: KernelTensor, axis: number): KernelTensor { return red.argReduce(op, x, axis); }

  // linear algebra, convolution, pooling
  matmul(a: KernelTensor, b: KernelTensor, transposeA: boolean, transposeB: boolean): KernelTensor {
    return matmul(this.gemm, a, b, transposeA, transposeB);
  }
  conv2d(x: KernelTensor, w: KernelTensor, bias: KernelTensor | null, attrs: Conv2dAttrs): KernelTensor {
    return conv.conv2d(this.gemm, x, w, bias, attrs);
  }
  conv2dBackpropInput(dy: KernelTensor, w: KernelTensor, inputShape: Shape, attrs: Conv2dAttrs): KernelTensor {
    return conv.conv2dBackpropInput(this.gemm, dy, w, inputShape, attrs);
  }
  conv2dBackpropFilter(x: KernelTensor, dy: KernelTensor, filterShape: Shape, attrs: Conv2dAttrs): KernelTensor {
    return conv.conv2dBackpropFilter(this.gemm, x, dy, filterShape, attrs);
  }
  maxPool2d(x: KernelTensor, attrs: Pool2dAttrs): KernelTensor { return pool.maxPool2d(x, attrs); }
  avgPool2d(x: KernelTensor, attrs: Pool2dAttrs): KernelTensor { return pool.avgPool2d(x, attrs); }
  maxPool2dGrad(dy: KernelTensor, x: KernelTensor, attrs: Pool2dAttrs): KernelTensor { return pool.maxPool2dGrad(dy, x, attrs); }
  avgPool2dGrad(dy: KernelTensor, inputShape: Shape, attrs: Pool2dAttrs): KernelTensor { return pool.avgPool2dGrad(dy, inputShape, attrs); }

  // shapes and indexing
  transpose(x: KernelTensor, perm: readonly number[]): KernelTensor { return shp.transpose(x, perm); }
  stridedSlice(x: KernelTensor, begin: readonly number[], steps: readonly number[], outShape: Shape): KernelTensor {
    return shp.stridedSlice(x, begin, steps, outShape);
  }
  pad(x: KernelTensor, pads: readonly number[], value: number): KernelTensor { return shp.pad(x, pads, value); }
  concat(xs: readonly KernelTensor[], axis: number): KernelTensor { return shp.concat(xs, axis); }
  gather(x: KernelTensor, indices: KernelTensor, axis: number): KernelTensor { return shp.gather(x, indices, axis); }
  scatterAdd(x: KernelTensor, indices: KernelTensor, updates: KernelTensor, axis: number): KernelTensor {
    return shp.scatterAdd(x, indices, updates, axis);
  }
  tile(x: KernelTensor, reps: readonly number[]): KernelTensor { return shp.tile(x, reps); }
}

const EMPTY = new Float32Array(0);
