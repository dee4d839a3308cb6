import type { BinaryOp, ElementwiseChain } from '../kernels/index.js';
import { COMPARISON_OPS } from '../kernels/registry.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Graph, GraphNode } from './graph.js';


/** Float32 elementwise nodes a chain may hold (comparisons and casts change the dtype). */
function fusable(node: GraphNode): boolean {
  if (node.op === 'unary') return node.attrs.op !== 'logicalNot';
  if (node.op === 'binary') return !COMPARISON_OPS.has(node.attrs.op as BinaryOp);
  return node.op === 'leakyRelu' || node.op === 'clip';
}

/** How often each value is read: by nodes, and once more for each graph output it is. */
export function useCounts(graph: Graph): Map<number, number> {
  const uses = new Map<number, number>();
  const add = (id: number | null) => id !== null && uses.set(id, (uses.get(id) ?? 0) + 1);
  for (const n of graph.nodes) n.inputs.forEach(add);
  for (const v of graph.outputs) add(v.id);
  return uses;
}

/**
 * The longest chain of elementwise nodes starting at node `start` that can run as one kernel:
 * consecutive float32 elementwise nodes whose results all have one shape, whose intermediates are
 * read only inside the chain, and whose other inputs are already computed (`lookup`, which gives
 * their shapes and dtypes). Null for fewer than two nodes. The answer depends only on the graph and
 * its input shapes, so callers cache it per shape signature.
 */
/** A chain found in a graph: the kernel description, its inputs' value ids, how many nodes it covers. */
export interface FusedChain {
  chain: ElementwiseChain;
  inputIds: number[];
  length: number;
}

export function chainAt(
  graph: Graph, start: number, uses: ReadonlyMap<number, number>, lookup: (id: number) => Tensor | undefined, symbolic: ReadonlySet<number>,
): FusedChain | null {
  const nodes = graph.nodes;
  const first = nodes[start];
  if (!fusable(first) || symbolic.has(start)) return null;
  const produced = new Map<number, number>(); // value id -> step index
  const inputs: number[] = [];
  const inputIndex = new Map<number, number>();
  const steps: ElementwiseChain['steps'][number][] = [];
  let shape: readonly number[] | null = null;
  const shapes: (readonly number[])[] = [];
  let end = start;
  for (let i = start; i < nodes.length; i++) {
    const node = nodes[i];
    if (!fusable(node) || symbolic.has(i)) break;
    const argShapes: (readonly number[])[] = [];
    const args: number[] = [];
    let ok = true;
    const pendingInputs: number[] = [];
    const pendingIndex = new Map<number, number>();
    for (const id of node.inputs) {
      if (id === null) { ok = false; break; }
      const step = produced.get(id);
      if (step !== undefined) {
        args.push(step);
        argShapes.push(shapes[step]);
        continue;
      }
      const t = lookup(id);
      if (!t || t.dtype !== 'float32') { ok = false; break; }
      let k = inputIndex.get(id) ?? pendingIndex.get(id);
      if (k === undefined) {
        k = inputs.length + pendingInputs.length;
        pendingIndex.set(id, k);
        pendingInputs.push(id);
      }
      args.push(-k - 1);
      argShapes.push(t.shape);
    }
    if (!ok) break;
    const out = argShapes.length === 1 ? argShapes[0] : broadcastShapes('fusion', ...argShapes);
    if (shape === null) shape = out;
    else if (!shapesEqual(out, shape)) break;
    for (const [id, k] of pendingIndex) inputIndex.set(id, k);
    inputs.push(...pendingInputs);
    steps.push({ kernel: node.op as ElementwiseChain['steps'][number]['kernel'], attrs: node.attrs, args });
    produced.set(node.outputs[0], steps.length - 1);
    shapes.push(out);
    end = i;
  }
  // The longest prefix whose intermediates nothing outside it reads.
  for (let last = end; last > start; last--) {
    const length = last - start + 1;
    const inner = nodes.slice(start, last).map((n) => n.outputs[0]);
    const readInside = (id: number) => nodes.slice(start, last + 1).reduce((c, n) => c + n.inputs.filter((x) => x === id).length, 0);
    if (inner.every((id) => readInside(id) === (uses.get(id) ?? 0))) {
      const used = new Set<number>();
      const chainSteps = steps.slice(0, length);
      chainSteps.forEach((s) => s.args.forEach((a) => a < 0 && used.add(-a - 1)));
      // Inputs only later (dropped) steps read are dropped too, keeping indices dense.
      const keep = inputs.map((_, k) => used.has(k));
      const remap = new Map<number, number>();
      keep.forEach((k, i) => k && remap.set(i, remap.size));
      const remapped = chainSteps.map((s) => ({ ...s, args: s.args.map((a) => (a < 0 ? -remap.get(-a - 1)! - 1 : a)) }));
      return { chain: { shape: shape!, steps: remapped }, inputIds: inputs.filter((_, k) => keep[k]), length };
    }
  }
  return null;
}
