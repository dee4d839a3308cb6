export { Layer } from './model/layer.js';
export type { LayerArgs, CallArgs, LayerConfig, LayerInput, LayerWeight, LayerMask, ChannelsArgs, DataFormat, LayerOutputs, SymbolicInput, SymbolicOutput, TensorOutput } from './model/layer.js';
export { SymbolicTensor } from './model/symbolic.js';
export type { LayerShape } from './model/shapes.js';
export { input, InputLayer } from './model/input_layer.js';
export { LayersModel, model } from './model/model.js';
export type { CompileArgs, OptimizerName } from './model/model.js';
export type { PerOutput } from './model/compile_args.js';
export type { GraphNode } from './model/layer_graph.js';
export { Sequential, sequential } from './model/sequential.js';
export type { FitArgs, EvaluateArgs, PredictArgs, DataBatch, BatchSource } from './model/training.js';
export type { YieldEvery } from './model/yield.js';
export { Callback, History } from './model/callbacks.js';
export type { Logs, PredictLogs, CallbackHooks, CallbackArg, HookName, PredictHookName } from './model/callbacks.js';
export { ProgressBar } from './model/progress.js';
export type { ProgressSink } from './model/progress.js';
export * as layers from './layers/index.js';
export * as losses from './losses.js';
export type { LossConfig, LossFn, LossName } from './losses.js';
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
export type { LoadModelOptions } from './io/parameter_limit.js';
export { loadModel, loadLayersModel, modelToArtifacts, modelToArtifactsAsync, modelFromArtifacts, registerLayerClass } from './io/model_io.js';
export type { ModelArtifacts, ModelJson, LayerClass } from './io/model_io.js';
export { encodeSafetensors, decodeSafetensors } from './io/safetensors.js';
export type { NamedArray, NamedArrays } from './io/safetensors.js';
export {
  EarlyStopping, ModelCheckpoint, LearningRateScheduler, ReduceLROnPlateau, CSVLogger,
  earlyStopping, modelCheckpoint, learningRateScheduler, reduceLROnPlateau, csvLogger,
} from './model/standard_callbacks.js';
export type { EarlyStoppingArgs, ReduceLROnPlateauArgs, MonitorMode } from './model/standard_callbacks.js';
