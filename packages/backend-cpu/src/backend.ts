import type { Backend, DataId, DType, FusedUpdateAttrs, KernelFn, KernelTensor, Shape, TypedArray } from '@soma/core';
import * as conv from './kernels/conv.js';
import * as ew from './kernels/elementwise.js';
import { fusedUpdate } from './kernels/fused_update.js';
import { jsGemm, type Gemm } from './kernels/gemm.js';
import { matmul } from './kernels/matmul.js';
import * as pool from './kernels/pool.js';
import * as red from './kernels/reduce.js';
import * as shp from './kernels/shape_ops.js';
import { out, type CpuData } from './kernels/storage.js';
import { loadWasmUnary, type SimdUnary } from './wasm/wasm_elementwise.js';
import { loadWasmGemm } from './wasm/wasm_gemm.js';

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
  private fusedUpdates = 0;

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
    return { wasmSimd: this.gemmKind === 'wasm-simd' ? 1 : 0, fusedUpdates: this.fusedUpdates };
  }

  /** Adam/AdamW and SGD with momentum in one loop per parameter (see @soma/optimizers' `fused`). */
  fusedUpdate(inputs: readonly KernelTensor[], attrs: FusedUpdateAttrs): KernelTensor[] {
    this.fusedUpdates++;
    return fusedUpdate(inputs, attrs);
  }

  // Kernels, in the form of core's kernel table: (inputs, attributes) => output.
  // elementwise
  readonly unary: KernelFn<'unary'> = ([x], { op }) => ew.unary(op, x, this.simdUnary);
  readonly binary: KernelFn<'binary'> = ([a, b], { op }) => ew.binary(op, a, b);
  readonly where: KernelFn<'where'> = ([c, a, b]) => ew.where(c, a, b);
  readonly clip: KernelFn<'clip'> = ([x], { min, max }) => ew.clip(x, min, max);
  readonly cast: KernelFn<'cast'> = ([x], { to }) => ew.cast(x, to);
  readonly leakyRelu: KernelFn<'leakyRelu'> = ([x], { alpha }) => ew.leakyRelu(x, alpha);

  // reductions
  readonly reduce: KernelFn<'reduce'> = ([x], { op, axes }) => red.reduce(op, x, axes);
  readonly argReduce: KernelFn<'argReduce'> = ([x], { op, axis }) => red.argReduce(op, x, axis);

  // linear algebra, convolution, pooling
  readonly matmul: KernelFn<'matmul'> = ([a, b], { transA, transB }) => matmul(this.gemm, a, b, transA, transB);
  readonly conv2d: KernelFn<'conv2d'> = ([x, w, bias], attrs) => conv.conv2d(this.gemm, x, w, bias ?? null, attrs);
  readonly conv2dBackpropInput: KernelFn<'conv2dBackpropInput'> = ([dy, w], attrs) => conv.conv2dBackpropInput(this.gemm, dy, w, attrs.inputShape, attrs);
  readonly conv2dBackpropFilter: KernelFn<'conv2dBackpropFilter'> = ([x, dy], attrs) => conv.conv2dBackpropFilter(this.gemm, x, dy, attrs.filterShape, attrs);
  readonly maxPool2d: KernelFn<'maxPool2d'> = ([x], attrs) => pool.maxPool2d(x, attrs);
  readonly avgPool2d: KernelFn<'avgPool2d'> = ([x], attrs) => pool.avgPool2d(x, attrs);
  readonly maxPool2dGrad: KernelFn<'maxPool2dGrad'> = ([dy, x], attrs) => pool.maxPool2dGrad(dy, x, attrs);
  readonly avgPool2dGrad: KernelFn<'avgPool2dGrad'> = ([dy], attrs) => pool.avgPool2dGrad(dy, attrs.inputShape, attrs);

  // shapes and indexing
  readonly transpose: KernelFn<'transpose'> = ([x], { perm }) => shp.transpose(x, perm);
  readonly stridedSlice: KernelFn<'stridedSlice'> = ([x], { begin, steps, outShape }) => shp.stridedSlice(x, begin, steps, outShape);
  readonly pad: KernelFn<'pad'> = ([x], { pads, value }) => shp.pad(x, pads, value);
  readonly concat: KernelFn<'concat'> = (xs, { axis }) => shp.concat(xs, axis);
  readonly gather: KernelFn<'gather'> = ([x, indices], { axis }) => shp.gather(x, indices, axis);
  readonly scatterAdd: KernelFn<'scatterAdd'> = ([x, indices, updates], { axis }) => shp.scatterAdd(x, indices, updates, axis);
  readonly tile: KernelFn<'tile'> = ([x], { repeats }) => shp.tile(x, repeats);
  readonly topK: KernelFn<'topK'> = ([x], { k, largest }) => shp.topK(x, k, largest);
}

const EMPTY = new Float32Array(0);
