import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { execute, hostValue, type Body, type Execution, type Owned, type Step } from './interpreter.js';
import type { OpContext } from './op_table.js';
import { asTensor, hostNumbers, HostValue, isTensorLike, SequenceValue, type AnyValue, type Value } from './values.js';

type ControlOp = (ins: readonly (AnyValue | undefined)[], step: Step, env: ReadonlyMap<string, AnyValue>, owned: Owned) => Execution<AnyValue | readonly AnyValue[]>;

function body(step: Step, name: string): Body {
  const b = step.bodies[name];
  if (!b) step.ctx.a.fail(`the '${name}' graph attribute is missing`);
  return b;
}

function tensorOf(v: AnyValue | undefined, c: OpContext, what: string): Value {
  if (!isTensorLike(v)) c.a.fail(`${what} must be a tensor${v === undefined ? ', and it is missing' : ''}`);
  return v;
}

/** Runs `b` once with its inputs bound to `args` in a scope that sees the enclosing graphs' values; its outputs in order. */
function* call(b: Body, args: readonly (AnyValue | undefined)[], env: ReadonlyMap<string, AnyValue>, owned: Owned, c: OpContext): Execution<(AnyValue | undefined)[]> {
  const scope = new Map(env);
  b.inputs.forEach((name, i) => {
    const v = args[i];
    if (v === undefined) scope.delete(name);
    else scope.set(name, v);
  });
  const done = yield* execute(b, scope, owned);
  return b.outputs.map((o) => {
    if (!done.has(o)) c.a.fail(`its body's output '${o}' was not computed`);
    return done.get(o);
  });
}

/** A truth value the loop or branch needs on the host. */
function* truth(v: AnyValue | undefined, c: OpContext, what: string): Execution<boolean> {
  const t = tensorOf(v, c, what);
  const [x] = yield* hostValue(() => hostNumbers(t, c.where, what));
  return x !== 0;
}

/** Per-iteration values stacked along `axis` (reversed first for a backward scan). */
function stacked(values: readonly (AnyValue | undefined)[], axis: number, reverse: boolean, c: OpContext): Tensor {
  if (!values.length) c.a.fail('no iterations ran, so a scan output has no element shape (ONNX leaves it empty; Soma cannot tell its shape)');
  const xs = values.map((v, i) => asTensor(tensorOf(v, c, `scan output of iteration ${i}`), c.where));
  if (reverse) xs.reverse();
  return soma.stack(xs, axis < 0 ? axis + xs[0].rank + 1 : axis);
}

/** Element `i` along `axis`, without the axis. */
const sliceAt = (x: Tensor, axis: number, i: number): Tensor => soma.slice(x, x.shape.map((_, k) => (k === axis ? i : 0)), x.shape.map((d, k) => (k === axis ? 1 : d))).squeeze(axis);

/** Scan (opset 9+) over scan inputs without a batch axis. */
function* scanOnce(states: readonly (AnyValue | undefined)[], xs: readonly Tensor[], step: Step, env: ReadonlyMap<string, AnyValue>, owned: Owned): Execution<(AnyValue | undefined)[]> {
  const c = step.ctx;
  const b = body(step, 'body');
  const m = xs.length;
  const inAxes = (c.a.ints('scan_input_axes') ?? Array(m).fill(0)).map((a, j) => (a < 0 ? a + xs[j].rank : a));
  const inDirs = c.a.ints(c.opset < 9 ? 'directions' : 'scan_input_directions') ?? Array(m).fill(0);
  const length = xs[0].shape[inAxes[0]];
  xs.forEach((x, j) => {
    if (x.shape[inAxes[j]] !== length) c.a.fail(`scan input ${j} has ${x.shape[inAxes[j]]} steps along axis ${inAxes[j]}, scan input 0 has ${length}`);
  });
  let carried = [...states];
  const scans: (AnyValue | undefined)[][] = [];
  for (let t = 0; t < length; t++) {
    const slices = xs.map((x, j) => sliceAt(x, inAxes[j], inDirs[j] === 1 ? length - 1 - t : t));
    const outs = yield* call(b, [...carried, ...slices], env, owned, c);
    carried = outs.slice(0, states.length);
    outs.slice(states.length).forEach((v, k) => (scans[k] ??= []).push(v));
  }
  const outAxes = c.a.ints('scan_output_axes') ?? [];
  const outDirs = c.a.ints('scan_output_directions') ?? [];
  const k = b.outputs.length - states.length;
  return [...carried, ...Array.from({ length: k }, (_, j) => stacked(scans[j] ?? [], outAxes[j] ?? 0, outDirs[j] === 1, c))];
}

export const CONTROL_OPS: Record<string, ControlOp> = {
  *If(ins, step, env, owned) {
    const c = step.ctx;
    const branch = (yield* truth(ins[0], c, 'the condition')) ? 'then_branch' : 'else_branch';
    const outs = yield* call(body(step, branch), [], env, owned, c);
    return outs as AnyValue[];
  },

  *Loop(ins, step, env, owned) {
    const c = step.ctx;
    const b = body(step, 'body');
    const trips = ins[0] === undefined ? Infinity : (yield* hostValue(() => hostNumbers(tensorOf(ins[0], c, 'M'), c.where, 'the trip count M')))[0];
    let going = ins[1] === undefined ? true : yield* truth(ins[1], c, 'the condition');
    let carried = ins.slice(2);
    const scans: (AnyValue | undefined)[][] = [];
    const k = b.outputs.length - 1 - carried.length;
    if (k < 0) c.a.fail(`the body has ${b.outputs.length} outputs for ${carried.length} loop-carried values (it needs the condition, then each of them)`);
    for (let i = 0; i < trips && going; i++) {
      const outs = yield* call(b, [new HostValue([], [i]), new HostValue([], [1], 'bool'), ...carried], env, owned, c);
      going = outs[0] === undefined ? true : yield* truth(outs[0], c, 'the condition the body computes');
      carried = outs.slice(1, 1 + carried.length);
      outs.slice(1 + carried.length).forEach((v, j) => (scans[j] ??= []).push(v));
    }
    return [...carried, ...Array.from({ length: k }, (_, j) => stacked(scans[j] ?? [], 0, false, c))] as AnyValue[];
  },

  *Scan(ins, step, env, owned) {
    const c = step.ctx;
    const m = c.a.int('num_scan_inputs', 0);
    if (c.opset >= 9) {
      const n = ins.length - m;
      const xs = ins.slice(n).map((v, j) => asTensor(tensorOf(v, c, `scan input ${j}`), c.where));
      return (yield* scanOnce(ins.slice(0, n), xs, step, env, owned)) as AnyValue[];
    }
    // Opset 8: a batch axis in front of every state and scan input, and optional sequence lengths.
    const n = ins.length - 1 - m;
    const all = ins.slice(1).map((v, j) => asTensor(tensorOf(v, c, `input ${j + 1}`), c.where));
    const batch = all[0].shape[0];
    if (ins[0] !== undefined) {
      const lens = yield* hostValue(() => hostNumbers(tensorOf(ins[0], c, 'sequence_lens'), c.where, 'sequence_lens'));
      const full = all[n].shape[1];
      if (lens.some((l) => l !== full)) c.a.fail('sequence_lens shorter than the sequence are not supported (pad-free batches are)');
    }
    const per: (AnyValue | undefined)[][] = [];
    for (let i = 0; i < batch; i++) {
      const row = all.map((x) => sliceAt(x, 0, i));
      per.push(yield* scanOnce(row.slice(0, n), row.slice(n), step, env, owned));
    }
    return per[0].map((_, j) => stacked(per.map((p) => p[j]), 0, false, c));
  },

  *SequenceMap(ins, step, env, owned) {
    const c = step.ctx;
    const b = body(step, 'body');
    const first = ins[0];
    if (!(first instanceof SequenceValue)) throw new Error(`${c.where}: input 0 must be a sequence`);
    const n = first.items.length;
    ins.forEach((v, j) => {
      if (v instanceof SequenceValue && v.items.length !== n) c.a.fail(`sequence input ${j} has ${v.items.length} elements, input 0 has ${n}`);
    });
    const results: (AnyValue | undefined)[][] = b.outputs.map(() => []);
    for (let i = 0; i < n; i++) {
      const outs = yield* call(b, ins.map((v) => (v instanceof SequenceValue ? v.items[i] : v)), env, owned, c);
      outs.forEach((v, j) => results[j].push(v));
    }
    return results.map((vs, j) => new SequenceValue(vs.map((v, i) => tensorOf(v, c, `body output ${j} of element ${i}`))));
  },
};
