import * as soma from '@soma/core';
import type { DType, Dim, Tensor, Variable } from '@soma/core';
import { execute, runAsync, runSync, tensorsOf, type Body, type Owned, type Step } from './interpreter.js';
import { asTensor, HostValue, isTensorLike, NeedsHostValue, OptionalValue, SequenceValue, type AnyValue } from './values.js';

/** Integer input values given on the host ({ shape, values }): used where the model needs them known (a Reshape's shape, Slice bounds). */
export interface HostInput {
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
}

/** A graph input or output as the file declares it. */
export interface OnnxIO {
  readonly name: string;
  /** A tensor, a sequence of tensors, or an optional (a tensor, a sequence, or nothing). */
  readonly kind: 'tensor' | 'sequence' | 'optional';
  /** The element shape for sequences and optionals. */
  readonly shape: readonly Dim[];
  readonly dtype: DType;
}

/** What `runValues` takes and gives for a graph value: a tensor, a sequence as an array, an empty optional as null. */
export type OnnxValue = Tensor | Tensor[] | null;

type Feeds = Readonly<Record<string, Tensor | HostInput>>;
/** Inputs of {@link OnnxModel.runValues}: tensors, host numbers, sequences (arrays of tensors) or `null` for an empty optional. */
export type ValueFeeds = Readonly<Record<string, Tensor | HostInput | readonly Tensor[] | null>>;

/** Inputs bigger than this are data: never traced per value (an operator needing their numbers, as NonZero does, makes the model run node by node). */
const MAX_HOST_INPUT = 4096;

/** Graphs kept per distinct set of host-read values (serving sees a few shapes and a few values). */
const MAX_ENTRANCES = 8;

const hostKind = (dtype: DType): HostValue['dtype'] => (dtype === 'int32' ? 'int' : dtype === 'bool' ? 'bool' : 'float');

const tensorsGiven = (given: Tensor | HostInput | readonly Tensor[] | null): Tensor[] => (given === null ? [] : Array.isArray(given) ? [...given] : soma.isTensor(given) ? [given as Tensor] : []);

function* bodies(body: Body): Generator<Body> {
  yield body;
  for (const step of body.steps) for (const b of Object.values(step.bodies)) yield* bodies(b);
}

/**
 * An ONNX model imported into Soma: it runs node by node with Soma's ops on whatever backend is
 * active, so it is differentiable, and its float initializers are Variables that optimizers can
 * train (`trainableVariables`). Shape computations (Shape → Gather → Concat → Reshape) are folded
 * on the host. If, Loop and Scan run their bodies; sequences and optionals flow between nodes
 * (`runValues` takes and gives them at the graph's edges).
 */
export class OnnxModel {
  readonly inputs: readonly OnnxIO[];
  readonly outputs: readonly OnnxIO[];
  readonly trainableVariables: readonly Variable[];

  /** The step that writes each value, for tracing a host-read value back to the inputs it comes from. */
  private readonly producers = new Map<string, Step>();
  /** Inputs fed as tensors that `run` reads on the host before it runs (Reshape's shape, TopK's k), learned as operators ask for them. */
  private readonly hostReads: string[] = [];
  /** Set once an operator needs numbers computed from the data (NonZero's input, a Loop's condition): `run` then goes node by node, reading them as they come. */
  private nodeByNode = false;
  /** Compiled entrances by the host-read values they were traced with, least recently used first. */
  private readonly entrances = new Map<string, soma.Compiled>();

  /** @internal Made by `importOnnx`. */
  constructor(
    readonly opset: number,
    readonly producer: string,
    private readonly main: Body,
    inputs: OnnxIO[],
    outputs: OnnxIO[],
  ) {
    this.inputs = inputs;
    this.outputs = outputs;
    this.trainableVariables = [...main.constants.values()].filter((v): v is Variable => soma.isTensor(v) && v.isVariable() && (v as Variable).trainable);
    for (const step of main.steps) for (const o of step.node.output ?? []) if (o) this.producers.set(o, step);
  }

  /**
   * Runs the model on named inputs (one tensor may stand for a single-input model) and returns its
   * outputs by name. Synchronous and recorded for autodiff, so it works inside grad and tidy.
   * Inputs that operators need as numbers (a Reshape's shape, TopK's k) must be given as numbers
   * (`{ shape, values }`) here; `run` also takes them as tensors.
   */
  predict(feeds: Feeds | Tensor): Record<string, Tensor> {
    const named = this.checked(feeds, 'predict');
    try {
      return soma.tidy(() => this.results(runSync(this.evaluate(named, this.givenAsNumbers(named), null)), 'predict'));
    } catch (e) {
      if (!(e instanceof NeedsHostValue)) throw e;
      const input = e.names.find((n) => this.inputs.some((io) => io.name === n));
      throw new Error(
        input
          ? `OnnxModel.predict: ${e.where}: ${e.what} must be known as numbers, and it is input '${input}', given as a tensor: ` +
              `pass it as numbers ({ shape, values }), or call await model.run(feeds), which reads it when it runs`
          : `OnnxModel.predict: ${e.where}: ${e.what} must be known as numbers, and it is computed from the data${e.names.length ? ` ('${e.names[0]}')` : ''}: ` +
              'call await model.run(feeds), which reads it when it runs',
      );
    }
  }

  /**
   * Inference, as onnxruntime's session.run: the model is traced once per input shape and runs as
   * one graph (on native one session, as fast as the file run directly; on webgpu with fused
   * chains). Not for gradients: use predict inside grad. Integer inputs that operators need as
   * numbers (shapes, axes, counts, bounds) may be tensors, as onnxruntime takes them: they are read
   * on the host when `run` executes and the graph is traced per distinct value (a few are kept).
   * Where an operator needs numbers computed from the data (NonZero's input, a Loop's condition),
   * the model runs node by node, reading them as they come.
   */
  async run(feeds: Feeds | Tensor): Promise<Record<string, Tensor>> {
    const named = this.checked(feeds, 'run');
    const known = this.givenAsNumbers(named);
    for (;;) {
      for (const name of this.hostReads) if (!known.has(name)) known.set(name, await this.readInput(name, named));
      if (this.nodeByNode) return this.evaluateAsync(named, known, (env) => this.results(env, 'run'));
      try {
        return this.runTraced(named, known);
      } catch (e) {
        if (!(e instanceof NeedsHostValue)) throw e;
        const fresh = this.hostSources(e.names, named, known);
        if (fresh.length) this.hostReads.push(...fresh);
        else this.nodeByNode = true;
        this.disposeEntrances();
      }
    }
  }

  /**
   * Runs the model node by node on inputs of any kind — tensors, sequences as arrays of tensors,
   * optionals as a tensor, an array or null — and returns its outputs the same way. For models
   * whose inputs or outputs are sequences or optionals; numbers operators need are read as they
   * are reached, as in `run`.
   */
  async runValues(feeds: ValueFeeds): Promise<Record<string, OnnxValue>> {
    const named = this.checked(feeds, 'runValues');
    const owned = new Set<Tensor>();
    try {
      const start = new Map<string, AnyValue>();
      for (const io of this.inputs) {
        const v = this.inputValue(io, named[io.name]!);
        // Casts made here are the run's to free.
        for (const t of tensorsOf(v)) if (!tensorsGiven(named[io.name]!).includes(t)) owned.add(t);
        start.set(io.name, v);
      }
      const env = await runAsync(execute(this.main, start, owned));
      const out: Record<string, OnnxValue> = {};
      for (const o of this.outputs) out[o.name] = this.outputValue(o, env.get(o.name));
      return out;
    } finally {
      for (const t of owned) t.dispose();
    }
  }

  /** @internal Every variable the model holds (trainable weights and batch-norm statistics), in initializer order. */
  get variables(): Variable[] {
    return [...this.main.constants.values()].filter((v): v is Variable => soma.isTensor(v) && v.isVariable());
  }

  /** @internal The main graph's steps and constants (what importOnnx({ as: 'layers' }) maps to layers). */
  get graphBody(): Body {
    return this.main;
  }

  /** @internal The shape and dtype of every tensor value in one node-by-node run on `feeds`, and whether it was computed on the host (shape arithmetic). */
  async valueInfos(feeds: Feeds): Promise<Map<string, { shape: number[]; dtype: DType; host: boolean }>> {
    const named = this.checked(feeds, 'run');
    return this.evaluateAsync(named, this.givenAsNumbers(named), (env) => {
      const infos = new Map<string, { shape: number[]; dtype: DType; host: boolean }>();
      for (const [name, v] of env) {
        if (!isTensorLike(v)) continue;
        const host = v instanceof HostValue;
        const dtype: DType = host ? (v.dtype === 'float' ? 'float32' : v.dtype === 'bool' ? 'bool' : 'int32') : v.dtype;
        infos.set(name, { shape: [...v.shape], dtype, host });
      }
      return infos;
    });
  }

  /** Frees the initializers, constants and traced graphs. */
  dispose(): void {
    this.disposeEntrances();
    for (const b of bodies(this.main)) for (const v of b.constants.values()) for (const t of tensorsOf(v)) t.dispose();
  }

  private checked<F extends ValueFeeds>(feeds: F | Tensor, method: string): F {
    let named: ValueFeeds;
    if (soma.isTensor(feeds)) {
      if (this.inputs.length !== 1) throw new Error(`OnnxModel.${method}: the model has ${this.inputs.length} inputs (${this.inputs.map((i) => i.name).join(', ')}); pass them by name`);
      named = { [this.inputs[0].name]: feeds };
    } else named = feeds;
    for (const k of Object.keys(named)) {
      if (!this.inputs.some((i) => i.name === k)) throw new Error(`OnnxModel.${method}: unknown input '${k}'; the model's inputs: ${this.inputs.map((i) => i.name).join(', ')}`);
    }
    const anyKind = method === 'runValues';
    for (const io of this.inputs) {
      const t = named[io.name];
      if (io.kind !== 'tensor' && !anyKind) throw new Error(`OnnxModel.${method}: input '${io.name}' is ${io.kind === 'sequence' ? 'a sequence' : 'an optional'}; call await model.runValues(feeds), which takes sequences as arrays of tensors and empty optionals as null`);
      if (t === undefined || (t === null && io.kind !== 'optional')) throw new Error(`OnnxModel.${method}: input '${io.name}' is missing`);
      const tensors = Array.isArray(t) ? t : t !== null && soma.isTensor(t) ? [t] : [];
      // A sequence's or optional's element shape is often left undeclared.
      for (const x of io.kind === 'tensor' || io.shape.length ? tensors : []) {
        const ok = x.rank === io.shape.length && io.shape.every((d, k) => typeof d !== 'number' || d === x.shape[k]);
        if (!ok) throw new Error(`OnnxModel.${method}: input '${io.name}' must be [${io.shape.join(', ')}], got [${x.shape.join(', ')}]`);
      }
    }
    if (!anyKind) {
      const other = this.outputs.find((o) => o.kind !== 'tensor');
      if (other) throw new Error(`OnnxModel.${method}: output '${other.name}' is ${other.kind === 'sequence' ? 'a sequence' : 'an optional'}; call await model.runValues(feeds), which returns sequences as arrays of tensors and empty optionals as null`);
    }
    return named as F;
  }

  /** Inputs given as numbers, which stay on the host as constants would. */
  private givenAsNumbers(named: Feeds): Map<string, HostValue> {
    const known = new Map<string, HostValue>();
    for (const io of this.inputs) {
      const given = named[io.name];
      if (!soma.isTensor(given)) known.set(io.name, new HostValue([...given.shape], Array.from(given.values), hostKind(io.dtype)));
    }
    return known;
  }

  private inputValue(io: OnnxIO, given: Tensor | HostInput | readonly Tensor[] | null): AnyValue {
    const one = (x: Tensor | HostInput) => (soma.isTensor(x) ? (x.dtype === io.dtype ? x : x.cast(io.dtype)) : new HostValue([...x.shape], Array.from(x.values), hostKind(io.dtype)));
    const value = given === null ? null : Array.isArray(given) ? new SequenceValue(given.map(one), io.dtype) : one(given as Tensor | HostInput);
    if (io.kind === 'optional') return new OptionalValue(value);
    if (io.kind === 'sequence' && !(value instanceof SequenceValue)) throw new Error(`OnnxModel.runValues: input '${io.name}' is a sequence: pass an array of tensors`);
    if (io.kind === 'tensor' && !isTensorLike(value ?? undefined)) throw new Error(`OnnxModel.runValues: input '${io.name}' is a tensor, got an array`);
    return value!;
  }

  /** An output as the caller keeps it: tensors of its own (the run's are freed), sequences as arrays, an empty optional as null. */
  private outputValue(o: { name: string }, v: AnyValue | undefined): OnnxValue {
    if (v === undefined) throw new Error(`OnnxModel: output '${o.name}' was not computed`);
    const tensor = (x: AnyValue) => (x instanceof HostValue ? x.toTensor(`output '${o.name}'`) : asTensor(x as Tensor, `output '${o.name}'`).reshape([...(x as Tensor).shape]));
    if (v instanceof OptionalValue) return v.value === null ? null : this.outputValue(o, v.value);
    if (v instanceof SequenceValue) return v.items.map(tensor);
    return tensor(v);
  }

  /** The steps' run on the inputs (with `known` values in place of what would compute them); every value by name. */
  private *evaluate(named: Feeds, known: ReadonlyMap<string, HostValue>, owned: Owned) {
    const env = new Map<string, AnyValue>();
    for (const io of this.inputs) {
      const t = named[io.name] as Tensor;
      env.set(io.name, known.get(io.name) ?? (io.dtype === t.dtype ? t : t.cast(io.dtype)));
    }
    return yield* execute(this.main, env, owned, known);
  }

  /** Node by node, reading numbers operators need as they are reached; what `finish` makes of the values is kept, everything made on the way freed. */
  private async evaluateAsync<R>(named: Feeds, known: ReadonlyMap<string, HostValue>, finish: (env: Map<string, AnyValue>) => R): Promise<R> {
    const owned = new Set<Tensor>();
    try {
      return finish(await runAsync(this.evaluate(named, known, owned)));
    } finally {
      for (const t of owned) t.dispose();
    }
  }

  private results(env: ReadonlyMap<string, AnyValue>, method: string): Record<string, Tensor> {
    const result: Record<string, Tensor> = {};
    for (const o of this.outputs) {
      const v = env.get(o.name);
      if (v === undefined) throw new Error(`OnnxModel.${method}: output '${o.name}' was not computed`);
      if (!isTensorLike(v)) throw new Error(`OnnxModel.${method}: output '${o.name}' holds ${v instanceof SequenceValue ? 'a sequence' : 'an optional'}; call await model.runValues(feeds)`);
      const t = asTensor(v, `output '${o.name}'`);
      // An output that is also an input, or a constant, is returned as a tensor of its own.
      result[o.name] = t.reshape([...t.shape]);
    }
    return result;
  }

  /**
   * The inputs to read on the host so that an operator asking for `names` gets numbers: the small
   * inputs fed as tensors it is computed from (host folding carries them through Cast, Concat, …).
   * Empty when there are none left: the numbers come from the data.
   */
  private hostSources(names: readonly string[], named: Feeds, known: ReadonlyMap<string, HostValue>): string[] {
    const inputs = new Set(this.inputs.map((io) => io.name));
    const sources = new Set<string>();
    const seen = new Set<string>();
    const stack = [...names];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      if (inputs.has(n)) sources.add(n);
      for (const i of this.producers.get(n)?.node.input ?? []) if (i) stack.push(i);
    }
    return this.inputs
      .filter((io) => sources.has(io.name) && !known.has(io.name) && !this.hostReads.includes(io.name))
      .filter((io) => (named[io.name] as Tensor).size <= MAX_HOST_INPUT)
      .map((io) => io.name);
  }

  /** An input's numbers, read when `run` executes. */
  private async readInput(name: string, named: Feeds): Promise<HostValue> {
    const io = this.inputs.find((i) => i.name === name)!;
    const t = named[name] as Tensor;
    return new HostValue([...t.shape], Array.from(await t.data(), Number), hostKind(io.dtype));
  }

  /** The outputs from a graph traced per distinct set of `known` values. */
  private runTraced(named: Feeds, known: ReadonlyMap<string, HostValue>): Record<string, Tensor> {
    const tensorInputs = this.inputs.filter((io) => !known.has(io.name));
    if (!tensorInputs.length) return soma.tidy(() => this.results(runSync(this.evaluate(named, known, null)), 'run'));
    const key = JSON.stringify([...known].map(([n, v]) => [n, v.shape, v.values, v.dtype]));
    let entrance = this.entrances.get(key);
    if (entrance) this.entrances.delete(key);
    else {
      const fixed = new Map(known);
      entrance = soma.compiled(
        (...ts: Tensor[]) => {
          const env = runSync(this.evaluate(Object.fromEntries(tensorInputs.map((io, i) => [io.name, ts[i]])), fixed, null));
          const out = this.results(env, 'run');
          return this.outputs.map((o) => out[o.name]);
        },
        // A model predict can run but trace cannot stays node by node (counted in soma.compileStats()).
        { name: 'OnnxModel.run', inputNames: tensorInputs.map((io) => io.name), maxGraphs: 8, onFallback: 'silent', passThrough: (e) => e instanceof NeedsHostValue },
      );
      for (const [k, old] of this.entrances) {
        if (this.entrances.size < MAX_ENTRANCES) break;
        old.dispose();
        this.entrances.delete(k);
      }
    }
    this.entrances.set(key, entrance);
    const outs = entrance.run(tensorInputs.map((io) => named[io.name] as Tensor));
    return Object.fromEntries(this.outputs.map((o, i) => [o.name, outs[i]]));
  }

  private disposeEntrances(): void {
    for (const e of this.entrances.values()) e.dispose();
    this.entrances.clear();
  }
}
