export type { DataId, KernelTensor, BackendStorage } from './tensor_info.js';
export type { Conv2dAttrs, Pool2dAttrs } from './attrs.js';
export type {
  Backend, KernelSet, KernelSignatures, KernelName, KernelInputs, KernelAttrs, KernelFn,
  UnaryOp, BinaryOp, ArithmeticOp, CompareOp, ReduceOp, ArgReduceOp, FusedUpdateAttrs, FusedAdamAttrs, FusedSgdAttrs, ElementwiseChain, FusedActivation,
} from './kernel_set.js';
