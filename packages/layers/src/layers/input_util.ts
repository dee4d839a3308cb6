import type { Tensor } from '@soma/core';
import type { LayerInput } from '../model/layer.js';
import type { LayerShape } from '../model/shapes.js';

/** The single input tensor of a one-input layer; a list is an error naming the layer. */
export function oneInput(x: LayerInput, name: string): Tensor {
  if (Array.isArray(x)) throw new Error(`${name}: expects one input tensor, got ${x.length}`);
  return x;
}

/** The shape of a one-input layer's input (build and computeOutputShape receive shapes or lists of them). */
export function singleShape(s: LayerShape | LayerShape[]): LayerShape {
  return Array.isArray(s[0]) ? (s as LayerShape[])[0] : (s as LayerShape);
}
