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
  const [x, kernel, recurrentKernel, bias, h0, c0, peephole] = c.ins;
  const units = c.inInfo[2].shape[0] as number;
  const gates = GATES[a.cell];
  // Keras's LSTM gates are i, f, c, o; ONNX's i, o, f, c. GRU (z, r, h) and RNN match already.
  const order = a.cell === 'lstm' ? [0, 3, 1, 2] : null;
  const weights = (w: string) => {
    const t = em.apply('Transpose', [w], { perm: { ints: [1, 0] } });
    return em.apply('Unsqueeze', [order ? reorderGates(em, t, units, order, 0) : t, em.int64s([0], 'axes')]);
  };
  const b = em.apply('Reshape', [order ? reorderGates(em, bias, units, order, 1) : bias, em.int64s([1, 2 * gates * units], 'shape')]);
  const state = (s: string) => em.apply('Unsqueeze', [s, em.int64s([0], 'axes')]);
  const inputs = [em.apply('Transpose', [x], { perm: { ints: [1, 0, 2] } }), weights(kernel), weights(recurrentKernel), b, '', state(h0)];
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
  em.node(OPERATOR[a.cell], inputs, [y], attrs);
  // Y is [time, 1, batch, units], in time order even for a reverse layer.
  let out = em.apply('Transpose', [em.apply('Squeeze', [y, em.int64s([1], 'axes')])], { perm: { ints: [1, 0, 2] } });
  if (a.goBackwards) out = em.apply('Slice', [out, em.int64s([-1], 'starts'), em.int64s([Number.MIN_SAFE_INTEGER], 'ends'), em.int64s([1], 'axes'), em.int64s([-1], 'steps')]);
  em.node('Identity', [out], [c.out]);
}
