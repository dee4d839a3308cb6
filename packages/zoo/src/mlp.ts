import { layers, sequential, type ActivationName, type Layer, type Sequential } from '@soma/layers';
import { modelOptions, positiveInt } from './options.js';

/** Options of `mlp`: input size, hidden layer sizes, outputs, activations, dropout and batch normalization. */
export interface MlpOptions {
  /** Features per sample. */
  inputDim: number;
  /** Units of each hidden layer, in order (any depth and width). */
  hiddenUnits: number[];
  /** Units of the output layer. */
  outputUnits: number;
  activation: ActivationName;
  /** 'linear' for logits or regression, 'softmax', 'sigmoid'. */
  outputActivation: ActivationName;
  dropout: number;
  batchNorm: boolean;
  name: string;
}

/** A multilayer perceptron: dense layers of hiddenUnits (with optional batch norm and dropout), then the output layer. */
export function mlp(options?: Partial<MlpOptions>): Sequential {
  const o = modelOptions<MlpOptions>('mlp', options, { inputDim: 2, hiddenUnits: [64, 64], outputUnits: 1, activation: 'relu', outputActivation: 'linear', dropout: 0, batchNorm: false, name: 'mlp' });
  positiveInt('mlp', 'inputDim', o.inputDim);
  o.hiddenUnits.forEach((u, i) => positiveInt('mlp', `hiddenUnits[${i}]`, u));
  const stack: Layer[] = [];
  o.hiddenUnits.forEach((units, i) => {
    stack.push(layers.dense({ units, ...(i === 0 ? { inputShape: [o.inputDim] } : {}), activation: o.batchNorm ? 'linear' : o.activation }));
    if (o.batchNorm) stack.push(layers.batchNormalization(), layers.activation({ activation: o.activation }));
    if (o.dropout > 0) stack.push(layers.dropout({ rate: o.dropout }));
  });
  stack.push(layers.dense({ units: positiveInt('mlp', 'outputUnits', o.outputUnits), activation: o.outputActivation, ...(o.hiddenUnits.length ? {} : { inputShape: [o.inputDim] }) }));
  return sequential({ layers: stack, name: o.name });
}
