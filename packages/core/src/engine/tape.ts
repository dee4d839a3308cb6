import type { Tensor } from '../tensor.js';

/**
 * Gradient rule of one recorded op: output gradients in, one gradient (or null) per input out.
 * `needed[i]` says whether input i leads back to a source; rules may return null where it does not
 * (conv2d skips its input gradient for the first layer of a network, for example).
 */
export type BackwardFn = (dys: Tensor[], node: TapeNode, needed: readonly boolean[]) => (Tensor | null)[];

export interface TapeNode {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  /** Extra tensors the gradient needs beyond inputs and outputs. */
  readonly saved: readonly Tensor[];
  readonly backward: BackwardFn;
}

/**
 * The record of one gradient computation. Only ops reachable from a watched tensor are recorded,
 * so a forward pass that never touches the sources costs nothing here.
 */
export class Tape {
  readonly nodes: TapeNode[] = [];
  readonly watched = new Set<number>();
  /** Tensors the recorded gradients may read; scopes must not free them while the tape is active. */
  readonly held = new Set<Tensor>();
  constructor(readonly watchVariables: boolean) {}

  watch(t: Tensor): void {
    this.watched.add(t.id);
  }

  isWatched(t: Tensor): boolean {
    return this.watched.has(t.id) || (this.watchVariables && t.isTrainableVariable());
  }
}
