// @soma/zoo: the classic networks as functions returning @soma/layers models.
export { lenet5 } from './lenet.js';
export type { LeNet5Options } from './lenet.js';
export { vgg, vgg11, vgg13, vgg16, vgg19 } from './vgg.js';
export type { VggOptions, VggDepth } from './vgg.js';
export { resnet, resnet18, resnet34, resnet50, resnet101, resnet152, cifarResnet, PaddedShortcut } from './resnet.js';
export type { ResNetOptions, ResNetDepth, CifarResNetOptions } from './resnet.js';
export { densenet, densenet121, densenet169, densenet201, cifarDensenet } from './densenet.js';
export type { DenseNetOptions, DenseNetDepth, CifarDenseNetOptions } from './densenet.js';
export { lstmClassifier, lstmRegressor, lstmLanguageModel, CHAR_LSTM_ARCHITECTURE } from './recurrent.js';
export { GETTYSBURG_ADDRESS } from './texts/gettysburg.js';
export type { LstmClassifierOptions, LstmRegressorOptions, LanguageModelOptions, LanguageModel, GenerateOptions, RecurrentCell } from './recurrent.js';
export { mlp } from './mlp.js';
export type { MlpOptions } from './mlp.js';
export { denseAutoencoder, convAutoencoder } from './autoencoder.js';
export type { Autoencoder, DenseAutoencoderOptions, ConvAutoencoderOptions } from './autoencoder.js';
export { gan } from './gan.js';
export type { GanOptions } from './gan.js';
