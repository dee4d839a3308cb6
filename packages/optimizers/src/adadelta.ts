import type { Tensor, Variable } from '@soma/core';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Options of `adadelta` (torch.optim.Adadelta's): rho and epsilon. */
export interface AdadeltaOptions extends OptimizerOptions {
  rho?: number;
  epsilon?: number;
}

/**
 * Adadelta (Zeiler) as torch.optim.Adadelta:
 *   v ← ρv + (1 − ρ)g²;  Δ = √(u + ε)/√(v + ε)·g;  u ← ρu + (1 − ρ)Δ²;  θ ← θ − η·Δ
 */
export class Adadelta extends Optimizer {
  private readonly rho: number;
  private readonly epsilon: number;

  constructor(options: AdadeltaOptions = {}) {
    super('adadelta', options, 1.0, ['rho', 'epsilon']);
    this.rho = this.numberOption('rho', options.rho, 0.9, { min: 0, max: 1 });
    this.epsilon = this.numberOption('epsilon', options.epsilon, 1e-6, { min: 0 });
  }

  protected update(v: Variable, g: Tensor): void {
    const lr = this.perStep((rate) => rate);
    const sq = this.slot(v, 'square_avg');
    const acc = this.slot(v, 'acc_delta');
    sq.assign(sq.mul(this.rho).add(g.square().mul(1 - this.rho)));
    const delta = acc.add(this.epsilon).sqrt().div(sq.add(this.epsilon).sqrt()).mul(g);
    acc.assign(acc.mul(this.rho).add(delta.square().mul(1 - this.rho)));
    v.assign(v.sub(delta.mul(lr)));
  }
}

/** Adadelta (Zeiler 2012), matching torch.optim.Adadelta step by step. */
export const adadelta = (options?: AdadeltaOptions): Adadelta => new Adadelta(options);
