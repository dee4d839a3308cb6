export { Layer } from './engine/layer';
export type { LayerArgs, CallArgs, LayerConfig, LayerInput, LayerWeight } from './engine/layer';
export { SymbolicTensor } from './engine/symbolic';
export type { LayerShape } from './engine/shapes';
export { input, InputLayer } from './engine/input_layer';
export { LayersModel, model } from './engine/model';
export type { CompileArgs, OptimizerName } from './engine/model';
export { Sequential, sequential } from './engine/sequential';
export type { FitArgs, EvaluateArgs, DataBatch, BatchSource } from './engine/training';
export type { YieldEvery } from './engine/yield';
export { Callback, History } from './engine/callbacks';
export type { Logs, CallbackHooks } from './engine/callbacks';
export { ProgressBar } from './engine/progress';
export * as layers from './layers';
export * as losses from './losses';
export type { LossFn, LossName } from './losses';
export * as metrics from './metrics';
export type { Metric, MetricName } from './metrics';
export * as initializers from './initializers';
export type { Initializer, InitializerName } from './initializers';
export * as regularizers from './regularizers';
export type { Regularizer } from './regularizers';
export * as constraints from './constraints';
export type { Constraint } from './constraints';
export { activationNames } from './activations';
export type { ActivationName } from './activations';
export { loadModel, modelToArtifacts, modelFromArtifacts, registerLayerClass } from './io/model_io';
export type { ModelArtifacts, ModelJson } from './io/model_io';
export { encodeSafetensors, decodeSafetensors } from './io/safetensors';
export type { NamedArray } from './io/safetensors';
export {
  EarlyStopping, ModelCheckpoint, LearningRateScheduler, ReduceLROnPlateau, CSVLogger,
  earlyStopping, modelCheckpoint, learningRateScheduler, reduceLROnPlateau, csvLogger,
} from './engine/standard_callbacks';
export type { EarlyStoppingArgs, ReduceLROnPlateauArgs } from './engine/standard_callbacks';
