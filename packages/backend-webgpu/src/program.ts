import type { DType, KernelTensor, Shape } from '@soma/core';

/** A compute dispatch: the shader (built once per key), its launch size and its metadata. */
export interface Program {
  /** Identifies the WGSL text, not the shapes: pipelines are cached by it. */
  readonly key: string;
  readonly shader: () => string;
  readonly workgroups: readonly [number, number, number];
  /** Integers the shader reads from `meta` (floats as bits): shapes, strides, attributes. */
  readonly meta: readonly number[];
}

/** Runs programs and allocates outputs; the backend implements it, kernels only describe work. */
export interface ProgramRunner {
  run(program: Program, inputs: readonly KernelTensor[], shape: Shape, dtype: DType, init?: KernelTensor | 'zeros'): KernelTensor;
  /** Runs a program with several outputs (bindings out0.. after the inputs). */
  runMulti(program: Program, inputs: readonly KernelTensor[], outputs: readonly { shape: Shape; dtype: DType }[]): KernelTensor[];
  /** Runs a program that writes part of an existing output (concat's pieces). */
  runInto(program: Program, inputs: readonly KernelTensor[], target: KernelTensor): void;
  /** An int32 table uploaded once per key and kept (address tables of convolutions). */
  constant(key: string, build: () => Int32Array): KernelTensor;
  /** Frees an intermediate. */
  dispose(t: KernelTensor): void;
  /** An output with no dispatch (empty tensors). */
  empty(shape: Shape, dtype: DType): KernelTensor;
  /** A new tensor that shares nothing with `x` but holds the same values (reshape-free copy). */
  copy(x: KernelTensor, shape?: Shape, dtype?: DType): KernelTensor;
}
