export type { DataId, KernelTensor, BackendStorage } from './tensor_info.js';
export type { Conv2dAttrs, Pool2dAttrs } from './attrs.js';
export type {
  Backend, KernelSet, KernelSignatures, KernelName, KernelInputs, KernelAttrs, KernelFn,
  OptionalKernelSet, OptionalKernelSignatures, OptionalKernelName, OptionalKernelFn, RequiredKernelName,
  UnaryOp, BinaryOp, ArithmeticOp, CompareOp, ReduceOp, ArgReduceOp, FusedUpdateAttrs, FusedAdamAttrs, FusedSgdAttrs, ElementwiseChain, FusedActivation, RecurrentCell, RecurrentActivation, RecurrentAttrs, AllSignatures,
} from './kernel_set.js';
export { KERNELS, kernelEntry, outputMeta, isOptionalKernel, REQUIRED_KERNELS, COMPARISON_OPS, BOOLEAN_REDUCTIONS, registerDefaultBody } from './registry.js';
export type { KernelEntry, KernelTag, TensorMeta, AttrSpec, DefaultBody, KernelRegistry } from './registry.js';
