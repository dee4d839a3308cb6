import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import type { NodeProto } from '../proto.js';
import type { OpContext, OpImpl } from './op_table.js';
import { asTensor, type Attributes, type Value } from './values.js';

/**
 * ONNX's RNN, GRU and LSTM operators, unrolled over time with Soma's ops (so imported recurrent
 * models train): forward, reverse and bidirectional; ONNX's gate orders (LSTM i, o, f, c; GRU z,
 * r, h), both layouts, clip, peepholes, initial states and GRU's linear_before_reset.
 */

type Kind = 'RNN' | 'GRU' | 'LSTM';
const GATES: Record<Kind, number> = { RNN: 1, GRU: 3, LSTM: 4 };
const DEFAULT_ACTIVATIONS: Record<Kind, string[]> = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] };
const SUPPORTED = new Set(['Sigmoid', 'Tanh', 'Relu', 'HardSigmoid', 'LeakyRelu', 'Softsign', 'Softplus', 'Elu', 'Affine', 'ScaledTanh', 'ThresholdedRelu']);

type Act = (x: Tensor) => Tensor;

function activation(name: string, alpha: number | undefined, beta: number | undefined): Act {
  switch (name) {
    case 'Sigmoid': return (x) => x.sigmoid();
    case 'Tanh': return (x) => x.tanh();
    case 'Relu': return (x) => x.relu();
    case 'HardSigmoid': return (x) => soma.clip(x.mul(alpha ?? 0.2).add(beta ?? 0.5), 0, 1);
    case 'LeakyRelu': return (x) => soma.leakyRelu(x, alpha ?? 0.01);
    case 'Softsign': return (x) => x.div(x.abs().add(1));
    case 'Softplus': return (x) => x.softplus();
    case 'Elu': return (x) => soma.where(x.greater(0), x, x.expm1().mul(alpha ?? 1));
    case 'Affine': return (x) => x.mul(alpha ?? 1).add(beta ?? 0);
    case 'ScaledTanh': return (x) => x.mul(beta ?? 1).tanh().mul(alpha ?? 1);
    case 'ThresholdedRelu': return (x) => soma.where(x.greater(alpha ?? 1), x, soma.zerosLike(x));
    default: throw new Error(`activation ${name} is not supported`);
  }
}

/** The activations for each direction, from the attributes (with alpha/beta consumed in order, as ONNX lists them). */
function activations(kind: Kind, a: Attributes, dirs: number): Act[][] {
  const names = a.has('activations') ? a.stringList('activations') : [...DEFAULT_ACTIVATIONS[kind], ...(dirs === 2 ? DEFAULT_ACTIVATIONS[kind] : [])];
  const alphas = a.floats('activation_alpha') ?? [];
  const betas = a.floats('activation_beta') ?? [];
  const per = DEFAULT_ACTIVATIONS[kind].length;
  let ai = 0;
  let bi = 0;
  const acts = names.map((n) => {
    const takesAlpha = ['HardSigmoid', 'LeakyRelu', 'Elu', 'Affine', 'ScaledTanh', 'ThresholdedRelu'].includes(n);
    const takesBeta = ['HardSigmoid', 'Affine', 'ScaledTanh'].includes(n);
    return activation(n, takesAlpha ? alphas[ai++] : undefined, takesBeta ? betas[bi++] : undefined);
  });
  return Array.from({ length: dirs }, (_, d) => acts.slice(d * per, d * per + per));
}

function checkRecurrent(kind: Kind) {
  return (node: NodeProto, a: Attributes): string | null => {
    const names = a.has('activations') ? a.stringList('activations') : [];
    const bad = names.filter((n) => !SUPPORTED.has(n));
    if (bad.length) return `${kind} with activation ${bad.join(', ')}`;
    if (kind === 'LSTM' && a.int('input_forget', 0) !== 0) return 'LSTM with input_forget';
    return null;
  };
}

/** Runs one direction over the sequence; returns the outputs per step and the final states. */
function runDirection(kind: Kind, xw: Tensor[], r: Tensor, rb: Tensor, states: Tensor[], acts: Act[], c: OpContext, peep: Tensor | null, clip: number | null, reverse: boolean, valid: ((t: number) => Tensor) | null): { ys: Tensor[]; states: Tensor[] } {
  const hidden = r.shape[1];
  const lbr = c.a.int('linear_before_reset', 0) !== 0;
  const clamp = (t: Tensor) => (clip === null ? t : soma.clip(t, -clip, clip));
  const order = xw.map((_, t) => (reverse ? xw.length - 1 - t : t));
  const ys: Tensor[] = new Array(xw.length);
  let [h, cell] = states;
  const rGate = (k: number) => r.slice([k * hidden, 0], [hidden, hidden]);
  const rbGate = (k: number) => rb.slice([k * hidden], [hidden]);
  const xGate = (x: Tensor, k: number) => x.slice([0, k * hidden], [x.shape[0], hidden]);
  for (const t of order) {
    const x = xw[t];
    const [hBefore, cellBefore] = [h, cell];
    if (kind === 'RNN') {
      h = acts[0](clamp(x.add(h.matmul(r, { transposeB: true })).add(rb)));
    } else if (kind === 'GRU') {
      const [f, g] = acts;
      const z = f(clamp(xGate(x, 0).add(h.matmul(rGate(0), { transposeB: true })).add(rbGate(0))));
      const rr = f(clamp(xGate(x, 1).add(h.matmul(rGate(1), { transposeB: true })).add(rbGate(1))));
      const hh = lbr
        ? g(clamp(xGate(x, 2).add(rr.mul(h.matmul(rGate(2), { transposeB: true }).add(rbGate(2))))))
        : g(clamp(xGate(x, 2).add(rr.mul(h).matmul(rGate(2), { transposeB: true })).add(rbGate(2))));
      h = z.neg().add(1).mul(hh).add(z.mul(h));
    } else {
      const [f, g, hAct] = acts;
      const pre = x.add(h.matmul(r, { transposeB: true })).add(rb);
      const gate = (k: number) => pre.slice([0, k * hidden], [pre.shape[0], hidden]);
      const pe = (k: number) => (peep ? cell.mul(peep.slice([k * hidden], [hidden])) : null);
      const withPeep = (t0: Tensor, k: number) => (peep ? t0.add(pe(k)!) : t0);
      const i = f(clamp(withPeep(gate(0), 0)));
      const fg = f(clamp(withPeep(gate(2), 2)));
      const cc = g(clamp(gate(3)));
      cell = fg.mul(cell).add(i.mul(cc));
      const o = f(clamp(peep ? gate(1).add(cell.mul(peep.slice([hidden], [hidden]))) : gate(1)));
      h = o.mul(hAct(cell));
    }
    if (valid) {
      // Past a sequence's length: the states stay, and Y is zero (ONNX's sequence_lens).
      const v = valid(t);
      ys[t] = soma.where(v, h, soma.zerosLike(h));
      h = soma.where(v, h, hBefore);
      if (cell) cell = soma.where(v, cell, cellBefore);
    } else ys[t] = h;
  }
  return { ys, states: kind === 'LSTM' ? [h, cell] : [h] };
}

function recurrent(kind: Kind): OpImpl {
  return {
    check: checkRecurrent(kind),
    run(ins: readonly (Value | undefined)[], c: OpContext) {
      const F = (i: number) => asTensor(ins[i]!, c.where, 'float32');
      const layout = c.a.int('layout', 0);
      let x = F(0);
      if (layout === 1) x = x.transpose([1, 0, 2]);
      const [seq, batch, inputSize] = x.shape;
      const w = F(1);
      const r = F(2);
      const dirs = w.shape[0];
      const hidden = c.a.int('hidden_size', r.shape[2]);
      const gates = GATES[kind];
      const direction = c.a.string('direction', 'forward');
      if ((direction === 'bidirectional') !== (dirs === 2)) c.a.fail(`direction '${direction}' does not match ${dirs} weight direction(s)`);
      // sequence_lens (PyTorch's packed sequences): steps at or past a row's length are skipped.
      const lens = ins[4] !== undefined ? asTensor(ins[4], c.where, 'int32').reshape([batch, 1]) : null;
      const valid = lens ? (t: number) => lens.greater(t) : null;
      const clip = c.a.has('clip') ? c.a.float('clip', 0) : null;
      const acts = activations(kind, c.a, dirs);
      const bias = ins[3] === undefined ? soma.zeros([dirs, 2 * gates * hidden]) : F(3);
      const zeros = () => soma.zeros([batch, hidden]);
      const initial = (i: number, d: number) => (ins[i] === undefined ? zeros() : F(i).slice([d, 0, 0], [1, batch, hidden]).reshape([batch, hidden]));
      const flat = x.reshape([seq * batch, inputSize]);
      const ys: Tensor[][] = [];
      const finals: Tensor[][] = [];
      for (let d = 0; d < dirs; d++) {
        const wd = w.slice([d, 0, 0], [1, gates * hidden, inputSize]).reshape([gates * hidden, inputSize]);
        const rd = r.slice([d, 0, 0], [1, gates * hidden, hidden]).reshape([gates * hidden, hidden]);
        const wb = bias.slice([d, 0], [1, gates * hidden]).reshape([gates * hidden]);
        const rb = bias.slice([d, gates * hidden], [1, gates * hidden]).reshape([gates * hidden]);
        // Input projections of every step at once; GRU keeps the recurrent bias apart (linear_before_reset needs it inside).
        const xwAll = flat.matmul(wd, { transposeB: true }).add(kind === 'GRU' ? wb : wb.add(rb)).reshape([seq, batch, gates * hidden]);
        const xw = Array.from({ length: seq }, (_, t) => xwAll.slice([t, 0, 0], [1, batch, gates * hidden]).reshape([batch, gates * hidden]));
        const states = kind === 'LSTM' ? [initial(5, d), initial(6, d)] : [initial(5, d)];
        const peep = kind === 'LSTM' && ins[7] !== undefined ? F(7).slice([d, 0], [1, 3 * hidden]).reshape([3 * hidden]) : null;
        const reverse = direction === 'reverse' || d === 1;
        const out = runDirection(kind, xw, rd, kind === 'GRU' ? rb : soma.zerosLike(rb), states, acts[d], c, peep, clip, reverse, valid);
        ys.push(out.ys);
        finals.push(out.states);
      }
      // Y: [seq, dirs, batch, hidden] (layout 1: [batch, seq, dirs, hidden]); Y_h, Y_c: [dirs, batch, hidden].
      let y = soma.stack(ys.map((perDir) => soma.stack(perDir, 0)), 1);
      if (layout === 1) y = y.transpose([2, 0, 1, 3]);
      const state = (k: number) => {
        const s = soma.stack(finals.map((f) => f[k]), 0);
        return layout === 1 ? s.transpose([1, 0, 2]) : s;
      };
      return kind === 'LSTM' ? [y, state(0), state(1)] : [y, state(0)];
    },
  };
}

export const RECURRENT_OPS: Record<string, OpImpl> = { RNN: recurrent('RNN'), GRU: recurrent('GRU'), LSTM: recurrent('LSTM') };
