import type { Tensor, Variable } from '@soma/core';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Options of `rmsprop` (torch.optim.RMSprop's): rho, momentum, centered and epsilon. */
export interface RmspropOptions extends OptimizerOptions {
  /** Decay of the squared-gradient average (PyTorch's alpha, Keras's rho). */
  rho?: number;
  momentum?: number;
  /** Normalize by the variance rather than the second moment. */
  centered?: boolean;
  epsilon?: number;
}

/**
 * RMSprop as torch.optim.RMSprop:
 *   v ← ρv + (1 − ρ)g²;  ḡ ← ρḡ + (1 − ρ)g (centered);  d = √(v − ḡ²) + ε
 *   b ← μb + g/d, θ ← θ − η·b (momentum)   or   θ ← θ − η·g/d
 */
export class Rmsprop extends Optimizer {
  private readonly rho: number;
  private readonly momentum: number;
  private readonly centered: boolean;
  private readonly epsilon: number;

  constructor(options: RmspropOptions = {}) {
    super('rmsprop', options, 0.01, ['rho', 'momentum', 'centered', 'epsilon']);
    this.rho = this.numberOption('rho', options.rho, 0.99, { min: 0, max: 1 });
    this.momentum = this.numberOption('momentum', options.momentum, 0, { min: 0 });
    this.centered = options.centered ?? false;
    this.epsilon = this.numberOption('epsilon', options.epsilon, 1e-8, { min: 0 });
  }

  protected update(v: Variable, g: Tensor): void {
    const lr = this.perStep((rate) => rate);
    const sq = this.slot(v, 'square_avg');
    sq.assign(sq.mul(this.rho).add(g.square().mul(1 - this.rho)));
    let avg: Tensor = sq;
    if (this.centered) {
      const ga = this.slot(v, 'grad_avg');
      ga.assign(ga.mul(this.rho).add(g.mul(1 - this.rho)));
      avg = sq.sub(ga.square());
    }
    const denom = avg.sqrt().add(this.epsilon);
    if (this.momentum > 0) {
      const b = this.slot(v, 'momentum');
      b.assign(b.mul(this.momentum).add(g.div(denom)));
      v.assign(v.sub(b.mul(lr)));
    } else {
      v.assign(v.sub(g.div(denom).mul(lr)));
    }
  }
}

/** RMSprop, with momentum and `centered`, matching torch.optim.RMSprop step by step. */
export const rmsprop = (options?: RmspropOptions): Rmsprop => new Rmsprop(options);
