import type { Tensor, Variable } from '@soma/core';
import * as soma from '@soma/core';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Options of `sgd` (torch.optim.SGD's): momentum, dampening, Nesterov and weight decay. */
export interface SgdOptions extends OptimizerOptions {
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  /** L2 penalty added to the gradient (PyTorch's weight_decay). */
  weightDecay?: number;
  /** With momentum, update each parameter in one pass where the backend has a fused kernel, as torch.optim.SGD's `fused`; default true. */
  fused?: boolean;
}

/**
 * Stochastic gradient descent as torch.optim.SGD:
 *   g ← g + λθ;  b ← μb + (1 − τ)g (b₁ = g);  g ← g + μb (Nesterov) or b;  θ ← θ − η·g
 */
export class Sgd extends Optimizer {
  private readonly momentum: number;
  private readonly dampening: number;
  private readonly nesterov: boolean;
  private readonly weightDecay: number;
  private readonly fused: boolean;

  constructor(options: SgdOptions = {}) {
    super('sgd', options, 0.01, ['momentum', 'dampening', 'nesterov', 'weightDecay', 'fused']);
    this.fused = options.fused ?? true;
    this.momentum = this.numberOption('momentum', options.momentum, 0, { min: 0 });
    this.dampening = this.numberOption('dampening', options.dampening, 0, { min: 0, max: 1 });
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = this.numberOption('weightDecay', options.weightDecay, 0, { min: 0 });
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new Error('sgd: nesterov needs momentum > 0 and dampening 0');
  }

  protected update(v: Variable, g0: Tensor): void {
    if (this.fused && this.momentum) {
      const first = !this.hasSlot(v, 'momentum');
      const attrs = { rule: 'sgd', lr: this.stepNumbers().lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, l2: this.weightDecay, first } as const;
      if (soma.fusedUpdate(v, g0, [this.slot(v, 'momentum')], attrs)) return;
    }
    let g = this.weightDecay ? g0.add(v.mul(this.weightDecay)) : g0;
    if (this.momentum) {
      // The buffer starts as the first gradient itself (no dampening), as in PyTorch.
      const first = !this.hasSlot(v, 'momentum');
      const b = this.slot(v, 'momentum');
      const next = first ? g : b.mul(this.momentum).add(g.mul(1 - this.dampening));
      b.assign(next);
      g = this.nesterov ? g.add(next.mul(this.momentum)) : next;
    }
    v.assign(v.sub(g.mul(this.perStep((lr) => lr))));
  }
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum and weight decay, matching
 * torch.optim.SGD step by step.
 */
export const sgd = (options?: SgdOptions): Sgd => new Sgd(options);
