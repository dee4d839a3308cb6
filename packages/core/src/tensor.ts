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
 * @soma/core/testing, each have their own Tensor class, so `instanceof` would reject a tensor
 * made by another copy.
 */
const TENSOR_BRAND = Symbol.for('@soma/core/Tensor');

export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { [TENSOR_BRAND]?: boolean })[TENSOR_BRAND] === true;
}

type Axis = number | readonly number[];

/**
 * An immutable handle on a row-major array stored by a backend. Every op is available both as a
 * function (`soma.add(a, b)`) and as a method (`a.add(b)`).
 */
export class Tensor {
  /** @internal */ readonly [TENSOR_BRAND] = true;
  readonly size: number;
  /** @internal */ kept = false;
  private disposed = false;

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

  throwIfDisposed(): void {
    if (this.disposed) fail('Tensor', `tensor #${this.id} (shape [${this.shape.join(',')}], ${this.dtype}) is disposed`);
  }

  async data(): Promise<TypedArray> {
    this.throwIfDisposed();
    const e = getEngine();
    const values = await e.backendByName(this.cell.backendName).read(this.cell.dataId);
    return values;
  }

  dataSync(): TypedArray {
    this.throwIfDisposed();
    return getEngine().backendByName(this.cell.backendName).readSync(this.cell.dataId);
  }

  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    getEngine().disposeTensor(this);
  }

  [disposeSymbol](): void {
    this.dispose();
  }

  /** Prints the tensor (TF.js's habit); `verbose` adds dtype and shape. Reads the values synchronously (cpu, native). */
  print(verbose = false): void {
    console.log(verbose ? `Tensor ${this.dtype} [${this.shape.join(', ')}]\n${this.toString()}` : this.toString());
  }

  toString(): string {
    if (this.disposed) return `tensor(<disposed>, shape=[${this.shape.join(',')}], dtype=${this.dtype})`;
    return formatTensor(this.dataSync(), this.shape, this.dtype);
  }

  /** A copy of this tensor on backend `name`. */
  to(name: string): Tensor {
    return ops.toBackend(this, name);
  }

  clone(): Tensor { return ops.clone(this); }

  // elementwise
  add(b: TensorLike): Tensor { return ops.add(this, b); }
  sub(b: TensorLike): Tensor { return ops.sub(this, b); }
  mul(b: TensorLike): Tensor { return ops.mul(this, b); }
  div(b: TensorLike): Tensor { return ops.div(this, b); }
  pow(b: TensorLike): Tensor { return ops.pow(this, b); }
  mod(b: TensorLike): Tensor { return ops.mod(this, b); }
  floorDiv(b: TensorLike): Tensor { return ops.floorDiv(this, b); }
  maximum(b: TensorLike): Tensor { return ops.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return ops.minimum(this, b); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  exp(): Tensor { return ops.exp(this); }
  expm1(): Tensor { return ops.expm1(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  square(): Tensor { return ops.square(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tan(): Tensor { return ops.tan(this); }
  atan(): Tensor { return ops.atan(this); }
  tanh(): Tensor { return ops.tanh(this); }
  erf(): Tensor { return ops.erf(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(): Tensor { return ops.round(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  relu6(): Tensor { return ops.relu6(this); }
  leakyRelu(alpha?: number): Tensor { return ops.leakyRelu(this, alpha); }
  prelu(alpha: TensorLike): Tensor { return ops.prelu(this, alpha); }
  elu(): Tensor { return ops.elu(this); }
  selu(): Tensor { return ops.selu(this); }
  gelu(): Tensor { return ops.gelu(this); }
  softplus(): Tensor { return ops.softplus(this); }
  step(): Tensor { return ops.step(this); }
  clip(min: number, max: number): Tensor { return ops.clip(this, min, max); }
  equal(b: TensorLike): Tensor { return ops.equal(this, b); }
  notEqual(b: TensorLike): Tensor { return ops.notEqual(this, b); }
  less(b: TensorLike): Tensor { return ops.less(this, b); }
  lessEqual(b: TensorLike): Tensor { return ops.lessEqual(this, b); }
  greater(b: TensorLike): Tensor { return ops.greater(this, b); }
  greaterEqual(b: TensorLike): Tensor { return ops.greaterEqual(this, b); }
  logicalAnd(b: TensorLike): Tensor { return ops.logicalAnd(this, b); }
  logicalOr(b: TensorLike): Tensor { return ops.logicalOr(this, b); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }

  // reductions
  sum(axis?: Axis, keepDims?: boolean): Tensor { return ops.sum(this, axis, keepDims); }
  mean(axis?: Axis, keepDims?: boolean): Tensor { return ops.mean(this, axis, keepDims); }
  max(axis?: Axis, keepDims?: boolean): Tensor { return ops.max(this, axis, keepDims); }
  min(axis?: Axis, keepDims?: boolean): Tensor { return ops.min(this, axis, keepDims); }
  prod(axis?: Axis, keepDims?: boolean): Tensor { return ops.prod(this, axis, keepDims); }
  variance(axis?: Axis, keepDims?: boolean): Tensor { return ops.variance(this, axis, keepDims); }
  logSumExp(axis?: Axis, keepDims?: boolean): Tensor { return ops.logSumExp(this, axis, keepDims); }
  argMax(axis?: number): Tensor { return ops.argMax(this, axis); }
  argMin(axis?: number): Tensor { return ops.argMin(this, axis); }
  softmax(axis?: number): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis?: number): Tensor { return ops.logSoftmax(this, axis); }

  // linear algebra and shapes
  matmul(b: TensorLike, options?: Ops.MatmulOptions): Tensor { return ops.matmul(this, b, options); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(startDim?: number, endDim?: number): Tensor { return ops.flatten(this, startDim, endDim); }
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  expandDims(axis?: number): Tensor { return ops.expandDims(this, axis); }
  squeeze(axis?: Axis): Tensor { return ops.squeeze(this, axis); }
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return ops.slice(this, begin, size); }
  pad(paddings: readonly (readonly [number, number])[], value?: number): Tensor { return ops.pad(this, paddings, value); }
  tile(reps: readonly number[]): Tensor { return ops.tile(this, reps); }
  gather(indices: TensorLike, axis?: number): Tensor { return ops.gather(this, indices, axis); }
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
