import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

/** Activation functions by their Keras names (camelCase). */
export type ActivationName = 'linear' | 'step' | 'sigmoid' | 'hardSigmoid' | 'tanh' | 'atan' | 'relu' | 'relu6' | 'leakyRelu' | 'elu' | 'selu' | 'gelu' | 'softplus' | 'softsign' | 'swish' | 'silu' | 'softmax' | 'logSoftmax';

/** Activation functions by their Keras names. */
const ACTIVATIONS = {
  linear: (x: Tensor) => x,
  step: (x: Tensor) => soma.step(x),
  sigmoid: (x: Tensor) => soma.sigmoid(x),
  // Keras 3 hard_sigmoid: relu6(x + 3) / 6.
  hardSigmoid: (x: Tensor) => soma.tidy(() => soma.relu6(x.add(3)).div(6)),
  tanh: (x: Tensor) => soma.tanh(x),
  atan: (x: Tensor) => soma.atan(x),
  relu: (x: Tensor) => soma.relu(x),
  relu6: (x: Tensor) => soma.relu6(x),
  leakyRelu: (x: Tensor) => soma.leakyRelu(x, 0.2),
  elu: (x: Tensor) => soma.elu(x),
  selu: (x: Tensor) => soma.selu(x),
  gelu: (x: Tensor) => soma.gelu(x),
  softplus: (x: Tensor) => soma.softplus(x),
  softsign: (x: Tensor) => soma.tidy(() => x.div(x.abs().add(1))),
  swish: (x: Tensor) => soma.tidy(() => x.mul(x.sigmoid())),
  silu: (x: Tensor) => soma.tidy(() => x.mul(x.sigmoid())),
  softmax: (x: Tensor) => soma.softmax(x, -1),
  logSoftmax: (x: Tensor) => soma.logSoftmax(x, -1),
} as const satisfies Record<ActivationName, unknown>;

export type ActivationFn = (x: Tensor) => Tensor;

/** Every activation name layers accept. */
export const activationNames = Object.keys(ACTIVATIONS) as ActivationName[];

export function getActivation(name: ActivationName | undefined | null): ActivationFn {
  if (name === undefined || name === null) return ACTIVATIONS.linear;
  return soma.lookupName<ActivationFn>(ACTIVATIONS, name, 'activation');
}

/** The activation as core's fused ops take it (linear, relu, tanh, sigmoid), or null for the others. */
export function fusable(name: ActivationName | undefined | null): 'linear' | 'relu' | 'tanh' | 'sigmoid' | null {
  const act = name ?? 'linear';
  return act === 'linear' || act === 'relu' || act === 'tanh' || act === 'sigmoid' ? act : null;
}
