import * as ops from './ops/index.js';
import { installTensorOps } from './tensor.js';

installTensorOps(ops);

export * from './ops/index.js';
export { RECURRENT_ACTIVATIONS } from './ops/recurrent.js';
export { Tensor, isTensor } from './tensor.js';
export type { NestedArray, TensorLike, Axis } from './tensor.js';
export { Variable, variable } from './variable.js';
export type { DType, TypedArray, DataTypeMap } from './dtype.js';
export { DTYPES, upcastType, bytesPerElement, makeTypedArray } from './dtype.js';
export { SomaError } from './errors.js';
export type { Shape } from './shape.js';
export { broadcastShapes, sizeOf, stridesOf, normalizeAxis, normalizeAxes, broadcastStrides, reducedShape, checkElementCount, MAX_TENSOR_ELEMENTS } from './shape.js';
export { tidy, dispose, keep, memory } from './memory.js';
export type { MemoryInfo, BackendMemory, BackendFactory } from './engine/engine.js';
export { registerBackend, setBackend, backend, getBackend, getBackendName, listBackends, removeBackend } from './backends.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, customGrad } from './autodiff/gradients.js';
export type { CustomGradResult, SaveFn } from './autodiff/gradients.js';
export * from './kernels/index.js';
export { formatTensor } from './format.js';
export { Prng, setRandomSeed, nextRandomSeed } from './random/prng.js';
export { importNodeModule } from './node_module.js';
export { closestName, unknownNameMessage, lookupName, checkNumber, checkOptionalNumber, checkBatchSize, checkOptions, isReservedKey } from './validate.js';
export type { NumberRule } from './validate.js';
export { profile, formatProfile } from './profile.js';
export type { ProfileInfo, KernelProfile } from './profile.js';
export type { KernelCall, KernelObserver, TensorInputs, HostCompute, DispatchedKernel, AsTensors } from './engine/engine.js';
export { delegateKernel, delegatedKernels } from './engine/delegation.js';
export type { DelegationCounts } from './engine/delegation.js';
export { Graph, parseDim } from './graph/graph.js';
export type { Dim, ValueInfo, GraphNode, SymbolicAttr, DerivedInput } from './graph/graph.js';
export { trace } from './graph/trace.js';
export type { TraceOptions, TraceableFunction } from './graph/trace.js';
export { runGraph } from './graph/run.js';
export { hostInput } from './graph/host_input.js';
export { compile } from './graph/compile.js';
export type { CompiledFunction } from './graph/compile.js';
export { compiled, compileStats } from './graph/compiled.js';
export type { Compiled, CompiledOptions, CompileStats } from './graph/compiled.js';
export {
  TFJS_NAMES, train, layers, losses, metrics, initializers, regularizers, constraints, callbacks, data, io, engine, sequential, model, input, loadLayersModel, clipByValue, range,
} from './tfjs_names.js';
