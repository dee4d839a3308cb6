import * as soma from '@soma/core';
import type { DType, Tensor } from '@soma/core';
import { input, layers, model as functional, type Layer, type LayersModel, type LayerShape, type SymbolicTensor } from '@soma/layers';
import { encodeModel, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../proto.js';
import { onnxType } from '../tensor_proto.js';
import type { Step } from './interpreter.js';
import { modelFromProto, readModel, type ImportOptions } from './import_onnx.js';
import { OnnxGraph, toBase64 } from './onnx_graph_layer.js';
import type { OnnxModel } from './onnx_model.js';
import { HostValue, type AnyValue } from './values.js';

/** What a mapped node becomes: a layer, the values it reads (runtime ones), and its weights in the layer's order; or another name for its input. */
type Mapped = Layered | { readonly alias: string };

interface Layered {
  readonly layer: Layer;
  readonly inputs: readonly string[];
  readonly weights: readonly Tensor[];
  /** Steps after this one that the layer also covers (a MatMul's bias Add). */
  readonly covers?: number;
}

/** What a mapper sees: the node, its attributes, constants, value shapes and the steps after it. */
interface MapContext {
  readonly step: Step;
  readonly steps: readonly Step[];
  readonly index: number;
  /** A constant's tensor (an initializer or Constant node), or undefined for a runtime value. */
  constant(name: string | undefined): Tensor | undefined;
  /** A constant's numbers (shapes, pads), or undefined. */
  numbers(name: string | undefined): number[] | undefined;
  shape(name: string): readonly (number | null)[] | undefined;
  /** How many steps (and graph outputs) read a value. */
  readers(name: string): number;
  /** A layer's options with the name the layer takes (its PyTorch module path, where the node has one). */
  named<T extends object>(args: T): T & { name?: string };
}

type Mapper = (c: MapContext) => Mapped | null;


/**
 * A PyTorch module's full dotted name from a node name as torch.onnx writes it: one scope per
 * module, then the operator. A child of a container is written with its parent's name
 * ('/layer2/layer2.0/downsample/downsample.0/Conv' → 'layer2.0.downsample.0').
 */
function modulePath(nodeName: string | undefined): string | undefined {
  if (!nodeName?.startsWith('/')) return undefined;
  const scopes = nodeName.split('/').filter((p) => p).slice(0, -1);
  if (!scopes.length) return undefined;
  let path = scopes[0];
  for (let k = 1; k < scopes.length; k++) {
    const prev = scopes[k - 1];
    path += scopes[k].startsWith(`${prev}.`) ? scopes[k].slice(prev.length) : `.${scopes[k]}`;
  }
  return path;
}

const isAlias = (m: Mapped): m is { readonly alias: string } => 'alias' in m;

const same = <T>(a: readonly T[] | undefined, value: T) => !a || a.every((v) => v === value);

/** Conv and ConvTranspose (2-D, symmetric explicit pads) as conv2d / conv2dTranspose: both take ONNX's weight layout as it is. */
const convolution = (transposed: boolean): Mapper => (c) => {
  const { node, ctx } = c.step;
  const [x, wName, bName] = node.input ?? [];
  const w = c.constant(wName);
  const b = bName ? c.constant(bName) : undefined;
  if (!w || w.rank !== 4 || (bName && !b) || ctx.a.string('auto_pad', 'NOTSET') !== 'NOTSET' || (transposed && ctx.a.has('output_shape'))) return null;
  const pads = ctx.a.ints('pads') ?? [0, 0, 0, 0];
  if (pads[0] !== pads[2] || pads[1] !== pads[3]) return null;
  const group = ctx.a.int('group', 1);
  const args = {
    kernelSize: [w.shape[2], w.shape[3]] as [number, number], strides: (ctx.a.ints('strides') ?? [1, 1]) as [number, number],
    padding: [pads[0], pads[1]] as [number, number], dilationRate: (ctx.a.ints('dilations') ?? [1, 1]) as [number, number], groups: group, useBias: !!b,
  };
  const layer = transposed
    ? layers.conv2dTranspose(c.named({ ...args, filters: w.shape[1] * group, outputPadding: (ctx.a.ints('output_padding') ?? [0, 0]) as [number, number] }))
    : layers.conv2d(c.named({ ...args, filters: w.shape[0] }));
  return { layer, inputs: [x], weights: b ? [w, b] : [w] };
};

const gemm: Mapper = (c) => {
  const { node, ctx } = c.step;
  const [x, wName, bName] = node.input ?? [];
  const w = c.constant(wName);
  const b = bName ? c.constant(bName) : undefined;
  if (!w || w.rank !== 2 || (bName && !b) || ctx.a.int('transA', 0) || ctx.a.float('alpha', 1) !== 1 || ctx.a.float('beta', 1) !== 1) return null;
  const kernel = ctx.a.int('transB', 0) ? w.transpose() : w;
  const units = kernel.shape[1];
  if (b && b.size !== units) return null;
  return { layer: layers.dense(c.named({ units, useBias: !!b })), inputs: [x], weights: b ? [kernel, b.reshape([units])] : [kernel] };
};

/** MatMul by a constant [in, units] (and a bias Add right after it) as a dense layer. */
const matmul: Mapper = (c) => {
  const [x, wName] = c.step.node.input ?? [];
  const w = c.constant(wName);
  if (!w || w.rank !== 2 || c.constant(x)) return null;
  const out = c.step.node.output?.[0] ?? '';
  const next = c.steps[c.index + 1]?.node;
  if (next?.op_type === 'Add' && c.readers(out) === 1) {
    const [p, q] = next.input ?? [];
    const bias = p === out ? c.constant(q) : q === out ? c.constant(p) : undefined;
    if (bias && bias.size === w.shape[1] && bias.shape[bias.rank - 1] === w.shape[1]) {
      return { layer: layers.dense(c.named({ units: w.shape[1] })), inputs: [x], weights: [w, bias.reshape([w.shape[1]])], covers: 1 };
    }
  }
  return { layer: layers.dense(c.named({ units: w.shape[1], useBias: false })), inputs: [x], weights: [w] };
};

const batchNorm: Mapper = (c) => {
  const { node, ctx } = c.step;
  const [x, ...rest] = node.input ?? [];
  const params = rest.map((n) => c.constant(n));
  if (params.length !== 4 || params.some((p) => !p) || (node.output ?? []).filter((o) => o).length > 1 || ctx.a.int('training_mode', 0)) return null;
  const [scale, bias, mean, variance] = params as Tensor[];
  const layer = layers.batchNormalization(c.named({ axis: 1, epsilon: ctx.a.float('epsilon', 1e-5), momentum: ctx.a.float('momentum', 0.9) }));
  return { layer, inputs: [x], weights: [scale, bias, mean, variance] };
};

const pool = (kind: 'max' | 'avg'): Mapper => (c) => {
  const { node, ctx } = c.step;
  const k = ctx.a.ints('kernel_shape');
  if (!k || k.length !== 2 || !same(ctx.a.ints('pads'), 0) || !same(ctx.a.ints('dilations'), 1) || ctx.a.int('ceil_mode', 0) || ctx.a.string('auto_pad', 'NOTSET') !== 'NOTSET') return null;
  if ((node.output ?? []).filter((o) => o).length > 1) return null;
  const args = { poolSize: k as [number, number], strides: (ctx.a.ints('strides') ?? [1, 1]) as [number, number], padding: 'valid' as const };
  return { layer: kind === 'max' ? layers.maxPool2d(c.named(args)) : layers.avgPool2d(c.named(args)), inputs: [node.input![0]], weights: [] };
};

const globalPool = (kind: 'max' | 'avg'): Mapper => (c) => {
  const x = c.step.node.input![0];
  if (c.shape(x)?.length !== 4) return null;
  return { layer: kind === 'max' ? layers.globalMaxPool2d(c.named({ keepDims: true })) : layers.globalAvgPool2d(c.named({ keepDims: true })), inputs: [x], weights: [] };
};

const activation = (name: 'relu' | 'sigmoid' | 'tanh' | 'softplus' | 'softsign' | 'elu' | 'selu'): Mapper => (c) => {
  if (name === 'elu' && c.step.ctx.a.float('alpha', 1) !== 1) return null;
  return { layer: layers.activation(c.named({ activation: name })), inputs: [c.step.node.input![0]], weights: [] };
};

const softmax = (log: boolean): Mapper => (c) => {
  const x = c.step.node.input![0];
  const rank = c.shape(x)?.length ?? 0;
  const axis = c.step.ctx.a.int('axis', c.step.ctx.opset >= 13 ? -1 : 1);
  // Before opset 13 Softmax flattens from `axis` on: the same as the last axis only for 2-D input.
  const last = axis === -1 || axis === rank - 1;
  if (!last || (c.step.ctx.opset < 13 && rank !== 2)) return null;
  return { layer: layers.activation(c.named({ activation: log ? 'logSoftmax' : 'softmax' })), inputs: [x], weights: [] };
};

/** Add, Sub, Mul of two runtime values of one shape: merge layers. */
const merge = (kind: 'add' | 'subtract' | 'multiply'): Mapper => (c) => {
  const ins = c.step.node.input ?? [];
  if (ins.length !== 2 || ins.some((n) => c.constant(n))) return null;
  const [a, b] = ins.map((n) => c.shape(n));
  if (!a || !b || a.length !== b.length || a.some((d, k) => d !== b[k])) return null;
  return { layer: layers[kind](c.named({})), inputs: ins, weights: [] };
};

const concat: Mapper = (c) => {
  const ins = c.step.node.input ?? [];
  const rank = c.shape(ins[0])?.length ?? 0;
  const axis = c.step.ctx.a.int('axis', 0);
  if (ins.length < 2 || ins.some((n) => c.constant(n)) || axis === 0 || axis === -rank) return null;
  return { layer: layers.concatenate(c.named({ axis: axis < 0 ? axis + rank : axis })), inputs: ins, weights: [] };
};

const flatten: Mapper = (c) => {
  if (c.step.ctx.a.int('axis', 1) !== 1) return null;
  return { layer: layers.flatten(c.named({})), inputs: [c.step.node.input![0]], weights: [] };
};

const dropout: Mapper = (c) => {
  const { node, ctx } = c.step;
  if ((node.output ?? []).filter((o) => o).length > 1 || (node.input?.[2] && c.numbers(node.input[2])?.[0])) return null;
  const ratio = node.input?.[1] ? c.numbers(node.input[1])?.[0] : ctx.a.float('ratio', 0.5);
  if (ratio === undefined) return null;
  return { layer: layers.dropout(c.named({ rate: ratio })), inputs: [node.input![0]], weights: [] };
};

/** Zero padding of the two spatial axes of a 4-D tensor (PyTorch writes AvgPool2d's padding so). */
const pad: Mapper = (c) => {
  const { node, ctx } = c.step;
  const [x, padsName, valueName] = node.input ?? [];
  const pads = padsName ? c.numbers(padsName) : ctx.a.ints('pads');
  const value = valueName ? c.numbers(valueName)?.[0] : ctx.a.float('value', 0);
  if (ctx.a.string('mode', 'constant') !== 'constant' || value !== 0 || !pads || pads.length !== 8 || node.input?.[3]) return null;
  if (pads[0] || pads[1] || pads[4] || pads[5] || pads.some((p) => p < 0)) return null;
  return { layer: layers.zeroPadding2d(c.named({ padding: [[pads[2], pads[6]], [pads[3], pads[7]]] as [[number, number], [number, number]] })), inputs: [x], weights: [] };
};

/** A reshape that keeps the batch: flatten (to [batch, n]) or a reshape layer; one that changes nothing is its input. */
const reshape: Mapper = (c) => {
  const [x] = c.step.node.input ?? [];
  const from = c.shape(x);
  const to = c.shape(c.step.node.output?.[0] ?? '');
  if (!from || !to || c.constant(x) || from[0] !== null || to[0] !== null || to.slice(1).some((d) => d === null)) return null;
  if (from.length === to.length && from.every((d, k) => d === to[k])) return { alias: x };
  if (to.length === 2 && from.slice(1).every((d) => d !== null)) return { layer: layers.flatten(c.named({})), inputs: [x], weights: [] };
  return { layer: layers.reshape(c.named({ targetShape: to.slice(1) as number[] })), inputs: [x], weights: [] };
};

const leakyRelu: Mapper = (c) => ({ layer: layers.leakyRelu(c.named({ alpha: c.step.ctx.a.float('alpha', 0.01) })), inputs: [c.step.node.input![0]], weights: [] });

const MAPPERS: Readonly<Record<string, Mapper>> = {
  Conv: convolution(false), ConvTranspose: convolution(true), Gemm: gemm, MatMul: matmul, BatchNormalization: batchNorm,
  MaxPool: pool('max'), AveragePool: pool('avg'), GlobalMaxPool: globalPool('max'), GlobalAveragePool: globalPool('avg'),
  Relu: activation('relu'), Sigmoid: activation('sigmoid'), Tanh: activation('tanh'), Softplus: activation('softplus'),
  Softsign: activation('softsign'), Elu: activation('elu'), Selu: activation('selu'), LeakyRelu: leakyRelu,
  Softmax: softmax(false), LogSoftmax: softmax(true), Add: merge('add'), Sub: merge('subtract'), Mul: merge('multiply'),
  Concat: concat, Flatten: flatten, Dropout: dropout, Pad: pad, Reshape: reshape, Identity: (c) => (c.constant(c.step.node.input?.[0]) ? null : { alias: c.step.node.input![0] }),
};

/** A layer or input name from an ONNX value name ('input.1', '/conv1/Conv_output_0'). */
const layerName = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '') || 'input';

/** The names a node reads, those of its bodies (If, Loop, Scan) included. */
function readsOf(n: NodeProto): string[] {
  const inner = (n.attribute ?? []).flatMap((a) => [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]).flatMap((g: GraphProto) => (g.node ?? []).flatMap(readsOf));
  return [...(n.input ?? []).filter((i) => i), ...inner];
}

/**
 * Imports an ONNX model as a @soma/layers functional model: nodes that are layers (Conv, ConvTranspose, Gemm,
 * MatMul + Add, BatchNormalization, pooling, activations, Add/Sub/Mul/Concat of two branches,
 * Flatten, Dropout, zero Pad) become those layers with the file's weights; every run of other nodes
 * becomes one `OnnxGraph` layer running them with Soma's ONNX operators. The model has compile,
 * fit, evaluate, summary and save like any other.
 */
export async function importOnnxLayers(source: Uint8Array | ArrayBuffer | string, options: ImportOptions = {}): Promise<LayersModel> {
  const { model: proto, name, external } = await readModel(source, options);
  const onnx = modelFromProto(proto, name, options, external);
  try {
    return await toLayers(proto, onnx, name, external, options.trainable);
  } finally {
    onnx.dispose();
  }
}

async function toLayers(proto: ModelProto, onnx: OnnxModel, file: string, external: ReadonlyMap<string, Uint8Array>, trainable: boolean | undefined): Promise<LayersModel> {
  const graph = proto.graph!;
  const where = `importOnnx(${file}, { as: 'layers' })`;
  for (const io of [...onnx.inputs, ...onnx.outputs]) {
    if (io.kind !== 'tensor') throw new Error(`${where}: '${io.name}' is ${io.kind === 'sequence' ? 'a sequence' : 'an optional'}; a layers model takes and gives tensors (use importOnnx without { as: 'layers' })`);
  }
  for (const io of onnx.inputs) if (!io.shape.length) throw new Error(`${where}: input '${io.name}' is a scalar; a layers model's inputs have a batch axis`);
  // Two runs at different sizes tell each value's shape and which dimensions vary (null).
  const sizes = [[2, 3], [3, 5]];
  const runs: Map<string, { shape: number[]; dtype: DType; host: boolean }>[] = [];
  for (const [batch, other] of sizes) {
    const feeds = Object.fromEntries(onnx.inputs.map((io) => [io.name, soma.zeros(io.shape.map((d, k) => (typeof d === 'number' ? d : k === 0 ? batch : other)), io.dtype)]));
    try {
      runs.push(await onnx.valueInfos(feeds));
    } catch (e) {
      throw new Error(`${where}: the graph must run at batch sizes 2 and 3 to tell its shapes, and at batch ${batch} it fails (${(e as Error).message}); import it without { as: 'layers' } to run it at the sizes it takes`);
    } finally {
      soma.dispose(Object.values(feeds));
    }
  }
  const shapeOf = (n: string): LayerShape | undefined => {
    const [a, b] = runs.map((r) => r.get(n));
    if (!a || !b || a.shape.length !== b.shape.length) return undefined;
    return a.shape.map((d, k) => (d === b.shape[k] ? d : null));
  };
  const dtypeOf = (n: string) => runs[0].get(n)?.dtype ?? 'float32';
  // Numbers computed on the host (shapes, pads, slice bounds) must stay numbers: a layer boundary
  // would make them tensors, which operators needing numbers cannot read synchronously. Each
  // graph layer computes again the host values it reads.
  const onHost = (n: string) => runs.every((r) => r.get(n)?.host === true);
  const producer = new Map<string, Step>();

  const body = onnx.graphBody;
  const constantValue = (n: string | undefined): AnyValue | undefined => (n ? body.constants.get(n) : undefined);
  const readers = new Map<string, number>();
  for (const s of body.steps) for (const n of readsOf(s.node)) readers.set(n, (readers.get(n) ?? 0) + 1);
  for (const o of graph.output ?? []) readers.set(o.name ?? '', (readers.get(o.name ?? '') ?? 0) + 1);

  const env = new Map<string, SymbolicTensor>();
  const inputs = onnx.inputs.map((io) => {
    const t = input({ shape: shapeOf(io.name)?.slice(1) ?? io.shape.slice(1).map((d) => (typeof d === 'number' ? d : null)), dtype: io.dtype, name: layerName(io.name) });
    env.set(io.name, t);
    return t;
  });

  // Runs of nodes no layer covers, each wrapped as one OnnxGraph layer.
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const constantNodes = new Map((graph.node ?? []).filter((n) => n.op_type === 'Constant').map((n) => [n.output?.[0] ?? '', n]));
  let pending: Step[] = [];
  const flush = (upTo: number) => {
    if (!pending.length) return;
    const run = [...pending];
    pending = [];
    // The host values the run reads, with the steps that compute them (back to runtime tensors).
    for (let k = 0; k < run.length; k++) {
      for (const n of readsOf(run[k].node)) {
        const p = producer.get(n);
        if (p && onHost(n) && !run.includes(p)) run.push(p);
      }
    }
    run.sort((p, q) => stepIndex.get(p)! - stepIndex.get(q)!);
    const produced = new Set(run.flatMap((s) => (s.node.output ?? []).filter((o) => o)));
    const reads = [...new Set(run.flatMap((s) => readsOf(s.node)))].filter((n) => !produced.has(n));
    const subInputs: ValueInfoProto[] = [];
    const symbolic: SymbolicTensor[] = [];
    const subInitializers: TensorProto[] = [];
    const subConstants: NodeProto[] = [];
    for (const n of reads) {
      const init = initializers.get(n);
      if (init) {
        const ext = external.get(n);
        subInitializers.push(ext ? { ...init, raw_data: ext, data_location: 0, external_data: [] } : init);
      } else if (constantNodes.has(n)) subConstants.push(constantNodes.get(n)!);
      else if (env.has(n)) {
        const shape = shapeOf(n) ?? env.get(n)!.shape;
        subInputs.push({ name: n, type: { tensor_type: { elem_type: onnxType(dtypeOf(n)), shape: { dim: shape.map((d, k) => (d === null ? { dim_param: k === 0 ? 'batch' : `${layerName(n)}_${k}` } : { dim_value: d })) } } } });
        symbolic.push(env.get(n)!);
      }
      // Else a name of a body's own graph (read inside If/Loop/Scan), defined there.
    }
    // Values of the run that later steps or the graph's outputs read.
    const outs = [...produced].filter((o) => (graphOutputs.has(o) || (lastRead.get(o) ?? -1) >= upTo) && (!onHost(o) || graphOutputs.has(o)));
    // A run of host arithmetic alone: its readers compute it again.
    if (!outs.length) return;
    if (!symbolic.length) throw new Error(`${where}: nodes ${run.map((s) => `'${s.node.name || s.node.op_type}'`).join(', ')} read no input of the model; Soma cannot make them a layer`);
    const sub: ModelProto = {
      ir_version: proto.ir_version, opset_import: proto.opset_import, producer_name: 'soma', producer_version: '0.1',
      graph: {
        name: 'onnx_graph', node: [...subConstants, ...run.map((s) => s.node)], initializer: subInitializers, input: subInputs,
        output: outs.map((o) => ({ name: o, type: { tensor_type: { elem_type: onnxType(dtypeOf(o)) } } })),
      },
    };
    const outputShapes = outs.map((o) => shapeOf(o) ?? []);
    const layer = new OnnxGraph({ onnx: toBase64(encodeModel(sub)), outputShapes });
    const applied = layer.apply(symbolic.length === 1 ? symbolic[0] : symbolic);
    const list = Array.isArray(applied) ? applied : [applied];
    outs.forEach((o, i) => env.set(o, list[i]));
  };

  const steps = body.steps;
  const usedNames = new Set<string>();
  for (const st of steps) for (const o of st.node.output ?? []) if (o) producer.set(o, st);
  const stepIndex = new Map(steps.map((st, i) => [st, i]));
  // The last step reading each value: a graph layer outputs what a step at or after its end reads.
  const lastRead = new Map<string, number>();
  steps.forEach((st, i) => readsOf(st.node).forEach((n) => lastRead.set(n, i)));
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const asTensor = (v: AnyValue | undefined): Tensor | undefined => (v === undefined || v instanceof HostValue || !soma.isTensor(v) ? undefined : (v as Tensor));
  const held = new Set<unknown>(body.constants.values());
  // The numbers of small constant tensors (Dropout's ratio), read once here: mappers are synchronous.
  const small = new Map<string, number[]>();
  for (const [n, v] of body.constants) {
    const t = asTensor(v);
    if (t && t.size <= 16) small.set(n, Array.from(await t.data()));
  }
    for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const mapper = MAPPERS[step.node.op_type ?? ''];
    const c: MapContext = {
      step, steps, index: i,
      constant: (n) => asTensor(constantValue(n)),
      numbers: (n) => {
        const v = constantValue(n);
        return v instanceof HostValue ? [...v.values] : n ? small.get(n) : undefined;
      },
      shape: (n) => shapeOf(n),
      readers: (n) => readers.get(n) ?? 0,
      // Layers are named after the module they come from (unique: a module's second operator adds its op).
      named: (args) => {
        const path = modulePath(step.node.name);
        const name = path && !usedNames.has(path) ? path : path ? `${path}.${(step.node.op_type ?? '').toLowerCase()}` : undefined;
        return name && !usedNames.has(name) ? { ...args, name } : args;
      },
    };
    const found = mapper?.(c) ?? null;
    if (found && !isAlias(found)) usedNames.add(found.layer.name);
    if (found && isAlias(found)) {
      // The same value under another name: a layer where it is a layer's output, else the node runs as a graph.
      const t = env.get(found.alias);
      if (t) {
        env.set(step.node.output![0], t);
        continue;
      }
      pending.push(step);
      continue;
    }
    const mapped = found;
    // A mapped node reading values of the pending run needs that run made a layer first; a run
    // that reads no runtime value cannot be one (a layer needs inputs), so it waits, and such a
    // node joins it.
    const needsPending = mapped && mapped.inputs.some((n) => pending.some((s) => (s.node.output ?? []).includes(n)));
    const runReadsInputs = pending.some((s) => readsOf(s.node).some((n) => env.has(n)));
    const unused = (m: Layered | null) => m?.weights.forEach((w) => !held.has(w) && w.dispose());
    if (!mapped || (needsPending && !runReadsInputs)) {
      unused(mapped);
      pending.push(step);
      continue;
    }
    if (runReadsInputs) flush(i);
    const ins = mapped.inputs.map((n) => env.get(n));
    if (ins.some((t) => !t)) {
      // An input that is a constant (not a runtime value): the node runs as a graph instead.
      unused(mapped);
      pending.push(step);
      continue;
    }
    const out = mapped.layer.apply(ins.length === 1 ? ins[0]! : (ins as SymbolicTensor[])) as SymbolicTensor;
    mapped.layer.setWeights(mapped.weights);
    // Transposed or reshaped copies of the file's weights are the mapper's to free.
    for (const w of mapped.weights) if (!held.has(w)) w.dispose();
    const last = steps[i + (mapped.covers ?? 0)].node.output![0];
    env.set(last, out);
    i += mapped.covers ?? 0;
  }
  flush(steps.length);

  const outputs = (graph.output ?? []).map((o) => {
    const t = env.get(o.name ?? '');
    if (!t) throw new Error(`${where}: output '${o.name}' is a constant or an input of the model; a layers model computes its outputs`);
    return t;
  });
  const net = functional({ inputs: inputs.length === 1 ? inputs[0] : inputs, outputs: outputs.length === 1 ? outputs[0] : outputs, name: layerName(graph.name || 'imported') });
  // { trainable: false }, as for an OnnxModel: every weight frozen (a feature extractor).
  if (trainable === false) for (const l of net.layers) l.trainable = false;
  return net;
}
