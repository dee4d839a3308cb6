import * as soma from '@soma/core';
import type { Tensor, Variable } from '@soma/core';
import { getActivation, type ActivationName } from '../activations.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerInput, type LayerMask } from '../model/layer.js';
import { fmt, type LayerShape } from '../model/shapes.js';
import { getInitializer, type Initializer, type InitializerSpec } from '../initializers.js';
import type { RegularizerSpec } from '../regularizers.js';

/**
 * Options of the recurrent layers: units, activation, bias, sequences or last output, states,
 * direction, and initializers, regularizers and constraints.
 */
export interface RnnArgs extends LayerArgs {
  units: number;
  activation?: ActivationName;
  useBias?: boolean;
  /** Output the hidden state at every step ([batch, time, units]) rather than the last ([batch, units]). */
  returnSequences?: boolean;
  /** Also return the final state(s): [output, ...states]. */
  returnState?: boolean;
  /** Process the sequence last step first. */
  goBackwards?: boolean;
  kernelInitializer?: InitializerSpec;
  recurrentInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec;
  recurrentRegularizer?: RegularizerSpec;
  biasRegularizer?: RegularizerSpec;
}

/** Call argument: initial states, one [batch, units] tensor per state (LSTM: [h, c]). */
export interface RnnCallArgs extends CallArgs {
  initialState?: Tensor[];
}

/** The mask of a [batch, time, ...] input as [batch, time] bool, checked; null without one. */
function sequenceMask(layer: string, mask: LayerMask | undefined, b: number, t: number): Tensor | null {
  const m = Array.isArray(mask) ? mask[0] ?? null : mask ?? null;
  if (!m) return null;
  if (m.rank !== 2 || m.shape[0] !== b || m.shape[1] !== t) throw new Error(`${layer}: the mask must be [batch, time] = [${b}, ${t}], got [${m.shape.join(', ')}]`);
  return m.dtype === 'bool' ? m : m.cast('bool');
}

/**
 * The recurrence shared by SimpleRNN, LSTM and GRU: inputs [batch, time, features] are projected
 * for all steps at once (one matmul), then `step` runs once per time step.
 */
export abstract class RNN extends Layer<'multiple'> {
  override supportsMasking = true;
  kernel!: Variable;
  recurrentKernel!: Variable;
  bias: Variable | null = null;
  protected abstract readonly gates: number;
  protected abstract readonly stateCount: number;

  constructor(readonly args: RnnArgs, prefix: string) {
    super(args, prefix);
    if (!Number.isInteger(args.units) || args.units <= 0) throw new Error(`${prefix}: units must be a positive integer, got ${args.units}`);
  }

  /** The number of features per timestep of a [batch, time, features] input. */
  protected features(inputShape: LayerShape | LayerShape[]): number {
    const s = (Array.isArray(inputShape[0]) ? (inputShape as LayerShape[])[0] : inputShape) as LayerShape;
    if (s.length !== 3 || s[2] === null) throw new Error(`${this.name} expects [*, time, features], got ${fmt(s)}`);
    return s[2];
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const f = this.features(inputShape);
    const u = this.args.units;
    this.kernel = this.addWeight('kernel', [f, this.gates * u], this.args.kernelInitializer ?? 'glorotUniform', { regularizer: this.args.kernelRegularizer });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, this.gates * u], this.args.recurrentInitializer ?? 'orthogonal', { regularizer: this.args.recurrentRegularizer });
    if (this.args.useBias ?? true) this.bias = this.addWeight('bias', this.biasShape(), this.biasInitializer(), { regularizer: this.args.biasRegularizer });
  }

  /** The bias's shape (GRU with resetAfter keeps two biases). */
  protected biasShape(): number[] {
    return [this.gates * this.args.units];
  }

  /** The bias's initializer (LSTM's unitForgetBias starts the forget gate at 1). */
  protected biasInitializer(): InitializerSpec {
    return this.args.biasInitializer ?? 'zeros';
  }

  protected override recordBuiltShapes(shapes: LayerShape[]): (LayerShape | null)[] {
    return [[null, null, shapes[0][2]]];
  }

  /** One time step: projected input xw [batch, gates·units] and the states → new states (first = output). */
  protected abstract step(xw: Tensor, states: Tensor[]): Tensor[];

  /** The input projection x·W (+ the input bias). */
  protected project(x: Tensor): Tensor {
    const [b, t, f] = x.shape;
    let xw = x.reshape([b * t, f]).matmul(this.kernel);
    if (this.bias) xw = xw.add(this.bias.rank === 1 ? this.bias : this.bias.slice([0, 0], [1, -1]).reshape([-1]));
    return xw.reshape([b, t, -1]);
  }

  call(inputs: LayerInput, args: RnnCallArgs = {}): Tensor | Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const [out, ...states] = this.run(x, args, !!this.args.returnState);
    return this.args.returnState ? [out, ...states] : out;
  }

  /**
   * Runs the layer on concrete inputs from `initialState` (zeros if omitted) and returns its
   * output and its final states, whatever `returnState` says: the states continue the sequence on
   * the next call, so text is generated one step at a time instead of re-reading the whole prefix
   * (what Keras's stateful layers are for). The layer must be built (called once) first.
   */
  callWithState(x: Tensor, initialState?: Tensor[]): Tensor[] {
    if (!this.built) throw new Error(`${this.name}.callWithState: the layer has no weights yet; call it (or its model) once first`);
    return this.run(x, initialState ? { initialState } : {}, true);
  }

  /**
   * The layer as one `recurrentSequence` call (one kernel, one ONNX node), or null where the
   * kernel does not cover it: an activation ONNX's recurrent operators lack.
   */
  protected sequenceOptions(): soma.RecurrentSequenceOptions | null {
    const kernel: readonly string[] = soma.RECURRENT_ACTIVATIONS;
    const activation = this.args.activation ?? 'tanh';
    const options = this.cellOptions();
    if (!kernel.includes(activation) || !kernel.includes(options.recurrentActivation ?? 'sigmoid')) return null;
    return { ...options, activation: activation as soma.RecurrentActivation, goBackwards: this.args.goBackwards ?? false, ...(this.bias ? { bias: this.bias } : {}) };
  }

  /** The cell's own options of `recurrentSequence`. */
  protected abstract cellOptions(): soma.RecurrentSequenceOptions;

  private run(x: Tensor, args: RnnCallArgs, needStates: boolean): Tensor[] {
    if (x.rank !== 3) throw new Error(`${this.name} expects [*, time, features], got [${x.shape.join(', ')}]`);
    const [b, t] = x.shape;
    const u = this.args.units;
    const whole = this.sequenceOptions();
    if (whole) {
      return soma.tidy(() => {
        if (args.initialState && (args.initialState.length !== this.stateCount || args.initialState.some((s) => s.shape.join() !== `${b},${u}`))) {
          throw new Error(`${this.name}: initialState must be ${this.stateCount} tensor(s) of shape [${b}, ${u}]`);
        }
        const mask = sequenceMask(this.name, args.mask, b, t);
        // An LSTM's final cell state comes as one more step along time.
        const cellState = this.stateCount === 2 && needStates;
        const all = soma.recurrentSequence(x, this.kernel, this.recurrentKernel, { ...whole, ...(args.initialState ? { initialState: args.initialState } : {}), ...(mask ? { mask } : {}), ...(cellState ? { cellState } : {}) });
        const y = cellState ? all.slice([0, 0, 0], [b, t, u]) : all;
        const last = y.slice([0, t - 1, 0], [b, 1, u]).reshape([b, u]);
        const states = cellState ? [last, all.slice([0, t, 0], [b, 1, u]).reshape([b, u])] : this.stateCount === 1 ? [last] : [];
        return [this.args.returnSequences ? y : last, ...states];
      });
    }
    return soma.tidy(() => {
      // Zero states computed from the input rather than created from its shape, so a traced (and
      // exported) graph keeps the batch size free, as Keras's get_initial_state does.
      const zero = () => x.slice([0, 0, 0], [b, 1, 1]).reshape([b, 1]).mul(0).tile([1, u]);
      let states = args.initialState ?? Array.from({ length: this.stateCount }, zero);
      if (states.length !== this.stateCount || states.some((s) => s.shape.join() !== `${b},${u}`)) {
        throw new Error(`${this.name}: initialState must be ${this.stateCount} tensor(s) of shape [${b}, ${u}]`);
      }
      const mask = sequenceMask(this.name, args.mask, b, t);
      const xw = this.project(x);
      const outputs: Tensor[] = [];
      for (let i = 0; i < t; i++) {
        const step = this.args.goBackwards ? t - 1 - i : i;
        const next = this.step(xw.slice([0, step, 0], [b, 1, -1]).reshape([b, -1]), states);
        // A masked (padded) step leaves the states, and so the output, as they were (Keras).
        const real = mask?.slice([0, step], [b, 1]);
        states = real ? next.map((s, k) => soma.where(real, s, states[k])) : next;
        if (this.args.returnSequences) outputs.push(states[0]);
      }
      return [this.args.returnSequences ? soma.stack(outputs, 1) : states[0], ...states];
    });
  }

  /** A sequence output keeps the mask; the last output and the states have none. */
  override computeMask(_inputs: LayerInput, mask: LayerMask): LayerMask {
    const m = Array.isArray(mask) ? mask[0] ?? null : mask;
    const out = this.args.returnSequences ? m : null;
    return this.args.returnState ? [out, ...Array.from({ length: this.stateCount }, () => null)] : out;
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape | LayerShape[] {
    const s = (Array.isArray(inputShape[0]) ? (inputShape as LayerShape[])[0] : inputShape) as LayerShape;
    const u = this.args.units;
    const out: LayerShape = this.args.returnSequences ? [s[0], s[1], u] : [s[0], u];
    if (!this.args.returnState) return out;
    return [out, ...Array.from({ length: this.stateCount }, (): LayerShape => [s[0], u])];
  }

  override getConfig(): LayerConfig {
    const { units, activation = 'tanh', useBias = true, returnSequences = false, returnState = false, goBackwards = false } = this.args;
    return { ...super.getConfig(), units, activation, useBias, returnSequences, returnState, goBackwards };
  }
}

/** h_t = activation(x_t·W + h_{t−1}·U + b). */
export class SimpleRNN extends RNN {
  readonly className = 'SimpleRNN';
  protected readonly gates = 1;
  protected readonly stateCount = 1;
  constructor(args: RnnArgs) {
    super(args, 'simple_rnn');
  }
  protected step(xw: Tensor, [h]: Tensor[]): Tensor[] {
    return [getActivation(this.args.activation ?? 'tanh')(xw.add(h.matmul(this.recurrentKernel)))];
  }
  protected cellOptions(): soma.RecurrentSequenceOptions {
    return { cell: 'rnn' };
  }
}

/**
 * Options of `lstm`: the recurrent options, plus the recurrent activation, unit forget bias and
 * peepholes.
 */
export interface LstmArgs extends RnnArgs {
  recurrentActivation?: ActivationName;
  /** Initialize the forget-gate bias to 1 (Jozefowicz et al.), as Keras does by default. */
  unitForgetBias?: boolean;
  /** Peephole connections (Gers & Schmidhuber): the gates also see the cell state. */
  peephole?: boolean;
}

/**
 * LSTM with Keras's gate order (input, forget, cell, output):
 *   i = σ(x·Wi + h·Ui + b_i [+ c·Pi])   f = σ(x·Wf + h·Uf + b_f [+ c·Pf])
 *   c' = f⊙c + i⊙tanh(x·Wc + h·Uc + b_c)   o = σ(x·Wo + h·Uo + b_o [+ c'·Po])   h' = o⊙tanh(c')
 */
export class LSTM extends RNN {
  readonly className = 'LSTM';
  protected readonly gates = 4;
  protected readonly stateCount = 2;
  peepholes: Variable | null = null;
  constructor(readonly lstmArgs: LstmArgs) {
    super(lstmArgs, 'lstm');
  }
  protected override biasInitializer(): InitializerSpec {
    const base = getInitializer(this.args.biasInitializer ?? 'zeros');
    if (!(this.lstmArgs.unitForgetBias ?? true)) return base;
    const u = this.args.units;
    const withForget: Initializer = {
      name: 'unitForgetBias',
      apply: (shape, dtype) => soma.tidy(() => soma.concat([base.apply([u], dtype), soma.ones([u]), base.apply([2 * u], dtype)])).reshape(shape),
    };
    return withForget;
  }
  override build(inputShape: LayerShape | LayerShape[]): void {
    super.build(inputShape);
    if (this.lstmArgs.peephole) this.peepholes = this.addWeight('peephole', [3, this.args.units], 'zeros');
  }
  protected cellOptions(): soma.RecurrentSequenceOptions {
    const recurrentActivation = (this.lstmArgs.recurrentActivation ?? 'sigmoid') as soma.RecurrentActivation;
    return { cell: 'lstm', recurrentActivation, ...(this.peepholes ? { peephole: this.peepholes } : {}) };
  }
  protected step(xw: Tensor, [h, c]: Tensor[]): Tensor[] {
    const u = this.args.units;
    const rec = getActivation(this.lstmArgs.recurrentActivation ?? 'sigmoid');
    const act = getActivation(this.args.activation ?? 'tanh');
    const z = xw.add(h.matmul(this.recurrentKernel));
    const [zi, zf, zc, zo] = soma.split(z, 4, 1);
    const peep = (k: number, s: Tensor) => (this.peepholes ? s.mul(this.peepholes.slice([k, 0], [1, u])) : null);
    const pi = peep(0, c);
    const pf = peep(1, c);
    const i = rec(pi ? zi.add(pi) : zi);
    const f = rec(pf ? zf.add(pf) : zf);
    const c2 = f.mul(c).add(i.mul(act(zc)));
    const po = peep(2, c2);
    const o = rec(po ? zo.add(po) : zo);
    return [o.mul(act(c2)), c2];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), recurrentActivation: this.lstmArgs.recurrentActivation ?? 'sigmoid', unitForgetBias: this.lstmArgs.unitForgetBias ?? true, peephole: this.lstmArgs.peephole ?? false };
  }
}

/**
 * Options of `gru`: the recurrent options, plus the recurrent activation and resetAfter (PyTorch's
 * form, the default).
 */
export interface GruArgs extends RnnArgs {
  recurrentActivation?: ActivationName;
  /**
   * Apply the reset gate after the recurrent matmul (default true: Keras 2's default, and the form
   * PyTorch, cuDNN and ONNX linear_before_reset=1 use). The bias is then [2, 3·units]: input and recurrent.
   */
  resetAfter?: boolean;
}

/**
 * GRU with Keras's gate order (update z, reset r, candidate):
 *   z = σ(x·Wz + h·Uz + b)   r = σ(x·Wr + h·Ur + b)
 *   ĥ = tanh(x·Wh + r⊙(h·Uh + b_rh))  (resetAfter)   or   tanh(x·Wh + (r⊙h)·Uh + b)
 *   h' = z⊙h + (1 − z)⊙ĥ
 */
export class GRU extends RNN {
  readonly className = 'GRU';
  protected readonly gates = 3;
  protected readonly stateCount = 1;
  constructor(readonly gruArgs: GruArgs) {
    super(gruArgs, 'gru');
  }
  private get resetAfter(): boolean {
    return this.gruArgs.resetAfter ?? true;
  }
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.args.units] : [3 * this.args.units];
  }
  protected cellOptions(): soma.RecurrentSequenceOptions {
    return { cell: 'gru', recurrentActivation: (this.gruArgs.recurrentActivation ?? 'sigmoid') as soma.RecurrentActivation, resetAfter: this.resetAfter };
  }
  protected step(xw: Tensor, [h]: Tensor[]): Tensor[] {
    const u = this.args.units;
    const rec = getActivation(this.gruArgs.recurrentActivation ?? 'sigmoid');
    const act = getActivation(this.args.activation ?? 'tanh');
    const [xz, xr, xh] = soma.split(xw, 3, 1);
    const U = this.recurrentKernel;
    if (this.resetAfter) {
      let hu = h.matmul(U);
      if (this.bias) hu = hu.add(this.bias.slice([1, 0], [1, -1]).reshape([-1]));
      const [hz, hr, hh] = soma.split(hu, 3, 1);
      const z = rec(xz.add(hz));
      const r = rec(xr.add(hr));
      const cand = act(xh.add(r.mul(hh)));
      return [z.mul(h).add(z.neg().add(1).mul(cand))];
    }
    const Uzr = U.slice([0, 0], [u, 2 * u]);
    const Uh = U.slice([0, 2 * u], [u, u]);
    const [hz, hr] = soma.split(h.matmul(Uzr), 2, 1);
    const z = rec(xz.add(hz));
    const r = rec(xr.add(hr));
    const cand = act(xh.add(r.mul(h).matmul(Uh)));
    return [z.mul(h).add(z.neg().add(1).mul(cand))];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), recurrentActivation: this.gruArgs.recurrentActivation ?? 'sigmoid', resetAfter: this.resetAfter };
  }
}

/** How Bidirectional merges the forward and backward outputs. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

/** Runs a recurrent layer forwards and a copy of it backwards over time, and merges the two outputs. */
export class Bidirectional extends Layer<'single'> {
  readonly className = 'Bidirectional';
  override supportsMasking = true;
  readonly forward: RNN;
  readonly backward: RNN;
  readonly mergeMode: MergeMode;
  constructor(args: LayerArgs & { layer: SimpleRNN | LSTM | GRU; mergeMode?: MergeMode }) {
    super(args, 'bidirectional');
    const inner = args.layer;
    if (inner.args.returnState) throw new Error(`${this.name}: returnState is not supported inside bidirectional`);
    this.forward = inner;
    const Cls = inner.constructor as new (a: RnnArgs) => RNN;
    const innerArgs = (inner as LSTM).lstmArgs ?? (inner as GRU).gruArgs ?? inner.args;
    this.backward = new Cls({ ...innerArgs, name: `backward_${inner.name}`, goBackwards: !inner.args.goBackwards, inputShape: undefined });
    this.mergeMode = args.mergeMode ?? 'concat';
  }
  override build(inputShape: LayerShape | LayerShape[]): void {
    this.forward.build(inputShape);
    this.forward.built = true;
    this.backward.build(inputShape);
    this.backward.built = true;
  }
  override get weights(): Variable[] {
    return [...this.forward.weights, ...this.backward.weights];
  }
  override get trainableWeights(): Variable[] {
    return this.trainable ? [...this.forward.trainableWeights, ...this.backward.trainableWeights] : [];
  }
  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? [...this.forward.nonTrainableWeights, ...this.backward.nonTrainableWeights] : this.weights;
  }
  call(inputs: LayerInput, args: CallArgs): Tensor {
    return soma.tidy(() => {
      const f = this.forward.call(inputs, args) as Tensor;
      let b = this.backward.call(inputs, args) as Tensor;
      // The backward layer emits its sequence last step first; flip it so step t lines up with t.
      if (this.forward.args.returnSequences) b = soma.stridedSlice(b, [0, -1], [b.shape[0], -b.shape[1] - 1], [1, -1]);
      switch (this.mergeMode) {
        case 'concat': return soma.concat([f, b], -1);
        case 'sum': return f.add(b);
        case 'mul': return f.mul(b);
        case 'ave': return f.add(b).div(2);
      }
    });
  }
  override computeMask(_inputs: LayerInput, mask: LayerMask): LayerMask {
    return this.forward.args.returnSequences ? (Array.isArray(mask) ? mask[0] ?? null : mask) : null;
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = this.forward.computeOutputShape(inputShape) as LayerShape;
    if (this.mergeMode !== 'concat') return s;
    return [...s.slice(0, -1), (s[s.length - 1] as number) * 2];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), mergeMode: this.mergeMode, layer: { className: this.forward.className, config: this.forward.getConfig() } };
  }
  /** Frees the wrapped layers' weights. */
  override dispose(): void {
    this.forward.dispose();
    this.backward.dispose();
  }
}

/** Applies a layer to every time step: [batch, time, ...] → layer on [batch·time, ...] → [batch, time, ...]. */
export class TimeDistributed extends Layer<'single'> {
  readonly className = 'TimeDistributed';
  override supportsMasking = true;
  readonly layer: Layer;
  constructor(args: LayerArgs & { layer: Layer }) {
    super(args, 'time_distributed');
    this.layer = args.layer;
  }
  override build(inputShape: LayerShape | LayerShape[]): void {
    const s = inputShape as LayerShape;
    this.layer.build([null, ...s.slice(2)]);
    this.layer.built = true;
  }
  override get weights(): Variable[] {
    return this.layer.weights;
  }
  override get trainableWeights(): Variable[] {
    return this.trainable ? this.layer.trainableWeights : [];
  }
  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? this.layer.nonTrainableWeights : this.weights;
  }
  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const [b, t, ...rest] = x.shape;
    return soma.tidy(() => {
      const y = this.layer.apply(x.reshape([b * t, ...rest]), args) as Tensor;
      return y.reshape([b, t, ...y.shape.slice(1)]);
    });
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = inputShape as LayerShape;
    const inner = this.layer.computeOutputShape([null, ...s.slice(2)]) as LayerShape;
    return [s[0], s[1], ...inner.slice(1)];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), layer: { className: this.layer.className, config: this.layer.getConfig() } };
  }
  /** Frees the wrapped layer's weights. */
  override dispose(): void {
    this.layer.dispose();
  }
}
