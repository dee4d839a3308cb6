import { checkOptions } from '@soma/core';
import type { Backend, Conv2dAttrs, DataId, DType, ElementwiseChain, FusedActivation, FusedUpdateAttrs, KernelFn, KernelName, KernelTensor, RecurrentAttrs, Shape, TypedArray } from '@soma/core';
import * as conv from './kernels/conv.js';
import * as ew from './kernels/elementwise.js';
import { fusedUpdate } from './kernels/fused_update.js';
import { softmax } from './kernels/softmax.js';
import { jsGemm, type Gemm } from './kernels/gemm.js';
import { matmul } from './kernels/matmul.js';
import { recurrentSequence } from './kernels/recurrent.js';
import * as pool from './kernels/pool.js';
import * as red from './kernels/reduce.js';
import * as shp from './kernels/shape_ops.js';
import { allocF32, copyOut, f32, out, useHeap, type CpuData } from './kernels/storage.js';
import { Heap } from './heap/heap.js';
import { instantiateKernels, kernelModule, type KernelBuild, type KernelExports } from './wasm/module.js';
import { ThreadPool } from './threads/pool.js';
import { WasmContext } from './wasm/context.js';
import { wasmChain } from './wasm/wasm_chain.js';
import { wasmConv } from './wasm/wasm_conv.js';
import { wasmCopy, type StridedCopy } from './wasm/wasm_copy.js';
import { wasmElementwise, wasmUnary, type SimdElementwise, type SimdUnary } from './wasm/wasm_elementwise.js';
import { wasmGemm } from './wasm/wasm_gemm.js';
import { wasmNormalization, type WasmNormalization } from './wasm/wasm_normalization.js';

/**
 * Options of the cpu backend: WebAssembly or TypeScript kernels, threads and when to use them,
 * shared memory, and the heap's limit.
 */
export interface CpuBackendOptions {
  /**
   * Use the WebAssembly SIMD kernels (default: whenever the engine supports them). false forces
   * the plain TypeScript kernels, which is how CI tests both paths.
   */
  wasm?: boolean;
  /**
   * Threads for large GEMMs and convolutions, this one included (default: every core —
   * `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers). Workers need
   * a shared heap: always in Node, in browsers only on cross-origin-isolated pages; elsewhere the
   * backend runs on one thread. `memory()` reports the threads in use.
   */
  threads?: number;
  /**
   * Multiply-adds below which a kernel stays on one thread (default 2^18): waking workers costs
   * microseconds. 0 splits every kernel that can be split, which is how the tests cover the
   * threaded paths with small shapes.
   */
  minParallelWork?: number;
  /**
   * false puts the heap in an unshared memory, as on a browser page that is not cross-origin
   * isolated (one thread). Default: shared wherever the engine allows.
   */
  sharedMemory?: boolean;
  /** The most the heap may grow to, in bytes (default 4 GiB, wasm32's limit). */
  maxHeapBytes?: number;
  /**
   * Winograd for 3×3 stride-1 convolutions and their gradients where it pays: F(2×2, 3×3) on rows
   * of 8 to 15, F(4×4, 3×3) on rows of 16 or more (8 or more channels each way), F(4×4, 3×3)
   * across the batch on rows under 16 (48 or more channels each way; its filter gradient from
   * 16); 1.1–4× the direct kernel. false runs
   * the direct kernel everywhere (its sums are ordered differently: results differ in the last
   * bits, F(4×4)'s by a few parts in a million of the output's scale).
   */
  winograd?: boolean;
  /**
   * Relaxed SIMD's fused multiply-add in the GEMM, convolution and Winograd micro-kernels, where
   * the engine compiles it (default true: Chrome 114+, Node 22+, and Node 20 started with
   * `--experimental-wasm-relaxed-simd`); elsewhere the plain SIMD build runs. A fused multiply-add
   * rounds once, so sums differ from the plain build's in the last bits, and between machines with
   * and without FMA hardware. `kernelBuild` says which runs.
   */
  relaxedSimd?: boolean;
}

/**
 * The cpu backend. With WebAssembly (SIMD), every tensor lives in one heap — a WebAssembly memory
 * with a size-class allocator — that the kernels read and write in place; without it, in ordinary
 * typed arrays with the TypeScript kernels.
 */
export class CpuBackend implements Backend {
  readonly name: string;
  readonly gemm: Gemm;
  /** Which GEMM runs: 'wasm-simd' or 'js'. */
  readonly gemmKind: 'wasm-simd' | 'js';
  /** Which WebAssembly build runs: 'relaxed-simd' (fused multiply-add), 'simd', or null on the TypeScript path. */
  readonly kernelBuild: KernelBuild | null;
  /** The heap every tensor lives in, or null on the plain TypeScript path. */
  readonly heap: Heap | null;
  /** SIMD exp/tanh/sigmoid, or null on the TypeScript path. */
  readonly simdUnary: SimdUnary | null;
  private readonly wasm: WasmContext | null;
  private readonly simd: SimdElementwise | null;
  private readonly norm: WasmNormalization | null;
  private readonly chain: ReturnType<typeof wasmChain> | null;
  private readonly copy: StridedCopy | null;
  /** Resolves when the worker threads are serving (or it is known there will be none). */
  private readonly threadsReady: Promise<void>;
  private fusedUpdates = 0;
  private fusedChains = 0;
  private destroyed = false;

  constructor(name = 'cpu', options: CpuBackendOptions = {}) {
    this.name = name;
    checkOptions('CpuBackend', options, ['wasm', 'threads', 'minParallelWork', 'sharedMemory', 'maxHeapBytes', 'winograd', 'relaxedSimd']);
    const made = options.wasm === false ? null : createHeap(options.sharedMemory !== false, options.relaxedSimd === false ? 'simd' : 'relaxed-simd', options.maxHeapBytes);
    if (options.wasm === true && !made) throw new Error(`backend '${name}': WebAssembly SIMD was requested but this engine cannot run it`);
    if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
      throw new Error(`backend '${name}': threads must be a whole number ≥ 1, got ${options.threads}`);
    }
    this.heap = made?.heap ?? null;
    this.wasm = made ? new WasmContext(made.kernels, made.heap, options.minParallelWork ?? 2 ** 18) : null;
    this.gemm = this.wasm ? wasmGemm(this.wasm) : jsGemm;
    if (this.wasm) this.gemm.conv = wasmConv(this.wasm, { winograd: options.winograd !== false });
    this.gemmKind = made ? 'wasm-simd' : 'js';
    this.kernelBuild = made?.build ?? null;
    this.simdUnary = this.wasm ? wasmUnary(this.wasm.ex, this.wasm.heap) : null;
    this.simd = this.wasm && this.simdUnary ? wasmElementwise(this.wasm, this.simdUnary) : null;
    this.norm = this.wasm ? wasmNormalization(this.wasm) : null;
    this.chain = this.wasm ? wasmChain(this.wasm) : null;
    this.copy = this.wasm ? wasmCopy(this.wasm) : null;
    // Kernels run on this thread until the workers are up; setBackend awaits them (init).
    const cx = this.wasm;
    const threads = options.threads;
    this.threadsReady = cx && made && threads !== 1
      ? ThreadPool.start(cx.heap, made.module, cx.ex, cx.work, threads).then((pool) => {
        if (this.destroyed) pool?.dispose();
        else cx.pool = pool;
      }, () => {})
      : Promise.resolve();
  }

  /** Kernels run (on this thread) before the workers are up. */
  readonly usableBeforeInit = true;

  /** Waits for the worker threads (setBackend calls it). */
  async init(): Promise<void> {
    await this.threadsReady;
  }

  /** Ends the worker threads (core's removeBackend calls it); kernels then run on this thread. */
  destroy(): void {
    const cx = this.wasm;
    if (!cx) return;
    this.destroyed = true;
    cx.pool?.dispose();
    cx.pool = null;
  }

  /** Threads the large kernels use now (1 until the workers are up, or where there are none). */
  get threads(): number {
    return this.wasm?.pool?.size ?? 1;
  }

  /**
   * Runs one kernel with new tensors going to this backend's heap. Blocks it allocated are given
   * back if it throws; and where growing an unshared memory detached the views the attempt held
   * (a shared memory never does), the kernel runs again on the grown heap — kernels are pure.
   */
  private run<R>(kernel: () => R): R {
    const heap = this.heap;
    useHeap(heap);
    if (!heap) return kernel();
    for (;;) {
      const generation = heap.generation;
      heap.track();
      let result: R;
      try {
        result = kernel();
      } catch (e) {
        heap.untrack(true);
        if (heap.generation === generation) throw e;
        continue;
      }
      if (heap.generation === generation) {
        heap.untrack(false);
        return result;
      }
      heap.untrack(true);
    }
  }

  /** A kernel of core's table, run through `run`. */
  private k<K extends KernelName>(fn: KernelFn<K>): KernelFn<K> {
    return ((inputs, attrs) => this.run(() => fn(inputs, attrs))) as KernelFn<K>;
  }

  // storage
  write(values: TypedArray, shape: Shape, dtype: DType): KernelTensor {
    return this.run(() => out(values, shape, dtype));
  }
  /** Copies the values out of the heap (the promise settles at once: cpu reads synchronously). */
  async read(dataId: DataId): Promise<TypedArray> {
    return this.readSync(dataId);
  }
  readSync(dataId: DataId): TypedArray {
    // A copy, so callers can never mutate a tensor through the array they were given.
    return copyOut((dataId as CpuData).values);
  }
  /** Returns the tensor's block to the heap's allocator. */
  disposeData(dataId: DataId): void {
    (dataId as CpuData).release();
  }
  memoryInfo(): Record<string, number> {
    const heap = this.heap?.stats();
    return {
      wasmSimd: this.gemmKind === 'wasm-simd' ? 1 : 0,
      relaxedSimd: this.kernelBuild === 'relaxed-simd' ? 1 : 0,
      threads: this.threads,
      simdElementwise: this.simd?.calls ?? 0,
      fusedUpdates: this.fusedUpdates,
      fusedChains: this.fusedChains,
      ...(heap ?? {}),
    };
  }

  /** Adam/AdamW and SGD with momentum in one loop per parameter (see @soma/optimizers' `fused`). */
  fusedUpdate(inputs: readonly KernelTensor[], attrs: FusedUpdateAttrs): KernelTensor[] {
    this.fusedUpdates++;
    return this.run(() => fusedUpdate(inputs, attrs, this.simd));
  }

  /** conv2d (+ bias), then the activation applied in place to the fresh output while it is in cache. */
  conv2dActivated(inputs: readonly (KernelTensor | undefined)[], attrs: Conv2dAttrs & { readonly activation: FusedActivation }): KernelTensor {
    return this.run(() => {
      const [x, w, bias] = inputs as KernelTensor[];
      const y = conv.conv2d(this.gemm, x, w, bias ?? null, attrs);
      if (attrs.activation !== 'linear') ew.unaryInto(attrs.activation, f32(y), f32(y), this.simd);
      return y;
    });
  }

  /** matmul, + bias along the last axis, then the activation, the last two in place. */
  matmulActivated(inputs: readonly (KernelTensor | undefined)[], attrs: { readonly transA: boolean; readonly transB: boolean; readonly activation: FusedActivation }): KernelTensor {
    return this.run(() => {
      const [a, b, bias] = inputs as KernelTensor[];
      const y = matmul(this.gemm, a, b, attrs.transA, attrs.transB);
      const yv = f32(y);
      if (bias) ew.addRowVector(yv, f32(bias), this.simd);
      if (attrs.activation !== 'linear') ew.unaryInto(attrs.activation, yv, yv, this.simd);
      return y;
    });
  }

  /**
   * A compiled graph's chain of float32 elementwise kernels in one pass (core's optional
   * fusedElementwise; assembly/chain.ts), with the bits of the kernels run one by one. null (the
   * kernels one by one) on the TypeScript path, or where a step or an input's broadcast has no
   * kernel in the chain.
   */
  fusedElementwise(inputs: readonly KernelTensor[], chain: ElementwiseChain): KernelTensor | null {
    const run = this.chain;
    if (!run || inputs.some((t) => t.dtype !== 'float32')) return null;
    return this.run(() => {
      const { values, t } = allocF32(chain.shape, true);
      if (run(inputs.map(f32), inputs.map((x) => x.shape), chain, values)) {
        this.fusedChains++;
        return t;
      }
      (t.dataId as CpuData).release();
      return null;
    });
  }

  /**
   * A whole RNN/LSTM/GRU layer over a sequence (core's optional recurrentSequence kernel): one GEMM
   * for the input projection, then a GEMM and the gate loops per step, with the bits of core's
   * step-by-step body and none of its per-op dispatches.
   */
  recurrentSequence(inputs: readonly (KernelTensor | undefined)[], attrs: RecurrentAttrs): KernelTensor {
    return this.run(() => recurrentSequence(this.gemm, this.simd, inputs, attrs));
  }

  /** Softmax or log-softmax in one pass per row (the optional kernel of core's softmax ops). */
  softmax([x]: readonly [KernelTensor], attrs: { readonly axis: number; readonly log: boolean }): KernelTensor {
    return this.run(() => softmax(x, attrs.axis, attrs.log, this.simd));
  }

  // Batch normalization's passes in WebAssembly, threaded by channel; null (core's default body)
  // on the TypeScript path or for operands outside the heap.
  /** Per-channel mean and biased variance, [2, C]. */
  channelMoments([x]: readonly [KernelTensor], { axis }: { readonly axis: number }): KernelTensor | null {
    return this.norm ? this.run(() => this.norm!.channelMoments(x, axis)) : null;
  }
  /** Per-channel Σ a and Σ a·(b − center), [2, C]. */
  channelSums([a, b, center]: readonly [KernelTensor, KernelTensor, KernelTensor?], { axis }: { readonly axis: number }): KernelTensor | null {
    return this.norm ? this.run(() => this.norm!.channelSums(a, b, center, axis)) : null;
  }
  /** x·scale[c] + shift[c] (+ x2·scale2[c]) in one pass. */
  channelAffine([x, scale, shift, x2, scale2]: readonly [KernelTensor, KernelTensor, KernelTensor, KernelTensor?, KernelTensor?], { axis }: { readonly axis: number }): KernelTensor | null {
    return this.norm ? this.run(() => this.norm!.channelAffine(x, scale, shift, x2, scale2, axis)) : null;
  }

  // Kernels, in the form of core's kernel table: (inputs, attributes) => output.
  // elementwise
  readonly unary: KernelFn<'unary'> = this.k<'unary'>(([x], { op }) => ew.unary(op, x, this.simd));
  readonly binary: KernelFn<'binary'> = this.k<'binary'>(([a, b], { op }) => ew.binary(op, a, b, this.simd));
  readonly where: KernelFn<'where'> = this.k<'where'>(([c, a, b]) => ew.where(c, a, b));
  readonly clip: KernelFn<'clip'> = this.k<'clip'>(([x], { min, max }) => ew.clip(x, min, max, this.simd));
  readonly cast: KernelFn<'cast'> = this.k<'cast'>(([x], { to }) => ew.cast(x, to));
  readonly leakyRelu: KernelFn<'leakyRelu'> = this.k<'leakyRelu'>(([x], { alpha }) => ew.leakyRelu(x, alpha, this.simd));

  // reductions
  readonly reduce: KernelFn<'reduce'> = this.k<'reduce'>(([x], { op, axes }) => red.reduce(op, x, axes, this.simd));
  readonly argReduce: KernelFn<'argReduce'> = this.k<'argReduce'>(([x], { op, axis }) => red.argReduce(op, x, axis));

  // linear algebra, convolution, pooling
  readonly matmul: KernelFn<'matmul'> = this.k<'matmul'>(([a, b], { transA, transB }) => matmul(this.gemm, a, b, transA, transB));
  readonly conv2d: KernelFn<'conv2d'> = this.k<'conv2d'>(([x, w, bias], attrs) => conv.conv2d(this.gemm, x, w, bias ?? null, attrs));
  readonly conv2dBackpropInput: KernelFn<'conv2dBackpropInput'> = this.k<'conv2dBackpropInput'>(([dy, w], attrs) => conv.conv2dBackpropInput(this.gemm, dy, w, attrs.inputShape, attrs));
  readonly conv2dBackpropFilter: KernelFn<'conv2dBackpropFilter'> = this.k<'conv2dBackpropFilter'>(([x, dy], attrs) => conv.conv2dBackpropFilter(this.gemm, x, dy, attrs.filterShape, attrs));
  readonly maxPool2d: KernelFn<'maxPool2d'> = this.k<'maxPool2d'>(([x], attrs) => pool.maxPool2d(x, attrs, this.simd));
  readonly avgPool2d: KernelFn<'avgPool2d'> = this.k<'avgPool2d'>(([x], attrs) => pool.avgPool2d(x, attrs, this.simd));
  readonly maxPool2dGrad: KernelFn<'maxPool2dGrad'> = this.k<'maxPool2dGrad'>(([dy, x], attrs) => pool.maxPool2dGrad(dy, x, attrs, this.simd));
  readonly avgPool2dGrad: KernelFn<'avgPool2dGrad'> = this.k<'avgPool2dGrad'>(([dy], attrs) => pool.avgPool2dGrad(dy, attrs.inputShape, attrs, this.simd));

  // shapes and indexing
  readonly transpose: KernelFn<'transpose'> = this.k<'transpose'>(([x], { perm }) => shp.transpose(x, perm, this.copy));
  readonly stridedSlice: KernelFn<'stridedSlice'> = this.k<'stridedSlice'>(([x], { begin, steps, outShape }) => shp.stridedSlice(x, begin, steps, outShape, this.copy));
  readonly pad: KernelFn<'pad'> = this.k<'pad'>(([x], { pads, value }) => shp.pad(x, pads, value, this.copy));
  readonly concat: KernelFn<'concat'> = this.k<'concat'>((xs, { axis }) => shp.concat(xs, axis));
  readonly gather: KernelFn<'gather'> = this.k<'gather'>(([x, indices], { axis }) => shp.gather(x, indices, axis));
  readonly scatterAdd: KernelFn<'scatterAdd'> = this.k<'scatterAdd'>(([x, indices, updates], { axis }) => shp.scatterAdd(x, indices, updates, axis));
  readonly tile: KernelFn<'tile'> = this.k<'tile'>(([x], { repeats }) => shp.tile(x, repeats, this.copy));
  readonly topK: KernelFn<'topK'> = this.k<'topK'>(([x], { k, largest }) => shp.topK(x, k, largest));
}


/** A heap and the kernel module instantiated over it, or null where WebAssembly SIMD is missing. */
function createHeap(shared: boolean, build: KernelBuild, maxBytes?: number): { heap: Heap; kernels: KernelExports; module: WebAssembly.Module; build: KernelBuild } | null {
  if (typeof WebAssembly !== 'object') return null;
  let heap: Heap;
  try {
    heap = Heap.create(shared, maxBytes);
  } catch {
    return null;
  }
  const compiled = kernelModule(heap.shared, build);
  if (!compiled) return null;
  const kernels = instantiateKernels(compiled.module, heap.memory);
  heap.zero = (ptr, bytes) => kernels.zero(ptr, bytes);
  return { heap, kernels, ...compiled };
}
