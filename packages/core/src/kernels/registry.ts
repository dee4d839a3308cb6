import type { DType } from '../dtype.js';
import { fail } from '../errors.js';
import { outLength } from '../ops/conv_util.js';
import { broadcastShapes, reducedShape, type Shape } from '../shape.js';
import type { Conv2dAttrs, Pool2dAttrs } from './attrs.js';
import type { BinaryOp, CompareOp, KernelAttrs, KernelName, OptionalKernelName, ReduceOp, RequiredKernelName } from './kernel_set.js';

/**
 * The kernel registry: one entry per kernel, as data — its inputs, its ONNX-named attributes,
 * tags, and a meta function that gives the output's shape and dtype. Backends, graph fusion and
 * the ONNX emitter read the rules here instead of restating them; `KernelSet` (the compile-time
 * contract) and this table name the same kernels, which the `satisfies` below checks.
 */

export type KernelTag =
  | 'elementwise' | 'comparison' | 'reduction' | 'linalg' | 'convolution' | 'pooling'
  | 'gradient' | 'shape' | 'indexing' | 'fused';

/** A tensor's shape and dtype, what a kernel's `meta` rule computes without running it. */
export interface TensorMeta {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** An attribute's type and default in the registry. */
export interface AttrSpec {
  readonly type: 'int' | 'ints' | 'float' | 'bool' | 'string' | 'dtype' | 'shape' | 'chain';
  /** ONNX's default where the operator has one (documentation: kernels always receive every attribute). */
  readonly default?: unknown;
}

/**
 * One kernel in the registry: name, inputs, ONNX-named attributes, tags, whether optional, and its
 * output rule.
 */
export interface KernelEntry<K extends KernelName = KernelName> {
  readonly name: K;
  /** Input names in order; a trailing '?' marks an optional input, a leading '...' a list. */
  readonly inputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  readonly tags: readonly KernelTag[];
  /** The ONNX operator the kernel follows, where one does. */
  readonly onnx?: string;
  /** Optional kernels have a default body in core (see `defaultBody`); backends may add a faster one. */
  readonly optional: boolean;
  /** The output's shape and dtype. Inputs are given as the kernel receives them (absent optional ones omitted). */
  meta(inputs: readonly TensorMeta[], attrs: KernelAttrs<K>): TensorMeta;
}

/** Comparison and logic ops: their result is bool. */
export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set<CompareOp>(['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual', 'logicalAnd', 'logicalOr']);
/** Reductions whose result is bool. */
export const BOOLEAN_REDUCTIONS: ReadonlySet<ReduceOp> = new Set<ReduceOp>(['any', 'all']);

const same = (i: readonly TensorMeta[]): TensorMeta => i[0];
const f32 = (shape: Shape): TensorMeta => ({ shape, dtype: 'float32' });
const CONV_ATTRS = { strides: { type: 'ints', default: [1, 1] }, pads: { type: 'ints', default: [0, 0, 0, 0] }, dilations: { type: 'ints', default: [1, 1] }, group: { type: 'int', default: 1 } } as const;
const POOL_ATTRS = {
  kernel_shape: { type: 'ints' }, strides: { type: 'ints', default: [1, 1] }, pads: { type: 'ints', default: [0, 0, 0, 0] },
  dilations: { type: 'ints', default: [1, 1] }, ceil_mode: { type: 'bool', default: false }, count_include_pad: { type: 'bool', default: false },
} as const;

function convShape(x: Shape, w: Shape, a: Conv2dAttrs): Shape {
  return [x[0], w[0], ...[0, 1].map((k) => outLength(x[2 + k], a.pads[k], a.pads[k + 2], w[2 + k], a.strides[k], a.dilations[k]))];
}

function poolShape(x: Shape, a: Pool2dAttrs): Shape {
  return [x[0], x[1], ...[0, 1].map((k) => outLength(x[2 + k], a.pads[k], a.pads[k + 2], a.kernel_shape[k], a.strides[k], a.dilations[k], a.ceil_mode))];
}

function matmulShape(a: Shape, b: Shape, transA: boolean, transB: boolean): Shape {
  return [Math.max(a[0], b[0]), transA ? a[2] : a[1], transB ? b[1] : b[2]];
}

/** Every kernel's entry, by name. */
export type KernelRegistry = { readonly [K in KernelName]: KernelEntry<K> };

/**
 * The kernel registry as data: each kernel's inputs, ONNX-named attributes, tags, whether it is
 * optional, and the `meta` rule giving its output's shape and dtype. Backends, fusion and the ONNX
 * emitter read it instead of restating the rules.
 */
export const KERNELS: KernelRegistry = {
  unary: { name: 'unary', inputs: ['x'], attrs: { op: { type: 'string' } }, tags: ['elementwise'], optional: false, meta: same },
  binary: {
    name: 'binary', inputs: ['a', 'b'], attrs: { op: { type: 'string' } }, tags: ['elementwise'], optional: false,
    meta: (i, a) => ({ shape: broadcastShapes('binary', i[0].shape, i[1].shape), dtype: COMPARISON_OPS.has(a.op) ? 'bool' : i[0].dtype }),
  },
  where: {
    name: 'where', inputs: ['cond', 'a', 'b'], attrs: {}, tags: ['elementwise'], onnx: 'Where', optional: false,
    meta: (i) => ({ shape: broadcastShapes('where', i[0].shape, i[1].shape, i[2].shape), dtype: i[1].dtype }),
  },
  clip: { name: 'clip', inputs: ['x'], attrs: { min: { type: 'float' }, max: { type: 'float' } }, tags: ['elementwise'], onnx: 'Clip', optional: false, meta: same },
  cast: { name: 'cast', inputs: ['x'], attrs: { to: { type: 'dtype' } }, tags: ['elementwise'], onnx: 'Cast', optional: false, meta: (i, a) => ({ shape: i[0].shape, dtype: a.to }) },
  leakyRelu: { name: 'leakyRelu', inputs: ['x'], attrs: { alpha: { type: 'float', default: 0.01 } }, tags: ['elementwise'], onnx: 'LeakyRelu', optional: false, meta: same },

  reduce: {
    name: 'reduce', inputs: ['x'], attrs: { op: { type: 'string' }, axes: { type: 'ints' } }, tags: ['reduction'], optional: false,
    meta: (i, a) => ({ shape: reducedShape(i[0].shape, a.axes, false), dtype: BOOLEAN_REDUCTIONS.has(a.op) ? 'bool' : i[0].dtype }),
  },
  argReduce: {
    name: 'argReduce', inputs: ['x'], attrs: { op: { type: 'string' }, axis: { type: 'int', default: 0 } }, tags: ['reduction', 'indexing'], optional: false,
    meta: (i, a) => ({ shape: i[0].shape.filter((_, k) => k !== a.axis), dtype: 'int32' }),
  },

  matmul: {
    name: 'matmul', inputs: ['a', 'b'], attrs: { transA: { type: 'bool', default: false }, transB: { type: 'bool', default: false } }, tags: ['linalg'], onnx: 'Gemm', optional: false,
    meta: (i, a) => f32(matmulShape(i[0].shape, i[1].shape, a.transA, a.transB)),
  },
  conv2d: { name: 'conv2d', inputs: ['x', 'w', 'bias?'], attrs: CONV_ATTRS, tags: ['convolution'], onnx: 'Conv', optional: false, meta: (i, a) => f32(convShape(i[0].shape, i[1].shape, a)) },
  maxPool2d: { name: 'maxPool2d', inputs: ['x'], attrs: POOL_ATTRS, tags: ['pooling'], onnx: 'MaxPool', optional: false, meta: (i, a) => f32(poolShape(i[0].shape, a)) },
  avgPool2d: { name: 'avgPool2d', inputs: ['x'], attrs: POOL_ATTRS, tags: ['pooling'], onnx: 'AveragePool', optional: false, meta: (i, a) => f32(poolShape(i[0].shape, a)) },

  conv2dBackpropInput: {
    name: 'conv2dBackpropInput', inputs: ['dy', 'w'], attrs: { ...CONV_ATTRS, inputShape: { type: 'shape' } }, tags: ['convolution', 'gradient'], onnx: 'ConvTranspose', optional: false,
    meta: (_, a) => f32(a.inputShape),
  },
  conv2dBackpropFilter: {
    name: 'conv2dBackpropFilter', inputs: ['x', 'dy'], attrs: { ...CONV_ATTRS, filterShape: { type: 'shape' } }, tags: ['convolution', 'gradient'], optional: false,
    meta: (_, a) => f32(a.filterShape),
  },
  maxPool2dGrad: { name: 'maxPool2dGrad', inputs: ['dy', 'x'], attrs: POOL_ATTRS, tags: ['pooling', 'gradient'], optional: false, meta: (i) => f32(i[1].shape) },
  avgPool2dGrad: {
    name: 'avgPool2dGrad', inputs: ['dy'], attrs: { ...POOL_ATTRS, inputShape: { type: 'shape' } }, tags: ['pooling', 'gradient'], optional: false,
    meta: (_, a) => f32(a.inputShape),
  },

  transpose: {
    name: 'transpose', inputs: ['x'], attrs: { perm: { type: 'ints' } }, tags: ['shape'], onnx: 'Transpose', optional: false,
    meta: (i, a) => ({ shape: a.perm.map((p) => i[0].shape[p]), dtype: i[0].dtype }),
  },
  stridedSlice: {
    name: 'stridedSlice', inputs: ['x'], attrs: { begin: { type: 'ints' }, steps: { type: 'ints' }, outShape: { type: 'shape' } }, tags: ['shape'], onnx: 'Slice', optional: false,
    meta: (i, a) => ({ shape: a.outShape, dtype: i[0].dtype }),
  },
  pad: {
    name: 'pad', inputs: ['x'], attrs: { pads: { type: 'ints' }, value: { type: 'float', default: 0 } }, tags: ['shape'], onnx: 'Pad', optional: false,
    meta: (i, a) => ({ shape: i[0].shape.map((d, k) => d + a.pads[k] + a.pads[k + i[0].shape.length]), dtype: i[0].dtype }),
  },
  concat: {
    name: 'concat', inputs: ['...inputs'], attrs: { axis: { type: 'int' } }, tags: ['shape'], onnx: 'Concat', optional: false,
    meta: (i, a) => ({ shape: i[0].shape.map((d, k) => (k === a.axis ? i.reduce((n, t) => n + t.shape[k], 0) : d)), dtype: i[0].dtype }),
  },
  gather: {
    name: 'gather', inputs: ['x', 'indices'], attrs: { axis: { type: 'int', default: 0 } }, tags: ['indexing'], onnx: 'Gather', optional: false,
    meta: (i, a) => ({ shape: [...i[0].shape.slice(0, a.axis), ...i[1].shape, ...i[0].shape.slice(a.axis + 1)], dtype: i[0].dtype }),
  },
  scatterAdd: { name: 'scatterAdd', inputs: ['x', 'indices', 'updates'], attrs: { axis: { type: 'int', default: 0 } }, tags: ['indexing', 'gradient'], optional: false, meta: same },
  tile: {
    name: 'tile', inputs: ['x'], attrs: { repeats: { type: 'ints' } }, tags: ['shape'], onnx: 'Tile', optional: false,
    meta: (i, a) => ({ shape: i[0].shape.map((d, k) => d * a.repeats[k]), dtype: i[0].dtype }),
  },
  topK: {
    name: 'topK', inputs: ['x'], attrs: { k: { type: 'int' }, largest: { type: 'bool', default: true } }, tags: ['indexing'], onnx: 'TopK', optional: false,
    meta: (i, a) => ({ shape: [...i[0].shape.slice(0, -1), a.k], dtype: 'int32' }),
  },

  softmax: { name: 'softmax', inputs: ['x'], attrs: { axis: { type: 'int', default: -1 }, log: { type: 'bool', default: false } }, tags: ['fused', 'reduction'], onnx: 'Softmax', optional: true, meta: same },
  conv2dActivated: {
    name: 'conv2dActivated', inputs: ['x', 'w', 'bias?'], attrs: { ...CONV_ATTRS, activation: { type: 'string', default: 'linear' } }, tags: ['fused', 'convolution'], optional: true,
    meta: (i, a) => f32(convShape(i[0].shape, i[1].shape, a)),
  },
  matmulActivated: {
    name: 'matmulActivated', inputs: ['a', 'b', 'bias?'], attrs: { transA: { type: 'bool', default: false }, transB: { type: 'bool', default: false }, activation: { type: 'string', default: 'linear' } },
    tags: ['fused', 'linalg'], optional: true, meta: (i, a) => f32(matmulShape(i[0].shape, i[1].shape, a.transA, a.transB)),
  },
  channelMoments: {
    name: 'channelMoments', inputs: ['x'], attrs: { axis: { type: 'int' } }, tags: ['fused', 'reduction'], optional: true,
    meta: (i, a) => f32([2, i[0].shape[a.axis]]),
  },
  channelAffine: {
    name: 'channelAffine', inputs: ['x', 'scale', 'shift', 'x2?', 'scale2?'], attrs: { axis: { type: 'int' } }, tags: ['fused'], optional: true,
    meta: (i) => f32(i[0].shape),
  },
  batchNormInference: {
    name: 'batchNormInference', inputs: ['x', 'mean', 'variance', 'scale?', 'shift?'], attrs: { axis: { type: 'int' }, epsilon: { type: 'float' } }, tags: ['fused'], onnx: 'BatchNormalization', optional: true,
    meta: (i) => f32(i[0].shape),
  },
  recurrentSequence: {
    name: 'recurrentSequence', inputs: ['x', 'kernel', 'recurrentKernel', 'bias', 'h0', 'c0?', 'peephole?', 'mask?'],
    attrs: {
      cell: { type: 'string' }, activation: { type: 'string', default: 'tanh' }, recurrentActivation: { type: 'string', default: 'sigmoid' },
      goBackwards: { type: 'bool', default: false }, resetAfter: { type: 'bool', default: true }, masked: { type: 'bool', default: false },
      cellState: { type: 'bool', default: false },
    },
    tags: ['fused', 'linalg'], optional: true,
    meta: (i, a) => f32([i[0].shape[0], i[0].shape[1] + (a.cellState ? 1 : 0), i[2].shape[0]]),
  },
  channelSums: {
    name: 'channelSums', inputs: ['a', 'b', 'center?'], attrs: { axis: { type: 'int' } }, tags: ['fused', 'reduction'], optional: true,
    meta: (i, a) => f32([2, i[0].shape[a.axis]]),
  },
  fusedElementwise: { name: 'fusedElementwise', inputs: ['...inputs'], attrs: { shape: { type: 'shape' }, steps: { type: 'chain' } }, tags: ['fused', 'elementwise'], optional: true, meta: (_, a) => f32(a.shape) },
};

/** The registry entry of `kernel`, or a clear error for a name that is not a kernel. */
export function kernelEntry<K extends KernelName>(kernel: K): KernelEntry<K> {
  const entry = Object.hasOwn(KERNELS, kernel) ? (KERNELS as KernelRegistry)[kernel] : undefined;
  if (!entry) fail('runKernel', `'${String(kernel)}' is not a kernel (kernels: ${Object.keys(KERNELS).join(', ')})`);
  return entry as KernelEntry<K>;
}

/** The output's shape and dtype of one kernel call, by the registry's rule. */
export function outputMeta<K extends KernelName>(kernel: K, inputs: readonly (TensorMeta | undefined)[], attrs: KernelAttrs<K>): TensorMeta {
  return kernelEntry(kernel).meta(inputs.filter((t): t is TensorMeta => t !== undefined), attrs);
}

/** Whether `kernel` is optional: backends may offer it, and core has a default body for it. */
export function isOptionalKernel(kernel: KernelName): kernel is OptionalKernelName {
  return kernelEntry(kernel).optional;
}

/** The names of every required kernel: what a backend must implement. */
export const REQUIRED_KERNELS = (Object.keys(KERNELS) as KernelName[]).filter((k): k is RequiredKernelName => !KERNELS[k].optional);

/**
 * A default body of an optional kernel, composed from other kernels or ops: `inputs` are tensors
 * on the active backend. Registered by the op module that uses the kernel (softmax by the softmax
 * op, the fused ones by `soma.fused`, fusedElementwise by the graph executor).
 */
export type DefaultBody<K extends OptionalKernelName> = (inputs: readonly import('../tensor.js').Tensor[], attrs: KernelAttrs<K>) => import('../tensor.js').Tensor;

const defaults = new Map<OptionalKernelName, DefaultBody<OptionalKernelName>>();

/** Sets the default body an optional kernel runs on backends that do not offer it. */
export function registerDefaultBody<K extends OptionalKernelName>(kernel: K, body: DefaultBody<K>): void {
  defaults.set(kernel, body as unknown as DefaultBody<OptionalKernelName>);
}

/** The default body of an optional kernel. */
export function defaultBody<K extends OptionalKernelName>(kernel: K): DefaultBody<K> {
  const body = defaults.get(kernel);
  if (!body) fail('runKernel', `optional kernel '${kernel}' has no default body registered (import its op module)`);
  return body as unknown as DefaultBody<K>;
}
