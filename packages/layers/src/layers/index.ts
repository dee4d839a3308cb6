// Factories in Keras's style: layers.dense({ units: 10 }) makes a Dense layer.
import { declareLayerOptions } from '../model/layer.js';
import { Activation, Dense, Dropout, Embedding, Flatten, LeakyReLU, Masking, Permute, PReLU, RepeatVector, Reshape, RReLU } from './core.js';
import { GaussianDropout, GaussianNoise } from './noise.js';
import { Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D } from './convolutional.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import { BatchNormalization, LayerNormalization } from './normalization.js';
import { Bidirectional, GRU, LSTM, RNN, SimpleRNN, TimeDistributed } from './recurrent.js';
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
declareLayerOptions(GaussianNoise, 'gaussianNoise', ['stddev', 'seed']);
declareLayerOptions(GaussianDropout, 'gaussianDropout', ['rate', 'seed']);
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

/**
 * A fully connected layer: `activation(x · kernel + bias)` over the last axis (Keras Dense, PyTorch Linear).
 *
 * @example
 * ```ts
 * const y = layers.dense({ units: 3, activation: 'relu' }).apply(soma.ones([2, 4]));
 * console.log(y.shape);                            // [2, 3]
 * ```
 */
export const dense = (a: Args<typeof Dense>) => new Dense(a);
/**
 * Applies an activation by name ('relu', 'gelu', 'softmax', …) elementwise.
 *
 * @example
 * ```ts
 * layers.activation({ activation: 'sigmoid' }).apply(soma.tensor([[0]])).print(); // [[0.5]]
 * ```
 */
export const activation = (a: Args<typeof Activation>) => new Activation(a);
/**
 * Leaky ReLU: x where x > 0, else alpha·x (alpha 0.3 by default, as Keras).
 *
 * @example
 * ```ts
 * layers.leakyRelu({ alpha: 0.1 }).apply(soma.tensor([[-1, 2]])).print(); // [[-0.1, 2]]
 * ```
 */
export const leakyRelu = (a?: Args<typeof LeakyReLU>) => new LeakyReLU(a);
/**
 * Parametric ReLU with a learned slope per feature (Keras PReLU, PyTorch PReLU).
 *
 * @example
 * ```ts
 * const layer = layers.prelu({ alphaInitializer: 'zeros' });
 * layer.apply(soma.tensor([[-1, 2]])).print();     // [[0, 2]] until alpha is trained
 * ```
 */
export const prelu = (a?: Args<typeof PReLU>) => new PReLU(a);
/**
 * Randomized leaky ReLU (PyTorch RReLU): a random slope in [lower, upper] while training, their mean at inference.
 *
 * @example
 * ```ts
 * console.log(layers.rrelu({ lower: 0.1, upper: 0.3 }).apply(soma.tensor([[-1, 2]])).shape); // [1, 2]
 * ```
 */
export const rrelu = (a?: Args<typeof RReLU>) => new RReLU(a);
/**
 * Dropout: while training, zeroes each input with probability `rate` and scales the rest by 1/(1−rate); the identity at inference.
 *
 * @example
 * ```ts
 * const net = sequential([layers.dense({ units: 8, inputShape: [4] }), layers.dropout({ rate: 0.5 }), layers.dense({ units: 1 })]);
 * net.predict(soma.ones([2, 4])).print();          // dropout is off in predict
 * ```
 */
export const dropout = (a: Args<typeof Dropout>) => new Dropout(a);
/**
 * GaussianNoise: while training, adds zero-mean normal noise of standard deviation `stddev`; the
 * identity at inference (the corruption step of a denoising autoencoder).
 *
 * @example
 * ```ts
 * const dae = sequential([layers.gaussianNoise({ inputShape: [784], stddev: 0.3 }), layers.dense({ units: 32, activation: 'relu' }), layers.dense({ units: 784, activation: 'sigmoid' })]);
 * ```
 */
export const gaussianNoise = (a: Args<typeof GaussianNoise>) => new GaussianNoise(a);
/**
 * GaussianDropout: while training, multiplies by normal noise of mean 1 and variance
 * rate / (1 − rate); the identity at inference.
 *
 * @example
 * ```ts
 * const net = sequential([layers.dense({ units: 8, inputShape: [4] }), layers.gaussianDropout({ rate: 0.2 }), layers.dense({ units: 1 })]);
 * ```
 */
export const gaussianDropout = (a: Args<typeof GaussianDropout>) => new GaussianDropout(a);
/**
 * Flattens every dimension but the batch: [N, a, b, …] → [N, a·b·…].
 *
 * @example
 * ```ts
 * console.log(layers.flatten().apply(soma.ones([2, 3, 4])).shape); // [2, 12]
 * ```
 */
export const flatten = (a?: Args<typeof Flatten>) => new Flatten(a);
/**
 * Reshapes each sample to `targetShape` (the batch dimension is kept; one entry may be -1).
 *
 * @example
 * ```ts
 * console.log(layers.reshape({ targetShape: [3, -1] }).apply(soma.ones([2, 12])).shape); // [2, 3, 4]
 * ```
 */
export const reshape = (a: Args<typeof Reshape>) => new Reshape(a);
/**
 * Permutes the dimensions of each sample; `dims` counts from 1 (the batch dimension stays first), as Keras.
 *
 * @example
 * ```ts
 * console.log(layers.permute({ dims: [2, 1] }).apply(soma.ones([2, 3, 4])).shape); // [2, 4, 3]
 * ```
 */
export const permute = (a: Args<typeof Permute>) => new Permute(a);
/**
 * Repeats a [N, features] input `n` times: [N, n, features].
 *
 * @example
 * ```ts
 * console.log(layers.repeatVector({ n: 5 }).apply(soma.ones([2, 3])).shape); // [2, 5, 3]
 * ```
 */
export const repeatVector = (a: Args<typeof RepeatVector>) => new RepeatVector(a);
/**
 * Looks up a trainable vector for each integer id: [N, T] ids → [N, T, outputDim].
 *
 * @example
 * ```ts
 * const ids = soma.tensor([[1, 2, 0]], undefined, 'int32');
 * console.log(layers.embedding({ inputDim: 10, outputDim: 4 }).apply(ids).shape); // [1, 3, 4]
 * ```
 */
export const embedding = (a: Args<typeof Embedding>) => new Embedding(a);
/**
 * Marks timesteps whose features all equal `maskValue` as padding, so recurrent layers downstream skip them.
 *
 * @example
 * ```ts
 * const net = sequential([layers.masking({ maskValue: 0, inputShape: [5, 2] }), layers.lstm({ units: 3 })]);
 * console.log(net.predict(soma.zeros([1, 5, 2])).shape); // [1, 3]
 * ```
 */
export const masking = (a?: Args<typeof Masking>) => new Masking(a);
/**
 * Mean over the time axis: [N, C, L] → [N, C] (channelsFirst) or [N, L, C] → [N, C] (channelsLast).
 *
 * @example
 * ```ts
 * console.log(layers.globalAvgPool1d().apply(soma.ones([2, 3, 8])).shape); // [2, 3]
 * ```
 */
export const globalAvgPool1d = (a?: Args<typeof GlobalAveragePooling1D>) => new GlobalAveragePooling1D(a);
/**
 * 1-D convolution over [N, C, L] (or [N, L, C] with `dataFormat: 'channelsLast'`).
 *
 * @example
 * ```ts
 * const y = layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(soma.ones([2, 1, 16]));
 * console.log(y.shape);                            // [2, 4, 16]
 * ```
 */
export const conv1d = (a: Args<typeof Conv1D>) => new Conv1D(a);
/**
 * 2-D convolution over NCHW images (or NHWC with `dataFormat: 'channelsLast'`), with optional bias and activation.
 *
 * @example
 * ```ts
 * const conv = layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' });
 * console.log(conv.apply(soma.ones([1, 3, 32, 32])).shape); // [1, 8, 16, 16]
 * ```
 */
export const conv2d = (a: Args<typeof Conv2D>) => new Conv2D(a);
/**
 * Depthwise 2-D convolution: each input channel convolved with its own `depthMultiplier` filters.
 *
 * @example
 * ```ts
 * const y = layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }).apply(soma.ones([1, 4, 8, 8]));
 * console.log(y.shape);                            // [1, 8, 6, 6]
 * ```
 */
export const depthwiseConv2d = (a: Args<typeof DepthwiseConv2D>) => new DepthwiseConv2D(a);
/**
 * Transposed 2-D convolution (a learned upsampling), as Keras Conv2DTranspose.
 *
 * @example
 * ```ts
 * const y = layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2 }).apply(soma.ones([1, 4, 5, 5]));
 * console.log(y.shape);                            // [1, 2, 10, 10]
 * ```
 */
export const conv2dTranspose = (a: Args<typeof Conv2DTranspose>) => new Conv2DTranspose(a);
/**
 * Max pooling over the time axis of [N, C, L] inputs (`poolSize` 2 by default).
 *
 * @example
 * ```ts
 * console.log(layers.maxPool1d({ poolSize: 2 }).apply(soma.ones([1, 3, 8])).shape); // [1, 3, 4]
 * ```
 */
export const maxPool1d = (a?: Args<typeof MaxPooling1D>) => new MaxPooling1D(a);
/**
 * Average pooling over the time axis of [N, C, L] inputs.
 *
 * @example
 * ```ts
 * console.log(layers.avgPool1d({ poolSize: 4 }).apply(soma.ones([1, 3, 8])).shape); // [1, 3, 2]
 * ```
 */
export const avgPool1d = (a?: Args<typeof AveragePooling1D>) => new AveragePooling1D(a);
/**
 * Max pooling over NCHW images (`poolSize` [2, 2] by default; strides default to the pool size).
 *
 * @example
 * ```ts
 * console.log(layers.maxPool2d({ poolSize: 2 }).apply(soma.ones([1, 3, 8, 8])).shape); // [1, 3, 4, 4]
 * ```
 */
export const maxPool2d = (a?: Args<typeof MaxPooling2D>) => new MaxPooling2D(a);
/**
 * Average pooling over NCHW images.
 *
 * @example
 * ```ts
 * console.log(layers.avgPool2d({ poolSize: [2, 2] }).apply(soma.ones([1, 3, 8, 8])).shape); // [1, 3, 4, 4]
 * ```
 */
export const avgPool2d = (a?: Args<typeof AveragePooling2D>) => new AveragePooling2D(a);
/**
 * Mean over height and width: [N, C, H, W] → [N, C] (`keepDims` keeps [N, C, 1, 1]).
 *
 * @example
 * ```ts
 * console.log(layers.globalAvgPool2d().apply(soma.ones([2, 16, 7, 7])).shape); // [2, 16]
 * ```
 */
export const globalAvgPool2d = (a?: Args<typeof GlobalAveragePooling2D>) => new GlobalAveragePooling2D(a);
/**
 * Max over height and width: [N, C, H, W] → [N, C].
 *
 * @example
 * ```ts
 * console.log(layers.globalMaxPool2d().apply(soma.ones([2, 16, 7, 7])).shape); // [2, 16]
 * ```
 */
export const globalMaxPool2d = (a?: Args<typeof GlobalMaxPooling2D>) => new GlobalMaxPooling2D(a);
/**
 * Pads images with zero rows and columns (`padding`: one number, [rows, cols], or [[top, bottom], [left, right]]).
 *
 * @example
 * ```ts
 * console.log(layers.zeroPadding2d({ padding: 1 }).apply(soma.ones([1, 3, 4, 4])).shape); // [1, 3, 6, 6]
 * ```
 */
export const zeroPadding2d = (a?: Args<typeof ZeroPadding2D>) => new ZeroPadding2D(a);
/** The names TF.js users type, as aliases. */
/** Keras's name for {@link globalAvgPool1d}. */
export const globalAveragePooling1d = globalAvgPool1d;
/** Keras's name for {@link maxPool1d}. */
export const maxPooling1d = maxPool1d;
/** Keras's name for {@link avgPool1d}. */
export const averagePooling1d = avgPool1d;
/** Keras's name for {@link maxPool2d}. */
export const maxPooling2d = maxPool2d;
/** Keras's name for {@link avgPool2d}. */
export const averagePooling2d = avgPool2d;
/** Keras's name for {@link globalAvgPool2d}. */
export const globalAveragePooling2d = globalAvgPool2d;
/** Keras's name for {@link globalMaxPool2d}. */
export const globalMaxPooling2d = globalMaxPool2d;
/**
 * Repeats rows and columns `size` times (nearest-neighbour upsampling).
 *
 * @example
 * ```ts
 * console.log(layers.upSampling2d({ size: [2, 2] }).apply(soma.ones([1, 3, 4, 4])).shape); // [1, 3, 8, 8]
 * ```
 */
export const upSampling2d = (a?: Args<typeof UpSampling2D>) => new UpSampling2D(a);
/**
 * Batch normalization over the channel axis: batch statistics while training, moving averages at inference.
 *
 * @example
 * ```ts
 * const net = sequential([layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [1, 8, 8] }), layers.batchNormalization(), layers.activation({ activation: 'relu' })]);
 * console.log(net.predict(soma.ones([2, 1, 8, 8])).shape); // [2, 4, 6, 6]
 * ```
 */
export const batchNormalization = (a?: Args<typeof BatchNormalization>) => new BatchNormalization(a);
/**
 * Layer normalization over the last axis (or `axis`) of each sample, with learned scale and shift.
 *
 * @example
 * ```ts
 * console.log(layers.layerNormalization().apply(soma.randomNormal([2, 5], { seed: 1 })).shape); // [2, 5]
 * ```
 */
export const layerNormalization = (a?: Args<typeof LayerNormalization>) => new LayerNormalization(a);
/**
 * Adds its inputs elementwise (a merge layer: apply it to a list).
 *
 * @example
 * ```ts
 * layers.add().apply([soma.tensor([[1, 2]]), soma.tensor([[10, 20]])]).print(); // [[11, 22]]
 * ```
 */
export const add = (a?: Args<typeof Add>) => new Add(a);
/**
 * Subtracts its second input from its first.
 *
 * @example
 * ```ts
 * layers.subtract().apply([soma.tensor([[5, 5]]), soma.tensor([[1, 2]])]).print(); // [[4, 3]]
 * ```
 */
export const subtract = (a?: Args<typeof Subtract>) => new Subtract(a);
/**
 * Multiplies its inputs elementwise.
 *
 * @example
 * ```ts
 * layers.multiply().apply([soma.tensor([[2, 3]]), soma.tensor([[4, 5]])]).print(); // [[8, 15]]
 * ```
 */
export const multiply = (a?: Args<typeof Multiply>) => new Multiply(a);
/**
 * The elementwise mean of its inputs.
 *
 * @example
 * ```ts
 * layers.average().apply([soma.tensor([[2, 4]]), soma.tensor([[4, 8]])]).print(); // [[3, 6]]
 * ```
 */
export const average = (a?: Args<typeof Average>) => new Average(a);
/**
 * The elementwise maximum of its inputs.
 *
 * @example
 * ```ts
 * layers.maximum().apply([soma.tensor([[1, 5]]), soma.tensor([[3, 2]])]).print(); // [[3, 5]]
 * ```
 */
export const maximum = (a?: Args<typeof Maximum>) => new Maximum(a);
/**
 * The elementwise minimum of its inputs.
 *
 * @example
 * ```ts
 * layers.minimum().apply([soma.tensor([[1, 5]]), soma.tensor([[3, 2]])]).print(); // [[1, 2]]
 * ```
 */
export const minimum = (a?: Args<typeof Minimum>) => new Minimum(a);
/**
 * Concatenates its inputs along `axis` (default -1).
 *
 * @example
 * ```ts
 * const a = input({ shape: [3] });
 * const b = input({ shape: [2] });
 * const joined = layers.concatenate().apply([a, b]);
 * console.log(joined.shape);                       // [null, 5]
 * ```
 */
export const concatenate = (a?: Args<typeof Concatenate>) => new Concatenate(a);
/**
 * A fully connected recurrent layer (Elman RNN) over [N, T, features] sequences.
 *
 * @example
 * ```ts
 * const net = sequential([layers.simpleRnn({ units: 4, returnSequences: true, inputShape: [5, 3] })]);
 * console.log(net.predict(soma.ones([2, 5, 3])).shape); // [2, 5, 4]
 * ```
 */
export const simpleRnn = (a: Args<typeof SimpleRNN>) => new SimpleRNN(a);
/**
 * Long short-term memory over [N, T, features] sequences (Keras LSTM; gate order i, f, c, o).
 *
 * @example
 * ```ts
 * const net = sequential([layers.lstm({ units: 8, inputShape: [10, 3] }), layers.dense({ units: 1 })]);
 * console.log(net.predict(soma.ones([4, 10, 3])).shape); // [4, 1]
 * ```
 */
export const lstm = (a: Args<typeof LSTM>) => new LSTM(a);
/**
 * Gated recurrent unit over [N, T, features] sequences (`resetAfter` true by default, as Keras and cuDNN).
 *
 * @example
 * ```ts
 * // apply may also return the states (returnState), so its type is a union: predict is one tensor
 * const net = sequential([layers.gru({ units: 6, inputShape: [5, 3] })]);
 * console.log(net.predict(soma.ones([2, 5, 3])).shape); // [2, 6]
 * ```
 */
export const gru = (a: Args<typeof GRU>) => new GRU(a);
/**
 * Runs a recurrent layer forwards and backwards and merges the two ('concat' by default).
 *
 * @example
 * ```ts
 * const rnn = layers.bidirectional({ layer: layers.lstm({ units: 4 }) });
 * console.log(rnn.apply(soma.ones([2, 5, 3])).shape); // [2, 8]
 * ```
 */
export const bidirectional = (a: Args<typeof Bidirectional>) => new Bidirectional(a);
/**
 * Applies a layer to every timestep of [N, T, …] inputs.
 *
 * @example
 * ```ts
 * const td = layers.timeDistributed({ layer: layers.dense({ units: 2 }) });
 * console.log(td.apply(soma.ones([2, 5, 3])).shape); // [2, 5, 2]
 * ```
 */
export const timeDistributed = (a: Args<typeof TimeDistributed>) => new TimeDistributed(a);

export {
  Activation, Dense, Dropout, GaussianDropout, GaussianNoise, Embedding, Flatten, LeakyReLU, Masking, Permute, PReLU, RepeatVector, Reshape, RReLU,
  Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract,
  BatchNormalization, LayerNormalization, AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  MaxPooling1D, MaxPooling2D, UpSampling2D, ZeroPadding2D, RNN, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed,
};
export type { DenseArgs } from './core.js';
export type { GaussianNoiseArgs, GaussianDropoutArgs } from './noise.js';
export type { ConvArgs, Pair } from './convolutional.js';
export type { Pool1DArgs, Pool2DArgs, DataFormat1d } from './pooling.js';
export type { BatchNormalizationArgs } from './normalization.js';
export type { RnnArgs, RnnCallArgs, LstmArgs, GruArgs, MergeMode } from './recurrent.js';
