import type { DType } from './dtype.js';
import { getEngine } from './engine/engine.js';
import { fail, fmtShape } from './errors.js';
import type { KernelTensor } from './kernels/index.js';
import { convertToTensor } from './ops/convert.js';
import { toBackendAsync } from './ops/move.js';
import { shapesEqual } from './shape.js';
import { Tensor, type TensorCell, type TensorLike } from './tensor.js';
import { registerVariable } from './variable_registry.js';

let variableCount = 0;

/** A mutable tensor: `assign` swaps its value. Variables survive tidy() and are what optimizers train. */
export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;
  /** Counts assignments, so caches built from a value (a backend's compiled graph) can tell it changed. */
  version = 0;

  /** @internal Variables are made by `soma.variable(initial)`. */
  constructor(cell: TensorCell, shape: readonly number[], dtype: DType, id: number, trainable: boolean, name?: string) {
    super(cell, shape, dtype, id);
    this.trainable = trainable;
    this.name = name ?? `variable_${variableCount++}`;
  }

  override isVariable(): boolean {
    return true;
  }

  override isTrainableVariable(): boolean {
    return this.trainable && !this.isDisposed;
  }

  /**
   * Replaces the value; shape and dtype must match. Storage is immutable and reference-counted, so
   * a value already on the active backend is shared, not copied (an optimizer step assigns every
   * parameter and slot: copies were a full extra pass over the model each step); later changes to
   * either tensor are new storage and never reach the other.
   */
  assign(value: TensorLike): void {
    this.throwIfDisposed();
    const v = convertToTensor(value, 'Variable.assign', 'value', this.dtype);
    if (!shapesEqual(v.shape, this.shape) || v.dtype !== this.dtype) {
      fail('Variable.assign', `${this.name} is ${fmtShape(this.shape)} ${this.dtype}, got ${fmtShape(v.shape)} ${v.dtype}`);
    }
    const e = getEngine();
    e.notifyAssign(this, v);
    if (v.cell.backendName === e.backendName) {
      e.replaceData(this, { dataId: v.cell.dataId, shape: this.shape, dtype: this.dtype }, e.backendName);
    } else {
      e.replaceData(this, copyOnActiveBackend(v), e.backendName);
    }
    if (v !== value) v.dispose();
    this.version++;
  }

  /**
   * Moves this variable's storage to backend `name` in place (from any backend, a GPU included):
   * the same Variable object, so models and optimizers holding it keep working there.
   *
   * @example
   * ```ts
   * const w = soma.variable(soma.ones([2]));
   * await w.moveTo('cpu');
   * console.log(w.backendName);                      // 'cpu'
   * ```
   */
  async moveTo(name: string): Promise<void> {
    this.throwIfDisposed();
    if (this.backendName === name) return;
    const moved = await toBackendAsync(this, name);
    const e = getEngine();
    e.notifyAssign(this, moved);
    e.replaceData(this, { dataId: moved.cell.dataId, shape: this.shape, dtype: this.dtype }, name);
    moved.dispose();
    this.version++;
  }
}

function copyOnActiveBackend(t: Tensor): KernelTensor {
  const e = getEngine();
  const moved: KernelTensor[] = [];
  const src = e.kernelInput(t, e.backendName, moved);
  // cast to the same dtype is the kernel set's copy.
  const copy = e.backend.cast([src], { to: t.dtype });
  for (const m of moved) e.backend.disposeData(m.dataId);
  return copy;
}

/** Makes a trainable (by default) variable holding a copy of `initial`. */
export function variable(initial: TensorLike, trainable = true, name?: string, dtype?: DType): Variable {
  const e = getEngine();
  const t = convertToTensor(initial, 'variable', 'initial', dtype);
  const copy = copyOnActiveBackend(t);
  if (t !== initial) t.dispose();
  const v = e.makeTensor(copy, e.backendName, (cell, id) => new Variable(cell, copy.shape, copy.dtype, id, trainable, name));
  registerVariable(v);
  return v;
}
