import { layers, sequential, type Layer, type Sequential } from '@soma/layers';
import { modelOptions, positiveInt } from './options.js';

/** The VGG depths torchvision defines (vgg11 … vgg19). */
export type VggDepth = 11 | 13 | 16 | 19;

/** torchvision's configurations: numbers are 3×3 convolutions' filters, 'M' a 2×2 max pool. */
const CONFIGS = {
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
} as const satisfies Record<VggDepth, unknown>;


/** Options of `vgg`: depth, classes, input shape and batch normalization. */
export interface VggOptions {
  depth: VggDepth;
  numClasses: number;
  /** [channels, height, width]; the ImageNet classifier needs height and width that are multiples of 224/7·... (224 gives 7×7 features). */
  inputShape: [number, number, number];
  /** Batch normalization after every convolution (torchvision's vgg16_bn). */
  batchNorm: boolean;
  /** Dropout rate of the classifier (torchvision: 0.5). */
  dropout: number;
  /** 'imagenet': two 4096-unit layers on 512×7×7 features, as torchvision; 'cifar': a 512-unit classifier on the global average (32×32 inputs). */
  classifier: 'imagenet' | 'cifar';
  name: string;
}

/**
 * VGG (Simonyan & Zisserman 2015) in torchvision's layout: vgg16 with 1000 classes has
 * 138,357,544 parameters. With classifier 'cifar' it is the common 32×32 variant.
 */
export function vgg(options?: Partial<VggOptions>): Sequential {
  const o = modelOptions<VggOptions>('vgg', options, { depth: 16, numClasses: 1000, inputShape: [3, 224, 224], batchNorm: false, dropout: 0.5, classifier: 'imagenet', name: '' });
  const config = CONFIGS[o.depth];
  if (!config) throw new Error(`vgg: depth must be 11, 13, 16 or 19, got ${o.depth}`);
  positiveInt('vgg', 'numClasses', o.numClasses);
  const [c, h, w] = o.inputShape;
  const stack: Layer[] = [];
  let first = true;
  for (const v of config) {
    if (v === 'M') {
      stack.push(layers.maxPool2d({ poolSize: 2 }));
      continue;
    }
    stack.push(layers.conv2d({ ...(first ? { inputShape: [c, h, w] } : {}), filters: v, kernelSize: 3, padding: 1, activation: o.batchNorm ? 'linear' : 'relu' }));
    if (o.batchNorm) stack.push(layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }), layers.activation({ activation: 'relu' }));
    first = false;
  }
  if (o.classifier === 'cifar') {
    stack.push(layers.globalAvgPool2d(), layers.dropout({ rate: o.dropout }), layers.dense({ units: 512, activation: 'relu' }), layers.dense({ units: o.numClasses }));
  } else {
    // torchvision pools the features to 7×7; inputs of 224·k give 7k×7k, averaged down k×k.
    const fh = h / 32;
    const fw = w / 32;
    if (!Number.isInteger(fh) || !Number.isInteger(fw) || fh % 7 || fw % 7) {
      throw new Error(`vgg: the 'imagenet' classifier needs height and width that are multiples of 224, got ${h}×${w}; use classifier: 'cifar' for small images`);
    }
    if (fh > 7 || fw > 7) stack.push(layers.avgPool2d({ poolSize: [fh / 7, fw / 7] }));
    stack.push(
      layers.flatten(),
      layers.dense({ units: 4096, activation: 'relu' }), layers.dropout({ rate: o.dropout }),
      layers.dense({ units: 4096, activation: 'relu' }), layers.dropout({ rate: o.dropout }),
      layers.dense({ units: o.numClasses }),
    );
  }
  return sequential({ layers: stack, name: o.name || `vgg${o.depth}${o.batchNorm ? '_bn' : ''}` });
}

/** VGG-11 (torchvision's vgg11; `batchNorm` for vgg11_bn). */
export const vgg11 = (o?: Partial<Omit<VggOptions, 'depth'>>) => vgg({ ...o, depth: 11 });
/** VGG-13 (torchvision's vgg13; `batchNorm` for vgg13_bn). */
export const vgg13 = (o?: Partial<Omit<VggOptions, 'depth'>>) => vgg({ ...o, depth: 13 });
/** VGG-16 (torchvision's vgg16; `batchNorm` for vgg16_bn). */
export const vgg16 = (o?: Partial<Omit<VggOptions, 'depth'>>) => vgg({ ...o, depth: 16 });
/** VGG-19 (torchvision's vgg19; `batchNorm` for vgg19_bn). */
export const vgg19 = (o?: Partial<Omit<VggOptions, 'depth'>>) => vgg({ ...o, depth: 19 });
