import type { TypedArray } from '../dtype.js';
import { getEngine, type HostCompute } from '../engine/engine.js';
import { fail, fmtShape, SomaError } from '../errors.js';
import { keep, tidy } from '../memory.js';
import { concat } from '../ops/concat.js';
import { fill } from '../ops/creation.js';
import { slice } from '../ops/slice.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { kernelEntry } from '../kernels/registry.js';
import { Graph, type DerivedInput, type Dim, type GraphNode, type SymbolicAttr, type ValueInfo } from './graph.js';

/**
 * Options of `trace`: input names and the axes that stay symbolic (`dynamicAxes`, e.g. the batch).
 */
export interface TraceOptions {
  /** Names of the graph inputs (default input_0, input_1, ...). */
  inputNames?: readonly string[];
  /**
   * Dimensions that may change between runs, per input: `{ 0: { 0: 'batch' } }`, or several names
   * (`{ 0: { 0: 'batch', 1: 'sequence' } }`). The function is traced once more per name, with that
   * name's axes one smaller (one larger below 3); dimensions and shape attributes that follow a
   * name become symbolic, and the traces must agree on everything else.
   */
  dynamicAxes?: Readonly<Record<number, Readonly<Record<number, string>>>>;
  /**
   * Record an optional kernel the backend lacks (batchNormInference, softmax, …) as one node
   * rather than the kernels of its default body: what an exporter wants, which writes each as
   * one ONNX operator. The graph runs either way (the body runs in place of the node).
   */
  wholeOptionalKernels?: boolean;
}

/** A function `trace` and `compile` accept: tensors in, one tensor or a list out. */
export type TraceableFunction = (...inputs: Tensor[]) => Tensor | Tensor[];

interface Recording {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: GraphNode[];
  values: Map<number, ValueInfo>;
  constants: Map<number, Tensor>;
  variables: Map<number, Variable>;
  hostInputs: Map<number, HostCompute>;
  /** Host values of constants made from host data, so comparing two traces reads nothing back. */
  constantValues: Map<number, TypedArray>;
  /** The tensor each constant was copied from: the same tensor in two traces holds the same values (tensors are immutable), with nothing read. */
  constantSources: Map<number, Tensor>;
}

/** Runs `fn` once on `inputs`, recording every kernel call, view and assignment it makes. */
function record(fn: TraceableFunction, inputs: readonly Tensor[], names: readonly string[], whole = false): Recording {
  const e = getEngine();
  const rec: Recording = { inputs: [], outputs: [], nodes: [], values: new Map(), constants: new Map(), variables: new Map(), hostInputs: new Map(), constantValues: new Map(), constantSources: new Map() };
  const uploaded = new WeakMap<Tensor, TypedArray>();
  const ids = new Map<Tensor, number>();
  let next = 0;
  let capturing = false;
  const info = (t: Tensor, id: number, name?: string): ValueInfo => {
    const v: ValueInfo = name === undefined ? { id, shape: [...t.shape], dtype: t.dtype } : { id, shape: [...t.shape], dtype: t.dtype, name };
    rec.values.set(id, v);
    return v;
  };
  // Values that change from run to run: inputs, variables, host inputs and what is computed from
  // them. The host must not read them while tracing (see onHostRead).
  const varying = new Set<number>();
  // A tensor the graph has not seen: a variable (referenced) or a constant (held by the graph).
  const valueOf = (t: Tensor): number => {
    const known = ids.get(t);
    if (known !== undefined) return known;
    const id = next++;
    ids.set(t, id);
    if (t.isVariable()) {
      rec.variables.set(id, t as Variable);
      varying.add(id);
      info(t, id, (t as Variable).name);
    } else {
      rec.constants.set(id, guarded(() => keep(t.clone())));
      rec.constantSources.set(id, t);
      const host = uploaded.get(t);
      if (host) rec.constantValues.set(id, host);
      info(t, id);
    }
    return id;
  };
  const producedIds = new Set<number>();
  const produced = (t: Tensor): number => {
    const id = next++;
    ids.set(t, id);
    producedIds.add(id);
    info(t, id);
    return id;
  };
  const derive = (ins: readonly (number | null)[], out: number): void => {
    if (ins.some((i) => i !== null && varying.has(i))) varying.add(out);
  };
  let hostRead: Error | null = null;
  // Tracing runs fn for real: the variables it assigns get their old values back afterwards, so
  // tracing a training step does not train.
  const before = new Map<Variable, Tensor>();
  const guarded = <T>(f: () => T): T => {
    capturing = true;
    try {
      return f();
    } finally {
      capturing = false;
    }
  };
  inputs.forEach((t, i) => {
    const id = next++;
    ids.set(t, id);
    varying.add(id);
    rec.inputs.push(info(t, id, names[i] ?? `input_${i}`));
  });
  const stop = e.observeKernels({
    timed: false,
    records: true,
    wholeOptionalKernels: whole,
    onKernel(call) {
      if (capturing) return;
      // Multi-output kernels (the fused optimizer update) stand aside while a tracer records.
      if (call.kernel === 'fusedUpdate') return fail('trace', 'the fused optimizer update ran while tracing');
      const attrs = call.attrs as Record<string, unknown>;
      const ins: (number | null)[] = call.inputs.map(valueOf);
      // An absent optional input (conv2d's bias) is a null slot, so every node of a kernel has its arity.
      const arity = kernelEntry(call.kernel).inputs;
      if (!arity[0]?.startsWith('...')) while (ins.length < arity.length) ins.push(null);
      const out = produced(call.output);
      derive(ins, out);
      rec.nodes.push({ op: call.kernel, attrs, inputs: ins, outputs: [out] });
    },
    onView(source, view) {
      if (capturing) return;
      const src = valueOf(source);
      const out = produced(view);
      derive([src], out);
      rec.nodes.push({ op: 'reshape', attrs: { shape: [...view.shape] }, inputs: [src], outputs: [out] });
    },
    onHostRead(t, how) {
      if (capturing) return;
      const id = ids.get(t);
      if (!t.isVariable() && (id === undefined || !varying.has(id))) return;
      // Thrown here, where the user's code reads, and again after fn returns (fn may catch it).
      hostRead ??= new SomaError('trace',
        `the function read a tensor's values on the host (${how}) that depend on its inputs or variables (shape ${fmtShape(t.shape)}, ${t.dtype}); ` +
          'a graph would keep what the JavaScript did with this example\'s values for every run. ' +
          'Compute with tensor ops instead (soma.where for a branch), read with await data() outside the function, or run it eagerly',
      );
      throw hostRead;
    },
    onUpload(t, values) {
      uploaded.set(t, values);
    },
    onHostInput(t, compute) {
      if (capturing) return;
      const id = next++;
      ids.set(t, id);
      varying.add(id);
      rec.inputs.push(info(t, id, `host_${rec.hostInputs.size}`));
      rec.hostInputs.set(id, compute);
    },
    onAssign(variable, value) {
      if (capturing) return;
      if (!before.has(variable as Variable)) before.set(variable as Variable, guarded(() => keep(variable.clone())));
      rec.nodes.push({ op: 'assign', attrs: {}, inputs: [valueOf(variable), valueOf(value)], outputs: [] });
    },
  });
  let result: Tensor | Tensor[];
  try {
    result = tidy(fn.bind(null, ...inputs));
    if (hostRead) throw hostRead;
    const outs = Array.isArray(result) ? result : [result];
    for (const o of outs) rec.outputs.push(rec.values.get(valueOf(o))!);
    // The example run's results are not the caller's: free those the graph computed.
    for (const o of outs) if (producedIds.has(ids.get(o)!)) o.dispose();
  } catch (err) {
    for (const c of rec.constants.values()) c.dispose();
    throw err;
  } finally {
    stop();
    for (const [v, old] of before) {
      v.assign(old);
      old.dispose();
    }
  }
  return rec;
}

/** A one-element whole-number constant that moved by a whole number between the two traces: base + scale·Δsize. */
function sizeCount(a: ArrayLike<number>, b: ArrayLike<number>, step: 1 | -1): { base: number; scale: number } | null {
  if (a.length !== 1 || b.length !== 1) return null;
  const x = a[0];
  const y = b[0];
  return Number.isInteger(x) && Number.isInteger(y) ? { base: x, scale: (y - x) * step } : null;
}

/** The one value every element holds (NaN included), or null. */
function uniformValue(values: ArrayLike<number>): number | null {
  if (!values.length) return null;
  const v = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] !== v && !(Number.isNaN(v) && Number.isNaN(values[i]))) return null;
  return v;
}

/** A constant's values: the host copy when it was made from host data, else a (synchronous) read. */
function valuesOf(rec: Recording, id: number): TypedArray {
  return rec.constantValues.get(id) ?? rec.constants.get(id)!.dataSync();
}

function sameValues(a: Tensor, b: Tensor, x: ArrayLike<number>, y: ArrayLike<number>): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return false;
  return true;
}

/**
 * The second trace's inputs: one smaller along every dynamic axis (the last slice dropped), or one
 * larger (the first slice repeated) where an axis is too short. Smaller, so the second run's
 * buffers fit the size classes the first run's left behind (one larger needs new, bigger blocks on
 * cpu's heap, seconds of growth for a ResNet step).
 */
function resized(inputs: readonly Tensor[], dynamicAxes: NonNullable<TraceOptions['dynamicAxes']>, step: 1 | -1): Tensor[] {
  return inputs.map((t, i) => {
    const axes = Object.keys(dynamicAxes[i] ?? {}).map(Number);
    if (!axes.length) return t;
    return keep(tidy(() => axes.reduce((x, a) => {
      const begin = x.shape.map(() => 0);
      if (step === -1) return slice(x, begin, x.shape.map((d, k) => (k === a ? d - 1 : d)));
      return concat([x, slice(x, begin, x.shape.map((d, k) => (k === a ? 1 : d)))], a);
    }, t)));
  });
}

/**
 * −1 when every dynamic axis has at least three entries, else +1 (a size of 1 broadcasts, so a
 * trace at 1 takes other kernels); fails on an empty dynamic axis.
 */
function stepFor(inputs: readonly Tensor[], dynamicAxes: NonNullable<TraceOptions['dynamicAxes']>): 1 | -1 {
  let smaller = true;
  for (const [i, axes] of Object.entries(dynamicAxes)) {
    for (const a of Object.keys(axes).map(Number)) {
      const size = inputs[Number(i)]?.shape[a];
      if (size === 0) fail('trace', `dynamic axis ${a} of input ${i} has size 0 in the example; give it at least one element`);
      if (size !== undefined && size < 3) smaller = false;
    }
  }
  return smaller ? -1 : 1;
}

/**
 * Records the kernel calls of one run of `fn` into a Graph: graph inputs are `exampleInputs`,
 * tensors fn reads from outside become constants (held by the graph) or variables (referenced),
 * and `Variable.assign` calls become 'assign' nodes — so a traced training step (forward,
 * backward and optimizer update) is one Graph that trains the real weights when it runs.
 * Control flow is fixed at trace time; random draws and other hostInput values become inputs
 * computed again at every run, and whole-number counts of a dynamic size are recomputed from it.
 */
export function trace(fn: TraceableFunction, exampleInputs: readonly Tensor[], options: TraceOptions = {}): Graph {
  const names = options.inputNames ?? [];
  const first = record(fn, exampleInputs, names, options.wholeOptionalKernels);
  const dynamic = options.dynamicAxes && Object.keys(options.dynamicAxes).length ? options.dynamicAxes : null;
  if (!dynamic) return new Graph(first.inputs, first.outputs, first.nodes, first.values, first.constants, first.variables, [], first.hostInputs);
  // One more trace per symbolic dimension, with only that dimension's axes resized, so each
  // dimension or attribute that moves is attributed to exactly one name.
  const others: Resized[] = [];
  try {
    for (const [dim, { axes, size }] of dimensionsOf(exampleInputs, dynamic)) {
      const step = stepFor(exampleInputs, axes);
      const other = resized(exampleInputs, axes, step);
      try {
        others.push({ dim, example: size, step, rec: record(fn, other, names, options.wholeOptionalKernels) });
      } finally {
        other.forEach((t, i) => t !== exampleInputs[i] && t.dispose());
      }
    }
    return symbolize(first, others);
  } catch (err) {
    for (const c of first.constants.values()) c.dispose();
    throw err;
  } finally {
    for (const o of others) for (const c of o.rec.constants.values()) c.dispose();
  }
}

/** A trace taken with one symbolic dimension's axes resized by `step`. */
interface Resized {
  readonly dim: string;
  /** The dimension's size in the example inputs. */
  readonly example: number;
  readonly step: 1 | -1;
  readonly rec: Recording;
}

type DynamicAxes = NonNullable<TraceOptions['dynamicAxes']>;

/** The axes of each symbolic dimension name, checked: the name's axes agree in size in the examples. */
function dimensionsOf(inputs: readonly Tensor[], dynamic: DynamicAxes): Map<string, { axes: Record<number, Record<number, string>>; size: number }> {
  const dims = new Map<string, { axes: Record<number, Record<number, string>>; size: number }>();
  for (const [i, axes] of Object.entries(dynamic)) {
    for (const [axis, name] of Object.entries(axes)) {
      const size = inputs[Number(i)]?.shape[Number(axis)];
      if (size === undefined) fail('trace', `dynamicAxes names axis ${axis} of input ${i}, which ${inputs[Number(i)] ? `has shape ${fmtShape(inputs[Number(i)].shape)}` : 'does not exist'}`);
      const entry = dims.get(name) ?? dims.set(name, { axes: {}, size }).get(name)!;
      if (entry.size !== size) fail('trace', `dynamic dimension '${name}' has sizes ${entry.size} and ${size} in the example inputs`);
      (entry.axes[Number(i)] ??= {})[Number(axis)] = name;
    }
  }
  return dims;
}

/**
 * Compares the first trace with one trace per symbolic dimension (each differing by ±1 along that
 * dimension's axes): a dimension or attribute entry that moved by k·step follows that dimension
 * with scale k. An entry that follows two dimensions (their product) cannot be expressed, nor can
 * anything else that differs: both are errors naming what differed.
 */
function symbolize(a: Recording, others: readonly Resized[]): Graph {
  const differ = (o: Resized, what: string): never => fail('trace', `the traces taken for dynamicAxes differ in ${what}: the function's structure depends on the '${o.dim}' size`);
  for (const o of others) if (a.nodes.length !== o.rec.nodes.length) differ(o, `their number of kernel calls (${a.nodes.length} vs ${o.rec.nodes.length})`);
  /** The one resized trace in which a number moved, with its move, or null; fails where several moved it. */
  const mover = (what: () => string, moved: (o: Resized) => number): { o: Resized; delta: number } | null => {
    const found = others.map((o) => ({ o, delta: moved(o) })).filter((m) => m.delta !== 0);
    if (found.length > 1) fail('trace', `${what()} follows several symbolic dimensions (${found.map((m) => `'${m.o.dim}'`).join(' and ')}): a product of sizes cannot be a graph's dimension; keep them apart (reshape to [batch, time, …], not [batch·time, …])`);
    return found[0] ?? null;
  };
  const symShape = (va: ValueInfo): readonly Dim[] => {
    return va.shape.map((d, k) => {
      const m = mover(() => `dimension ${k} of value ${va.id} ${fmtShape(va.shape as number[])}`, (o) => {
        const vb = o.rec.values.get(va.id);
        if (!vb || vb.shape.length !== va.shape.length) return differ(o, `the rank of value ${va.id}`);
        return ((vb.shape[k] as number) - (d as number)) * o.step;
      });
      if (!m) return d;
      const { o: { dim, example }, delta } = m;
      return delta === 1 && d === example ? dim : `${dim}*${delta}${(d as number) - delta * example ? `+${(d as number) - delta * example}` : ''}`;
    });
  };
  const counts = new Map<number, HostCompute>();
  const derived = new Map<number, DerivedInput>();
  for (const [id, t] of a.constants) {
    const resized = others.filter((o) => {
      const other = o.rec.values.get(id);
      return other && other.shape.join() !== t.shape.join();
    });
    if (resized.length) {
      // A tensor of one value whose shape follows the sizes (zeros(x.shape), an imported
      // ConstantOfShape): made again at each run in the shape of that run.
      const value = uniformValue(valuesOf(a, id));
      const o = resized.find((r) => !r.rec.constants.has(id) || uniformValue(valuesOf(r.rec, id)) !== value);
      if (value === null || o) {
        const r = o ?? resized[0];
        fail('trace', `a tensor made inside the function has shape ${fmtShape(t.shape)} in one trace and ${fmtShape(r.rec.values.get(id)!.shape as number[])} in the other: it follows '${r.dim}' but is a constant; compute it from an input (x.mul(0), not zeros(x.shape)) so the graph can take any '${r.dim}'`);
      }
      const dtype = t.dtype;
      counts.set(id, (shape) => fill(shape, value!, dtype));
      derived.set(id, { kind: 'fill', value: value! });
      continue;
    }
    // Same shape, other values: a count taken from the size on the host (the mean's gradient
    // divides by n). A whole-number scalar that moves by a whole number is that count, and becomes
    // a host input computed from the size at each run; anything else would be wrong at other sizes.
    // A tensor the function captured (a weight made outside it) is the same in every trace: its
    // values are not read (a GPU's could not be, synchronously).
    const captured = (o: Resized) => o.rec.constantSources.get(id) === a.constantSources.get(id);
    const compared = others.filter((o) => o.rec.constants.has(id) && !captured(o));
    const x = compared.length ? valuesOf(a, id) : [];
    const moved = compared.filter((o) => !sameValues(t, o.rec.constants.get(id)!, x, valuesOf(o.rec, id)));
    if (!moved.length) continue;
    const user = a.nodes.find((n) => n.inputs.includes(id));
    const o = moved[0];
    const count = moved.length === 1 ? sizeCount(x, valuesOf(o.rec, id), o.step) : null;
    if (!count) fail('trace', `a constant made inside the function (${t.dtype}${fmtShape(t.shape)}${user ? `, an input of ${user.op}` : ''}) has other values when ${moved.map((m) => `'${m.dim}'`).join(' or ')} changes: it is computed from the size on the host; compute it with ops on an input so the graph can take any size`);
    const { base, scale } = count;
    const { dim, example } = o;
    const dtype = t.dtype;
    counts.set(id, (shape, _run, sizes) => fill(shape, base + scale * ((sizes.get(dim) ?? example) - example), dtype));
    derived.set(id, { kind: 'count', dim, example, base, scale });
  }
  for (const [id, compute] of counts) {
    a.constants.get(id)!.dispose();
    a.constants.delete(id);
    a.hostInputs.set(id, compute);
    const v = a.values.get(id)!;
    a.inputs.push({ ...v, name: `${derived.get(id)!.kind}_${id}` });
  }
  const values = new Map<number, ValueInfo>();
  for (const v of a.inputs) a.values.set(v.id, v);
  for (const [id, va] of a.values) values.set(id, { ...va, shape: symShape(va) });
  const symbolicAttrs: SymbolicAttr[] = [];
  a.nodes.forEach((na, i) => {
    for (const o of others) if (na.op !== o.rec.nodes[i].op) differ(o, `node ${i} (${na.op} vs ${o.rec.nodes[i].op})`);
    for (const [key, va] of Object.entries(na.attrs)) {
      const entries: [number | null, unknown][] = Array.isArray(va) ? va.map((x, k) => [k, x]) : [[null, va]];
      for (const [index, x] of entries) {
        const m = mover(() => `attribute ${key} of node ${i} (${na.op})`, (o) => {
          const vb = o.rec.nodes[i].attrs[key];
          const y = index === null ? vb : Array.isArray(vb) && vb.length === (va as unknown[]).length ? vb[index] : undefined;
          if (JSON.stringify(x) === JSON.stringify(y)) return 0;
          if (typeof x !== 'number' || typeof y !== 'number') return differ(o, `attribute ${key} of node ${i} (${na.op})`);
          return (y - x) * o.step || differ(o, `attribute ${key} of node ${i} (${na.op})`);
        });
        if (m) symbolicAttrs.push({ node: i, key, index, dim: m.o.dim, example: m.o.example, base: x as number, scale: m.delta });
      }
    }
  });
  const pick = (list: ValueInfo[]) => list.map((v) => values.get(v.id)!);
  return new Graph(pick(a.inputs), pick(a.outputs), a.nodes, values, a.constants, a.variables, symbolicAttrs, a.hostInputs, derived);
}
