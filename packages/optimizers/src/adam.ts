import type { Tensor, Variable } from '@soma/core';
import * as soma from '@soma/core';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Options of `adam` and `adamw` (torch.optim's): betas, epsilon, amsgrad and weight decay. */
export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Use the running maximum of v (Reddi et al., "On the Convergence of Adam and Beyond"). */
  amsgrad?: boolean;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay θ ← θ(1 − ηλ). */
  weightDecay?: number;
  /**
   * Update each parameter in one pass where the backend has a fused kernel (cpu, webgpu), as
   * torch.optim.Adam's `fused`; default true. Results agree with the op-by-op update to float32
   * rounding.
   */
  fused?: boolean;
}

/**
 * Adam (Kingma & Ba) as torch.optim.Adam, with bias correction by the 1-based step t:
 *   m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  m̂ = m/(1 − β₁ᵗ);  v̂ = v/(1 − β₂ᵗ)
 *   θ ← θ − η·m̂/(√v̂ + ε)
 */
export class Adam extends Optimizer {
  protected readonly beta1: number;
  protected readonly beta2: number;
  protected readonly epsilon: number;
  protected readonly amsgrad: boolean;
  protected readonly weightDecay: number;
  protected readonly fused: boolean;

  constructor(options: AdamOptions = {}, name = 'adam', defaultWeightDecay = 0) {
    super(name, options, 0.001, ['beta1', 'beta2', 'epsilon', 'amsgrad', 'weightDecay', 'fused']);
    this.beta1 = this.numberOption('beta1', options.beta1, 0.9, { min: 0, below: 1 });
    this.beta2 = this.numberOption('beta2', options.beta2, 0.999, { min: 0, below: 1 });
    this.epsilon = this.numberOption('epsilon', options.epsilon, 1e-8, { min: 0 });
    this.amsgrad = options.amsgrad ?? false;
    this.weightDecay = this.numberOption('weightDecay', options.weightDecay, defaultWeightDecay, { min: 0 });
    this.fused = options.fused ?? true;
  }

  protected update(v: Variable, g0: Tensor): void {
    if (this.tryFused(v, g0, this.weightDecay, 1)) return;
    const g = this.weightDecay ? g0.add(v.mul(this.weightDecay)) : g0;
    this.adamStep(v, g);
  }

  /** The whole step in one kernel, where the backend has one; false leaves everything to the ops. */
  protected tryFused(v: Variable, g: Tensor, l2: number, decay: number): boolean {
    if (!this.fused) return false;
    const { lr, t } = this.stepNumbers();
    const slots = [this.slot(v, 'm'), this.slot(v, 'v'), ...(this.amsgrad ? [this.slot(v, 'v_max')] : [])];
    return soma.fusedUpdate(v, g, slots, {
      rule: 'adam', beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, l2, decay,
      stepSize: lr / (1 - this.beta1 ** t), c2: Math.sqrt(1 - this.beta2 ** t), amsgrad: this.amsgrad,
    });
  }

  /** One Adam update of `v` from gradient `g` (fused into one kernel where the backend has one). */
  protected adamStep(v: Variable, g: Tensor): void {
    const m = this.slot(v, 'm');
    const s = this.slot(v, 'v');
    m.assign(m.mul(this.beta1).add(g.mul(1 - this.beta1)));
    s.assign(s.mul(this.beta2).add(g.square().mul(1 - this.beta2)));
    let second: Tensor = s;
    if (this.amsgrad) {
      const vMax = this.slot(v, 'v_max');
      vMax.assign(soma.maximum(vMax, s));
      second = vMax;
    }
    const denom = second.sqrt().div(this.perStep((_, t) => Math.sqrt(1 - this.beta2 ** t))).add(this.epsilon);
    v.assign(v.sub(m.div(denom).mul(this.perStep((lr, t) => lr / (1 - this.beta1 ** t)))));
  }
}

/** AdamW (Loshchilov & Hutter): Adam with decoupled weight decay θ ← θ(1 − ηλ), default λ = 0.01 as torch.optim.AdamW. */
export class AdamW extends Adam {
  constructor(options: AdamOptions = {}) {
    super(options, 'adamw', 0.01);
  }

  protected override update(v: Variable, g: Tensor): void {
    if (this.tryFused(v, g, 0, 1 - this.stepNumbers().lr * this.weightDecay)) return;
    if (this.weightDecay) v.assign(v.mul(this.perStep((lr) => 1 - lr * this.weightDecay)));
    this.adamStep(v, g);
  }
}

/**
 * Adam (Kingma & Ba), with `amsgrad` and L2 `weightDecay`, matching torch.optim.Adam step by step.
 */
export const adam = (options?: AdamOptions): Adam => new Adam(options);
/**
 * AdamW: Adam with decoupled weight decay (default 0.01), matching torch.optim.AdamW step by step.
 */
export const adamw = (options?: AdamOptions): AdamW => new AdamW(options);
