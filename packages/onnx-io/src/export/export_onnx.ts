import * as soma from '@soma/core';
import type { DerivedInput, Dim, Graph, GraphNode, Tensor, ValueInfo } from '@soma/core';
import { encodeModel, type ModelProto, type ValueInfoProto } from '../proto.js';
import { encodeTensor, onnxType } from '../tensor_proto.js';
import { Emitter } from './emitter.js';
import { NotExportable, translate } from './kernels.js';

/**
 * Options of `exportOnnx`: opset, input shapes for functions, a symbolic batch, and input and
 * output names.
 */
export interface ExportOptions {
  /** ONNX opset, 13 to 21 (default 17). */
  opset?: number;
  /** Example input shapes: required for functions; for models, fixed sizes for their unknown dimensions (the batch stays symbolic with dynamicBatch). */
  inputShapes?: readonly (readonly number[])[];
  /** Let the first dimension of every input vary (default true): it becomes the symbolic 'batch'. */
  dynamicBatch?: boolean;
  /**
   * Other dimensions that vary, per input index, as torch.onnx.export's dynamic_axes:
   * `{ 0: { 1: 'sequence' } }`. For a model, every unknown (null) dimension of its inputs varies
   * already: axis 1 is 'sequence' (`<input>_sequence` with several inputs), others `<input>_dim<k>`.
   */
  dynamicAxes?: Readonly<Record<number, Readonly<Record<number, string>>>>;
  /** Names of the graph's inputs and outputs (models: their input and output layers' names). */
  inputNames?: readonly string[];
  outputNames?: readonly string[];
}

/** What exportOnnx needs of a @soma/layers model (onnx-io does not depend on layers). */
export interface ExportableModel {
  readonly name: string;
  readonly inputs: readonly { readonly shape: readonly (number | null)[]; readonly dtype: soma.DType; readonly sourceLayer: { readonly name: string } }[];
  readonly outputs: readonly { readonly sourceLayer: { readonly name: string } }[];
  /** Runs the model on concrete inputs (what the exporter traces). */
  call(inputs: Tensor | Tensor[], args: { training?: boolean }): Tensor | Tensor[];
}

/** ONNX's TensorProto type of int64 (Soma has no int64 dtype; ids are declared so, as PyTorch writes them). */
const INT64 = 7;

const IR_VERSION: Record<number, number> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

function isModel(x: unknown): x is ExportableModel {
  return typeof x === 'object' && x !== null && 'call' in x && 'inputs' in x && 'outputs' in x;
}

/** A graph input's or output's declaration; `elemType` overrides the dtype's ONNX type. */
function valueInfo(name: string, v: ValueInfo, elemType = onnxType(v.dtype)): ValueInfoProto {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

/**
 * The graph's nodes with each 2-D matmul (fused with bias and activation too) written as one: core runs a [m, k]·[k, n] product as
 * reshapes to [1, m, k] and [1, k, n], a batched matmul and a reshape back; PyTorch (and every
 * reader) expects the plain MatMul of the two matrices, as dense layers are. Indices stay those of
 * `graph.nodes` (symbolic attributes refer to them); the reshapes left unread drop out later.
 */
function twoDimensionalMatmuls(graph: Graph): GraphNode[] {
  const nodes = [...graph.nodes];
  const producer = new Map<number, number>();
  const readers = new Map<number, number[]>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) producer.set(o, i);
    for (const id of n.inputs) if (id !== null) (readers.get(id) ?? readers.set(id, []).get(id)!).push(i);
  });
  const outputs = new Set(graph.outputs.map((v) => v.id));
  const shape = (id: number) => graph.values.get(id)?.shape ?? [];
  // The rank-2 value a [1, …] view was made from.
  const matrixOf = (id: number): number | null => {
    const p = producer.get(id);
    const n = p === undefined ? null : nodes[p];
    if (!n || n.op !== 'reshape' || n.inputs[0] === null) return null;
    const src = shape(n.inputs[0]);
    const out = shape(id);
    return src.length === 2 && out.length === 3 && out[0] === 1 && out[1] === src[0] && out[2] === src[1] ? n.inputs[0] : null;
  };
  nodes.forEach((n, i) => {
    if (n.op !== 'matmul' && n.op !== 'matmulActivated') return;
    const [a, b] = n.inputs.slice(0, 2).map((id) => (id === null ? null : matrixOf(id)));
    const users = readers.get(n.outputs[0]) ?? [];
    if (a === null || b === null || users.length !== 1 || outputs.has(n.outputs[0])) return;
    const back = nodes[users[0]];
    const out = shape(n.outputs[0]);
    const target = shape(back.outputs[0]);
    if (back.op !== 'reshape' || target.length !== 2 || target[0] !== out[1] || target[1] !== out[2]) return;
    nodes[i] = { ...n, inputs: [a, b, ...n.inputs.slice(2)], outputs: back.outputs };
    nodes[users[0]] = { op: 'reshape', attrs: {}, inputs: [], outputs: [] };
  });
  return nodes;
}

/**
 * Writes a Graph as an ONNX model. Variables become initializers named after them, constants
 * initializers too; every node that has no ONNX form is listed in one error.
 */
export async function graphToOnnx(graph: Graph, options: GraphExportOptions = {}): Promise<Uint8Array> {
  const data = new Map<number, ArrayLike<number>>();
  for (const [id, v] of graph.variables) data.set(id, await v.data());
  for (const [id, t] of graph.constants) data.set(id, await t.data());
  return graphToOnnxWith(graph, options, data);
}

/**
 * Options of `graphToOnnx`: variables as inputs or initializers, opset, names, and whether output
 * shapes are left unknown.
 */
export interface GraphExportOptions {
  /**
   * Whole-graph execution (the native backend): variables become graph inputs named after them
   * instead of initializers, and each 'assign' node becomes an extra output `assign_<k>` holding
   * the variable's new value (later reads in the graph see it), in node order.
   */
  variablesAsInputs?: boolean;
  /**
   * With variablesAsInputs, only these variables (by value id) become inputs; the others are
   * written as initializers holding their current values, so onnxruntime can fold them (batch
   * norm into convolution). Default: every variable.
   */
  variableInputs?: ReadonlySet<number>;
  /**
   * Inputs holding indices (int32, or float32 read only through a cast to int32, as a Keras
   * Input feeding an Embedding) are declared int64, as PyTorch writes token ids, and cast inside.
   */
  int64Indices?: boolean;
  /** Write the outputs without shapes (rank unknown), as a one-kernel model whose output rank the caller does not compute. */
  unknownOutputShapes?: boolean;
  opset?: number;
  inputNames?: readonly string[];
  outputNames?: readonly string[];
  name?: string;
}

/** graphToOnnx with the values of the variables and constants already read (synchronous). */
export function graphToOnnxWith(graph: Graph, options: GraphExportOptions, data: ReadonlyMap<number, ArrayLike<number>>): Uint8Array {
  const opset = options.opset ?? 17;
  if (!IR_VERSION[opset]) throw new Error(`exportOnnx: opset must be 13 to 21, got ${opset}`);
  const em = new Emitter(opset);
  const names = new Map<number, string>();
  graph.inputs.forEach((v, i) => names.set(v.id, options.inputNames?.[i] ?? v.name ?? `input_${i}`));
  for (const [id, v] of graph.variables) names.set(id, v.name);
  for (const [id] of graph.constants) names.set(id, `const_${id}`);
  const outNames = new Map<number, string>();
  graph.outputs.forEach((v, i) => {
    // An output that is an input, constant or variable is passed through an Identity node.
    if (!outNames.has(v.id)) outNames.set(v.id, options.outputNames?.[i] ?? `output_${i}`);
  });
  const nameOf = (id: number): string => names.get(id) ?? outNames.get(id) ?? `v${id}`;
  const problems: string[] = [];
  // Each symbolic dimension's size as an int64 [1], read once off the first input that has it.
  const dimSizes = new Map<string, string>();
  const dimSize = (dim: string): string => {
    let name = dimSizes.get(dim);
    if (name) return name;
    const input = graph.inputs.find((v) => v.shape.includes(dim) && !graph.hostInputs.has(v.id));
    if (!input) throw new NotExportable(`no graph input has the dimension '${dim}'`);
    const shape = em.apply('Shape', [nameOf(input.id)]);
    name = em.apply('Gather', [shape, em.int64s([input.shape.indexOf(dim)], 'axis')], { axis: { i: 0 } });
    dimSizes.set(dim, name);
    return name;
  };
  const runtimeInts = (index: number) => (key: string): string => {
    const list = graph.nodes[index].attrs[key] as readonly number[];
    const sym = graph.symbolicAttrs.filter((s) => s.node === index && s.key === key);
    if (!sym.length) return em.int64s(list, key);
    if (sym.some((s) => s.index === null)) throw new NotExportable(`attribute ${key} is not a list`);
    const parts = list.map((v, k) => {
      const s = sym.find((e) => e.index === k);
      if (!s) return em.int64s([v], key);
      // base + scale · (size − example) = scale · size + (base − scale · example)
      const scaled = s.scale === 1 ? dimSize(s.dim) : em.apply('Mul', [dimSize(s.dim), em.int64s([s.scale], 'scale')]);
      const offset = s.base - s.scale * s.example;
      return offset ? em.apply('Add', [scaled, em.int64s([offset], 'offset')]) : scaled;
    });
    return parts.length === 1 ? parts[0] : em.apply('Concat', parts, { axis: { i: 0 } });
  };
  // A symbolic dimension expression ('batch', 'batch*2+1') as an int64 [1] computed from the inputs.
  const dimValue = (d: Dim): string => {
    if (typeof d === 'number') return em.int64s([d], 'dim');
    const p = soma.parseDim(d);
    if (!p) throw new NotExportable(`cannot compute the dimension '${d}'`);
    let v = dimSize(p.name);
    if (p.scale !== 1) v = em.apply('Mul', [v, em.int64s([p.scale], 'scale')]);
    if (p.offset) v = em.apply('Add', [v, em.int64s([p.offset], 'offset')]);
    return v;
  };
  // Host inputs that follow from the sizes (a count, a tensor of zeros shaped like the batch) are computed in the graph.
  const emitDerived = (v: ValueInfo, d: DerivedInput): void => {
    const out = nameOf(v.id);
    if (d.kind === 'fill') {
      const shape = v.shape.length ? em.apply('Concat', v.shape.map(dimValue), { axis: { i: 0 } }) : em.int64s([], 'shape');
      em.node('ConstantOfShape', [shape], [out], { value: { t: encodeTensor('value', [1], v.dtype, [d.value]) } });
      return;
    }
    // base + scale · (size − example), in the value's dtype and shape.
    const size = em.apply('Cast', [dimSize(d.dim)], { to: { i: onnxType(v.dtype) } });
    const scaled = d.scale === 1 ? size : em.apply('Mul', [size, em.scalar(d.scale, v.dtype)]);
    const offset = d.base - d.scale * d.example;
    const value = offset ? em.apply('Add', [scaled, em.scalar(offset, v.dtype)]) : scaled;
    em.node('Reshape', [value, em.int64s(v.shape as number[], 'shape')], [out]);
  };
  const assigned: { name: string; dtype: soma.DType }[] = [];
  const nodes = twoDimensionalMatmuls(graph);
  // Only what the outputs (and assignments) need: a trace also records checks whose results
  // nothing reads (an embedding's id range), which would only weigh on the file and on readers.
  const live = new Set(graph.outputs.map((v) => v.id));
  const needed = new Set<number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.op !== 'assign' && !n.outputs.some((id) => live.has(id))) continue;
    needed.add(i);
    for (const id of n.inputs) if (id !== null) live.add(id);
  }
  // Index inputs: declared int64 under their own name; the graph reads a cast of them.
  const declared = new Map<number, string>();
  if (options.int64Indices) {
    for (const v of graph.inputs) {
      const users = nodes.filter((n, i) => needed.has(i) && n.inputs.includes(v.id));
      // Keras-style float ids: read as an embedding's int32 ids, and otherwise only compared (a padding mask).
      const castToInt = (n: GraphNode) => n.op === 'cast' && (n.attrs as { to?: unknown }).to === 'int32';
      const compared = (n: GraphNode) => n.op === 'binary' && soma.COMPARISON_OPS.has((n.attrs as { op: soma.BinaryOp }).op);
      const ids = users.some(castToInt) && users.every((n) => castToInt(n) || compared(n));
      if ((v.dtype !== 'int32' && !(v.dtype === 'float32' && ids)) || graph.outputs.some((o) => o.id === v.id)) continue;
      const name = nameOf(v.id);
      names.set(v.id, em.apply('Cast', [name], { to: { i: onnxType(v.dtype) } }, `${name}~${v.dtype}`));
      declared.set(v.id, name);
    }
  }
  // Constants first, as Constant nodes, so every node after them can read them.
  for (const [id, t] of graph.constants) if (live.has(id)) em.constant(nameOf(id), t.shape, t.dtype, data.get(id)!);
  for (const v of graph.inputs) {
    const d = graph.derivedInputs.get(v.id);
    if (!d || !live.has(v.id)) continue;
    try {
      emitDerived(v, d);
    } catch (e) {
      if (!(e instanceof NotExportable)) throw e;
      problems.push(`input ${v.name ?? v.id}: ${e.message}`);
    }
  }
  const isInput = (id: number) => !!options.variablesAsInputs && (!options.variableInputs || options.variableInputs.has(id));
  const views = new Map<number, number | null>();
  for (const n of nodes) if (n.op === 'reshape' && n.outputs.length) views.set(n.outputs[0], n.inputs[0]);
  nodes.forEach((node, index) => {
    if (!needed.has(index)) return;
    // A view that changes nothing (a dense layer's reshape back to the shape it had) is its input.
    if (node.op === 'reshape' && node.inputs[0] !== null && !outNames.has(node.outputs[0])) {
      const from = graph.values.get(node.inputs[0])?.shape;
      const to = graph.values.get(node.outputs[0])?.shape;
      if (from && to && from.length === to.length && from.every((d, k) => d === to[k])) {
        names.set(node.outputs[0], nameOf(node.inputs[0]));
        return;
      }
    }
    if (node.op === 'assign' && options.variablesAsInputs) {
      const value = nameOf(node.inputs[1]!);
      const out = `assign_${assigned.length}`;
      em.node('Identity', [value], [out]);
      assigned.push({ name: out, dtype: graph.values.get(node.inputs[0]!)!.dtype });
      names.set(node.inputs[0]!, value);
      return;
    }
    const symbolic = new Map<string, Set<number | null>>();
    for (const s of graph.symbolicAttrs) if (s.node === index) (symbolic.get(s.key) ?? symbolic.set(s.key, new Set()).get(s.key)!).add(s.index);
    const out = node.outputs.length ? nameOf(node.outputs[0]) : '';
    try {
      translate({
        em, node, attrs: node.attrs as Record<string, unknown>, symbolic, out, runtimeInts: runtimeInts(index),
        constant: (k) => {
          // Through views: a layer's weight reaches its kernel as a reshape of the variable.
          let id: number | null = node.inputs[k] ?? null;
          while (id !== null && views.has(id)) id = views.get(id) ?? null;
          return id !== null && (graph.constants.has(id) || (graph.variables.has(id) && !isInput(id)));
        },
        ins: node.inputs.map((id) => (id === null ? '' : nameOf(id))),
        inInfo: node.inputs.filter((id): id is number => id !== null).map((id) => graph.values.get(id)!),
        outInfo: node.outputs.length ? graph.values.get(node.outputs[0])! : graph.values.get(node.inputs[0]!)!,
      });
    } catch (e) {
      if (!(e instanceof NotExportable)) throw e;
      problems.push(`node ${index} (${node.op}): ${e.message}`);
    }
  });
  if (problems.length) throw new Error(`exportOnnx: ${problems.length} node(s) cannot be written as ONNX:\n  ${problems.join('\n  ')}`);
  graph.outputs.forEach((v) => {
    const produced = nodes.some((n, i) => needed.has(i) && n.outputs.includes(v.id));
    if (!produced) em.node('Identity', [names.get(v.id)!], [outNames.get(v.id)!]);
  });
  for (const [id, v] of graph.variables) if (!isInput(id)) em.initializer(nameOf(id), v.shape, v.dtype, data.get(id)!);
  const model: ModelProto = {
    ir_version: IR_VERSION[opset],
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'soma',
    producer_version: '0.1',
    graph: {
      name: options.name ?? 'soma_graph',
      node: em.nodes,
      initializer: em.initializers,
      input: [
        ...graph.inputs.filter((v) => !graph.derivedInputs.has(v.id)).map((v) => (declared.has(v.id) ? valueInfo(declared.get(v.id)!, v, INT64) : valueInfo(nameOf(v.id), v))),
        ...[...graph.variables].filter(([id]) => isInput(id)).map(([id, v]) => valueInfo(v.name, graph.values.get(id) ?? { id, shape: v.shape, dtype: v.dtype })),
      ],
      output: [
        ...graph.outputs.map((v) => (options.unknownOutputShapes ? { name: outNames.get(v.id)!, type: { tensor_type: { elem_type: onnxType(v.dtype) } } } : valueInfo(outNames.get(v.id)!, v))),
        ...assigned.map(({ name, dtype }) => ({ name, type: { tensor_type: { elem_type: onnxType(dtype) } } })),
      ],
    },
  };
  return encodeModel(model);
}

/** Names made distinct as Keras does for a layer's several outputs: `lstm`, `lstm_1`, `lstm_2`. */
function unique(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let name = n;
    for (let k = 1; seen.has(name); k++) name = `${n}_${k}`;
    seen.add(name);
    return name;
  });
}

/**
 * Exports a @soma/layers model (inference form: dropout off, batch norm with its moving
 * statistics) or a function of tensors to ONNX bytes that onnxruntime runs. The model is traced
 * once on example inputs; with dynamicBatch (default) the first axis of each input is symbolic.
 */
export async function exportOnnx(source: ExportableModel | ((...xs: Tensor[]) => Tensor | Tensor[]), options: ExportOptions = {}): Promise<Uint8Array> {
  soma.checkOptions('exportOnnx', options, ['opset', 'inputShapes', 'dynamicBatch', 'dynamicAxes', 'inputNames', 'outputNames']);
  const model = isModel(source) ? source : null;
  const dynamic = options.dynamicBatch ?? true;
  // Symbolic dimensions per input: the batch, a model's unknown dimensions, and those asked for.
  const axes: Record<number, Record<number, string>> = {};
  const name = (i: number, k: number) => {
    if (k === 0) return 'batch';
    const prefix = model && model.inputs.length > 1 ? `${model.inputs[i].sourceLayer.name}_` : '';
    return k === 1 ? `${prefix}sequence` : `${prefix || `input${i}_`}dim${k}`;
  };
  let shapes = options.inputShapes;
  if (model) {
    // Unknown dimensions stay symbolic (as tf2onnx keeps Keras's None), unless shapes are given.
    model.inputs.forEach((input, i) => input.shape.forEach((d, k) => {
      if (d === null && (k === 0 ? dynamic : !shapes)) (axes[i] ??= {})[k] = name(i, k);
    }));
    // Example sizes: 2 for the batch, 4 for other unknown dimensions (a sequence's length).
    shapes ??= model.inputs.map((i) => i.shape.map((d, k) => d ?? (k === 0 ? 2 : 4)));
  } else if (!shapes) {
    throw new Error('exportOnnx: a function needs inputShapes (one example shape per input)');
  } else if (dynamic) {
    shapes.forEach((_, i) => ((axes[i] ??= {})[0] = 'batch'));
  }
  for (const [i, given] of Object.entries(options.dynamicAxes ?? {})) {
    for (const [k, dim] of Object.entries(given)) {
      if (!shapes[Number(i)] || Number(k) >= shapes[Number(i)].length) throw new Error(`exportOnnx: dynamicAxes names axis ${k} of input ${i}, which ${shapes[Number(i)] ? `has rank ${shapes[Number(i)].length}` : 'does not exist'}`);
      (axes[Number(i)] ??= {})[Number(k)] = dim;
    }
  }
  if (!model && typeof source !== 'function') throw new Error('exportOnnx: expected a @soma/layers model or a function of tensors');
  const dtypes = model ? model.inputs.map((i) => i.dtype) : shapes.map(() => 'float32' as const);
  // Zeros: valid everywhere (class ids, embeddings); only shapes and kernel calls are recorded.
  const examples = shapes.map((s, i) => soma.zeros(s, dtypes[i]));
  const fn = model ? (...xs: Tensor[]) => model.call(xs.length === 1 ? xs[0] : xs, { training: false }) : (source as (...xs: Tensor[]) => Tensor | Tensor[]);
  let graph: Graph;
  try {
    graph = soma.trace(fn, examples, { dynamicAxes: Object.keys(axes).length ? axes : undefined, wholeOptionalKernels: true });
  } catch (err) {
    const dims = [...new Set(Object.values(axes).flatMap((a) => Object.values(a)))].filter((d) => d !== 'batch');
    if (!dims.length || !(err instanceof Error)) throw err;
    throw new Error(`exportOnnx: ${model ? `'${model.name}'` : 'the function'} cannot keep ${dims.map((d) => `'${d}'`).join(', ')} symbolic (${err.message}); pass inputShapes to export fixed sizes`);
  } finally {
    soma.dispose(examples);
  }
  // A random draw or another value computed afresh at every run would be an input the file's
  // user could not feed (whole-graph backends feed it; an exported file has no one to).
  const drawn = graph.inputs.filter((v) => graph.hostInputs.has(v.id) && !graph.derivedInputs.has(v.id));
  if (drawn.length) {
    graph.dispose();
    throw new Error(`exportOnnx: ${drawn.length} value(s) drawn again at every run (a random op inside the function) have no ONNX form; draw them outside and pass them as inputs`);
  }
  try {
    return await graphToOnnx(graph, {
      opset: options.opset,
      inputNames: options.inputNames ?? model?.inputs.map((i) => i.sourceLayer.name),
      outputNames: options.outputNames ?? (model ? unique(model.outputs.map((o) => o.sourceLayer.name)) : undefined),
      name: model?.name,
      int64Indices: true,
    });
  } finally {
    graph.dispose();
  }
}
