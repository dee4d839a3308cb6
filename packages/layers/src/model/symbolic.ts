import type { DType } from '@soma/core';
import type { Layer } from './layer.js';
import type { LayerShape } from './shapes.js';

/**
 * A placeholder flowing through layers when a functional model is defined: it has a shape and
 * dtype but no values, and remembers which layer produced it from which inputs.
 */
export class SymbolicTensor {
  private static count = 0;
  readonly id = SymbolicTensor.count++;

  constructor(
    readonly shape: LayerShape,
    readonly dtype: DType,
    /** The layer whose call produced this tensor. */
    readonly sourceLayer: Layer,
    /** The symbolic inputs of that call (empty for model inputs). */
    readonly inputs: readonly SymbolicTensor[],
    /** Which of the call's outputs this is. */
    readonly outputIndex = 0,
    /** Keyword arguments of the call (e.g. the initial state of a recurrent layer). */
    readonly callArgs: Readonly<Record<string, unknown>> = {},
    /** Whether the layer was called with a list of inputs (merge layers) rather than one tensor. */
    readonly listInput = false,
  ) {}

  get rank(): number {
    return this.shape.length;
  }
}

export function isSymbolic(x: unknown): x is SymbolicTensor {
  return x instanceof SymbolicTensor;
}
