import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import type { NodeProto } from '../proto.js';
import { CONTROL_OPS } from './control_flow.js';
import { OPS, type OpContext } from './op_table.js';
import { SEQUENCE_OPS } from './sequences.js';
import { HostValue, isTensorLike, NeedsHostValue, type AnyValue, type Value } from './values.js';

/** A graph ready to run: the main graph, or an If/Loop/Scan body reading names of the graphs around it. */
export interface Body {
  readonly steps: readonly Step[];
  /** Initializers and Constant nodes, made once at import. */
  readonly constants: ReadonlyMap<string, AnyValue>;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** A node with what it runs with: its context and, for If/Loop/Scan/SequenceMap, its bodies by attribute name. */
export interface Step {
  readonly node: NodeProto;
  readonly ctx: OpContext;
  readonly bodies: Readonly<Record<string, Body>>;
}

/**
 * A run of a graph, as a generator: where an operator needs a tensor's values as numbers it
 * yields the request (a NeedsHostValue, its `names` filled in) and goes on with the host value it
 * is given. `runSync` answers by throwing (predict, traces); `runAsync` reads the tensor.
 */
export type Execution<T> = Generator<NeedsHostValue, T, HostValue>;

/** Tensors made while a run goes on, freed when it ends (asynchronous runs, which no tidy spans); null where an enclosing tidy frees them. */
export type Owned = Set<Tensor> | null;

/** Numbers of a value an operator reads on the host, yielding to the driver when it is a tensor. */
export function* hostValue(read: () => number[], names: readonly string[] = []): Execution<number[]> {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof NeedsHostValue)) throw e;
    if (!e.names.length) e.names = names;
    return [...(yield e).values];
  }
}

const where = (c: OpContext, e: unknown) => {
  const msg = (e as Error).message;
  return new Error(msg.startsWith('OnnxModel') ? msg : msg.startsWith('node ') ? `OnnxModel: ${msg}` : `OnnxModel: ${c.where}: ${msg}`);
};

/** Marks a step's output as the run's to free, unless it is a value the run did not make (an Identity of a weight or input). */
function track(v: AnyValue | undefined, owned: Owned, given: ReadonlySet<Tensor>): void {
  if (!owned || v === undefined) return;
  if (isTensorLike(v)) {
    if (!(v instanceof HostValue) && !given.has(v)) owned.add(v);
  } else if ('items' in v) v.items.forEach((i) => track(i, owned, given));
  else if (v.value) track(v.value, owned, given);
}

/**
 * Runs `body`'s steps in `env` (which holds its inputs and the values of the graphs around it),
 * with `known` values standing in for what would compute them; stops once `until` is computed.
 * Returns `env` with every value set.
 */
export function* execute(body: Body, env: Map<string, AnyValue>, owned: Owned, known: ReadonlyMap<string, HostValue> = new Map(), until?: string): Execution<Map<string, AnyValue>> {
  for (const [k, v] of body.constants) env.set(k, v);
  const given = new Set([...env.values()].flatMap(tensorsOf));
  for (const step of body.steps) {
    if (until !== undefined && env.has(until)) break;
    const { node, ctx } = step;
    const outs = (node.output ?? []).filter((o) => o);
    if (outs.length && outs.every((o) => known.has(o))) {
      for (const o of outs) env.set(o, known.get(o)!);
      continue;
    }
    const ins = (node.input ?? []).map((n) => (n ? env.get(n) : undefined));
    const op = node.op_type!;
    let out: AnyValue | readonly AnyValue[];
    if (op in CONTROL_OPS) {
      try {
        out = yield* CONTROL_OPS[op](ins, step, env, owned);
      } catch (e) {
        throw e instanceof NeedsHostValue ? e : where(ctx, e);
      }
    } else {
      for (;;) {
        try {
          out = runOne(op, ins, ctx, owned === null);
          break;
        } catch (e) {
          if (!(e instanceof NeedsHostValue)) throw where(ctx, e);
          e.names = [...env].filter(([, v]) => v === e.value).map(([n]) => n);
          const host = yield e;
          // Every name holding the tensor now holds its numbers, so host folding carries on.
          for (const [n, v] of env) if (v === e.value) env.set(n, host);
          ins.forEach((v, i) => v === e.value && (ins[i] = host));
        }
      }
    }
    const list = Array.isArray(out) ? (out as AnyValue[]) : [out as AnyValue];
    (node.output ?? []).forEach((name, k) => {
      if (!name || list[k] === undefined) return;
      const v = known.get(name) ?? list[k];
      track(v, owned, given);
      env.set(name, v);
    });
  }
  return env;
}

/** One operator on its inputs; its temporaries freed at once where no enclosing tidy will. */
function runOne(op: string, ins: readonly (AnyValue | undefined)[], ctx: OpContext, scoped: boolean): AnyValue | readonly AnyValue[] {
  const impl = SEQUENCE_OPS[op];
  const call = () => {
    if (impl) return impl.run(ins, ctx);
    const k = ins.findIndex((v) => v !== undefined && !isTensorLike(v));
    if (k >= 0) throw new Error(`input ${k} is a sequence or an optional; ${op} takes tensors`);
    return OPS[op].run(ins as (Value | undefined)[], ctx);
  };
  if (scoped) return call();
  return soma.tidy(() => {
    const out = call();
    // tidy keeps what it returns: tensors inside sequences and optionals as well.
    const list = (Array.isArray(out) ? out : [out]) as AnyValue[];
    return { out, keep: list.flatMap(tensorsOf) };
  }).out;
}

/** The tensors a value holds. */
export function tensorsOf(v: AnyValue | undefined): Tensor[] {
  if (v === undefined) return [];
  if (isTensorLike(v)) return v instanceof HostValue ? [] : [v];
  if ('items' in v) return v.items.flatMap(tensorsOf);
  return v.value ? tensorsOf(v.value) : [];
}

/** Runs an execution to its end synchronously: a request for host numbers is thrown (inside tidy, predict, traces). */
export function runSync<T>(run: Execution<T>): T {
  const r = run.next();
  if (!r.done) throw r.value;
  return r.value;
}

/** Runs an execution to its end, reading each tensor whose numbers an operator needs. */
export async function runAsync<T>(run: Execution<T>): Promise<T> {
  let r = run.next();
  while (!r.done) {
    const t = r.value.value;
    const values = Array.from(await t.data(), Number);
    r = run.next(new HostValue([...t.shape], values, t.dtype === 'int32' ? 'int' : t.dtype === 'bool' ? 'bool' : 'float'));
  }
  return r.value;
}
