/// <reference lib="esnext.disposable" preserve="true" />
import type { DType, TypedArray } from './dtype.js';
import { getEngine } from './engine/engine.js';
import { fail } from './errors.js';
import { formatTensor } from './format.js';
import type { DataId, KernelTensor } from './kernels/index.js';
import type * as Ops from './ops/index.js';
import { sizeOf, type Shape } from './shape.js';

/** Nested JavaScript arrays as `arraySync()` returns them (booleans for bool tensors). */
export type NestedArray = number | boolean | NestedArray[];

/** Anything an op accepts where a tensor is expected: plain numbers and arrays become tensors. */
export type TensorLike = Tensor | number | boolean | TypedArray | NestedArray[];

/** Where a tensor's storage lives. Shared with the GC safety net, so it must not point at the tensor. */
export interface TensorCell {
  dataId: DataId;
  backendName: string;
}

let ops: typeof Ops;
/** Called once by the ops module, so that Tensor methods can call ops without an import cycle. */
export function installTensorOps(o: typeof Ops): void {
  ops = o;
}

const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

/**
 * Marks Soma tensors across copies of this module: the ESM and CJS builds, or a bundle such as
 * @soma/core/internal, each have their own Tensor class, so `instanceof` would reject a tensor
 * made by another copy.
 */
const TENSOR_BRAND = Symbol.for('@soma/core/Tensor');

/** Whether x is a Soma Tensor (a Variable included). */
export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { [TENSOR_BRAND]?: boolean })[TENSOR_BRAND] === true;
}

/** One axis or several; negative axes count from the end. */
export type Axis = number | readonly number[];

/**
 * An immutable handle on a row-major array stored by a backend. Every op is available both as a
 * function (`soma.add(a, b)`) and as a method (`a.add(b)`).
 */
export class Tensor {
  /** @internal */ readonly [TENSOR_BRAND] = true;
  readonly size: number;
  /** @internal */ kept = false;
  private disposed = false;

  /** @internal Tensors are made by ops (`soma.tensor`, `soma.zeros`, …), not constructed. */
  constructor(
    /** @internal */ readonly cell: TensorCell,
    readonly shape: Shape,
    readonly dtype: DType,
    readonly id: number,
  ) {
    this.size = sizeOf(shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get backendName(): string {
    return this.cell.backendName;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** @internal */
  get kernelTensor(): KernelTensor {
    return { dataId: this.cell.dataId, shape: this.shape, dtype: this.dtype };
  }

  /** @internal */
  isVariable(): boolean {
    return false;
  }

  /** @internal */
  isTrainableVariable(): boolean {
    return false;
  }

  /** Throws a clear error naming this tensor if it was disposed; ops call it on their inputs. */
  throwIfDisposed(): void {
    if (this.disposed) fail('Tensor', `tensor #${this.id} (shape [${this.shape.join(',')}], ${this.dtype}) is disposed`);
  }

  /**
   * The values, as a new typed array. The read is issued at once and sees the values as they are
   * now, so the tensor may be disposed before the promise settles.
   */
  async data(): Promise<TypedArray> {
    this.throwIfDisposed();
    const e = getEngine();
    const values = await e.backendByName(this.cell.backendName).read(this.cell.dataId);
    return values;
  }

  /**
   * The values, as a new typed array, read synchronously; backends that read only asynchronously
   * (webgpu) throw and name `data()` instead.
   */
  dataSync(): TypedArray {
    return this.hostValues('dataSync');
  }

  private hostValues(how: string): TypedArray {
    this.throwIfDisposed();
    const e = getEngine();
    e.notifyHostRead(this, how);
    return e.backendByName(this.cell.backendName).readSync(this.cell.dataId);
  }

  /** The values as nested JavaScript arrays, shaped like the tensor. */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  /** The values as nested JavaScript arrays, read synchronously (see `dataSync`). */
  arraySync(): NestedArray {
    return toNested(this.hostValues('arraySync'), this.shape, this.dtype);
  }

  /**
   * Frees the tensor now (its storage when no other view holds it); disposing twice is harmless.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    getEngine().disposeTensor(this);
  }

  /** `using t = …` disposes the tensor at the end of the block. */
  [disposeSymbol](): void {
    this.dispose();
  }

  /**
   * Prints the tensor (TF.js's habit); `verbose` adds dtype and shape. On a backend that reads
   * only asynchronously (webgpu) the values are read now and printed when they arrive.
   */
  print(verbose = false): void {
    const head = verbose ? `Tensor ${this.dtype} [${this.shape.join(', ')}]\n` : '';
    if (!this.disposed && getEngine().backendByName(this.cell.backendName).syncReads === false) {
      const { shape, dtype } = this;
      void this.data().then((v) => console.log(head + formatTensor(v, shape, dtype)), (e: Error) => console.log(`${head}tensor(<read failed: ${e.message}>)`));
      return;
    }
    console.log(head + this.toString());
  }

  /** The values formatted as PyTorch prints them (`tensor([[1., 2.]])`). */
  toString(): string {
    if (this.disposed) return `tensor(<disposed>, shape=[${this.shape.join(',')}], dtype=${this.dtype})`;
    if (getEngine().backendByName(this.cell.backendName).syncReads === false) {
      return `tensor(<on ${this.cell.backendName}: read with await data()>, shape=[${this.shape.join(',')}], dtype=${this.dtype})`;
    }
    // Printing shows values without steering the computation: a trace lets it read.
    return formatTensor(getEngine().readingForCheck(() => this.dataSync()), this.shape, this.dtype);
  }

  /** A copy of this tensor on backend `name`. */
  to(name: string): Tensor {
    return ops.toBackend(this, name);
  }

  /** A copy of this tensor on backend `name`, from any backend, a GPU included (values come over with data()). */
  toAsync(name: string): Promise<Tensor> {
    return ops.toBackendAsync(this, name);
  }

  /** Same values, new handle (tensors are immutable, so this shares storage). */
  clone(): Tensor { return ops.clone(this); }

  // elementwise
  /** a + b, elementwise; shapes broadcast (NumPy rules) and dtypes promote. */
  add(b: TensorLike): Tensor { return ops.add(this, b); }
  /** a − b, elementwise with broadcasting. */
  sub(b: TensorLike): Tensor { return ops.sub(this, b); }
  /** a · b, elementwise with broadcasting. */
  mul(b: TensorLike): Tensor { return ops.mul(this, b); }
  /** True division: integer operands give float32, like PyTorch's `/`. */
  div(b: TensorLike): Tensor { return ops.div(this, b); }
  /** aᵇ, elementwise with broadcasting. */
  pow(b: TensorLike): Tensor { return ops.pow(this, b); }
  /** Remainder with the sign of the divisor (Python's %, torch.remainder). */
  mod(b: TensorLike): Tensor { return ops.mod(this, b); }
  /** Floor of the quotient (Python's //). */
  floorDiv(b: TensorLike): Tensor { return ops.floorDiv(this, b); }
  /** The larger of a and b, elementwise with broadcasting; NaN if either is NaN. */
  maximum(b: TensorLike): Tensor { return ops.maximum(this, b); }
  /** The smaller of a and b, elementwise with broadcasting; NaN if either is NaN. */
  minimum(b: TensorLike): Tensor { return ops.minimum(this, b); }
  /** −x, elementwise. */
  neg(): Tensor { return ops.neg(this); }
  /** |x|, elementwise. */
  abs(): Tensor { return ops.abs(this); }
  /** −1, 0 or 1 by the sign of x (NaN stays NaN), elementwise. */
  sign(): Tensor { return ops.sign(this); }
  /** eˣ, elementwise. */
  exp(): Tensor { return ops.exp(this); }
  /** eˣ − 1, elementwise, accurate for small x. */
  expm1(): Tensor { return ops.expm1(this); }
  /** Natural logarithm, elementwise (log 0 = −∞, negative x gives NaN). */
  log(): Tensor { return ops.log(this); }
  /** log(1 + x), elementwise, accurate for small x. */
  log1p(): Tensor { return ops.log1p(this); }
  /** √x, elementwise. */
  sqrt(): Tensor { return ops.sqrt(this); }
  /** 1 / √x, elementwise. */
  rsqrt(): Tensor { return ops.rsqrt(this); }
  /** x², elementwise. */
  square(): Tensor { return ops.square(this); }
  /** 1 / x, elementwise. */
  reciprocal(): Tensor { return ops.reciprocal(this); }
  /** Sine (radians), elementwise. */
  sin(): Tensor { return ops.sin(this); }
  /** Cosine (radians), elementwise. */
  cos(): Tensor { return ops.cos(this); }
  /** Tangent (radians), elementwise. */
  tan(): Tensor { return ops.tan(this); }
  /** Arctangent, elementwise. */
  atan(): Tensor { return ops.atan(this); }
  /** Hyperbolic tangent, elementwise. */
  tanh(): Tensor { return ops.tanh(this); }
  /** The Gauss error function, elementwise. */
  erf(): Tensor { return ops.erf(this); }
  /** Largest integer ≤ x, elementwise. */
  floor(): Tensor { return ops.floor(this); }
  /** Smallest integer ≥ x, elementwise. */
  ceil(): Tensor { return ops.ceil(this); }
  /** Nearest integer, halves to even (as torch.round and ONNX Round), elementwise. */
  round(): Tensor { return ops.round(this); }
  /** 1 / (1 + e⁻ˣ), elementwise. */
  sigmoid(): Tensor { return ops.sigmoid(this); }
  /** max(x, 0), elementwise; NaN stays NaN. */
  relu(): Tensor { return ops.relu(this); }
  /** min(max(x, 0), 6), elementwise; NaN stays NaN. */
  relu6(): Tensor { return ops.relu6(this); }
  /** x where x > 0, else alpha·x (Keras's default alpha 0.2; PyTorch uses 0.01). */
  leakyRelu(alpha?: number): Tensor { return ops.leakyRelu(this, alpha); }
  /** Parametric ReLU: x where x > 0, else alpha·x with a learnable, broadcasting alpha. */
  prelu(alpha: TensorLike): Tensor { return ops.prelu(this, alpha); }
  /** x for x > 0, else eˣ − 1 (alpha 1), elementwise. */
  elu(): Tensor { return ops.elu(this); }
  /** Scaled ELU (Klambauer et al.): λ·x for x > 0, else λα(eˣ − 1), elementwise. */
  selu(): Tensor { return ops.selu(this); }
  /** x·Φ(x) with Φ the standard normal CDF (the exact form, as torch.nn.GELU), elementwise. */
  gelu(): Tensor { return ops.gelu(this); }
  /** log(1 + eˣ), elementwise, without overflow for large x. */
  softplus(): Tensor { return ops.softplus(this); }
  /** Heaviside step: 1 where x > 0, else 0. */
  step(): Tensor { return ops.step(this); }
  /** Clamps every element to [min, max]; the gradient passes where the input was inside the range. */
  clip(min: number, max: number): Tensor { return ops.clip(this, min, max); }
  /** a == b as a bool tensor, elementwise with broadcasting. */
  equal(b: TensorLike): Tensor { return ops.equal(this, b); }
  /** a != b as a bool tensor, elementwise with broadcasting. */
  notEqual(b: TensorLike): Tensor { return ops.notEqual(this, b); }
  /** a < b as a bool tensor, elementwise with broadcasting. */
  less(b: TensorLike): Tensor { return ops.less(this, b); }
  /** a ≤ b as a bool tensor, elementwise with broadcasting. */
  lessEqual(b: TensorLike): Tensor { return ops.lessEqual(this, b); }
  /** a > b as a bool tensor, elementwise with broadcasting. */
  greater(b: TensorLike): Tensor { return ops.greater(this, b); }
  /** a ≥ b as a bool tensor, elementwise with broadcasting. */
  greaterEqual(b: TensorLike): Tensor { return ops.greaterEqual(this, b); }
  /** a && b for bool tensors, elementwise with broadcasting. */
  logicalAnd(b: TensorLike): Tensor { return ops.logicalAnd(this, b); }
  /** a || b for bool tensors, elementwise with broadcasting. */
  logicalOr(b: TensorLike): Tensor { return ops.logicalOr(this, b); }
  /** !x for bool tensors, elementwise. */
  logicalNot(): Tensor { return ops.logicalNot(this); }
  /** Converts to `dtype`: float → int32 truncates toward zero, anything → bool is `x != 0`. Same dtype gives a view. */
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }

  // reductions
  /** Sum over `axis` (default: every axis); `keepDims` keeps reduced axes with size 1. bool sums count as int32. */
  sum(axis?: Axis, keepDims?: boolean): Tensor { return ops.sum(this, axis, keepDims); }
  /** Mean over `axis` (default: every axis), in float32; the mean of no elements is NaN. */
  mean(axis?: Axis, keepDims?: boolean): Tensor { return ops.mean(this, axis, keepDims); }
  /** Maximum over `axis` (default: every axis); NaN if any element is NaN. */
  max(axis?: Axis, keepDims?: boolean): Tensor { return ops.max(this, axis, keepDims); }
  /** Minimum over `axis` (default: every axis); NaN if any element is NaN. */
  min(axis?: Axis, keepDims?: boolean): Tensor { return ops.min(this, axis, keepDims); }
  /** Product over `axis` (default: every axis). */
  prod(axis?: Axis, keepDims?: boolean): Tensor { return ops.prod(this, axis, keepDims); }
  /**
   * Variance over `axis`. `correction` is subtracted from the count in the divisor: 0 (default) gives
   * the population variance like Keras/TF moments; 1 gives PyTorch's unbiased torch.var default.
   */
  variance(axis?: Axis, keepDims?: boolean): Tensor { return ops.variance(this, axis, keepDims); }
  /** log(Σ exp(x)) computed with the max shifted out, so large inputs do not overflow. */
  logSumExp(axis?: Axis, keepDims?: boolean): Tensor { return ops.logSumExp(this, axis, keepDims); }
  /** Index (int32) of the largest value along `axis`, the first on ties; without an axis, into the flattened tensor (as torch.argmax). */
  argMax(axis?: number): Tensor { return ops.argMax(this, axis); }
  /** Index (int32) of the smallest value along `axis`, the first on ties; without an axis, into the flattened tensor (as torch.argmin). */
  argMin(axis?: number): Tensor { return ops.argMin(this, axis); }
  /** exp(x) / Σ exp(x) along `axis` (default last), computed with the max shifted out. */
  softmax(axis?: number): Tensor { return ops.softmax(this, axis); }
  /** x − logΣexp(x) along `axis` (default last): stable log-probabilities. */
  logSoftmax(axis?: number): Tensor { return ops.logSoftmax(this, axis); }

  // linear algebra and shapes
  /**
   * Matrix product with NumPy semantics: 1-D operands are promoted to a row/column and the extra
   * dimension removed afterwards; leading (batch) dimensions broadcast. Computes in float32.
   */
  matmul(b: TensorLike, options?: Ops.MatmulOptions): Tensor { return ops.matmul(this, b, options); }
  /** Same data, new shape (a view; no copy). One dimension may be -1 and is inferred. */
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  /** Merges dimensions startDim..endDim into one (PyTorch's flatten: by default everything into 1-D). */
  flatten(startDim?: number, endDim?: number): Tensor { return ops.flatten(this, startDim, endDim); }
  /** Permutes dimensions; without `perm`, reverses them (like numpy.transpose). */
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  /** Inserts a size-1 dimension at `axis` (default 0; negative counts from the end of the result). */
  expandDims(axis?: number): Tensor { return ops.expandDims(this, axis); }
  /** Removes size-1 dimensions (all of them, or those in `axis`, which must have size 1). */
  squeeze(axis?: Axis): Tensor { return ops.squeeze(this, axis); }
  /** A contiguous block: `size[i] = -1` means "to the end of axis i". Missing trailing axes are taken whole. */
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return ops.slice(this, begin, size); }
  /** Constant padding: `paddings[i] = [before, after]` for each axis. */
  pad(paddings: readonly (readonly [number, number])[], valueOrOptions?: number | Ops.PadOptions): Tensor { return ops.pad(this, paddings, valueOrOptions); }
  /** Repeats the tensor `reps[i]` times along axis i (ONNX Tile). */
  tile(reps: readonly number[]): Tensor { return ops.tile(this, reps); }
  /** ONNX Gather: picks slices of `x` along `axis`; the result has shape x[:axis] + indices + x[axis+1:]. Negative indices count from the end. */
  gather(indices: TensorLike, axis?: number): Tensor { return ops.gather(this, indices, axis); }
  /** Splits along `axis` into `sizes` pieces, or into `n` equal pieces when given a number. */
  split(sizes: number | readonly number[], axis?: number): Tensor[] { return ops.split(this, sizes, axis); }
}

function toNested(values: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const read = (i: number): number | boolean => (dtype === 'bool' ? values[i] !== 0 : values[i]);
  if (shape.length === 0) return read(0);
  const build = (dim: number, offset: number, stride: number): NestedArray[] => {
    const n = shape[dim];
    const inner = stride / (n || 1);
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = dim === shape.length - 1 ? read(offset + i) : build(dim + 1, offset + i * inner, inner);
    }
    return out;
  };
  return build(0, 0, sizeOf(shape));
}
