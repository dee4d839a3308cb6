import { layers, sequential, type Layer, type Sequential } from '@soma/layers';
import { modelOptions, positiveInt } from './options.js';

/** Options of `alexnet`: classes, input shape, classifier layout and dropout. */
export interface AlexNetOptions {
  numClasses: number;
  /** The image shape as [channels, height, width]; 224×224 (or any size whose features pool evenly to 6×6) for 'imagenet', 32×32 for 'cifar'. */
  inputShape: [number, number, number];
  /**
   * 'imagenet': torchvision's single-tower AlexNet (61,100,840 parameters for 1000 classes).
   * 'cifar': the small-input variant common for CIFAR-10 (the same five convolutions, 2×2
   * pooling, one dense layer on the 256 features of a 32×32 image: 2,472,266 parameters for 10
   * classes).
   */
  classifier: 'imagenet' | 'cifar';
  /** Dropout before each of the two 4096-unit layers ('imagenet' only; torchvision: 0.5). */
  dropout: number;
  name: string;
}

/** Output length of a convolution or pooling window along one axis. */
const windowed = (n: number, kernel: number, stride: number, pad: number) => Math.floor((n + 2 * pad - kernel) / stride) + 1;

/**
 * AlexNet (Krizhevsky et al. 2012) as torchvision lays it out ("One weird trick", one tower):
 * 11×11/4 conv 64 → 3×3/2 max pool → 5×5 conv 192 → pool → 3×3 convs 384, 256, 256 → pool →
 * 6×6 average → dropout, 4096 → dropout, 4096 → numClasses (logits).
 */
export function alexnet(options?: Partial<AlexNetOptions>): Sequential {
  const o = modelOptions<AlexNetOptions>('alexnet', options, { numClasses: 1000, inputShape: [3, 224, 224], classifier: 'imagenet', dropout: 0.5, name: 'alexnet' });
  positiveInt('alexnet', 'numClasses', o.numClasses);
  if (o.classifier !== 'imagenet' && o.classifier !== 'cifar') throw new Error(`alexnet: classifier must be 'imagenet' or 'cifar', got ${JSON.stringify(o.classifier)}`);
  if (!(o.dropout >= 0 && o.dropout < 1)) throw new Error(`alexnet: dropout must be in [0, 1), got ${o.dropout}`);
  const [c, h, w] = o.inputShape;
  const cifar = o.classifier === 'cifar';
  const relu = 'relu' as const;
  const pool = () => (cifar ? layers.maxPool2d({ poolSize: 2 }) : layers.maxPool2d({ poolSize: 3, strides: 2 }));
  const stack: Layer[] = [
    layers.conv2d({ inputShape: [c, h, w], filters: 64, kernelSize: 11, strides: 4, padding: cifar ? 5 : 2, activation: relu }),
    pool(),
    layers.conv2d({ filters: 192, kernelSize: 5, padding: 2, activation: relu }),
    pool(),
    layers.conv2d({ filters: 384, kernelSize: 3, padding: 1, activation: relu }),
    layers.conv2d({ filters: 256, kernelSize: 3, padding: 1, activation: relu }),
    layers.conv2d({ filters: 256, kernelSize: 3, padding: 1, activation: relu }),
    pool(),
  ];
  const [fh, fw] = [h, w].map((n) => (cifar ? featureSize(n, 5, 2) : featureSize(n, 2, 3)));
  if (cifar) {
    if (fh !== 1 || fw !== 1) throw new Error(`alexnet: the 'cifar' classifier needs 32×32 inputs (features of 1×1), got ${h}×${w} (features ${fh}×${fw}); use classifier: 'imagenet' for large images`);
    stack.push(layers.flatten(), layers.dense({ units: o.numClasses }));
    return sequential({ layers: stack, name: o.name });
  }
  // torchvision pools the features adaptively to 6×6; sizes that are multiples of 6 average down evenly.
  if (!(fh >= 6 && fw >= 6 && fh % 6 === 0 && fw % 6 === 0)) {
    throw new Error(`alexnet: the 'imagenet' classifier needs inputs whose features are a multiple of 6×6 (224×224 gives 6×6), got ${h}×${w} (features ${fh}×${fw}); use classifier: 'cifar' for 32×32 images`);
  }
  if (fh > 6 || fw > 6) stack.push(layers.avgPool2d({ poolSize: [fh / 6, fw / 6] }));
  stack.push(
    layers.flatten(),
    layers.dropout({ rate: o.dropout }), layers.dense({ units: 4096, activation: relu }),
    layers.dropout({ rate: o.dropout }), layers.dense({ units: 4096, activation: relu }),
    layers.dense({ units: o.numClasses }),
  );
  return sequential({ layers: stack, name: o.name });
}

/** Feature size after the first convolution and the three pools (the other convolutions keep the size). */
function featureSize(n: number, firstPad: number, poolKernel: number): number {
  const poolStride = 2;
  let s = windowed(n, 11, 4, firstPad);
  for (let i = 0; i < 3; i++) s = windowed(s, poolKernel, poolStride, 0);
  return s;
}
