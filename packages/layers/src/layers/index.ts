// Factories in Keras's style: layers.dense({ units: 10 }) makes a Dense layer.
import { checkOptions } from '@soma/core';
import { Activation, Dense, Dropout, Embedding, Flatten, LeakyReLU, Permute, PReLU, RepeatVector, Reshape, RReLU } from './core.js';
import { Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D } from './convolutional.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import { BatchNormalization, LayerNormalization } from './normalization.js';
import { Bidirectional, GRU, LSTM, SimpleRNN, TimeDistributed } from './recurrent.js';
import {
  AveragePooling1D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D, UpSampling2D, ZeroPadding2D,
} from './pooling.js';

type Args<C extends abstract new (...a: never[]) => unknown> = ConstructorParameters<C>[0];

/** Options every layer takes (LayerArgs). */
const COMMON = ['name', 'trainable', 'inputShape', 'batchSize', 'dtype', 'activityRegularizer'];

/** Every options object is checked: a Keras name typed in snake_case or misspelled is an error naming the layer, the key and the valid keys. */
function checked<A>(layer: string, args: A, own: readonly string[]): A {
  checkOptions(layer, args, [...COMMON, ...own]);
  return args;
}

export const dense = (a: Args<typeof Dense>) => new Dense(checked('dense', a, ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint']));
export const activation = (a: Args<typeof Activation>) => new Activation(checked('activation', a, ['activation']));
export const leakyRelu = (a?: Args<typeof LeakyReLU>) => new LeakyReLU(checked('leakyRelu', a, ['alpha']));
export const prelu = (a?: Args<typeof PReLU>) => new PReLU(checked('prelu', a, ['alphaInitializer', 'sharedAxes']));
export const rrelu = (a?: Args<typeof RReLU>) => new RReLU(checked('rrelu', a, ['lower', 'upper', 'seed']));
export const dropout = (a: Args<typeof Dropout>) => new Dropout(checked('dropout', a, ['rate', 'seed']));
export const flatten = (a?: Args<typeof Flatten>) => new Flatten(checked('flatten', a, []));
export const reshape = (a: Args<typeof Reshape>) => new Reshape(checked('reshape', a, ['targetShape']));
export const permute = (a: Args<typeof Permute>) => new Permute(checked('permute', a, ['dims']));
export const repeatVector = (a: Args<typeof RepeatVector>) => new RepeatVector(checked('repeatVector', a, ['n']));
export const embedding = (a: Args<typeof Embedding>) => new Embedding(checked('embedding', a, ['inputDim', 'outputDim', 'embeddingsInitializer', 'embeddingsRegularizer']));
export const conv1d = (a: Args<typeof Conv1D>) => new Conv1D(checked('conv1d', a, ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'groups', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint']));
export const conv2d = (a: Args<typeof Conv2D>) => new Conv2D(checked('conv2d', a, ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'groups', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint']));
export const depthwiseConv2d = (a: Args<typeof DepthwiseConv2D>) => new DepthwiseConv2D(checked('depthwiseConv2d', a, ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'groups', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'depthMultiplier']));
export const conv2dTranspose = (a: Args<typeof Conv2DTranspose>) => new Conv2DTranspose(checked('conv2dTranspose', a, ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'groups', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'outputPadding']));
export const maxPool1d = (a?: Args<typeof MaxPooling1D>) => new MaxPooling1D(checked('maxPool1d', a, ['poolSize', 'strides', 'padding']));
export const avgPool1d = (a?: Args<typeof AveragePooling1D>) => new AveragePooling1D(checked('avgPool1d', a, ['poolSize', 'strides', 'padding']));
export const maxPool2d = (a?: Args<typeof MaxPooling2D>) => new MaxPooling2D(checked('maxPool2d', a, ['poolSize', 'strides', 'padding']));
export const avgPool2d = (a?: Args<typeof AveragePooling2D>) => new AveragePooling2D(checked('avgPool2d', a, ['poolSize', 'strides', 'padding']));
export const globalAvgPool2d = (a?: Args<typeof GlobalAveragePooling2D>) => new GlobalAveragePooling2D(checked('globalAvgPool2d', a, ['keepDims']));
export const globalMaxPool2d = (a?: Args<typeof GlobalMaxPooling2D>) => new GlobalMaxPooling2D(checked('globalMaxPool2d', a, ['keepDims']));
export const zeroPadding2d = (a?: Args<typeof ZeroPadding2D>) => new ZeroPadding2D(checked('zeroPadding2d', a, ['padding']));
/** The names TF.js users type, as aliases. */
export const maxPooling1d = maxPool1d, averagePooling1d = avgPool1d, maxPooling2d = maxPool2d, averagePooling2d = avgPool2d;
export const globalAveragePooling2d = globalAvgPool2d, globalMaxPooling2d = globalMaxPool2d;
export const upSampling2d = (a?: Args<typeof UpSampling2D>) => new UpSampling2D(checked('upSampling2d', a, ['size']));
export const batchNormalization = (a?: Args<typeof BatchNormalization>) => new BatchNormalization(checked('batchNormalization', a, ['axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer', 'betaRegularizer', 'gammaRegularizer']));
export const layerNormalization = (a?: Args<typeof LayerNormalization>) => new LayerNormalization(checked('layerNormalization', a, ['axis', 'epsilon', 'center', 'scale']));
export const add = (a?: Args<typeof Add>) => new Add(checked('add', a, []));
export const subtract = (a?: Args<typeof Subtract>) => new Subtract(checked('subtract', a, []));
export const multiply = (a?: Args<typeof Multiply>) => new Multiply(checked('multiply', a, []));
export const average = (a?: Args<typeof Average>) => new Average(checked('average', a, []));
export const maximum = (a?: Args<typeof Maximum>) => new Maximum(checked('maximum', a, []));
export const minimum = (a?: Args<typeof Minimum>) => new Minimum(checked('minimum', a, []));
export const concatenate = (a?: Args<typeof Concatenate>) => new Concatenate(checked('concatenate', a, ['axis']));
export const simpleRnn = (a: Args<typeof SimpleRNN>) => new SimpleRNN(checked('simpleRnn', a, ['units', 'activation', 'useBias', 'returnSequences', 'returnState', 'goBackwards', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint']));
export const lstm = (a: Args<typeof LSTM>) => new LSTM(checked('lstm', a, ['units', 'activation', 'useBias', 'returnSequences', 'returnState', 'goBackwards', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'recurrentActivation', 'unitForgetBias', 'peephole']));
export const gru = (a: Args<typeof GRU>) => new GRU(checked('gru', a, ['units', 'activation', 'useBias', 'returnSequences', 'returnState', 'goBackwards', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'recurrentActivation', 'resetAfter']));
export const bidirectional = (a: Args<typeof Bidirectional>) => new Bidirectional(checked('bidirectional', a, ['layer', 'mergeMode']));
export const timeDistributed = (a: Args<typeof TimeDistributed>) => new TimeDistributed(checked('timeDistributed', a, ['layer']));

export {
  Activation, Dense, Dropout, Embedding, Flatten, LeakyReLU, Permute, PReLU, RepeatVector, Reshape, RReLU,
  Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract,
  BatchNormalization, LayerNormalization, AveragePooling1D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  MaxPooling1D, MaxPooling2D, UpSampling2D, ZeroPadding2D, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed,
};
