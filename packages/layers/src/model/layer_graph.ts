import type { Tensor } from '@soma/core';
import { hasMask, type CallArgs, type Layer, type LayerMask } from './layer.js';
import type { SymbolicTensor } from './symbolic.js';

/** One call of a layer inside a functional model: its symbolic inputs and outputs. */
export interface GraphNode {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  readonly args: Readonly<Record<string, unknown>>;
  /** Whether the layer was called with a list (merge layers) rather than one tensor. */
  readonly listInput: boolean;
}

/**
 * The nodes that lead from `inputs` to `outputs`, in an order where every node comes after the
 * nodes it reads from. Throws when an output depends on a symbolic tensor that is not an input.
 */
export function topologicalNodes(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): GraphNode[] {
  const byCall = new Map<readonly SymbolicTensor[], GraphNode>();
  const order: GraphNode[] = [];
  const visiting = new Set<GraphNode>();
  const inputSet = new Set(inputs);
  const visit = (t: SymbolicTensor): void => {
    if (inputSet.has(t)) return;
    if (t.inputs.length === 0) {
      throw new Error(`model: output depends on '${t.sourceLayer.name}', which is not among the model's inputs (${inputs.map((i) => i.sourceLayer.name).join(', ')})`);
    }
    let node = byCall.get(t.inputs);
    if (node) {
      if (!node.outputs.includes(t)) node.outputs[t.outputIndex] = t;
      if (visiting.has(node) || order.includes(node)) return;
    } else {
      node = { layer: t.sourceLayer, inputs: t.inputs, outputs: [], args: t.callArgs, listInput: t.listInput };
      node.outputs[t.outputIndex] = t;
      byCall.set(t.inputs, node);
    }
    visiting.add(node);
    for (const i of node.inputs) visit(i);
    visiting.delete(node);
    if (!order.includes(node)) order.push(node);
  };
  for (const o of outputs) visit(o);
  return order;
}

/**
 * Runs the graph on concrete tensors; intermediates are freed by the caller's tidy. Masks travel
 * beside the tensors: each layer receives its inputs' masks and says its output's (computeMask).
 */
export function runLayerGraph(nodes: readonly GraphNode[], inputs: readonly SymbolicTensor[], values: readonly Tensor[], outputs: readonly SymbolicTensor[], args: CallArgs): Tensor[] {
  const env = new Map<SymbolicTensor, Tensor>();
  const masks = new Map<SymbolicTensor, Tensor | null>();
  inputs.forEach((s, i) => env.set(s, values[i]));
  const { mask: _ignored, ...shared } = args;
  for (const node of nodes) {
    const ins = node.inputs.map((s) => env.get(s)!);
    const inMasks = node.inputs.map((s) => masks.get(s) ?? null);
    const x = node.listInput ? ins : ins[0];
    const mask: LayerMask = node.listInput ? inMasks : inMasks[0];
    const callArgs = hasMask(mask) ? { ...node.args, ...shared, mask } : { ...node.args, ...shared };
    const result = node.layer.apply(x, callArgs);
    const outs = Array.isArray(result) ? result : [result];
    const outMask = hasMask(mask) || node.layer.makesMask ? node.layer.computeMask(x, mask) : null;
    node.outputs.forEach((s, i) => {
      if (!s) return;
      env.set(s, outs[i]);
      const m = Array.isArray(outMask) ? outMask[i] ?? null : i === 0 ? outMask : null;
      if (m) masks.set(s, m);
    });
  }
  return outputs.map((o) => env.get(o)!);
}
