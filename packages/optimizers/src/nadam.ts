import type { Tensor, Variable } from '@soma/core';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Options of `nadam` (torch.optim.NAdam's): betas, epsilon and momentum decay. */
export interface NadamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** ψ in the momentum schedule μ_t = β₁(1 − ½·0.96^(tψ)). */
  momentumDecay?: number;
}

/**
 * NAdam (Dozat) as torch.optim.NAdam, with the momentum schedule μ_t = β₁(1 − ½·0.96^(tψ)):
 *   m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  d = √(v/(1 − β₂ᵗ)) + ε
 *   θ ← θ − η(1 − μ_t)/(1 − Πμ_{1..t})·g/d − η·μ_{t+1}/(1 − Πμ_{1..t+1})·m/d
 */
export class Nadam extends Optimizer {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly psi: number;

  constructor(options: NadamOptions = {}) {
    super('nadam', options, 0.002, ['beta1', 'beta2', 'epsilon', 'momentumDecay']);
    this.beta1 = this.numberOption('beta1', options.beta1, 0.9, { min: 0, below: 1 });
    this.beta2 = this.numberOption('beta2', options.beta2, 0.999, { min: 0, below: 1 });
    this.epsilon = this.numberOption('epsilon', options.epsilon, 1e-8, { min: 0 });
    this.psi = this.numberOption('momentumDecay', options.momentumDecay, 0.004, { min: 0 });
  }

  private mu(t: number): number {
    return this.beta1 * (1 - 0.5 * 0.96 ** (t * this.psi));
  }

  /** Π μ_1..μ_t, recomputed from t so the state stays just (m, v, step). */
  private muProduct(t: number): number {
    let p = 1;
    for (let i = 1; i <= t; i++) p *= this.mu(i);
    return p;
  }

  protected update(v: Variable, g: Tensor): void {
    const m = this.slot(v, 'm');
    const s = this.slot(v, 'v');
    m.assign(m.mul(this.beta1).add(g.mul(1 - this.beta1)));
    s.assign(s.mul(this.beta2).add(g.square().mul(1 - this.beta2)));
    const denom = s.div(this.perStep((_, t) => 1 - this.beta2 ** t)).sqrt().add(this.epsilon);
    const stepG = g.div(denom).mul(this.perStep((lr, t) => (lr * (1 - this.mu(t))) / (1 - this.muProduct(t))));
    const stepM = m.div(denom).mul(this.perStep((lr, t) => (lr * this.mu(t + 1)) / (1 - this.muProduct(t) * this.mu(t + 1))));
    v.assign(v.sub(stepG).sub(stepM));
  }
}

/** NAdam (Adam with Nesterov momentum), matching torch.optim.NAdam step by step. */
export const nadam = (options?: NadamOptions): Nadam => new Nadam(options);
