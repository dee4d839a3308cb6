import * as soma from '@soma/core';
import type { Tensor, Variable } from '@soma/core';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Options of `adamax` (torch.optim.Adamax's): betas and epsilon. */
export interface AdamaxOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adamax (Kingma & Ba, §7.1) as torch.optim.Adamax:
 *   m ← β₁m + (1 − β₁)g;  u ← max(β₂u, |g| + ε);  θ ← θ − η/(1 − β₁ᵗ)·m/u
 */
export class Adamax extends Optimizer {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(options: AdamaxOptions = {}) {
    super('adamax', options, 0.002, ['beta1', 'beta2', 'epsilon']);
    this.beta1 = this.numberOption('beta1', options.beta1, 0.9, { min: 0, below: 1 });
    this.beta2 = this.numberOption('beta2', options.beta2, 0.999, { min: 0, below: 1 });
    this.epsilon = this.numberOption('epsilon', options.epsilon, 1e-8, { min: 0 });
  }

  protected update(v: Variable, g: Tensor): void {
    const m = this.slot(v, 'm');
    const u = this.slot(v, 'u');
    m.assign(m.mul(this.beta1).add(g.mul(1 - this.beta1)));
    u.assign(soma.maximum(u.mul(this.beta2), g.abs().add(this.epsilon)));
    v.assign(v.sub(m.div(u).mul(this.perStep((lr, t) => lr / (1 - this.beta1 ** t)))));
  }
}

/** Adamax (Adam with the infinity norm), matching torch.optim.Adamax step by step. */
export const adamax = (options?: AdamaxOptions): Adamax => new Adamax(options);
