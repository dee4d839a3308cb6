import type { DType, TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';

/** Opaque handle to storage a backend owns. Only the backend that made it looks inside. */
export type DataId = object;

/** What a kernel sees of a tensor: its storage handle, shape and dtype. Row-major, contiguous. */
export interface KernelTensor {
  readonly dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Storage a backend manages: upload, download, free. */
export interface BackendStorage {
  /** Takes ownership of `values` (the caller will not touch it again). */
  write(values: TypedArray, shape: Shape, dtype: DType): KernelTensor;
  /** Asynchronous download into an array the caller owns (every backend supports it). */
  read(dataId: DataId): Promise<TypedArray>;
  /**
   * Synchronous download into an array the caller owns (never the backend's own storage); backends
   * that cannot (a GPU in a browser) throw, naming `data()` instead. `read` has the same contract.
   */
  readSync(dataId: DataId): TypedArray;
  /**
   * Frees the storage of `dataId`; the engine calls it when the last tensor viewing it is disposed.
   */
  disposeData(dataId: DataId): void;
}
