import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

/** Clamps every gradient element to [-value, value] (torch.nn.utils.clip_grad_value_, Keras clipvalue). */
export function clipByValue(grads: readonly Tensor[], value: number): Tensor[] {
  if (!(value > 0)) throw new Error(`clipByValue: value must be positive, got ${value}`);
  return grads.map((g) => soma.clip(g, -value, value));
}

/** Rescales each gradient on its own so its L2 norm is at most maxNorm (Keras clipnorm). */
export function clipByNorm(grads: readonly Tensor[], maxNorm: number): Tensor[] {
  if (!(maxNorm > 0)) throw new Error(`clipByNorm: maxNorm must be positive, got ${maxNorm}`);
  return grads.map((g) =>
    soma.tidy(() => {
      const norm = g.square().sum().sqrt();
      return g.mul(soma.minimum(1, soma.div(maxNorm, soma.maximum(norm, 1e-12))));
    }),
  );
}

/**
 * Rescales all gradients together so their joint L2 norm is at most maxNorm (returned as a scalar tensor), by
 * maxNorm / (norm + 1e-6) when it is larger — torch.nn.utils.clip_grad_norm_'s formula.
 */
export function clipByGlobalNorm(grads: readonly Tensor[], maxNorm: number): { grads: Tensor[]; norm: Tensor } {
  if (!(maxNorm > 0)) throw new Error(`clipByGlobalNorm: maxNorm must be positive, got ${maxNorm}`);
  // The norm stays a tensor, as tf.clip_by_global_norm returns it: reading it is the caller's choice.
  return { grads: scaleToGlobalNorm(grads, maxNorm), norm: globalNorm(grads) };
}

/** √(Σ‖g‖²) over all gradients, as a scalar tensor. */
function globalNorm(grads: readonly Tensor[]): Tensor {
  return soma.tidy(() => grads.map((g) => g.square().sum()).reduce((a, b) => a.add(b)).sqrt());
}

/**
 * clipByGlobalNorm's gradients without reading the norm back: the scale min(1, maxNorm / (norm +
 * 1e-6)) stays on the device, so optimizers can clip inside a compiled step and on GPUs.
 */
export function scaleToGlobalNorm(grads: readonly Tensor[], maxNorm: number): Tensor[] {
  if (!grads.length) return [];
  return soma.tidy(() => {
    const scale = soma.minimum(1, soma.div(maxNorm, globalNorm(grads).add(1e-6)));
    return grads.map((g) => g.mul(scale));
  });
}
