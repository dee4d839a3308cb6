import { adadelta, type Adadelta } from './adadelta.js';
import { adagrad, type Adagrad } from './adagrad.js';
import { adam, type Adam } from './adam.js';
import { adamax, type Adamax } from './adamax.js';
import { rmsprop, type Rmsprop } from './rmsprop.js';
import { sgd, type Sgd } from './sgd.js';

// TF.js's `tf.train.*` factories with their positional arguments, so a ported
// `tf.train.adam(0.01)` works as `train.adam(0.01)`. An argument left out keeps Soma's default
// (PyTorch's), which may differ from TF.js's (Adam's epsilon is 1e-8 here, 1e-7 in TF.js).

/**
 * The optimizers under TF.js's names and positional arguments (`tf.train.adam(0.01)`).
 *
 * @example
 * ```ts
 * const opt = train.adam(0.01);                      // as tf.train.adam(0.01)
 * console.log(opt.currentLearningRate());            // 0.01
 * ```
 */
export const train = {
  /** `tf.train.sgd(learningRate)`. */
  sgd: (learningRate: number): Sgd => sgd({ learningRate }),
  /** `tf.train.momentum(learningRate, momentum, useNesterov)`. */
  momentum: (learningRate: number, momentum: number, useNesterov = false): Sgd => sgd({ learningRate, momentum, nesterov: useNesterov }),
  /** `tf.train.adagrad(learningRate, initialAccumulatorValue)`. */
  adagrad: (learningRate: number, initialAccumulatorValue?: number): Adagrad => adagrad({ learningRate, initialAccumulatorValue }),
  /** `tf.train.adadelta(learningRate, rho, epsilon)`. */
  adadelta: (learningRate?: number, rho?: number, epsilon?: number): Adadelta => adadelta({ learningRate, rho, epsilon }),
  /** `tf.train.adam(learningRate, beta1, beta2, epsilon)`. */
  adam: (learningRate?: number, beta1?: number, beta2?: number, epsilon?: number): Adam => adam({ learningRate, beta1, beta2, epsilon }),
  /** `tf.train.adamax(learningRate, beta1, beta2, epsilon)`. */
  adamax: (learningRate?: number, beta1?: number, beta2?: number, epsilon?: number): Adamax => adamax({ learningRate, beta1, beta2, epsilon }),
  /** `tf.train.rmsprop(learningRate, decay, momentum, epsilon, centered)`; TF.js's decay is rho. */
  rmsprop: (learningRate: number, decay?: number, momentum?: number, epsilon?: number, centered?: boolean): Rmsprop => rmsprop({ learningRate, rho: decay, momentum, epsilon, centered }),
};
