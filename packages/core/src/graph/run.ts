import { getEngine } from '../engine/engine.js';
import { fail, fmtShape } from '../errors.js';
import { keep, tidy } from '../memory.js';
import type { KernelName, KernelTensor } from '../kernels/index.js';
import { registerDefaultBody } from '../kernels/registry.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { chainAt, useCounts, type FusedChain } from './fusion.js';
import { parseDim, type Graph } from './graph.js';

// The optional 'fusedElementwise' kernel's default body: the chain's steps, one kernel each.
registerDefaultBody('fusedElementwise', (inputs, chain) => {
  const e = getEngine();
  const results: Tensor[] = [];
  for (const step of chain.steps) {
    const args = step.args.map((a) => (a < 0 ? inputs[-a - 1] : results[a]));
    results.push(e.runKernel(step.kernel, args as never, step.attrs as never));
  }
  return results[results.length - 1];
});

/** The sizes of the graph's symbolic dimensions, read off the actual inputs. */
function bindDims(graph: Graph, inputs: readonly Tensor[]): Map<string, number> {
  const dims = new Map<string, number>();
  const given = graph.callerInputs;
  if (inputs.length !== given.length) fail('runGraph', `the graph takes ${given.length} input(s), got ${inputs.length}`);
  given.forEach((v, i) => {
    const t = inputs[i];
    const bad = () => fail('runGraph', `input ${i} (${v.name ?? v.id}) must be ${v.dtype}[${v.shape.join(',')}], got ${t.dtype}${fmtShape(t.shape)}`);
    if (t.dtype !== v.dtype || t.rank !== v.shape.length) bad();
    v.shape.forEach((d, k) => {
      if (typeof d === 'number') {
        if (t.shape[k] !== d) bad();
      } else if (/^[A-Za-z_]\w*$/.test(d)) {
        if (dims.has(d) && dims.get(d) !== t.shape[k]) bad();
        dims.set(d, t.shape[k]);
      }
    });
  });
  return dims;
}

/** A node's attributes with its symbolic entries evaluated for the bound dimension sizes. */
function attrsFor(graph: Graph, index: number, dims: Map<string, number>): Record<string, unknown> {
  const attrs = graph.nodes[index].attrs;
  const sym = graph.symbolicAttrs.filter((s) => s.node === index);
  if (!sym.length) return attrs as Record<string, unknown>;
  const out: Record<string, unknown> = { ...attrs };
  for (const s of sym) {
    const size = dims.get(s.dim) ?? s.example;
    const value = s.base + s.scale * (size - s.example);
    if (s.index === null) out[s.key] = value;
    else {
      const list = [...(out[s.key] as number[])];
      list[s.index] = value;
      out[s.key] = list;
    }
  }
  return out;
}

/**
 * Runs a Graph node by node on the active backend (or hands it whole to a backend that offers
 * `runGraph`) and returns its outputs; 'assign' nodes update the graph's variables. Not
 * differentiable itself: to train through a graph, trace the training step.
 */
export function runGraph(graph: Graph, callerInputs: readonly Tensor[]): Tensor[] {
  const dims = bindDims(graph, callerInputs);
  const computed = hostInputs(graph, dims);
  try {
    return runBound(graph, [...callerInputs, ...computed], dims);
  } finally {
    for (const t of computed) t.dispose();
  }
}

/** This run's values of the graph's host inputs, in input order, shapes resolved. */
function hostInputs(graph: Graph, dims: Map<string, number>): Tensor[] {
  if (!graph.hostInputs.size) return [];
  const run = ++graph.runs;
  return graph.inputs.filter((v) => graph.hostInputs.has(v.id)).map((v) => {
    const shape = v.shape.map((d) => (typeof d === 'number' ? d : resolveDim(d, dims)));
    const t = graph.hostInputs.get(v.id)!(shape, run, dims);
    if (t.dtype !== v.dtype || t.shape.join() !== shape.join()) fail('runGraph', `host input ${v.name ?? v.id} computed ${t.dtype}${fmtShape(t.shape)}, the graph expects ${v.dtype}${fmtShape(shape)}`);
    return keep(t);
  });
}

/** A symbolic dimension's size: a bound name, or an expression 'batch*k+c' that trace wrote. */
function resolveDim(d: string, dims: Map<string, number>): number {
  const p = parseDim(d);
  const size = p ? dims.get(p.name) : undefined;
  if (!p || size === undefined) return fail('runGraph', `cannot resolve the symbolic dimension '${d}'`);
  return size * p.scale + p.offset;
}

/**
 * Per graph, the values whose last reader each node is (or, read by nothing, whose producer), graph
 * outputs excepted: the node-by-node run frees them as soon as that node ran, so intermediates go
 * back to the backend's pool while the step runs — the next kernel's output takes the block just
 * freed, still in cache — instead of all living until the end of the graph.
 */
const lastReaders = new WeakMap<Graph, number[][]>();

function freeLists(graph: Graph): number[][] {
  let lists = lastReaders.get(graph);
  if (lists) return lists;
  const last = new Map<number, number>();
  graph.nodes.forEach((n, i) => {
    for (const id of n.outputs) last.set(id, i);
    for (const id of n.inputs) if (id !== null && last.has(id)) last.set(id, i);
  });
  for (const v of graph.outputs) last.delete(v.id);
  lists = graph.nodes.map(() => []);
  for (const [id, i] of last) lists[i].push(id);
  lastReaders.set(graph, lists);
  return lists;
}

/** Chains found per graph and input-shape signature, by first node: planning runs once per shape. */
const fusionPlans = new WeakMap<Graph, Map<string, Map<number, FusedChain | null>>>();
const useCache = new WeakMap<Graph, Map<number, number>>();

function runBound(graph: Graph, inputs: readonly Tensor[], dims: Map<string, number>): Tensor[] {
  const e = getEngine();
  const backend = e.backend;
  if (backend.runGraph) {
    const name = e.backendName;
    const moved: KernelTensor[] = [];
    try {
      const outs = backend.runGraph(graph, inputs.map((t) => e.kernelInput(t, name, moved)));
      if (outs) {
        const tensors = outs.map((kt) => e.makeTensor(kt, name));
        const assigns = graph.nodes.filter((n) => n.op === 'assign');
        assigns.forEach((n, k) => {
          const value = tensors[graph.outputs.length + k];
          graph.variables.get(n.inputs[0]!)!.assign(value);
          value.dispose();
        });
        return tensors.slice(0, graph.outputs.length);
      }
    } finally {
      for (const m of moved) backend.disposeData(m.dataId);
    }
  }
  return tidy(() => {
    const env = new Map<number, Tensor>();
    graph.inputs.forEach((v, i) => env.set(v.id, inputs[i]));
    const get = (id: number | null): Tensor | undefined => {
      if (id === null) return undefined;
      const t = env.get(id) ?? graph.constants.get(id) ?? graph.variables.get(id);
      if (!t) fail('runGraph', `value ${id} is used before it is computed (the graph is not in execution order)`);
      return t;
    };
    // Chains of elementwise nodes run as one kernel where the backend fuses them.
    // A tracer of a function that runs this graph records the plain kernels (chains are planned per shape).
    const fuse = backend.fusedElementwise && !e.isTracing();
    let uses = fuse ? useCache.get(graph) ?? null : null;
    if (fuse && !uses) useCache.set(graph, (uses = useCounts(graph)));
    const symbolic = new Set(graph.symbolicAttrs.map((a) => a.node));
    const signature = inputs.map((t) => t.shape.join('x')).join('|');
    let byGraph = fusionPlans.get(graph);
    if (!byGraph) fusionPlans.set(graph, (byGraph = new Map()));
    let planned = byGraph.get(signature);
    if (!planned) byGraph.set(signature, (planned = new Map()));
    const lookup = (id: number) => env.get(id) ?? graph.constants.get(id) ?? graph.variables.get(id);
    const frees = freeLists(graph);
    const given = new Set(inputs);
    const free = (from: number, to: number) => {
      for (let k = from; k <= to; k++) {
        for (const id of frees[k]) {
          const t = env.get(id);
          if (t && !given.has(t)) {
            t.dispose();
            env.delete(id);
          }
        }
      }
    };
    for (let i = 0; i < graph.nodes.length; i++) {
      const node = graph.nodes[i];
      let fused = uses ? planned.get(i) : null;
      if (fused === undefined) planned.set(i, (fused = chainAt(graph, i, uses!, lookup, symbolic)));
      if (fused) {
        // Through the dispatch point: the backend's one kernel, or (declined) the steps one by one.
        env.set(graph.nodes[i + fused.length - 1].outputs[0], e.runKernel('fusedElementwise', fused.inputIds.map((id) => lookup(id)!), fused.chain));
        free(i, i + fused.length - 1);
        i += fused.length - 1;
        continue;
      }
      const ins = node.inputs.map(get);
      const attrs = attrsFor(graph, i, dims);
      if (node.op === 'assign') (ins[0] as Variable).assign(ins[1]!);
      else if (node.op === 'reshape') env.set(node.outputs[0], ins[0]!.reshape(attrs.shape as number[]));
      else env.set(node.outputs[0], e.runKernel(node.op as KernelName, ins as never, attrs as never));
      free(i, i);
    }
    return graph.outputs.map((v) => get(v.id)!.reshape(get(v.id)!.shape));
  });
}
