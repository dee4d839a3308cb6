import type { Tensor, Variable } from '@soma/core';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/**
 * Options of `adagrad` (torch.optim.Adagrad's): learning-rate decay, initial accumulator value and
 * epsilon.
 */
export interface AdagradOptions extends OptimizerOptions {
  lrDecay?: number;
  initialAccumulatorValue?: number;
  epsilon?: number;
}

/**
 * Adagrad (Duchi et al.) as torch.optim.Adagrad:
 *   η_t = η/(1 + (t − 1)·decay);  s ← s + g²;  θ ← θ − η_t·g/(√s + ε)
 */
export class Adagrad extends Optimizer {
  private readonly lrDecay: number;
  private readonly initial: number;
  private readonly epsilon: number;

  constructor(options: AdagradOptions = {}) {
    super('adagrad', options, 0.01, ['lrDecay', 'initialAccumulatorValue', 'epsilon']);
    this.lrDecay = this.numberOption('lrDecay', options.lrDecay, 0, { min: 0 });
    this.initial = this.numberOption('initialAccumulatorValue', options.initialAccumulatorValue, 0, { min: 0 });
    this.epsilon = this.numberOption('epsilon', options.epsilon, 1e-10, { min: 0 });
  }

  protected update(v: Variable, g: Tensor): void {
    const sum = this.slot(v, 'sum', this.initial);
    sum.assign(sum.add(g.square()));
    const clr = this.perStep((lr, t) => lr / (1 + (t - 1) * this.lrDecay));
    v.assign(v.sub(g.div(sum.sqrt().add(this.epsilon)).mul(clr)));
  }
}

/** Adagrad, matching torch.optim.Adagrad step by step. */
export const adagrad = (options?: AdagradOptions): Adagrad => new Adagrad(options);
