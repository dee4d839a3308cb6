import * as ops from './ops';
import { installTensorOps } from './tensor';

installTensorOps(ops);

export * from './ops';
export { Tensor, isTensor } from './tensor';
export type { NestedArray, TensorLike } from './tensor';
export { Variable, variable } from './variable';
export type { DType, TypedArray, DataTypeMap } from './dtype';
export { DTYPES, upcastType, bytesPerElement, makeTypedArray } from './dtype';
export { SomaError } from './errors';
export type { Shape } from './shape';
export { broadcastShapes, sizeOf, stridesOf, normalizeAxis, normalizeAxes, broadcastStrides, reducedShape } from './shape';
export { tidy, dispose, keep, memory } from './memory';
export type { MemoryInfo, BackendMemory, BackendFactory } from './engine/engine';
export { registerBackend, setBackend, getBackend, getBackendName, listBackends, removeBackend } from './backends';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, customGrad } from './autodiff/gradients';
export type { CustomGradResult, SaveFn } from './autodiff/gradients';
export * from './kernels';
export { formatTensor } from './format';
export { Prng, setRandomSeed, nextRandomSeed } from './random/prng';
export { importNodeModule } from './node_module';
export { closestName, unknownNameMessage, lookupName, checkNumber, checkOptionalNumber, checkBatchSize, isReservedKey } from './validate';
export type { NumberRule } from './validate';
export { profile, formatProfile } from './profile';
export type { ProfileInfo, KernelProfile } from './profile';
export type { KernelCall, KernelObserver, TensorInputs } from './engine/engine';
