import { layers, sequential, type Sequential } from '@soma/layers';
import { LENET5_MNIST } from './weights/lenet5_mnist.js';
import { loadShippedWeights } from './weights/shipped.js';
import { modelOptions, positiveInt } from './options.js';

/** Options of `lenet5`: classes, input shape, activation, pooling, and the bundled trained weights. */
export interface LeNet5Options {
  numClasses: number;
  /** `[channels, height, width]`: 28×28 digits get 'same' padding in the first convolution, 32×32 the paper's 'valid'. */
  inputShape: [number, number, number];
  /** The paper's tanh, or relu. */
  activation: 'tanh' | 'relu';
  /** The paper's subsampling is average pooling; max is the modern variant. */
  pooling: 'avg' | 'max';
  /**
   * Weights trained on the mnist package's real digits, shipped in this package (no download):
   * 98.35% on 2,000 held-out digits (scripts/train_lenet5_mnist.mjs). Needs the default layout:
   * 10 classes, [1, 28, 28] inputs in [0, 1], tanh, average pooling. Outputs are logits.
   */
  pretrained: boolean;
  name: string;
}

/**
 * LeNet-5 (LeCun et al. 1998), the classic layout: 5×5 conv 6 → pool → 5×5 conv 16 → pool →
 * dense 120 → 84 → numClasses (logits). 61,706 parameters for 10 classes.
 */
export function lenet5(options?: Partial<LeNet5Options>): Sequential {
  const o = modelOptions<LeNet5Options>('lenet5', options, { numClasses: 10, inputShape: [1, 28, 28], activation: 'tanh', pooling: 'avg', pretrained: false, name: 'lenet5' });
  positiveInt('lenet5', 'numClasses', o.numClasses);
  const [c, h, w] = o.inputShape;
  if (!(h === w && (h === 28 || h === 32))) throw new Error(`lenet5: inputShape must be [channels, 28, 28] or [channels, 32, 32], got [${o.inputShape.join(', ')}]`);
  if (o.activation !== 'tanh' && o.activation !== 'relu') throw new Error(`lenet5: activation must be 'tanh' or 'relu', got ${JSON.stringify(o.activation)}`);
  if (o.pooling !== 'avg' && o.pooling !== 'max') throw new Error(`lenet5: pooling must be 'avg' or 'max', got ${JSON.stringify(o.pooling)}`);
  const pool = () => (o.pooling === 'avg' ? layers.avgPool2d({ poolSize: 2 }) : layers.maxPool2d({ poolSize: 2 }));
  const net = sequential({
    name: o.name,
    layers: [
      layers.conv2d({ inputShape: [c, h, w], filters: 6, kernelSize: 5, padding: h === 28 ? 'same' : 'valid', activation: o.activation }),
      pool(),
      layers.conv2d({ filters: 16, kernelSize: 5, activation: o.activation }),
      pool(),
      layers.flatten(),
      layers.dense({ units: 120, activation: o.activation }),
      layers.dense({ units: 84, activation: o.activation }),
      layers.dense({ units: o.numClasses }),
    ],
  });
  if (o.pretrained) loadPretrained(net, o);
  return net;
}

function loadPretrained(net: Sequential, o: LeNet5Options): void {
  const layout = o.numClasses === 10 && o.inputShape.join() === '1,28,28' && o.activation === 'tanh' && o.pooling === 'avg';
  if (!layout) throw new Error(`lenet5: the pretrained weights are for 10 classes, [1, 28, 28] inputs, tanh and average pooling; got ${o.numClasses} classes, [${o.inputShape.join(', ')}], ${o.activation}, ${o.pooling}`);
  loadShippedWeights(net, LENET5_MNIST, 'lenet5');
}
