import type { KernelAttrs, RecurrentActivation } from '@soma/core';
import type { Attr, Emitter } from './emitter.js';
import type { NodeContext } from './kernels.js';

const OPERATOR = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' } as const;
const GATES = { rnn: 1, lstm: 4, gru: 3 } as const;

/** ONNX's name for an activation, with HardSigmoid's α and β (Keras's and PyTorch's hard sigmoid is relu6(x + 3)/6). */
const ACTIVATION: Record<RecurrentActivation, { name: string; alpha?: number; beta?: number }> = {
  linear: { name: 'Affine', alpha: 1, beta: 0 },
  relu: { name: 'Relu' },
  tanh: { name: 'Tanh' },
  sigmoid: { name: 'Sigmoid' },
  hardSigmoid: { name: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 },
};

/** Gate blocks of `v` along `axis` put in another order (Keras's LSTM i, f, c, o → ONNX's i, o, f, c). */
function reorderGates(em: Emitter, v: string, units: number, order: readonly number[], axis: number): string {
  const parts = order.map(() => em.tmp('gate'));
  em.node('Split', [v, em.int64s(order.map(() => units), 'split')], parts, { axis: { i: axis } });
  return em.apply('Concat', order.map((k) => parts[k]), { axis: { i: axis } });
}

/**
 * `recurrentSequence` as ONNX's RNN, LSTM or GRU node, as PyTorch writes nn.LSTM: weights
 * transposed to [1, gates·units, features] with gates in ONNX's order, the bias pair as B, the
 * initial states as initial_h/initial_c. Batch-first Soma tensors are transposed around the node
 * (every opset reads them so), and a backwards layer's output is flipped into the order its steps ran.
 */
export function recurrentSequence(c: NodeContext): void {
  const { em } = c;
  const a = c.attrs as unknown as KernelAttrs<'recurrentSequence'>;
  // Absent optional inputs are left out of the node's list; the attributes say which are there.
  const [x0, kernel, recurrentKernel, bias, h0, ...rest] = c.ins.filter((n) => n);
  const c0 = a.cell === 'lstm' ? rest.shift()! : '';
  const mask = a.masked ? rest.pop()! : '';
  const peephole = rest[0];
  const units = c.inInfo[2].shape[0] as number;
  const features = c.inInfo[0].shape[2] as number;
  const gates = GATES[a.cell];
  // Keras's LSTM gates are i, f, c, o; ONNX's i, o, f, c. GRU (z, r, h) and RNN match already.
  const order = a.cell === 'lstm' ? [0, 3, 1, 2] : null;
  const weights = (w: string) => {
    const t = em.apply('Transpose', [w], { perm: { ints: [1, 0] } });
    return em.apply('Unsqueeze', [order ? reorderGates(em, t, units, order, 0) : t, em.int64s([0], 'axes')]);
  };
  const b = em.apply('Reshape', [order ? reorderGates(em, bias, units, order, 1) : bias, em.int64s([1, 2 * gates * units], 'shape')]);
  const state = (s: string) => em.apply('Unsqueeze', [s, em.int64s([0], 'axes')]);
  // A mask: the valid steps of each row moved to its front (in time order), run with their count
  // as sequence_lens, and each position's output gathered back from the state after the valid
  // steps up to it (the initial state before the first): Keras's skipping of masked steps, exact
  // for any mask (padding before, after or inside).
  const m = mask ? maskedSteps(em, x0, mask, features) : null;
  const x = m ? m.compacted : x0;
  const inputs = [em.apply('Transpose', [x], { perm: { ints: [1, 0, 2] } }), weights(kernel), weights(recurrentKernel), b, m ? m.lengths : '', state(h0)];
  if (a.cell === 'lstm') {
    inputs.push(state(c0));
    // Soma's peepholes are i, f, o; ONNX's P is i, o, f.
    if (peephole) inputs.push(em.apply('Reshape', [em.apply('Gather', [peephole, em.int64s([0, 2, 1], 'order')], { axis: { i: 0 } }), em.int64s([1, 3 * units], 'shape')]));
  }
  const activations = a.cell === 'rnn' ? [a.activation] : a.cell === 'gru' ? [a.recurrentActivation, a.activation] : [a.recurrentActivation, a.activation, a.activation];
  const specs = activations.map((name) => ACTIVATION[name]);
  const attrs: Record<string, Attr> = {
    hidden_size: { i: units },
    direction: { s: a.goBackwards ? 'reverse' : 'forward' },
    activations: { strings: specs.map((s) => s.name) },
  };
  const alphas = specs.filter((s) => s.alpha !== undefined);
  if (alphas.length) {
    attrs.activation_alpha = { floats: alphas.map((s) => s.alpha!) };
    attrs.activation_beta = { floats: alphas.map((s) => s.beta!) };
  }
  if (a.cell === 'gru') attrs.linear_before_reset = { i: a.resetAfter ? 1 : 0 };
  const y = em.tmp('y');
  const yc = a.cellState ? em.tmp('y_c') : null;
  em.node(OPERATOR[a.cell], inputs, yc ? [y, '', yc] : [y], attrs);
  // Y is [time, 1, batch, units], in time order even for a reverse layer.
  let out = em.apply('Transpose', [em.apply('Squeeze', [y, em.int64s([1], 'axes')])], { perm: { ints: [1, 0, 2] } });
  if (m) out = m.spread(out, h0, a.goBackwards, units);
  if (a.goBackwards) out = em.apply('Slice', [out, em.int64s([-1], 'starts'), em.int64s([Number.MIN_SAFE_INTEGER], 'ends'), em.int64s([1], 'axes'), em.int64s([-1], 'steps')]);
  if (yc) {
    // The final cell state as one more step; a row with no valid step keeps its initial state.
    let cell = em.apply('Squeeze', [yc, em.int64s([0], 'axes')]);
    if (m) cell = em.apply('Where', [em.apply('Unsqueeze', [em.apply('Greater', [m.count, em.int64s([0], 'zero')]), em.int64s([1], 'axes')]), cell, c0]);
    out = em.apply('Concat', [out, em.apply('Unsqueeze', [cell, em.int64s([1], 'axes')])], { axis: { i: 1 } });
  }
  em.node('Identity', [out], [c.out]);
}

/**
 * What a mask needs around the recurrent node: `compacted` (x with each row's valid steps first),
 * `lengths` (sequence_lens, at least 1: onnxruntime refuses 0; rows without a valid step take the
 * initial state anyway), and `spread`, which maps the node's output ([batch, time, units], valid
 * steps first) back to every position of the row.
 */
function maskedSteps(em: Emitter, x: string, mask: string, features: number) {
  const valid = em.apply('Cast', [mask], { to: { i: 7 } });
  const shape = em.apply('Shape', [x]);
  const time = em.apply('Gather', [shape, em.int64s([1], 'axis')], { axis: { i: 0 } });
  // Valid steps first, each group in time order: score = valid·2T + (T − 1 − t), largest first.
  const t = em.apply('Range', [em.apply('Squeeze', [em.int64s([0], 'zero'), em.int64s([0], 'axes')]), em.apply('Squeeze', [time, em.int64s([0], 'axes')]), em.apply('Squeeze', [em.int64s([1], 'one'), em.int64s([0], 'axes')])]);
  const twoT = em.apply('Mul', [time, em.int64s([2], 'two')]);
  const score = em.apply('Add', [em.apply('Mul', [valid, twoT]), em.apply('Sub', [em.apply('Sub', [time, em.int64s([1], 'one')]), t])]);
  const order = em.tmp('order');
  em.node('TopK', [score, time], [em.tmp('scores'), order], { axis: { i: 1 }, largest: { i: 1 }, sorted: { i: 1 } });
  const expandTo = (v: string, last: string) => em.apply('Concat', [em.apply('Slice', [em.apply('Shape', [v]), em.int64s([0], 'starts'), em.int64s([2], 'ends')]), last], { axis: { i: 0 } });
  const along = (indices: string, like: string, last: string) => em.apply('Expand', [em.apply('Unsqueeze', [indices, em.int64s([2], 'axes')]), expandTo(like, last)]);
  const compacted = em.apply('GatherElements', [x, along(order, x, em.int64s([features], 'features'))], { axis: { i: 1 } });
  const count = em.apply('ReduceSum', [valid, em.int64s([1], 'axes')], { keepdims: { i: 0 } });
  const lengths = em.apply('Cast', [em.apply('Max', [count, em.int64s([1], 'one')])], { to: { i: 6 } });
  const spread = (out: string, h0: string, backwards: boolean, units: number): string => {
    // Valid steps taken by each position: up to it (forwards) or from it on (backwards).
    const taken = em.apply('CumSum', [valid, em.apply('Squeeze', [em.int64s([1], 'axis'), em.int64s([0], 'axes')])], backwards ? { reverse: { i: 1 } } : {});
    // Forwards, after k steps the state is the node's output k − 1; backwards (it ran the valid
    // steps last first), after k steps it is output count − k.
    const index = backwards ? em.apply('Sub', [em.apply('Unsqueeze', [count, em.int64s([1], 'axes')]), taken]) : em.apply('Sub', [taken, em.int64s([1], 'one')]);
    const clamped = em.apply('Max', [em.apply('Min', [index, em.apply('Sub', [time, em.int64s([1], 'one')])]), em.int64s([0], 'zero')]);
    const gathered = em.apply('GatherElements', [out, along(clamped, out, em.int64s([units], 'units'))], { axis: { i: 1 } });
    const any = em.apply('Unsqueeze', [em.apply('Greater', [taken, em.int64s([0], 'zero')]), em.int64s([2], 'axes')]);
    return em.apply('Where', [any, gathered, em.apply('Unsqueeze', [h0, em.int64s([1], 'axes')])]);
  };
  return { compacted, lengths, spread, count };
}
