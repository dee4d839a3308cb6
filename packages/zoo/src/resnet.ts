import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { input, Layer, layers, model, registerLayerClass, type LayerConfig, type LayerInput, type LayerShape, type LayersModel, type SymbolicTensor } from '@soma/layers';
import { convBn, imagenetStem, relu } from './blocks.js';
import { modelOptions, positiveInt } from './options.js';

type Sym = SymbolicTensor;

/** The ResNet depths torchvision defines. */
export type ResNetDepth = 18 | 34 | 50 | 101 | 152;

/** torchvision's depths: blocks per stage, and whether blocks are bottlenecks (1×1, 3×3, 1×1 with 4× expansion). */
const DEPTHS = {
  18: { blocks: [2, 2, 2, 2], bottleneck: false },
  34: { blocks: [3, 4, 6, 3], bottleneck: false },
  50: { blocks: [3, 4, 6, 3], bottleneck: true },
  101: { blocks: [3, 4, 23, 3], bottleneck: true },
  152: { blocks: [3, 8, 36, 3], bottleneck: true },
} as const satisfies Record<ResNetDepth, unknown>;


/** Options of `resnet`: depth, classes and input shape (torchvision's ImageNet ResNets). */
export interface ResNetOptions {
  depth: ResNetDepth;
  numClasses: number;
  /** [channels, height, width]; any size the five stride-2 steps leave at least 1×1. */
  inputShape: [number, number, number];
  name: string;
}

function basicBlock(x: Sym, planes: number, strides: number, project: boolean): Sym {
  const y = convBn(convBn(x, planes, 3, strides), planes, 3, 1, false);
  const shortcut = project ? convBn(x, planes, 1, strides, false) : x;
  return relu(layers.add().apply([y, shortcut]));
}

function bottleneck(x: Sym, planes: number, strides: number, project: boolean): Sym {
  // torchvision (ResNet v1.5): the stride sits on the 3×3 convolution.
  const y = convBn(convBn(convBn(x, planes, 1), planes, 3, strides), planes * 4, 1, 1, false);
  const shortcut = project ? convBn(x, planes * 4, 1, strides, false) : x;
  return relu(layers.add().apply([y, shortcut]));
}

/**
 * ResNet (He et al. 2016) in torchvision's layout: resnet18 has 11,689,512 trainable parameters
 * with 1000 classes, resnet50 25,557,032 (torchvision counts parameters(); the batch-norm moving
 * statistics are Soma's, and Keras's, non-trainable weights on top).
 */
export function resnet(options?: Partial<ResNetOptions>): LayersModel {
  const o = modelOptions<ResNetOptions>('resnet', options, { depth: 18, numClasses: 1000, inputShape: [3, 224, 224], name: '' });
  const spec = DEPTHS[o.depth];
  if (!spec) throw new Error(`resnet: depth must be 18, 34, 50, 101 or 152, got ${o.depth}`);
  positiveInt('resnet', 'numClasses', o.numClasses);
  const inp = input({ shape: o.inputShape });
  let x = imagenetStem(inp);
  let channels = 64;
  spec.blocks.forEach((n, stage) => {
    const planes = 64 * 2 ** stage;
    const out = spec.bottleneck ? planes * 4 : planes;
    for (let i = 0; i < n; i++) {
      const strides = i === 0 && stage > 0 ? 2 : 1;
      const project = i === 0 && (strides !== 1 || channels !== out);
      x = spec.bottleneck ? bottleneck(x, planes, strides, project) : basicBlock(x, planes, strides, project);
      channels = out;
    }
  });
  const logits = layers.dense({ units: o.numClasses }).apply(layers.globalAvgPool2d().apply(x));
  return model({ inputs: inp, outputs: logits, name: o.name || `resnet${o.depth}` });
}

/** ResNet-18 (torchvision's resnet18): same layers and parameter count. */
export const resnet18 = (o?: Partial<Omit<ResNetOptions, 'depth'>>) => resnet({ ...o, depth: 18 });
/** ResNet-34 (torchvision's resnet34): same layers and parameter count. */
export const resnet34 = (o?: Partial<Omit<ResNetOptions, 'depth'>>) => resnet({ ...o, depth: 34 });
/** ResNet-50 (torchvision's resnet50): same layers and parameter count. */
export const resnet50 = (o?: Partial<Omit<ResNetOptions, 'depth'>>) => resnet({ ...o, depth: 50 });
/** ResNet-101 (torchvision's resnet101): same layers and parameter count. */
export const resnet101 = (o?: Partial<Omit<ResNetOptions, 'depth'>>) => resnet({ ...o, depth: 101 });
/** ResNet-152 (torchvision's resnet152): same layers and parameter count. */
export const resnet152 = (o?: Partial<Omit<ResNetOptions, 'depth'>>) => resnet({ ...o, depth: 152 });

/**
 * The CIFAR ResNets' parameter-free shortcut (option A of He et al. §4.2): every other pixel, and
 * the new channels zero-padded, half before and half after.
 */
export class PaddedShortcut extends Layer<'single'> {
  readonly className = 'PaddedShortcut';
  readonly extraChannels: number;
  constructor(args: { extraChannels: number; name?: string }) {
    super({ name: args.name }, 'padded_shortcut');
    this.extraChannels = positiveInt('PaddedShortcut', 'extraChannels', args.extraChannels);
  }
  call(inputs: LayerInput): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const [n, c, h, w] = x.shape;
    return soma.tidy(() => {
      const sub = soma.stridedSlice(x, [0, 0, 0, 0], [n, c, h, w], [1, 1, 2, 2]);
      const half = this.extraChannels / 2;
      return soma.pad(sub, [[0, 0], [Math.floor(half), Math.ceil(half)], [0, 0], [0, 0]]);
    });
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = inputShape as LayerShape;
    const down = (d: number | null) => (d === null ? null : Math.ceil(d / 2));
    return [s[0], s[1] === null ? null : s[1] + this.extraChannels, down(s[2]), down(s[3])];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), extraChannels: this.extraChannels };
  }
}
registerLayerClass('PaddedShortcut', PaddedShortcut);

/**
 * Options of `cifarResnet`: depth (6n + 2), classes and input shape (He et al.'s CIFAR ResNets).
 */
export interface CifarResNetOptions {
  /** 6n + 2: 20, 32, 44, 56 (110 and others work too). */
  depth: number;
  numClasses: number;
  inputShape: [number, number, number];
  name: string;
}

/**
 * The CIFAR-10 ResNets of He et al. (§4.2): a 3×3 conv of 16 filters, three stages of n basic
 * blocks (16, 32, 64 filters, stride 2 between stages, parameter-free shortcuts), global average
 * pooling and a dense layer. ResNet-20: 269,722 parameters; 32: 464,154; 44: 658,586; 56: 853,018.
 */
export function cifarResnet(options?: Partial<CifarResNetOptions>): LayersModel {
  const o = modelOptions<CifarResNetOptions>('cifarResnet', options, { depth: 20, numClasses: 10, inputShape: [3, 32, 32], name: '' });
  if (!Number.isInteger(o.depth) || (o.depth - 2) % 6 !== 0 || o.depth < 8) throw new Error(`cifarResnet: depth must be 6n + 2 (20, 32, 44, 56, 110), got ${o.depth}`);
  const n = (o.depth - 2) / 6;
  const inp = input({ shape: o.inputShape });
  let x = convBn(inp, 16, 3);
  let channels = 16;
  for (let stage = 0; stage < 3; stage++) {
    const planes = 16 * 2 ** stage;
    for (let i = 0; i < n; i++) {
      const strides = i === 0 && stage > 0 ? 2 : 1;
      const y = convBn(convBn(x, planes, 3, strides), planes, 3, 1, false);
      const shortcut = strides !== 1 || channels !== planes ? new PaddedShortcut({ extraChannels: planes - channels }).apply(x) : x;
      x = relu(layers.add().apply([y, shortcut]));
      channels = planes;
    }
  }
  const logits = layers.dense({ units: o.numClasses }).apply(layers.globalAvgPool2d().apply(x));
  return model({ inputs: inp, outputs: logits, name: o.name || `resnet${o.depth}_cifar` });
}
