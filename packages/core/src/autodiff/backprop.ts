import { getEngine } from '../engine/engine.js';
import { fail, fmtShape } from '../errors.js';
import { Tape } from '../engine/tape.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from '../ops/binary.js';
import { onesLike, zerosLike } from '../ops/creation.js';

/**
 * Reverse-mode sweep over a finished tape: seeds `y` with `dy`, walks the nodes backwards and
 * accumulates one gradient per tensor. Gradient ops run normally, so outer tapes record them
 * (that is what makes gradients of gradients work).
 */
export function backprop(tape: Tape, y: Tensor, dy: Tensor, xs: readonly Tensor[]): Tensor[] {
  const grads = new Map<number, Tensor>([[y.id, dy]]);
  for (let i = tape.nodes.length - 1; i >= 0; i--) {
    const node = tape.nodes[i];
    if (!node.outputs.some((o) => grads.has(o.id))) continue;
    const dys = node.outputs.map((o) => grads.get(o.id) ?? zerosLike(o));
    const needed = node.inputs.map((t) => t.dtype === 'float32' && tape.isWatched(t));
    const dxs = node.backward(dys, node, needed);
    if (dxs.length !== node.inputs.length) fail('backprop', `gradient of '${node.name}' returned ${dxs.length} values for ${node.inputs.length} inputs`);
    for (let j = 0; j < dxs.length; j++) {
      const dx = dxs[j];
      const input = node.inputs[j];
      if (dx === null || !needed[j]) continue;
      if (!shapesEqual(dx.shape, input.shape)) {
        fail('backprop', `gradient of '${node.name}' for input ${j} has shape ${fmtShape(dx.shape)} but the input is ${fmtShape(input.shape)}`);
      }
      const prev = grads.get(input.id);
      grads.set(input.id, prev ? add(prev, dx) : dx);
    }
  }
  return xs.map((x) => grads.get(x.id) ?? zerosLike(x));
}

/** Runs `f` under a fresh tape watching `xs` (and trainable variables when asked), then differentiates. */
export function gradientsOf(
  op: string, f: () => Tensor, xs: readonly Tensor[], dy: Tensor | undefined, watchVariables: boolean,
  variablesOf?: (tape: Tape) => Tensor[], returnValue = true,
): { value: Tensor; grads: Tensor[]; sources: Tensor[] } {
  const e = getEngine();
  for (const x of xs) if (x.dtype !== 'float32') fail(op, `can only differentiate with respect to float32 tensors, got ${x.dtype} ${fmtShape(x.shape)}`);
  e.startScope();
  const keep = new Set<Tensor>();
  try {
    const tape = new Tape(watchVariables);
    for (const x of xs) tape.watch(x);
    e.tapes.push(tape);
    let value: Tensor;
    try {
      value = f();
    } finally {
      e.tapes.splice(e.tapes.lastIndexOf(tape), 1);
    }
    if (!value || typeof value !== 'object' || !('shape' in value)) fail(op, 'the function must return a Tensor');
    if (value.dtype !== 'float32') fail(op, `the function must return a float32 tensor, got ${value.dtype}`);
    if (dy && !shapesEqual(dy.shape, value.shape)) fail(op, `dy has shape ${fmtShape(dy.shape)} but the function's value has shape ${fmtShape(value.shape)}`);
    const sources = variablesOf ? [...xs, ...variablesOf(tape)] : [...xs];
    const seed = dy ?? onesLike(value);
    let grads = backprop(tape, value, seed, sources);
    // A gradient that is the caller's own tensor (identity functions) is copied so disposing one leaves the other.
    grads = grads.map((g) => (g === dy || xs.includes(g) ? g.reshape(g.shape) : g));
    // An unreturned value is left to the scope, which frees it unless an outer tape still needs it.
    if (returnValue) keep.add(value);
    for (const g of grads) keep.add(g);
    return { value, grads, sources };
  } finally {
    e.endScope(keep);
  }
}
