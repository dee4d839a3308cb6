import type { DType } from '../dtype.js';
import type { Graph } from '../graph/graph.js';
import type { Shape } from '../shape.js';
import type { Conv2dAttrs, Pool2dAttrs } from './attrs.js';
import type { BackendStorage, KernelTensor } from './tensor_info.js';


/**
 * Elementwise functions of one tensor. The output has the input's shape and dtype (ops cast first:
 * transcendental functions only ever see float32). `logicalNot` takes and returns bool.
 */
export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'expm1' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'square' | 'reciprocal'
  | 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan' | 'sinh' | 'cosh' | 'tanh' | 'erf'
  | 'floor' | 'ceil' | 'round'
  | 'sigmoid' | 'relu' | 'relu6' | 'elu' | 'selu' | 'gelu' | 'softplus' | 'step'
  | 'logicalNot';

/** Ops whose result is the operands' dtype. */
export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'mod' | 'floorDiv' | 'atan2';
/** Ops whose result is bool. `logicalAnd`/`logicalOr` take bool operands. */
export type CompareOp = 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual' | 'logicalAnd' | 'logicalOr';
/** The elementwise binary operations of the `binary` kernel. */
export type BinaryOp = ArithmeticOp | CompareOp;

/** The reductions of the `reduce` kernel. */
export type ReduceOp = 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'any' | 'all';
/** The index reductions of the `argReduce` kernel. */
export type ArgReduceOp = 'argMax' | 'argMin';

/**
 * The kernel vocabulary, as one table: each kernel's tensor inputs and its attributes (ONNX's names
 * where ONNX has the operator). Every kernel returns one tensor. A kernel call is data — a name, a
 * list of inputs and an attribute object — so one dispatch point can run, profile, trace and
 * delegate any of them; and since `KernelSet` is derived from this table, a backend that forgets a
 * kernel does not compile.
 */
export interface KernelSignatures {
  // ---- elementwise
  unary: { inputs: readonly [x: KernelTensor]; attrs: { readonly op: UnaryOp } };
  /**
   * Both operands share a dtype; their shapes broadcast (NumPy rules). Division of int32 is never
   * asked for: the op layer computes true division in float32.
   */
  binary: { inputs: readonly [a: KernelTensor, b: KernelTensor]; attrs: { readonly op: BinaryOp } };
  /** ONNX Where: picks `a` where `cond` (bool) is true, else `b`; the three shapes broadcast. */
  where: { inputs: readonly [cond: KernelTensor, a: KernelTensor, b: KernelTensor]; attrs: Record<string, never> };
  /** ONNX Clip: clamps to [min, max]; ops pass -Infinity/Infinity for an open side. */
  clip: { inputs: readonly [x: KernelTensor]; attrs: { readonly min: number; readonly max: number } };
  /** ONNX Cast: float32 → int32 truncates toward zero; anything → bool is `!= 0`. */
  cast: { inputs: readonly [x: KernelTensor]; attrs: { readonly to: DType } };
  /** ONNX LeakyRelu: x > 0 ? x : alpha * x. */
  leakyRelu: { inputs: readonly [x: KernelTensor]; attrs: { readonly alpha: number } };

  // ---- reductions
  /** Reduces over `axes` (sorted, unique, non-empty); the result drops them. Empty reductions give the op's identity (mean: NaN). */
  reduce: { inputs: readonly [x: KernelTensor]; attrs: { readonly op: ReduceOp; readonly axes: readonly number[] } };
  /** Index (int32) of the first extreme value along `axis`; the result drops the axis. */
  argReduce: { inputs: readonly [x: KernelTensor]; attrs: { readonly op: ArgReduceOp; readonly axis: number } };

  // ---- linear algebra, convolution, pooling
  /**
   * Batched matrix product of rank-3 float32 operands (ONNX Gemm's transA/transB): a is [Ba, M, K]
   * (or [Ba, K, M] with transA), b is [Bb, K, N] (or [Bb, N, K]); Ba and Bb are equal or one is 1.
   */
  matmul: { inputs: readonly [a: KernelTensor, b: KernelTensor]; attrs: { readonly transA: boolean; readonly transB: boolean } };
  /** ONNX Conv, NCHW: x [N, C, H, W], w [M, C/group, kH, kW], optional bias [M]. */
  conv2d: { inputs: readonly [x: KernelTensor, w: KernelTensor, bias?: KernelTensor]; attrs: Conv2dAttrs };
  /** ONNX MaxPool on NCHW. */
  maxPool2d: { inputs: readonly [x: KernelTensor]; attrs: Pool2dAttrs };
  /** ONNX AveragePool on NCHW. */
  avgPool2d: { inputs: readonly [x: KernelTensor]; attrs: Pool2dAttrs };

  // ---- backward kernels: they exist for speed, and each is a recorded op with its own gradient
  /** Gradient of conv2d with respect to its input (also ONNX ConvTranspose without bias). */
  conv2dBackpropInput: { inputs: readonly [dy: KernelTensor, w: KernelTensor]; attrs: Conv2dAttrs & { readonly inputShape: Shape } };
  /** Gradient of conv2d with respect to its filter. */
  conv2dBackpropFilter: { inputs: readonly [x: KernelTensor, dy: KernelTensor]; attrs: Conv2dAttrs & { readonly filterShape: Shape } };
  /** Routes each output gradient to the (first) input element that was the window's maximum. */
  maxPool2dGrad: { inputs: readonly [dy: KernelTensor, x: KernelTensor]; attrs: Pool2dAttrs };
  /** Spreads each output gradient evenly over its window (with the forward divisor). */
  avgPool2dGrad: { inputs: readonly [dy: KernelTensor]; attrs: Pool2dAttrs & { readonly inputShape: Shape } };

  // ---- shapes and indexing
  /** ONNX Transpose. */
  transpose: { inputs: readonly [x: KernelTensor]; attrs: { readonly perm: readonly number[] } };
  /** out[i0, i1, ...] = x[begin0 + i0*step0, begin1 + i1*step1, ...]; steps may be negative. */
  stridedSlice: { inputs: readonly [x: KernelTensor]; attrs: { readonly begin: readonly number[]; readonly steps: readonly number[]; readonly outShape: Shape } };
  /** ONNX Pad (constant mode); pads = [begin..., end...], all non-negative. */
  pad: { inputs: readonly [x: KernelTensor]; attrs: { readonly pads: readonly number[]; readonly value: number } };
  /** ONNX Concat: inputs share dtype and all dimensions but `axis`. */
  concat: { inputs: readonly KernelTensor[]; attrs: { readonly axis: number } };
  /** ONNX Gather: out shape = x.shape[:axis] + indices.shape + x.shape[axis+1:]; indices already in range. */
  gather: { inputs: readonly [x: KernelTensor, indices: KernelTensor]; attrs: { readonly axis: number } };
  /** Inverse of gather: a copy of x with updates added at the gathered positions (repeats accumulate). */
  scatterAdd: { inputs: readonly [x: KernelTensor, indices: KernelTensor, updates: KernelTensor]; attrs: { readonly axis: number } };
  /** ONNX Tile. */
  tile: { inputs: readonly [x: KernelTensor]; attrs: { readonly repeats: readonly number[] } };
  /**
   * ONNX TopK's indices (int32) along the last axis: the k largest (or smallest) values' positions,
   * in order, equal values by lower index first. Values follow by a gather, so they differentiate.
   */
  topK: { inputs: readonly [x: KernelTensor]; attrs: { readonly k: number; readonly largest: boolean } };
}

/**
 * Kernels a backend may offer for speed (fused work). Each has a default body in core composed
 * from the required kernels, so `runKernel` runs the backend's version where there is one and the
 * default elsewhere — through the same dispatch point, so profiles, traces and delegation see
 * them like any kernel.
 */
export interface OptionalKernelSignatures {
  /** Softmax (or log-softmax with `log`) along `axis` of a float32 tensor, one pass per row. */
  softmax: { inputs: readonly [x: KernelTensor]; attrs: { readonly axis: number; readonly log: boolean } };
  /** conv2d (+ bias) followed by an activation. */
  conv2dActivated: { inputs: readonly [x: KernelTensor, w: KernelTensor, bias?: KernelTensor]; attrs: Conv2dAttrs & { readonly activation: FusedActivation } };
  /** matmul of [1, m, k]·[1, k, n] (b transposed with transB) + bias [n], then an activation. */
  matmulActivated: { inputs: readonly [a: KernelTensor, b: KernelTensor, bias?: KernelTensor]; attrs: { readonly transA: boolean; readonly transB: boolean; readonly activation: FusedActivation } };
  /**
   * Batch statistics over every axis but the channel `axis` of a float32 x: [2, C], the mean and the
   * biased variance (training-mode batch normalization's forward statistics).
   */
  channelMoments: { inputs: readonly [x: KernelTensor]; attrs: { readonly axis: number } };
  /** Inference-form batch normalization with moving statistics: (x − mean[c]) / √(variance[c] + ε) · scale[c] + shift[c]. */
  batchNormInference: { inputs: readonly [x: KernelTensor, mean: KernelTensor, variance: KernelTensor, scale?: KernelTensor, shift?: KernelTensor]; attrs: { readonly axis: number; readonly epsilon: number } };
  /**
   * A recurrent layer over a whole float32 sequence x [batch, time, features] (ONNX's RNN, LSTM and
   * GRU, batch first, gates in Keras's order): kernel [features, gates·units], recurrentKernel
   * [units, gates·units], bias [2, gates·units] (input bias, recurrent bias), initial states
   * [batch, units], LSTM's peepholes [3, units] (input, forget, output) and, with `masked`, a bool
   * mask [batch, time] (last): a masked step leaves the states as they were (Keras). Gives the
   * hidden state after every step, [batch, time, units], in the order the steps ran (last first
   * with goBackwards); with `cellState` (lstm) one more step along time holds the final cell state,
   * [batch, time + 1, units]. Absent optional inputs are left out of the list: c0 is there for an lstm.
   */
  recurrentSequence: { inputs: readonly [x: KernelTensor, kernel: KernelTensor, recurrentKernel: KernelTensor, bias: KernelTensor, h0: KernelTensor, c0?: KernelTensor, peephole?: KernelTensor, mask?: KernelTensor]; attrs: RecurrentAttrs };
  /**
   * `x·scale[c] + shift[c] + x2·scale2[c]` (the last term only with x2), c the index along
   * `axis`; scale, shift and scale2 hold C values: batch normalization applied (and its input
   * gradient) in one pass.
   */
  channelAffine: { inputs: readonly [x: KernelTensor, scale: KernelTensor, shift: KernelTensor, x2?: KernelTensor, scale2?: KernelTensor]; attrs: { readonly axis: number } };
  /**
   * Sums over every axis but the channel `axis`: [2, C], Σ a and Σ a·(b − center[c]) (center
   * absent: 0) — batch normalization's gradient sums in one pass.
   */
  channelSums: { inputs: readonly [a: KernelTensor, b: KernelTensor, center?: KernelTensor]; attrs: { readonly axis: number } };
  /** A chain of float32 elementwise kernels as one (graph fusion); the backend may decline (null). */
  fusedElementwise: { inputs: readonly KernelTensor[]; attrs: ElementwiseChain };
}

/** The kernels every backend implements. */
export type RequiredKernelName = keyof KernelSignatures;
/** The kernels a backend may implement (core runs a default body otherwise). */
export type OptionalKernelName = keyof OptionalKernelSignatures;
/** Every single-output kernel: the required ones and the optional (fused) ones. */
export type KernelName = RequiredKernelName | OptionalKernelName;
/** Every kernel's signature, required and optional: what `runKernel` accepts. */
export type AllSignatures = KernelSignatures & OptionalKernelSignatures;
/** The tensor inputs of kernel K, as backends receive them. */
export type KernelInputs<K extends KernelName> = AllSignatures[K]['inputs'];
/** The ONNX-named attributes of kernel K. */
export type KernelAttrs<K extends KernelName> = AllSignatures[K]['attrs'];

/** One kernel: plain arithmetic from input storage to new output storage. */
export type KernelFn<K extends KernelName> = (inputs: KernelInputs<K>, attrs: KernelAttrs<K>) => KernelTensor;
/** An optional kernel; null declines this call (the default body runs instead). */
export type OptionalKernelFn<K extends OptionalKernelName> = (inputs: KernelInputs<K>, attrs: KernelAttrs<K>) => KernelTensor | null;

/** Everything a backend must implement, derived from the table: the compiler names any kernel a backend forgets. */
export type KernelSet = { readonly [K in RequiredKernelName]: KernelFn<K> };
/** The fused kernels a backend may add. */
export type OptionalKernelSet = { readonly [K in OptionalKernelName]?: OptionalKernelFn<K> };

/**
 * One Adam/AdamW step of one parameter, as numbers for this step (torch.optim.Adam's formula):
 *   θ ← θ·decay;  g ← g + l2·θ;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  [v̂max ← max(v̂max, v)]
 *   θ ← θ − stepSize · m / (√v / c2 + ε),  stepSize = lr/(1−β₁ᵗ), c2 = √(1−β₂ᵗ)
 */
export interface FusedAdamAttrs {
  readonly rule: 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly l2: number;
  readonly decay: number;
  readonly stepSize: number;
  readonly c2: number;
  readonly amsgrad: boolean;
}

/** One SGD step with momentum (PyTorch's): b ← μb + (1−dampening)g (b ← g at the first step); θ ← θ − lr·(nesterov ? g + μb : b). */
export interface FusedSgdAttrs {
  readonly rule: 'sgd';
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly l2: number;
  readonly first: boolean;
}

/**
 * The attributes of the `fusedUpdate` kernel: which optimizer rule and its numbers for this step.
 */
export type FusedUpdateAttrs = FusedAdamAttrs | FusedSgdAttrs;

/** The cell of a `recurrentSequence` kernel: Elman RNN, LSTM or GRU. */
export type RecurrentCell = 'rnn' | 'lstm' | 'gru';

/** Activations of a recurrent cell: those ONNX's RNN, LSTM and GRU operators take. */
export type RecurrentActivation = 'linear' | 'relu' | 'tanh' | 'sigmoid' | 'hardSigmoid';

/** The attributes of the `recurrentSequence` kernel. */
export interface RecurrentAttrs {
  readonly cell: RecurrentCell;
  /** The candidate's and output's activation (tanh by default in every framework). */
  readonly activation: RecurrentActivation;
  /** The gates' activation (sigmoid by default; unused by 'rnn'). */
  readonly recurrentActivation: RecurrentActivation;
  /** Run the steps last first. */
  readonly goBackwards: boolean;
  /** GRU: the reset gate multiplies h·U + recurrent bias (PyTorch's form, ONNX linear_before_reset = 1) rather than h. */
  readonly resetAfter: boolean;
  /** The last input is a [batch, time] bool mask. */
  readonly masked: boolean;
  /** LSTM: the output ends with the final cell state (one more step along time). */
  readonly cellState: boolean;
}

/** Activations a backend may fuse after conv2d or matmul (core's `fused` ops). */
export type FusedActivation = 'linear' | 'relu' | 'tanh' | 'sigmoid';

/**
 * A chain of float32 elementwise kernels run as one (graph fusion): step k applies `kernel` with
 * `attrs` to `args`, where an argument j >= 0 is step j's result and j < 0 is chain input −j−1
 * (inputs broadcast to `shape`; every step's result has `shape`). The last step is the output.
 */
export interface ElementwiseChain {
  readonly shape: Shape;
  readonly steps: readonly {
    readonly kernel: 'unary' | 'binary' | 'leakyRelu' | 'clip';
    readonly attrs: Readonly<Record<string, unknown>>;
    readonly args: readonly number[];
  }[];
}

/** A backend: storage plus kernels. Backends never see gradients; autodiff lives in core's op layer. */
export interface Backend extends BackendStorage, KernelSet, OptionalKernelSet {
  readonly name: string;
  /**
   * false when `readSync` always throws (WebGPU maps buffers only asynchronously): values come
   * through `read` alone. Absent means true.
   */
  readonly syncReads?: boolean;
  /** Called once before first use; may be async (GPU adapters). */
  init?(): void | Promise<void>;
  /**
   * true when the backend works before its async `init` settles, only better after it (the cpu
   * backend's worker threads join when they are up): it can then be the implicit default, with
   * no `setBackend` awaited. Absent means false.
   */
  readonly usableBeforeInit?: boolean;
  /**
   * Runs a whole traced graph at once (e.g. as one onnxruntime session, or fused on a GPU), or
   * returns null to let core run it node by node. Inputs live on this backend; the result is new
   * storage: one tensor per graph output, then one per 'assign' node (the variable's new value,
   * in node order), which core assigns. The backend reads variables' current values itself.
   */
  runGraph?(graph: Graph, inputs: readonly KernelTensor[]): KernelTensor[] | null;
  /**
   * Optional: an optimizer's whole update of one parameter in one pass. Inputs are [param, grad,
   * ...slots] (Adam: m, v, then v̂max with amsgrad; SGD: the momentum buffer); the result is the new
   * [param, ...slots]. Used by @soma/optimizers through core's `fusedUpdate` (the dispatch point's
   * multi-output form, so profiles see it); inside traces the plain kernels run, since the step's
   * numbers change at every run and are graph inputs there, not attributes.
   */
  fusedUpdate?(inputs: readonly KernelTensor[], attrs: FusedUpdateAttrs): KernelTensor[];
  /** Backend-specific counters merged into memory(). */
  memoryInfo?(): Record<string, number>;
  /** Frees everything the backend holds. */
  destroy?(): void;
}
