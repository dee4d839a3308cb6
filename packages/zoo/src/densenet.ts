import { input, layers, model, type LayersModel, type SymbolicTensor } from '@soma/layers';
import { imagenetStem, relu, torchBatchNorm } from './blocks.js';
import { modelOptions, positiveInt } from './options.js';

type Sym = SymbolicTensor;

/** The DenseNet depths torchvision defines. */
export type DenseNetDepth = 121 | 169 | 201;

const BLOCKS = { 121: [6, 12, 24, 16], 169: [6, 12, 32, 32], 201: [6, 12, 48, 32] } as const satisfies Record<DenseNetDepth, unknown>;

/** batch norm → relu → conv (no bias): DenseNet's pre-activation unit. */
function bnReluConv(x: Sym, filters: number, kernelSize: number): Sym {
  return layers.conv2d({ filters, kernelSize, padding: Math.floor(kernelSize / 2), useBias: false }).apply(relu(torchBatchNorm().apply(x)));
}

/** A dense block: each layer (1×1 bottleneck to bnSize·k, 3×3 to k) sees every earlier feature map. */
function denseBlock(x: Sym, layersInBlock: number, growthRate: number, bnSize: number, dropout: number): Sym {
  let features = x;
  for (let i = 0; i < layersInBlock; i++) {
    let y = bnReluConv(bnReluConv(features, bnSize * growthRate, 1), growthRate, 3);
    if (dropout > 0) y = layers.dropout({ rate: dropout }).apply(y);
    features = layers.concatenate({ axis: 1 }).apply([features, y]);
  }
  return features;
}

/** A transition: 1×1 convolution to `filters` channels, then 2×2 average pooling. */
function transition(x: Sym, filters: number): Sym {
  return layers.avgPool2d({ poolSize: 2 }).apply(bnReluConv(x, filters, 1));
}

function head(x: Sym, numClasses: number): Sym {
  return layers.dense({ units: numClasses }).apply(layers.globalAvgPool2d().apply(relu(torchBatchNorm().apply(x))));
}

/** Options of `densenet`: depth, classes, input shape, growth rate and dropout (torchvision's DenseNets). */
export interface DenseNetOptions {
  depth: DenseNetDepth;
  numClasses: number;
  inputShape: [number, number, number];
  growthRate: number;
  /** Dropout after each dense layer (torchvision's drop_rate, default 0). */
  dropout: number;
  name: string;
}

/**
 * DenseNet-BC (Huang et al. 2017) in torchvision's layout: growth rate 32, 64 initial features,
 * bottlenecks of 4·k, transitions halving the channels. densenet121 with 1000 classes has
 * 7,978,856 trainable parameters.
 */
export function densenet(options?: Partial<DenseNetOptions>): LayersModel {
  const o = modelOptions<DenseNetOptions>('densenet', options, { depth: 121, numClasses: 1000, inputShape: [3, 224, 224], growthRate: 32, dropout: 0, name: '' });
  const blocks = BLOCKS[o.depth];
  if (!blocks) throw new Error(`densenet: depth must be 121, 169 or 201, got ${o.depth}`);
  positiveInt('densenet', 'numClasses', o.numClasses);
  positiveInt('densenet', 'growthRate', o.growthRate);
  const inp = input({ shape: o.inputShape });
  let x = imagenetStem(inp, 2 * o.growthRate);
  let channels = 2 * o.growthRate;
  blocks.forEach((n, i) => {
    x = denseBlock(x, n, o.growthRate, 4, o.dropout);
    channels += n * o.growthRate;
    if (i < blocks.length - 1) {
      channels = Math.floor(channels / 2);
      x = transition(x, channels);
    }
  });
  return model({ inputs: inp, outputs: head(x, o.numClasses), name: o.name || `densenet${o.depth}` });
}

/** DenseNet-121 (torchvision's densenet121): same layers and parameter count. */
export const densenet121 = (o?: Partial<Omit<DenseNetOptions, 'depth'>>) => densenet({ ...o, depth: 121 });
/** DenseNet-169 (torchvision's densenet169): same layers and parameter count. */
export const densenet169 = (o?: Partial<Omit<DenseNetOptions, 'depth'>>) => densenet({ ...o, depth: 169 });
/** DenseNet-201 (torchvision's densenet201): same layers and parameter count. */
export const densenet201 = (o?: Partial<Omit<DenseNetOptions, 'depth'>>) => densenet({ ...o, depth: 201 });

/** Options of `cifarDensenet`: depth, growth rate, classes, input shape and dropout for CIFAR-size inputs. */
export interface CifarDenseNetOptions {
  /** Total depth L of DenseNet-BC: 3 blocks of (L − 4) / 6 layers each. */
  depth: number;
  growthRate: number;
  numClasses: number;
  inputShape: [number, number, number];
  dropout: number;
  name: string;
}

/**
 * The small DenseNet-BC for CIFAR of Huang et al.: a 3×3 convolution to 2k channels, three dense
 * blocks of (L − 4) / 6 bottleneck layers with compression 0.5 between them (DenseNet-BC, L = 100,
 * k = 12 by default; depth 40 trains in minutes).
 */
export function cifarDensenet(options?: Partial<CifarDenseNetOptions>): LayersModel {
  const o = modelOptions<CifarDenseNetOptions>('cifarDensenet', options, { depth: 100, growthRate: 12, numClasses: 10, inputShape: [3, 32, 32], dropout: 0, name: '' });
  if (!Number.isInteger(o.depth) || (o.depth - 4) % 6 !== 0 || o.depth < 10) throw new Error(`cifarDensenet: depth must be 6n + 4 (40, 100, 190, ...), got ${o.depth}`);
  const n = (o.depth - 4) / 6;
  const inp = input({ shape: o.inputShape });
  let channels = 2 * o.growthRate;
  let x = layers.conv2d({ filters: channels, kernelSize: 3, padding: 1, useBias: false }).apply(inp);
  for (let i = 0; i < 3; i++) {
    x = denseBlock(x, n, o.growthRate, 4, o.dropout);
    channels += n * o.growthRate;
    if (i < 2) {
      channels = Math.floor(channels / 2);
      x = transition(x, channels);
    }
  }
  return model({ inputs: inp, outputs: head(x, o.numClasses), name: o.name || `densenet_bc_${o.depth}_cifar` });
}
