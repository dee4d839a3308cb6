import * as soma from '@soma/core';
import type { LayersModel } from '@soma/layers';
import { importOnnxLayers } from './as_layers.js';
import { decodeModel, toNumber, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../proto.js';
import { somaType, storedBytes } from '../tensor_proto.js';
import { checkParseBounds, type ParseLimits } from './bounds.js';
import { CONTROL_OPS } from './control_flow.js';
import { tensorsOf, type Body, type Step } from './interpreter.js';
import { OnnxModel, type OnnxIO } from './onnx_model.js';
import { OPS, type OpContext } from './op_table.js';
import { SEQUENCE_OPS } from './sequences.js';
import { Attributes, knownValues, protoValue, type AnyValue, type Value } from './values.js';

export interface ImportOptions extends ParseLimits {
  /** Folder of external-data files (Node); default: the model file's folder. */
  baseDir?: string;
  /** Float initializers become trainable variables (default true). */
  trainable?: boolean;
}

// Operators whose definitions are older than opset 7 (Not, Softplus, GlobalAveragePool, ...) read the same.
const MIN_OPSET = 1;
const MAX_OPSET = 21;

const where = (n: NodeProto, i: number) => `node ${n.name ? `'${n.name}'` : `#${i}`} (${n.op_type})`;

/**
 * Orders the nodes so that every input is computed before it is used (files are usually in order
 * already); an input nothing defines, two nodes writing one name and a cycle are errors naming the
 * nodes (the first few, and how many). Iterative: a long chain stored in reverse order must not
 * exhaust the stack.
 */
function executionOrder(graph: GraphProto, defined: Set<string>, file: string): NodeProto[] {
  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  const clashes: string[] = [];
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => {
    if (!o) return;
    const earlier = producer.get(o);
    if (earlier !== undefined) clashes.push(`'${o}' is written by ${where(nodes[earlier], earlier)} and ${where(n, i)}`);
    else if (defined.has(o)) clashes.push(`'${o}' is written by ${where(n, i)} and is also a graph input or initializer`);
    else producer.set(o, i);
  }));
  const names = (graph.input ?? []).map((v) => v.name ?? '');
  const repeated = names.filter((n, i) => n && names.indexOf(n) !== i);
  for (const n of new Set(repeated)) clashes.push(`graph input '${n}' is declared more than once`);
  const outs = (graph.output ?? []).map((v) => v.name ?? '');
  for (const n of new Set(outs.filter((o, i) => o && outs.indexOf(o) !== i))) clashes.push(`graph output '${n}' is declared more than once`);
  if (clashes.length) throw new Error(`importOnnx: ${file}: ${clashes.length} name(s) defined twice (a value has one writer):\n  ${listSome(clashes)}`);
  const dangling: string[] = [];
  nodes.forEach((n, i) => (n.input ?? []).forEach((x) => {
    if (x && !defined.has(x) && !producer.has(x)) dangling.push(`${where(n, i)} reads '${x}', which no input, initializer or node defines`);
  }));
  if (dangling.length) throw new Error(`importOnnx: ${dangling.length} dangling edge(s):\n  ${listSome(dangling)}`);
  const order: NodeProto[] = [];
  const state = new Uint8Array(nodes.length); // 0 new, 1 on the stack, 2 done
  // A node with bodies also reads, through them, the values of this graph its bodies name.
  const producers = (i: number): number[] => [...(nodes[i].input ?? []), ...bodyReads(nodes[i])].flatMap((x) => {
    const p = x && !defined.has(x) ? producer.get(x) : undefined;
    return p === undefined ? [] : [p];
  });
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue;
    // Depth-first with an explicit stack: (node, index of the next producer to visit).
    const stack: [number, number[], number][] = [[root, producers(root), 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [i, deps, k] = top;
      if (k === deps.length) {
        stack.pop();
        state[i] = 2;
        order.push(nodes[i]);
        continue;
      }
      top[2] = k + 1;
      const p = deps[k];
      if (state[p] === 2) continue;
      if (state[p] === 1) {
        const path = stack.map((s) => s[0]);
        throw new Error(`importOnnx: the graph has a cycle: ${listSome([...path.slice(path.indexOf(p)), p].map((n) => where(nodes[n], n)), ' -> ')}`);
      }
      state[p] = 1;
      stack.push([p, producers(p), 0]);
    }
  }
  return order;
}

/** The value `name` comes from through Reshape, Identity and Cast nodes (an exporter may view a weight before a node reads it). */
function throughViews(graph: GraphProto, name: string): string {
  const producer = new Map((graph.node ?? []).flatMap((n) => (n.output ?? []).map((o) => [o, n] as const)));
  for (let n = producer.get(name), hops = 0; n && ['Reshape', 'Identity', 'Cast'].includes(n.op_type ?? '') && hops < 8; n = producer.get(name), hops++) name = n.input?.[0] ?? name;
  return name;
}

/** Every name the nodes of a node's bodies read (values of the enclosing graphs among them). */
function bodyReads(n: NodeProto): string[] {
  return graphsOf(n).flatMap(([, g]) => (g.node ?? []).flatMap((m) => [...(m.input ?? []), ...bodyReads(m)]));
}

/** The first few items of a long list and how many more: an error about a million nodes stays readable. */
function listSome(items: readonly string[], sep = '\n  ', first = 5): string {
  if (items.length <= first) return items.join(sep);
  return `${items.slice(0, first).join(sep)}${sep}… and ${(items.length - first).toLocaleString('en-US')} more`;
}

function opsetOf(model: ModelProto): number {
  const entry = (model.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version) : MIN_OPSET;
}

/** A graph input or output as declared: a tensor, a sequence of tensors or an optional. */
function ioOf(v: ValueInfoProto, output = false): OnnxIO {
  const name = v.name ?? '';
  let type = v.type;
  let kind: OnnxIO['kind'] = 'tensor';
  if (type?.sequence_type) [kind, type] = ['sequence', type.sequence_type.elem_type];
  else if (type?.optional_type) {
    kind = 'optional';
    type = type.optional_type.elem_type;
    if (type?.sequence_type) type = type.sequence_type.elem_type;
  }
  const tt = type?.tensor_type;
  // Outputs may leave their type to inference; inputs must say it.
  if (!tt && !output) throw new Error(`importOnnx: input '${name}' is not a tensor, a sequence of tensors or an optional (maps are not supported)`);
  const dims = tt?.shape?.dim ?? [];
  return {
    name,
    kind,
    dtype: somaType(tt?.elem_type ?? 1, `${output ? 'output' : 'input'} '${name}'`),
    shape: dims.map((d) => (d.dim_param ? d.dim_param : d.dim_value !== undefined ? toNumber(d.dim_value as number) : '?')),
  };
}

async function readSource(source: Uint8Array | ArrayBuffer | string): Promise<{ bytes: Uint8Array; name: string; dir: string | null }> {
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: 'model', dir: null };
  if (ArrayBuffer.isView(source)) return { bytes: source, name: 'model', dir: null };
  if (/^(https?|blob|data):/.test(source) || typeof (globalThis as { window?: unknown }).window !== 'undefined') {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`importOnnx: ${source}: HTTP ${res.status}`);
    return { bytes: new Uint8Array(await res.arrayBuffer()), name: source, dir: null };
  }
  const fs = await soma.importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const path = await soma.importNodeModule<typeof import('node:path')>('node:path');
  try {
    return { bytes: new Uint8Array(await fs.readFile(source)), name: source, dir: path.dirname(source) };
  } catch (e) {
    throw new Error(`importOnnx: cannot read ${source} (${(e as Error).message})`);
  }
}

/** Reads from one file handle at most this many bytes per call (Node's read takes a 32-bit length). */
const READ_CHUNK = 1 << 30;

/** A decimal integer key of external_data ('offset', 'length'), or an error naming it. */
function byteCount(info: Map<string, string>, key: string, what: string): number | undefined {
  const text = info.get(key);
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`${what}: external data ${key} must be a whole number of bytes, got '${text}'`);
  return n;
}

/**
 * The bytes of an external-data initializer: a regular file inside `dir`, at the offset the tensor
 * names, exactly as many bytes as its dims and type need (checked before anything is allocated).
 * The file is opened non-blocking, so a FIFO cannot hang the import.
 */
async function externalData(t: TensorProto, dir: string | null, what: string): Promise<Uint8Array> {
  const info = new Map((t.external_data ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = info.get('location');
  if (!location) throw new Error(`${what}: external data without a location`);
  if (!dir) throw new Error(`${what}: external data in '${location}' needs a file path (or ImportOptions.baseDir) to be found`);
  const need = storedBytes(t, what);
  const offset = byteCount(info, 'offset', what) ?? 0;
  const length = byteCount(info, 'length', what);
  if (length !== undefined && length !== need) throw new Error(`${what}: external data '${location}' gives length ${length}, but the tensor's dims and type need ${need} bytes`);
  const fs = await soma.importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const { constants } = await soma.importNodeModule<typeof import('node:fs')>('node:fs');
  const file = await insideFolder(dir, location, what);
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch((e: Error) => {
    throw new Error(`${what}: cannot read external data '${location}' (${e.message})`);
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${what}: external data '${location}' is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}; it must be a file in the model's folder`);
    if (offset + need > stat.size) throw new Error(`${what}: external data '${location}' has ${stat.size} bytes; offset ${offset} + length ${need} lies outside it`);
    const out = new Uint8Array(need);
    for (let at = 0; at < need;) {
      const { bytesRead } = await handle.read(out, at, Math.min(READ_CHUNK, need - at), offset + at);
      if (bytesRead === 0) throw new Error(`${what}: external data '${location}' ended after ${offset + at} bytes (it shrank while being read)`);
      at += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}

/** `location` resolved (links followed) and checked to lie inside `dir`. */
async function insideFolder(dir: string, location: string, what: string): Promise<string> {
  const fs = await soma.importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const path = await soma.importNodeModule<typeof import('node:path')>('node:path');
  const root = await fs.realpath(dir);
  const file = await fs.realpath(path.resolve(dir, location)).catch((e: Error) => {
    throw new Error(`${what}: cannot read external data '${location}' (${e.message})`);
  });
  if (!file.startsWith(root + path.sep)) throw new Error(`${what}: external data '${location}' lies outside the model's folder`);
  return file;
}

/**
 * The external-data files an ONNX file names (relative to its folder, each once, in order), so a
 * tool that copies the model can copy them too.
 */
export function externalDataFiles(model: ModelProto): string[] {
  const files = new Set<string>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.data_location !== 1) continue;
    const location = (t.external_data ?? []).find((e) => e.key === 'location')?.value;
    if (location) files.add(location);
  }
  return [...files];
}

/**
 * Imports an ONNX model from bytes, a file path (Node) or a URL (browsers). Every node is checked
 * before anything runs: a model with operators Soma lacks fails with one error listing each of
 * them; a file that is not ONNX, is truncated, has dangling edges or cycles, or declares absurd
 * sizes is rejected with a clear message. With `{ as: 'layers' }` the model comes back as a
 * @soma/layers functional model (nodes that are layers become them; the rest run as `OnnxGraph`
 * layers), with compile, fit, evaluate, summary and save.
 */
export async function importOnnx(source: Uint8Array | ArrayBuffer | string, options: ImportOptions & { as: 'layers' }): Promise<LayersModel>;
export async function importOnnx(source: Uint8Array | ArrayBuffer | string, options?: ImportOptions & { as?: 'model' }): Promise<OnnxModel>;
export async function importOnnx(source: Uint8Array | ArrayBuffer | string, options: ImportOptions & { as?: 'model' | 'layers' } = {}): Promise<OnnxModel | LayersModel> {
  soma.checkOptions('importOnnx', options, ['as', 'baseDir', 'trainable', 'maxNodes']);
  const { as = 'model', ...rest } = options;
  if (as === 'layers') return importOnnxLayers(source, rest);
  if (as !== 'model') throw new Error(`importOnnx: as must be 'model' (an OnnxModel) or 'layers' (a @soma/layers model), got ${JSON.stringify(as)}`);
  const { model, name, external } = await readModel(source, rest);
  return modelFromProto(model, name, rest, external);
}

/** The decoded model of an ONNX source with its external-data initializers read (Node), checked against the parse bounds. */
export async function readModel(source: Uint8Array | ArrayBuffer | string, options: ImportOptions = {}): Promise<{ model: ModelProto; name: string; external: Map<string, Uint8Array> }> {
  const { bytes, name, dir } = await readSource(source);
  checkParseBounds(bytes, name, options);
  const model = decodeModel(bytes, name);
  const external = new Map<string, Uint8Array>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.data_location === 1) external.set(t.name ?? '', await externalData(t, options.baseDir ?? dir, `importOnnx: ${name}: initializer '${t.name}'`));
  }
  return { model, name, external };
}

/**
 * A decoded model ready to run (synchronous: external data already read into `external`, by
 * initializer name). What importOnnx does once the file is read. Variables are named after their
 * initializers, with `variablePrefix` before (a graph-wrapping layer's name).
 */
export function modelFromProto(model: ModelProto, name: string, options: ImportOptions = {}, external: ReadonlyMap<string, Uint8Array> = new Map(), variablePrefix = ''): OnnxModel {
  const graph = model.graph;
  if (!graph || !(graph.node ?? []).length) throw new Error(`importOnnx: ${name} has no graph (is it an ONNX model?)`);
  const opset = opsetOf(model);
  if (opset < MIN_OPSET || opset > MAX_OPSET) throw new Error(`importOnnx: ${name} uses opset ${opset}; Soma imports opsets ${MIN_OPSET} to ${MAX_OPSET}`);

  // Every unsupported node, at once (those of If/Loop/Scan bodies too).
  const problems: string[] = [];
  checkNodes(graph, opset, '', problems);
  if (problems.length) throw new Error(`importOnnx: ${name}: ${problems.length} node(s) cannot run in Soma:\n  ${listSome(problems, '\n  ', 50)}`);

  const constants = new Map<string, AnyValue>();
  const trainable = options.trainable ?? true;
  // Batch-norm statistics are state, not parameters: imported, but not trained by gradients.
  const statistics = new Set((graph.node ?? []).filter((n) => n.op_type === 'BatchNormalization').flatMap((n) => (n.input ?? []).slice(3, 5)).map((name) => throughViews(graph, name)));
  // Resize's roi and scales (Upsample's scales) are parameters read at import, not weights: float
  // initializers there stay constants with their values known.
  const parameters = new Set((graph.node ?? []).flatMap((n) => (n.op_type === 'Resize' ? (n.input ?? []).slice(1, 3) : n.op_type === 'Upsample' ? (n.input ?? []).slice(1, 2) : [])));
  try {
    for (const t of graph.initializer ?? []) {
      const what = `importOnnx: ${name}: initializer '${t.name}'`;
      const v = protoValue(t, what, t.data_location === 1 ? external.get(t.name ?? '') : undefined);
      if ('host' in v) constants.set(t.name ?? '', v.host);
      else {
        const d = v.data;
        const init = soma.tensor(d.values, d.shape, d.dtype);
        const parameter = parameters.has(t.name ?? '') && d.values.length <= 64;
        if (parameter) knownValues.set(init, d.values);
        const weight = d.dtype === 'float32' && !parameter;
        constants.set(t.name ?? '', weight ? soma.variable(init, trainable && !statistics.has(t.name ?? ''), `${variablePrefix}${t.name ?? ''}`) : soma.keep(init));
        if (weight) init.dispose();
      }
    }
    const inputs = (graph.input ?? []).filter((i) => !constants.has(i.name ?? '')).map((v) => ioOf(v));
    const outputs = (graph.output ?? []).map((o) => ioOf(o, true));
    const main = prepareBody(graph, new Set(), constants, { opset, file: name, prefix: '' });
    return new OnnxModel(opset, model.producer_name ?? '', main, inputs, outputs);
  } catch (e) {
    for (const v of constants.values()) for (const t of tensorsOf(v)) t.dispose();
    throw e;
  }
}

/** The graphs a node holds as attributes (If's branches, Loop's and Scan's bodies), by attribute name. */
function graphsOf(n: NodeProto): [string, GraphProto][] {
  return (n.attribute ?? []).flatMap((a): [string, GraphProto][] => (a.g ? [[a.name ?? '', a.g]] : (a.graphs ?? []).map((g, k) => [`${a.name}[${k}]`, g])));
}

const supported = (op: string) => [OPS, SEQUENCE_OPS, CONTROL_OPS].some((table) => Object.prototype.hasOwnProperty.call(table, op));

function checkNodes(graph: GraphProto, opset: number, prefix: string, problems: string[]): void {
  (graph.node ?? []).forEach((n, i) => {
    const at = `${prefix}${where(n, i)}`;
    const domain = n.domain ?? '';
    if ((domain && domain !== 'ai.onnx') || !supported(n.op_type ?? '')) {
      problems.push(`${at}, domain '${domain || 'ai.onnx'}', opset ${opset}: operator not supported`);
      return;
    }
    const reason = OPS[n.op_type ?? '']?.check?.(n, new Attributes(n.attribute, at), opset);
    if (reason) problems.push(`${at}, opset ${opset}: ${reason} is not supported`);
    for (const [attr, g] of graphsOf(n)) checkNodes(g, opset, `${at} ${attr}: `, problems);
  });
}

interface BodyContext {
  readonly opset: number;
  readonly file: string;
  /** Where the graph sits ('' for the main graph; "node 'loop' (Loop) body: " for a body), for errors. */
  readonly prefix: string;
}

/**
 * A graph ready to run: its nodes in order (the values of the graphs around it, `outer`, count
 * as defined), Constant nodes made once into `constants`, and the bodies of its If/Loop/Scan
 * nodes prepared the same way. Body initializers are constants, never trained.
 */
function prepareBody(graph: GraphProto, outer: ReadonlySet<string>, constants: Map<string, AnyValue>, at: BodyContext): Body {
  for (const t of at.prefix ? graph.initializer ?? [] : []) {
    const v = protoValue(t, `importOnnx: ${at.file}: ${at.prefix}initializer '${t.name}'`);
    constants.set(t.name ?? '', 'host' in v ? v.host : soma.keep(soma.tensor(v.data.values, v.data.shape, v.data.dtype)));
  }
  const declared = new Set([...outer, ...constants.keys(), ...(graph.input ?? []).map((i) => i.name ?? '')]);
  const order = executionOrder(graph, declared, at.prefix ? `${at.file}: ${at.prefix.replace(/: $/, '')}` : at.file);
  // Everything this graph defines is visible to the bodies inside it.
  const visible = new Set([...declared, ...(graph.node ?? []).flatMap((n) => n.output ?? [])]);
  const steps: Step[] = [];
  order.forEach((node, i) => {
    const w = `${at.prefix}${where(node, i)}`;
    const ctx: OpContext = { a: new Attributes(node.attribute, w), opset: at.opset, where: w, node };
    // Constants are made once, here, and held by the model.
    if (node.op_type === 'Constant') {
      constants.set(node.output?.[0] ?? '', soma.tidy(() => OPS.Constant.run([], ctx) as Value));
      return;
    }
    const bodies = Object.fromEntries(graphsOf(node).map(([attr, g]) => [attr, prepareBody(g, visible, new Map(), { ...at, prefix: `${w} ${attr}: ` })]));
    steps.push({ node, ctx, bodies });
  });
  return {
    steps,
    constants,
    inputs: (graph.input ?? []).map((i) => i.name ?? '').filter((n) => !(at.prefix === '' && constants.has(n))),
    outputs: (graph.output ?? []).map((o) => o.name ?? ''),
  };
}

