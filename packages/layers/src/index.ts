export { Layer } from './engine/layer.js';
export type { LayerArgs, CallArgs, LayerConfig, LayerInput, LayerWeight, LayerMask, ChannelsArgs, DataFormat, LayerOutputs, SymbolicInput, SymbolicOutput, TensorOutput } from './engine/layer.js';
export { SymbolicTensor } from './engine/symbolic.js';
export type { LayerShape } from './engine/shapes.js';
export { input, InputLayer } from './engine/input_layer.js';
export { LayersModel, model } from './engine/model.js';
export type { CompileArgs, OptimizerName } from './engine/model.js';
export type { PerOutput } from './engine/compile_args.js';
export type { GraphNode } from './engine/graph.js';
export { Sequential, sequential } from './engine/sequential.js';
export type { FitArgs, EvaluateArgs, DataBatch, BatchSource } from './engine/training.js';
export type { YieldEvery } from './engine/yield.js';
export { Callback, History } from './engine/callbacks.js';
export type { Logs, CallbackHooks, HookName } from './engine/callbacks.js';
export { ProgressBar } from './engine/progress.js';
export type { ProgressSink } from './engine/progress.js';
export * as layers from './layers/index.js';
export * as losses from './losses.js';
export type { LossFn, LossName } from './losses.js';
export * as metrics from './metrics.js';
export type { Metric, MetricName } from './metrics.js';
export * as initializers from './initializers.js';
export type { Initializer, InitializerName } from './initializers.js';
export * as regularizers from './regularizers.js';
export type { Regularizer } from './regularizers.js';
export * as constraints from './constraints.js';
export type { Constraint } from './constraints.js';
export { activationNames } from './activations.js';
export type { ActivationName } from './activations.js';
export { loadModel, loadLayersModel, modelToArtifacts, modelToArtifactsAsync, modelFromArtifacts, registerLayerClass } from './io/model_io.js';
export type { ModelArtifacts, ModelJson, LayerClass } from './io/model_io.js';
export { encodeSafetensors, decodeSafetensors } from './io/safetensors.js';
export type { NamedArray, NamedArrays } from './io/safetensors.js';
export {
  EarlyStopping, ModelCheckpoint, LearningRateScheduler, ReduceLROnPlateau, CSVLogger,
  earlyStopping, modelCheckpoint, learningRateScheduler, reduceLROnPlateau, csvLogger,
} from './engine/standard_callbacks.js';
export type { EarlyStoppingArgs, ReduceLROnPlateauArgs, MonitorMode } from './engine/standard_callbacks.js';
