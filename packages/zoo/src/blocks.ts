import { layers, type SymbolicTensor } from '@soma/layers';

type Sym = SymbolicTensor;

/** Batch normalization with PyTorch's defaults (momentum 0.1 in torch's sense, ε 1e-5), as torchvision's models use. */
export const torchBatchNorm = () => layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });

/** conv (no bias) → batch norm → optional relu: the unit torchvision's ResNets and DenseNets are made of. */
export function convBn(x: Sym, filters: number, kernelSize: number, strides = 1, relu = true): Sym {
  let y = layers.conv2d({ filters, kernelSize, strides, padding: Math.floor(kernelSize / 2), useBias: false }).apply(x);
  y = torchBatchNorm().apply(y);
  return relu ? layers.activation({ activation: 'relu' }).apply(y) : y;
}

/**
 * torchvision's stem: 7×7/2 convolution, batch norm, relu, 3×3/2 max pooling with padding 1. The
 * pooling's padding is zeros: after relu every value is ≥ 0, so it equals torch's −∞ padding.
 */
export function imagenetStem(x: Sym, filters = 64): Sym {
  const y = convBn(x, filters, 7, 2);
  return layers.maxPool2d({ poolSize: 3, strides: 2 }).apply(layers.zeroPadding2d({ padding: 1 }).apply(y));
}

export const relu = (x: Sym): Sym => layers.activation({ activation: 'relu' }).apply(x);
