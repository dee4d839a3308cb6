import { getEngine } from '../engine/engine.js';
import { fail, fmtShape } from '../errors.js';
import type { RecurrentActivation, RecurrentAttrs, RecurrentCell } from '../kernels/index.js';
import { registerDefaultBody } from '../kernels/registry.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { stack } from './concat.js';
import { convertToTensor } from './convert.js';
import { runKernel } from './op_util.js';
import { where } from './select.js';
import { split } from './slice.js';
import * as u from './unary.js';

/**
 * Options of `recurrentSequence`: the cell, its bias, initial states, LSTM peepholes, activations,
 * direction and GRU's reset form.
 */
export interface RecurrentSequenceOptions {
  /** 'rnn' (Elman: one gate), 'lstm' (four: input, forget, cell, output) or 'gru' (three: update, reset, candidate). */
  cell: RecurrentCell;
  /** [gates·units] (added to x·kernel) or [2, gates·units] (input bias, recurrent bias: ONNX's and PyTorch's pair). Default zeros. */
  bias?: TensorLike;
  /** [h] (rnn, gru) or [h, c] (lstm), each [batch, units]. Default zeros. */
  initialState?: readonly TensorLike[];
  /** LSTM peephole weights [3, units]: input, forget and output gates. */
  peephole?: TensorLike;
  /** Candidate and output activation (default 'tanh'). */
  activation?: RecurrentActivation;
  /** Gate activation (default 'sigmoid'). */
  recurrentActivation?: RecurrentActivation;
  /** Process the steps last first (the output is in the order they ran). */
  goBackwards?: boolean;
  /** GRU: reset gate applied after the recurrent matmul (default true, PyTorch's form). */
  resetAfter?: boolean;
  /** A bool mask, `[batch, time]`: where false, the step is skipped and the states (and output) stay as they were (Keras's masking). */
  mask?: TensorLike;
  /** LSTM: append the final cell state as one more step, [batch, time + 1, units] (what returnState needs). */
  cellState?: boolean;
}

const GATES: Record<RecurrentCell, number> = { rnn: 1, lstm: 4, gru: 3 };
const ACTIVATIONS: Record<RecurrentActivation, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  relu: (x) => u.relu(x),
  tanh: (x) => u.tanh(x),
  sigmoid: (x) => u.sigmoid(x),
  // Keras's and PyTorch's hard sigmoid: relu6(x + 3) / 6 (ONNX HardSigmoid with α = 1/6, β = ½).
  hardSigmoid: (x) => u.relu6(x.add(3)).div(6),
};

/** The activations a `recurrentSequence` cell takes (those ONNX's RNN, LSTM and GRU have); layers with others run step by step. */
export const RECURRENT_ACTIVATIONS = Object.keys(ACTIVATIONS) as readonly RecurrentActivation[];

/** One step of the cell: the projected input xw [batch, gates·units] (input and, but for GRU's reset-after form, recurrent bias added) and the states → new states. */
function cellStep(xw: Tensor, h: Tensor, c: Tensor | undefined, rk: Tensor, b1: Tensor, peephole: Tensor | undefined, a: RecurrentAttrs): [Tensor, Tensor | undefined] {
  const act = ACTIVATIONS[a.activation];
  const rec = ACTIVATIONS[a.recurrentActivation];
  const units = rk.shape[0];
  if (a.cell === 'rnn') return [act(xw.add(h.matmul(rk))), undefined];
  if (a.cell === 'lstm') {
    const [zi, zf, zc, zo] = split(xw.add(h.matmul(rk)), 4, 1);
    const peep = (k: number, s: Tensor, z: Tensor) => (peephole ? z.add(s.mul(peephole.slice([k, 0], [1, units]))) : z);
    const i = rec(peep(0, c!, zi));
    const f = rec(peep(1, c!, zf));
    const c2 = f.mul(c!).add(i.mul(act(zc)));
    const o = rec(peep(2, c2, zo));
    return [o.mul(act(c2)), c2];
  }
  const [xz, xr, xh] = split(xw, 3, 1);
  let z: Tensor;
  let candidate: Tensor;
  if (a.resetAfter) {
    const [hz, hr, hh] = split(h.matmul(rk).add(b1), 3, 1);
    z = rec(xz.add(hz));
    const r = rec(xr.add(hr));
    candidate = act(xh.add(r.mul(hh)));
  } else {
    const [hz, hr] = split(h.matmul(rk.slice([0, 0], [units, 2 * units])), 2, 1);
    z = rec(xz.add(hz));
    const r = rec(xr.add(hr));
    candidate = act(xh.add(r.mul(h).matmul(rk.slice([0, 2 * units], [units, units]))));
  }
  return [z.mul(h).add(z.neg().add(1).mul(candidate)), undefined];
}

/** The kernel's inputs by name: absent optional ones are left out of the list, so the attributes say which are there. */
export function recurrentInputs(inputs: readonly (Tensor | undefined)[], a: RecurrentAttrs): { x: Tensor; kernel: Tensor; rk: Tensor; bias: Tensor; h0: Tensor; c0?: Tensor; peephole?: Tensor; mask?: Tensor } {
  const given = inputs.filter((t): t is Tensor => t !== undefined);
  const [x, kernel, rk, bias, h0, ...rest] = given;
  const c0 = a.cell === 'lstm' ? rest.shift() : undefined;
  const mask = a.masked ? rest.pop() : undefined;
  return { x, kernel, rk, bias, h0, c0, peephole: rest[0], mask };
}

/** The kernel's arithmetic, step by step: its default body, and what runs (recorded op by op) when gradients are taken. */
function unrolled(inputs: readonly (Tensor | undefined)[], a: RecurrentAttrs): Tensor {
  const { x, kernel, rk, bias, h0, c0, peephole, mask } = recurrentInputs(inputs, a);
  const [b, t, f] = x.shape;
  const [b0, b1] = split(bias!, 2, 0).map((row) => row.reshape([-1]));
  // Every recurrent bias but GRU's reset-after one is a plain sum: it joins the input projection.
  const separate = a.cell === 'gru' && a.resetAfter;
  const xw = x.reshape([b * t, f]).matmul(kernel).add(separate ? b0 : b0.add(b1)).reshape([b, t, -1]);
  let h = h0;
  let c = c0;
  const outputs: Tensor[] = [];
  for (let i = 0; i < t; i++) {
    const step = a.goBackwards ? t - 1 - i : i;
    const [h2, c2] = cellStep(xw.slice([0, step, 0], [b, 1, -1]).reshape([b, -1]), h, c, rk, b1, peephole, a);
    // A masked (padded) step leaves the states, and so the output, as they were.
    const real = mask?.slice([0, step], [b, 1]);
    h = real ? where(real, h2, h) : h2;
    c = real && c2 ? where(real, c2, c!) : c2;
    outputs.push(h);
  }
  if (a.cellState) outputs.push(c!);
  return stack(outputs, 1);
}

registerDefaultBody('recurrentSequence', (inputs, attrs) => unrolled(inputs, attrs));

/**
 * A recurrent layer over a whole sequence, as ONNX's RNN, LSTM and GRU operators and PyTorch's
 * nn.RNN/LSTM/GRU compute it (batch first, gates in Keras's order: LSTM i, f, c, o; GRU z, r, h):
 * x [batch, time, features], kernel [features, gates·units], recurrentKernel [units, gates·units].
 * Returns the hidden state after every step, [batch, time, units], in the order the steps ran.
 * One kernel where the backend has it, and one node in a trace an exporter takes (an ONNX LSTM).
 */
export function recurrentSequence(xLike: TensorLike, kernelLike: TensorLike, recurrentKernelLike: TensorLike, options: RecurrentSequenceOptions): Tensor {
  const op = 'recurrentSequence';
  checkOptions(op, options, ['cell', 'bias', 'initialState', 'peephole', 'activation', 'recurrentActivation', 'goBackwards', 'resetAfter', 'mask', 'cellState']);
  const cell = options.cell;
  if (!(cell in GATES)) fail(op, `cell must be 'rnn', 'lstm' or 'gru', got '${String(cell)}'`);
  const float = (v: TensorLike, name: string) => {
    const t = convertToTensor(v, op, name, 'float32');
    return t.dtype === 'float32' ? t : t.cast('float32');
  };
  const x = float(xLike, 'x');
  if (x.rank !== 3) fail(op, `x must be [batch, time, features], got ${fmtShape(x.shape)}`);
  const [batch, , features] = x.shape;
  const rk = float(recurrentKernelLike, 'recurrentKernel');
  const units = rk.shape[0];
  const width = GATES[cell] * units;
  if (rk.rank !== 2 || rk.shape[1] !== width) fail(op, `recurrentKernel must be [units, ${GATES[cell]}·units] for a ${cell}, got ${fmtShape(rk.shape)}`);
  const kernel = float(kernelLike, 'kernel');
  if (kernel.rank !== 2 || kernel.shape[0] !== features || kernel.shape[1] !== width) fail(op, `kernel must be [${features}, ${width}] for x ${fmtShape(x.shape)} and ${units} units, got ${fmtShape(kernel.shape)}`);
  let bias: Tensor;
  if (options.bias === undefined) bias = x.slice([0, 0, 0], [1, 1, 1]).reshape([1, 1]).mul(0).tile([2, width]);
  else {
    const given = float(options.bias, 'bias');
    if (given.size === width && given.rank === 1) bias = stack([given, given.mul(0)], 0);
    else if (given.rank === 2 && given.shape[0] === 2 && given.shape[1] === width) bias = given;
    else fail(op, `bias must be [${width}] or [2, ${width}], got ${fmtShape(given.shape)}`);
  }
  const stateCount = cell === 'lstm' ? 2 : 1;
  const states = (options.initialState ?? []).map((s, k) => float(s, `initialState[${k}]`));
  if (options.initialState && states.length !== stateCount) fail(op, `initialState must hold ${stateCount} tensor(s) for a ${cell}, got ${states.length}`);
  states.forEach((s, k) => {
    if (s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== units) fail(op, `initialState[${k}] must be [${batch}, ${units}], got ${fmtShape(s.shape)}`);
  });
  // Zero states computed from x rather than made from its shape, so a traced graph keeps the batch free.
  const zero = () => x.slice([0, 0, 0], [batch, 1, 1]).reshape([batch, 1]).mul(0).tile([1, units]);
  const h0 = states[0] ?? zero();
  const c0 = cell === 'lstm' ? states[1] ?? zero() : undefined;
  let peephole: Tensor | undefined;
  if (options.peephole !== undefined) {
    if (cell !== 'lstm') fail(op, `peephole weights belong to an lstm, not a ${cell}`);
    peephole = float(options.peephole, 'peephole');
    if (peephole.rank !== 2 || peephole.shape[0] !== 3 || peephole.shape[1] !== units) fail(op, `peephole must be [3, ${units}], got ${fmtShape(peephole.shape)}`);
  }
  const activation = options.activation ?? 'tanh';
  const recurrentActivation = options.recurrentActivation ?? 'sigmoid';
  for (const [name, value] of [['activation', activation], ['recurrentActivation', recurrentActivation]] as const) {
    if (!(value in ACTIVATIONS)) fail(op, `${name} must be one of ${Object.keys(ACTIVATIONS).join(', ')}, got '${String(value)}'`);
  }
  let mask: Tensor | undefined;
  if (options.mask !== undefined) {
    const m = convertToTensor(options.mask, op, 'mask');
    if (m.rank !== 2 || m.shape[0] !== batch || m.shape[1] !== x.shape[1]) fail(op, `mask must be [batch, time] = [${batch}, ${x.shape[1]}], got ${fmtShape(m.shape)}`);
    mask = m.dtype === 'bool' ? m : m.cast('bool');
  }
  if (options.cellState && cell !== 'lstm') fail(op, `cellState is an lstm's, not a ${cell}'s`);
  const attrs: RecurrentAttrs = {
    cell, activation, recurrentActivation, goBackwards: options.goBackwards ?? false, resetAfter: options.resetAfter ?? true,
    masked: mask !== undefined, cellState: options.cellState ?? false,
  };
  const inputs = [x, kernel, rk, bias, h0, c0, peephole, mask] as const;
  // Gradients flow through the steps' own ops (recorded one by one): the step-by-step form is the
  // kernel's definition, and what its gradient differentiates.
  if (getEngine().isRecording) return unrolled(inputs, attrs);
  return runKernel('recurrentSequence', inputs, attrs);
}
