import * as soma from '@soma/core';
import type { DType, Dim, Tensor, Variable } from '@soma/core';
import type { NodeProto } from '../proto.js';
import { OPS, type OpContext } from './op_table.js';
import { asTensor, HostValue, isHost, NeedsHostValue, type Value } from './values.js';

/** Integer input values given on the host ({ shape, values }): used where the model needs them known (a Reshape's shape, Slice bounds). */
export interface HostInput {
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
}

/** A graph input or output as the file declares it. */
export interface OnnxIO {
  readonly name: string;
  readonly shape: readonly Dim[];
  readonly dtype: DType;
}

/** @internal A node with what it runs with. */
export interface Step {
  readonly node: NodeProto;
  readonly ctx: OpContext;
}

type Feeds = Readonly<Record<string, Tensor | HostInput>>;

/** Graph inputs bigger than this are data, never read to the host to fold a shape. */
const MAX_HOST_INPUT = 4096;

/** Graphs kept per distinct set of host-read values (serving sees a few shapes and a few values). */
const MAX_ENTRANCES = 8;

const hostKind = (dtype: DType): HostValue['dtype'] => (dtype === 'int32' ? 'int' : dtype === 'bool' ? 'bool' : 'float');

/**
 * An ONNX model imported into Soma: it runs node by node with Soma's ops on whatever backend is
 * active, so it is differentiable, and its float initializers are Variables that optimizers can
 * train (`trainableVariables`). Shape computations (Shape → Gather → Concat → Reshape) are folded
 * on the host.
 */
export class OnnxModel {
  readonly inputs: readonly OnnxIO[];
  readonly outputs: readonly OnnxIO[];
  readonly trainableVariables: readonly Variable[];

  /** The step that writes each value, for tracing a host-read value back to the inputs it comes from. */
  private readonly producers = new Map<string, Step>();
  /**
   * Values `run` reads on the host before it runs, learned as operators ask for them (in the order
   * they were asked): inputs fed as tensors (Reshape's shape, TopK's k), and values computed from
   * the data (NonZero's input), which make the model run node by node.
   */
  private readonly hostReads: string[] = [];
  /** Compiled entrances by the host-read values they were traced with, least recently used first. */
  private readonly entrances = new Map<string, soma.Compiled>();

  /** @internal Made by `importOnnx`. */
  constructor(
    readonly opset: number,
    readonly producer: string,
    private readonly steps: readonly Step[],
    private readonly constants: ReadonlyMap<string, Value>,
    inputs: OnnxIO[],
    outputs: OnnxIO[],
  ) {
    this.inputs = inputs;
    this.outputs = outputs;
    this.trainableVariables = [...constants.values()].filter((v): v is Variable => !isHost(v) && v.isVariable() && (v as Variable).trainable);
    for (const step of steps) for (const o of step.node.output ?? []) if (o) this.producers.set(o, step);
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
      return soma.tidy(() => this.results(this.evaluate(named, this.givenAsNumbers(named))));
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
   * on the host when `run` executes and the graph is traced per distinct value (a few are kept);
   * values computed from the data (NonZero's input) are read too, and such a model runs node by
   * node.
   */
  async run(feeds: Feeds | Tensor): Promise<Record<string, Tensor>> {
    const named = this.checked(feeds, 'run');
    const known = this.givenAsNumbers(named);
    for (;;) {
      for (const name of this.hostReads) if (!known.has(name)) known.set(name, await this.readHost(name, named, known));
      try {
        return this.runKnown(named, known);
      } catch (e) {
        if (!(e instanceof NeedsHostValue)) throw e;
        const fresh = this.hostSources(e.names, known);
        if (!fresh.length) throw e;
        this.hostReads.push(...fresh);
        this.disposeEntrances();
      }
    }
  }

  /** Frees the initializers, constants and traced graphs. */
  dispose(): void {
    this.disposeEntrances();
    for (const v of this.constants.values()) if (!isHost(v)) v.dispose();
  }

  private checked(feeds: Feeds | Tensor, method: string): Feeds {
    if (soma.isTensor(feeds)) {
      if (this.inputs.length !== 1) throw new Error(`OnnxModel.${method}: the model has ${this.inputs.length} inputs (${this.inputs.map((i) => i.name).join(', ')}); pass them by name`);
      feeds = { [this.inputs[0].name]: feeds };
    }
    for (const k of Object.keys(feeds)) {
      if (!this.inputs.some((i) => i.name === k)) throw new Error(`OnnxModel.${method}: unknown input '${k}'; the model's inputs: ${this.inputs.map((i) => i.name).join(', ')}`);
    }
    for (const io of this.inputs) {
      const t = feeds[io.name];
      if (!t) throw new Error(`OnnxModel.${method}: input '${io.name}' is missing`);
      const ok = !soma.isTensor(t) || (t.rank === io.shape.length && io.shape.every((d, k) => typeof d !== 'number' || d === t.shape[k]));
      if (!ok) throw new Error(`OnnxModel.${method}: input '${io.name}' must be [${io.shape.join(', ')}], got [${(t as Tensor).shape.join(', ')}]`);
    }
    return feeds;
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

  /**
   * Runs the steps on the inputs, with `known` values standing in for what would compute them;
   * stops once `until` is computed. Returns every value by name.
   */
  private evaluate(named: Feeds, known: ReadonlyMap<string, HostValue>, until?: string): Map<string, Value> {
    const env = new Map<string, Value>(this.constants);
    for (const io of this.inputs) {
      const host = known.get(io.name);
      if (host) {
        env.set(io.name, host);
        continue;
      }
      const t = named[io.name] as Tensor;
      env.set(io.name, io.dtype === t.dtype ? t : t.cast(io.dtype));
    }
    for (const { node, ctx } of this.steps) {
      if (until !== undefined && env.has(until)) break;
      const outs = (node.output ?? []).filter((o) => o);
      if (outs.length && outs.every((o) => known.has(o))) {
        for (const o of outs) env.set(o, known.get(o)!);
        continue;
      }
      const ins = (node.input ?? []).map((n) => (n ? env.get(n) : undefined));
      let out: Value | readonly Value[];
      try {
        out = OPS[node.op_type!].run(ins, ctx);
      } catch (e) {
        if (e instanceof NeedsHostValue) {
          e.names = [...env].filter(([, v]) => v === e.value).map(([n]) => n);
          throw e;
        }
        const msg = (e as Error).message;
        throw new Error(msg.startsWith('node ') ? `OnnxModel: ${msg}` : `OnnxModel: ${ctx.where}: ${msg}`);
      }
      const list = Array.isArray(out) ? (out as Value[]) : [out as Value];
      (node.output ?? []).forEach((name, k) => name && list[k] !== undefined && env.set(name, known.get(name) ?? list[k]));
    }
    return env;
  }

  private results(env: ReadonlyMap<string, Value>): Record<string, Tensor> {
    const result: Record<string, Tensor> = {};
    for (const o of this.outputs) {
      const v = env.get(o.name);
      if (v === undefined) throw new Error(`OnnxModel: output '${o.name}' was not computed`);
      const t = asTensor(v, `output '${o.name}'`);
      result[o.name] = t.reshape([...t.shape]);
    }
    return result;
  }

  /**
   * The values to read on the host so that an operator asking for `names` gets numbers: the small
   * inputs fed as tensors it is computed from (host folding carries them through Cast, Concat, …),
   * else the value itself. Empty when everything is read already (the caller reports the error).
   */
  private hostSources(names: readonly string[], known: ReadonlyMap<string, HostValue>): string[] {
    const inputs = new Set(this.inputs.map((io) => io.name));
    const direct = names.find((n) => inputs.has(n));
    if (direct !== undefined) return known.has(direct) ? [] : [direct];
    const name = names[0];
    if (name === undefined || known.has(name) || this.hostReads.includes(name)) return [];
    const sources = new Set<string>();
    const seen = new Set<string>();
    const stack = [name];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      if (inputs.has(n)) sources.add(n);
      for (const i of this.producers.get(n)?.node.input ?? []) if (i) stack.push(i);
    }
    const readable = this.inputs.filter((io) => sources.has(io.name) && !known.has(io.name) && !this.hostReads.includes(io.name));
    const small = readable.filter((io) => io.shape.every((d) => typeof d === 'number') && io.shape.reduce<number>((a, d) => a * (d as number), 1) <= MAX_HOST_INPUT);
    return small.length ? small.map((io) => io.name) : [name];
  }

  /** The value of `name` as numbers: an input's data, or a value computed from the data, read after running up to it. */
  private async readHost(name: string, named: Feeds, known: ReadonlyMap<string, HostValue>): Promise<HostValue> {
    const io = this.inputs.find((i) => i.name === name);
    if (io) {
      const t = named[name] as Tensor;
      if (t.size > MAX_HOST_INPUT) throw new Error(`OnnxModel.run: input '${name}' is read as numbers (a shape, axes or a count), but holds ${t.size} values`);
      return new HostValue([...t.shape], Array.from(await t.data(), Number), hostKind(io.dtype));
    }
    const t = soma.tidy(() => {
      const v = this.evaluate(named, known, name).get(name);
      return v === undefined || isHost(v) ? null : soma.keep(v);
    });
    if (!t) throw new Error(`OnnxModel.run: value '${name}' was not computed`);
    try {
      return new HostValue([...t.shape], Array.from(await t.data(), Number), t.dtype === 'int32' ? 'int' : hostKind(t.dtype));
    } finally {
      t.dispose();
    }
  }

  /** The outputs with `known` values in place: traced per distinct set of them, or node by node where values come from the data. */
  private runKnown(named: Feeds, known: ReadonlyMap<string, HostValue>): Record<string, Tensor> {
    const inputNames = new Set(this.inputs.map((io) => io.name));
    const tensorInputs = this.inputs.filter((io) => !known.has(io.name));
    if (!tensorInputs.length || this.hostReads.some((n) => !inputNames.has(n))) return soma.tidy(() => this.results(this.evaluate(named, known)));
    const key = JSON.stringify([...known].map(([n, v]) => [n, v.shape, v.values, v.dtype]));
    let entrance = this.entrances.get(key);
    if (entrance) this.entrances.delete(key);
    else {
      const fixed = new Map(known);
      entrance = soma.compiled(
        (...ts: Tensor[]) => {
          const env = this.evaluate(Object.fromEntries(tensorInputs.map((io, i) => [io.name, ts[i]])), fixed);
          const out = this.results(env);
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
