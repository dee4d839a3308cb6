// Factories in Keras's style: layers.dense({ units: 10 }) makes a Dense layer.
import { declareLayerOptions } from '../engine/layer.js';
import { Activation, Dense, Dropout, Embedding, Flatten, LeakyReLU, Masking, Permute, PReLU, RepeatVector, Reshape, RReLU } from './core.js';
import { Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D } from './convolutional.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import { BatchNormalization, LayerNormalization } from './normalization.js';
import { Bidirectional, GRU, LSTM, SimpleRNN, TimeDistributed } from './recurrent.js';
import {
  AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D, UpSampling2D, ZeroPadding2D,
} from './pooling.js';

// Every options object is checked, by `new Dense(...)` as by `layers.dense(...)`: a Keras name typed
// in snake_case or misspelled is an error naming the layer, the key and the valid keys.
declareLayerOptions(Dense, 'dense', ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint']);
declareLayerOptions(Activation, 'activation', ['activation']);
declareLayerOptions(LeakyReLU, 'leakyRelu', ['alpha']);
declareLayerOptions(PReLU, 'prelu', ['alphaInitializer', 'sharedAxes']);
declareLayerOptions(RReLU, 'rrelu', ['lower', 'upper', 'seed']);
declareLayerOptions(Dropout, 'dropout', ['rate', 'seed']);
declareLayerOptions(Flatten, 'flatten', []);
declareLayerOptions(Reshape, 'reshape', ['targetShape']);
declareLayerOptions(Permute, 'permute', ['dims']);
declareLayerOptions(RepeatVector, 'repeatVector', ['n']);
declareLayerOptions(Embedding, 'embedding', ['inputDim', 'outputDim', 'embeddingsInitializer', 'embeddingsRegularizer', 'maskZero', 'inputLength']);
declareLayerOptions(Masking, 'masking', ['maskValue']);
declareLayerOptions(GlobalAveragePooling1D, 'globalAvgPool1d', ['dataFormat']);
declareLayerOptions(Conv1D, 'conv1d', ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'groups', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint'], { dataFormat: true });
declareLayerOptions(Conv2D, 'conv2d', ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'groups', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint'], { dataFormat: true });
declareLayerOptions(DepthwiseConv2D, 'depthwiseConv2d', ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'groups', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'depthMultiplier'], { dataFormat: true });
declareLayerOptions(Conv2DTranspose, 'conv2dTranspose', ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'groups', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'outputPadding'], { dataFormat: true });
declareLayerOptions(MaxPooling1D, 'maxPool1d', ['poolSize', 'strides', 'padding'], { dataFormat: true });
declareLayerOptions(AveragePooling1D, 'avgPool1d', ['poolSize', 'strides', 'padding'], { dataFormat: true });
declareLayerOptions(MaxPooling2D, 'maxPool2d', ['poolSize', 'strides', 'padding'], { dataFormat: true });
declareLayerOptions(AveragePooling2D, 'avgPool2d', ['poolSize', 'strides', 'padding'], { dataFormat: true });
declareLayerOptions(GlobalAveragePooling2D, 'globalAvgPool2d', ['keepDims'], { dataFormat: true });
declareLayerOptions(GlobalMaxPooling2D, 'globalMaxPool2d', ['keepDims'], { dataFormat: true });
declareLayerOptions(ZeroPadding2D, 'zeroPadding2d', ['padding'], { dataFormat: true });
declareLayerOptions(UpSampling2D, 'upSampling2d', ['size'], { dataFormat: true });
declareLayerOptions(BatchNormalization, 'batchNormalization', ['axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer', 'betaRegularizer', 'gammaRegularizer'], { dataFormat: true });
declareLayerOptions(LayerNormalization, 'layerNormalization', ['axis', 'epsilon', 'center', 'scale']);
declareLayerOptions(Add, 'add', []);
declareLayerOptions(Subtract, 'subtract', []);
declareLayerOptions(Multiply, 'multiply', []);
declareLayerOptions(Average, 'average', []);
declareLayerOptions(Maximum, 'maximum', []);
declareLayerOptions(Minimum, 'minimum', []);
declareLayerOptions(Concatenate, 'concatenate', ['axis']);
declareLayerOptions(SimpleRNN, 'simpleRnn', ['units', 'activation', 'useBias', 'returnSequences', 'returnState', 'goBackwards', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint']);
declareLayerOptions(LSTM, 'lstm', ['units', 'activation', 'useBias', 'returnSequences', 'returnState', 'goBackwards', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'recurrentActivation', 'unitForgetBias', 'peephole']);
declareLayerOptions(GRU, 'gru', ['units', 'activation', 'useBias', 'returnSequences', 'returnState', 'goBackwards', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint', 'recurrentActivation', 'resetAfter']);
declareLayerOptions(Bidirectional, 'bidirectional', ['layer', 'mergeMode']);
declareLayerOptions(TimeDistributed, 'timeDistributed', ['layer']);

type Args<C extends abstract new (...a: never[]) => unknown> = ConstructorParameters<C>[0];

export const dense = (a: Args<typeof Dense>) => new Dense(a);
export const activation = (a: Args<typeof Activation>) => new Activation(a);
export const leakyRelu = (a?: Args<typeof LeakyReLU>) => new LeakyReLU(a);
export const prelu = (a?: Args<typeof PReLU>) => new PReLU(a);
export const rrelu = (a?: Args<typeof RReLU>) => new RReLU(a);
export const dropout = (a: Args<typeof Dropout>) => new Dropout(a);
export const flatten = (a?: Args<typeof Flatten>) => new Flatten(a);
export const reshape = (a: Args<typeof Reshape>) => new Reshape(a);
export const permute = (a: Args<typeof Permute>) => new Permute(a);
export const repeatVector = (a: Args<typeof RepeatVector>) => new RepeatVector(a);
export const embedding = (a: Args<typeof Embedding>) => new Embedding(a);
export const masking = (a?: Args<typeof Masking>) => new Masking(a);
export const globalAvgPool1d = (a?: Args<typeof GlobalAveragePooling1D>) => new GlobalAveragePooling1D(a);
export const conv1d = (a: Args<typeof Conv1D>) => new Conv1D(a);
export const conv2d = (a: Args<typeof Conv2D>) => new Conv2D(a);
export const depthwiseConv2d = (a: Args<typeof DepthwiseConv2D>) => new DepthwiseConv2D(a);
export const conv2dTranspose = (a: Args<typeof Conv2DTranspose>) => new Conv2DTranspose(a);
export const maxPool1d = (a?: Args<typeof MaxPooling1D>) => new MaxPooling1D(a);
export const avgPool1d = (a?: Args<typeof AveragePooling1D>) => new AveragePooling1D(a);
export const maxPool2d = (a?: Args<typeof MaxPooling2D>) => new MaxPooling2D(a);
export const avgPool2d = (a?: Args<typeof AveragePooling2D>) => new AveragePooling2D(a);
export const globalAvgPool2d = (a?: Args<typeof GlobalAveragePooling2D>) => new GlobalAveragePooling2D(a);
export const globalMaxPool2d = (a?: Args<typeof GlobalMaxPooling2D>) => new GlobalMaxPooling2D(a);
export const zeroPadding2d = (a?: Args<typeof ZeroPadding2D>) => new ZeroPadding2D(a);
/** The names TF.js users type, as aliases. */
export const globalAveragePooling1d = globalAvgPool1d;
export const maxPooling1d = maxPool1d, averagePooling1d = avgPool1d, maxPooling2d = maxPool2d, averagePooling2d = avgPool2d;
export const globalAveragePooling2d = globalAvgPool2d, globalMaxPooling2d = globalMaxPool2d;
export const upSampling2d = (a?: Args<typeof UpSampling2D>) => new UpSampling2D(a);
export const batchNormalization = (a?: Args<typeof BatchNormalization>) => new BatchNormalization(a);
export const layerNormalization = (a?: Args<typeof LayerNormalization>) => new LayerNormalization(a);
export const add = (a?: Args<typeof Add>) => new Add(a);
export const subtract = (a?: Args<typeof Subtract>) => new Subtract(a);
export const multiply = (a?: Args<typeof Multiply>) => new Multiply(a);
export const average = (a?: Args<typeof Average>) => new Average(a);
export const maximum = (a?: Args<typeof Maximum>) => new Maximum(a);
export const minimum = (a?: Args<typeof Minimum>) => new Minimum(a);
export const concatenate = (a?: Args<typeof Concatenate>) => new Concatenate(a);
export const simpleRnn = (a: Args<typeof SimpleRNN>) => new SimpleRNN(a);
export const lstm = (a: Args<typeof LSTM>) => new LSTM(a);
export const gru = (a: Args<typeof GRU>) => new GRU(a);
export const bidirectional = (a: Args<typeof Bidirectional>) => new Bidirectional(a);
export const timeDistributed = (a: Args<typeof TimeDistributed>) => new TimeDistributed(a);

export {
  Activation, Dense, Dropout, Embedding, Flatten, LeakyReLU, Masking, Permute, PReLU, RepeatVector, Reshape, RReLU,
  Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract,
  BatchNormalization, LayerNormalization, AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  MaxPooling1D, MaxPooling2D, UpSampling2D, ZeroPadding2D, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed,
};
