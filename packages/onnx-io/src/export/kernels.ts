import { outLength } from '@soma/core';
import type { BinaryOp, Conv2dAttrs, DType, ElementwiseChain, FusedActivation, GraphNode, KernelAttrs, KernelName, Pool2dAttrs, ReduceOp, UnaryOp, ValueInfo } from '@soma/core';
import { encodeTensor, onnxType } from '../tensor_proto.js';
import type { Attr, Emitter } from './emitter.js';
import { recurrentSequence } from './recurrent.js';

/** What a kernel's translation sees: the node, its input and output names, their value infos. */
export interface NodeContext {
  readonly em: Emitter;
  readonly node: GraphNode;
  readonly attrs: Record<string, unknown>;
  readonly ins: readonly string[];
  readonly out: string;
  readonly inInfo: readonly ValueInfo[];
  readonly outInfo: ValueInfo;
  /** Indices of attribute entries that follow the symbolic batch: key → entry indices. */
  readonly symbolic: ReadonlyMap<string, ReadonlySet<number | null>>;
  /**
   * An int64 [n] tensor holding the integer list attribute `key`, its symbolic entries computed
   * from the batch size at run time (read off an input's shape); a constant when none follows it.
   */
  readonly runtimeInts: (key: string) => string;
  /** Whether input k is written into the model as a value (a constant, or a variable the graph does not take as an input). */
  readonly constant: (k: number) => boolean;
}

type Translate = (c: NodeContext) => void;

/** Why a node cannot be written; collected for every node before failing. */
export class NotExportable extends Error {}

const UNARY: Partial<Record<UnaryOp, string>> = {
  neg: 'Neg', abs: 'Abs', sign: 'Sign', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', reciprocal: 'Reciprocal', sin: 'Sin', cos: 'Cos',
  tan: 'Tan', asin: 'Asin', acos: 'Acos', atan: 'Atan', sinh: 'Sinh', cosh: 'Cosh', tanh: 'Tanh', erf: 'Erf', floor: 'Floor',
  ceil: 'Ceil', round: 'Round', sigmoid: 'Sigmoid', relu: 'Relu', elu: 'Elu', selu: 'Selu', softplus: 'Softplus', logicalNot: 'Not',
};

const BINARY: Partial<Record<BinaryOp, string>> = {
  add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow', maximum: 'Max', minimum: 'Min', equal: 'Equal', less: 'Less',
  lessEqual: 'LessOrEqual', greater: 'Greater', greaterEqual: 'GreaterOrEqual', logicalAnd: 'And', logicalOr: 'Or',
};

const REDUCE: Record<Exclude<ReduceOp, 'any' | 'all'>, string> = { sum: 'ReduceSum', mean: 'ReduceMean', prod: 'ReduceProd', max: 'ReduceMax', min: 'ReduceMin' };

function unary(c: NodeContext): void {
  const { em, ins, out } = c;
  const op = (c.attrs as KernelAttrs<'unary'>).op;
  const x = ins[0];
  const simple = UNARY[op];
  if (simple) return void em.node(simple, [x], [out]);
  const one = () => em.scalar(1);
  switch (op) {
    case 'expm1': return void em.node('Sub', [em.apply('Exp', [x]), one()], [out]);
    case 'log1p': return void em.node('Log', [em.apply('Add', [x, one()])], [out]);
    case 'rsqrt': return void em.node('Reciprocal', [em.apply('Sqrt', [x])], [out]);
    case 'square': return void em.node('Mul', [x, x], [out]);
    case 'relu6': return void em.node('Clip', [x, em.scalar(0), em.scalar(6)], [out]);
    case 'step': return void em.node('Cast', [em.apply('Greater', [x, em.scalar(0)])], [out], { to: { i: onnxType('float32') } });
    case 'gelu': {
      // 0.5·x·(1 + erf(x/√2)): exact GELU, valid at every opset (Gelu itself arrived in opset 20).
      const e = em.apply('Erf', [em.apply('Mul', [x, em.scalar(Math.SQRT1_2)])]);
      return void em.node('Mul', [em.apply('Mul', [x, em.scalar(0.5)]), em.apply('Add', [e, one()])], [out]);
    }
    default: throw new NotExportable(`unary op '${op}' has no ONNX form`);
  }
}

function binary(c: NodeContext): void {
  const { em, ins, out } = c;
  const op = (c.attrs as KernelAttrs<'binary'>).op;
  const [a, b] = ins;
  const float = c.inInfo[0].dtype === 'float32';
  // ONNX's Max and Min skip NaN; Soma's maximum and minimum propagate it, as PyTorch does.
  if (float && (op === 'maximum' || op === 'minimum')) {
    const nan = em.apply('Or', [em.apply('IsNaN', [a]), em.apply('IsNaN', [b])]);
    return void em.node('Where', [nan, em.apply('Add', [a, b]), em.apply(BINARY[op]!, [a, b])], [out]);
  }
  const simple = BINARY[op];
  if (simple) return void em.node(simple, [a, b], [out]);
  switch (op) {
    case 'notEqual': return void em.node('Not', [em.apply('Equal', [a, b])], [out]);
    case 'floorDiv':
      // Integers: (a − a mod b) / b divides exactly; ONNX Mod with fmod=0 has the divisor's sign.
      if (!float) return void em.node('Div', [em.apply('Sub', [a, em.apply('Mod', [a, b], { fmod: { i: 0 } })]), b], [out]);
      return void em.node('Floor', [em.apply('Div', [a, b])], [out]);
    case 'mod': {
      if (!float) return void em.node('Mod', [a, b], [out], { fmod: { i: 0 } });
      // Python's sign-of-divisor modulo: a − floor(a/b)·b (ONNX Mod with fmod=1 is C's fmod).
      const q = em.apply('Floor', [em.apply('Div', [a, b])]);
      return void em.node('Sub', [a, em.apply('Mul', [q, b])], [out]);
    }
    case 'atan2': {
      // atan(a/b), moved by ±π where b < 0, and ±π/2 (or 0) where b = 0.
      const zero = em.scalar(0);
      const base = em.apply('Atan', [em.apply('Div', [a, b])]);
      const shift = em.apply('Where', [em.apply('Less', [a, zero]), em.scalar(-Math.PI), em.scalar(Math.PI)]);
      const adjusted = em.apply('Where', [em.apply('Less', [b, zero]), em.apply('Add', [base, shift]), base]);
      const onAxis = em.apply('Mul', [em.apply('Sign', [a]), em.scalar(Math.PI / 2)]);
      return void em.node('Where', [em.apply('Equal', [b, zero]), onAxis, adjusted], [out]);
    }
    default: throw new NotExportable(`binary op '${op}' has no ONNX form`);
  }
}

/** Axes as an input from the opset where the op takes them so (ReduceSum 13, the others 18), else as an attribute. */
function reduceNode(em: Emitter, op: string, x: string, axes: readonly number[], out: string): void {
  const asInput = op === 'ReduceSum' ? em.opset >= 13 : em.opset >= 18;
  if (asInput) em.node(op, [x, em.int64s(axes, 'axes')], [out], { keepdims: { i: 0 } });
  else em.node(op, [x], [out], { axes: { ints: axes }, keepdims: { i: 0 } });
}

function reduce(c: NodeContext): void {
  const { em, ins, out } = c;
  const { op, axes } = c.attrs as KernelAttrs<'reduce'>;
  if (op === 'any' || op === 'all') {
    const asInt = em.apply('Cast', [ins[0]], { to: { i: onnxType('int32') } });
    const r = em.tmp('reduced');
    reduceNode(em, op === 'any' ? 'ReduceMax' : 'ReduceMin', asInt, axes, r);
    return void em.node('Cast', [r], [out], { to: { i: onnxType('bool') } });
  }
  const float = c.inInfo[0].dtype === 'float32';
  if (float && (op === 'max' || op === 'min' || op === 'sum' || op === 'prod')) {
    // ONNX's ReduceMax/Min skip NaN: a slice holding one gives NaN, as in PyTorch.
    const r = em.tmp('reduced');
    reduceNode(em, REDUCE[op], ins[0], axes, r);
    if (op === 'sum' || op === 'prod') return void em.node('Identity', [r], [out]);
    const hasNaN = em.tmp('has_nan');
    reduceNode(em, 'ReduceMax', em.apply('Cast', [em.apply('IsNaN', [ins[0]])], { to: { i: onnxType('float32') } }), axes, hasNaN);
    return void em.node('Where', [em.apply('Cast', [hasNaN], { to: { i: onnxType('bool') } }), em.scalar(NaN), r], [out]);
  }
  const shape = c.inInfo[0].shape;
  if (op === 'mean' && !axes.every((a) => typeof shape[a] === 'number' && (shape[a] as number) > 0)) {
    // Sizes unknown here (or zero): sum over count, so an empty mean is 0/0 = NaN as in PyTorch.
    const s = em.tmp('sum');
    reduceNode(em, 'ReduceSum', ins[0], axes, s);
    return void em.node('Div', [s, reducedCount(em, ins[0], shape, axes)], [out]);
  }
  reduceNode(em, REDUCE[op], ins[0], axes, out);
}

/**
 * How many elements a reduction of x over `axes` adds up, as a float32 tensor: a constant where
 * the shape gives the sizes, else their product from x's runtime shape (not a reduction of ones).
 */
function reducedCount(em: Emitter, x: string, shape: readonly (number | string)[], axes: readonly number[]): string {
  if (axes.every((a) => typeof shape[a] === 'number')) return em.scalar(axes.reduce((p, a) => p * (shape[a] as number), 1));
  const sizes = em.apply('Gather', [em.apply('Shape', [x]), em.int64s(axes, 'axes')], { axis: { i: 0 } });
  return em.apply('Cast', [em.apply('ReduceProd', [sizes], { keepdims: { i: 0 } })], { to: { i: onnxType('float32') } });
}

function argReduce(c: NodeContext): void {
  const { op, axis } = c.attrs as KernelAttrs<'argReduce'>;
  const idx = c.em.apply(op === 'argMax' ? 'ArgMax' : 'ArgMin', [c.ins[0]], { axis: { i: axis }, keepdims: { i: 0 } });
  // ONNX gives int64; Soma's indices are int32.
  c.em.node('Cast', [idx], [c.out], { to: { i: onnxType('int32') } });
}

function matmul(c: NodeContext): void {
  const { transA, transB } = c.attrs as KernelAttrs<'matmul'>;
  const t = (x: string) => c.em.apply('Transpose', [x], { perm: { ints: c.inInfo[0].shape.length === 2 ? [1, 0] : [0, 2, 1] } });
  c.em.node('MatMul', [transA ? t(c.ins[0]) : c.ins[0], transB ? t(c.ins[1]) : c.ins[1]], [c.out]);
}

const convAttrs = (a: Conv2dAttrs, kernel: readonly number[]) => ({
  kernel_shape: { ints: kernel }, strides: { ints: a.strides }, pads: { ints: a.pads }, dilations: { ints: a.dilations }, group: { i: a.group },
});

function conv2d(c: NodeContext): void {
  const a = c.attrs as unknown as Conv2dAttrs;
  const w = c.inInfo[1].shape as number[];
  c.em.node('Conv', c.ins.filter((n) => n), [c.out], convAttrs(a, w.slice(2)));
}

/** conv2dBackpropInput is ONNX ConvTranspose (it is how conv2dTranspose runs): output_padding fixes the exact size. */
function convTranspose(c: NodeContext): void {
  const a = c.attrs as unknown as KernelAttrs<'conv2dBackpropInput'>;
  const dy = c.inInfo[0].shape as number[];
  const w = c.inInfo[1].shape as number[];
  if (!c.constant(1) && a.strides.every((s) => s === 1) && flippedConv(c, a, dy, w)) return;
  const outputPadding = [0, 1].map((i) => a.inputShape[2 + i] - ((dy[2 + i] - 1) * a.strides[i] + (w[2 + i] - 1) * a.dilations[i] + 1 - a.pads[i] - a.pads[i + 2]));
  if (outputPadding.some((p) => p < 0)) throw new NotExportable('conv2dBackpropInput with an input shape smaller than ConvTranspose produces');
  c.em.node('ConvTranspose', c.ins, [c.out], { ...convAttrs(a, w.slice(2)), output_padding: { ints: outputPadding } });
}

/**
 * A stride-1 input gradient whose filter changes from run to run (a training step's weights) as a
 * Conv of dy with the filter turned 180° and its channel axes swapped: onnxruntime's ConvTranspose
 * took twice its Conv's time on a CIFAR ResNet's step. False (nothing written) where the padding
 * asks for more than the filter's reach; a file's constant filter keeps ConvTranspose.
 */
function flippedConv(c: NodeContext, a: KernelAttrs<'conv2dBackpropInput'>, dy: readonly number[], w: readonly number[]): boolean {
  const [m, cg, kh, kw] = w;
  const g = a.group;
  const [dh, dw] = a.dilations;
  const [h, wd] = [a.inputShape[2], a.inputShape[3]];
  const [oh, ow] = [dy[2], dy[3]];
  if (typeof oh !== 'number' || typeof ow !== 'number') return false;
  const top = dh * (kh - 1) - a.pads[0];
  const left = dw * (kw - 1) - a.pads[1];
  const bottom = h - oh - top + dh * (kh - 1);
  const right = wd - ow - left + dw * (kw - 1);
  if ([top, left, bottom, right].some((p) => p < 0)) return false;
  const { em } = c;
  const flipped = em.apply('Slice', [c.ins[1], em.int64s([-1, -1]), em.int64s([-kh - 1, -kw - 1]), em.int64s([2, 3]), em.int64s([-1, -1])]);
  // [G·Mg, Cg, kh, kw] → [G·Cg, Mg, kh, kw]: each group's filter with its two channel axes swapped.
  const swapped = g === 1
    ? em.apply('Transpose', [flipped], { perm: { ints: [1, 0, 2, 3] } })
    : em.apply('Reshape', [em.apply('Transpose', [em.apply('Reshape', [flipped, em.int64s([g, m / g, cg, kh, kw])])], { perm: { ints: [0, 2, 1, 3, 4] } }), em.int64s([g * cg, m / g, kh, kw])]);
  em.node('Conv', [c.ins[0], swapped], [c.out], { kernel_shape: { ints: [kh, kw] }, strides: { ints: [1, 1] }, pads: { ints: [top, left, bottom, right] }, dilations: { ints: a.dilations }, group: { i: g } });
  return true;
}

const ones = (em: Emitter, shape: readonly number[]): string => em.apply('ConstantOfShape', [em.int64s(shape, 'shape')], { value: { t: encodeTensor('one', [1], 'float32', [1]) } });

/** The gradient of a convolution with respect to its filter: a convolution with the roles of input and output swapped. */
function convFilterGrad(c: NodeContext): void {
  const a = c.attrs as unknown as KernelAttrs<'conv2dBackpropFilter'>;
  const [m, cg, kh, kw] = a.filterShape;
  const g = a.group;
  const mg = m / g;
  const { em } = c;
  const [x, dy] = c.ins;
  const [oh, ow] = c.inInfo[1].shape.slice(2);
  // Each tap's slice ends (OH − 1)·stride + 1 past its start: from dy's shape when the graph
  // leaves OH, OW symbolic (node-by-node sessions).
  const spans = typeof oh === 'number' && typeof ow === 'number'
    ? null
    : em.apply('Add', [em.apply('Mul', [em.apply('Sub', [em.apply('Slice', [em.apply('Shape', [dy]), em.int64s([2]), em.int64s([4])]), em.int64s([1])]), em.int64s(a.strides)]), em.int64s([1])]);
  const [pt, pl, pb, pr] = a.pads;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const tapEnd = (begin: number[]) => (spans ? em.apply('Add', [spans, em.int64s(begin)]) : em.int64s([begin[0] + ((oh as number) - 1) * sh + 1, begin[1] + ((ow as number) - 1) * sw + 1]));
  if (cg === 1 && g > 1) {
    // Depthwise (one input channel per group): per tap, Σ over images and positions of dy times
    // the tap's strided slice of the padded input, [N, C, mg, P] products summed to [C, mg] — no
    // patch matrix, no transposes (as one batched product, onnxruntime took 190 ms for a 576-channel
    // 5×5 layer at 7×7).
    const xp = pt || pl || pb || pr ? em.apply('Pad', [x, em.int64s([0, 0, pt, pl, 0, 0, pb, pr], 'pads')]) : x;
    const dy4 = em.apply('Reshape', [dy, em.int64s([0, g, mg, -1])]);
    const sums: string[] = [];
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const begin = [ki * dh, kj * dw];
        const tap = em.apply('Slice', [xp, em.int64s(begin), tapEnd(begin), em.int64s([2, 3]), em.int64s([sh, sw])]);
        const sum = em.tmp('tap_sum');
        reduceNode(em, 'ReduceSum', em.apply('Mul', [em.apply('Reshape', [tap, em.int64s([0, g, 1, -1])]), dy4]), [0, 3], sum);
        sums.push(em.apply('Reshape', [sum, em.int64s([m, 1])]));
      }
    }
    em.node('Reshape', [sums.length === 1 ? sums[0] : em.apply('Concat', sums, { axis: { i: 1 } }), em.int64s([m, 1, kh, kw])], [c.out]);
    return;
  }
  // The patch matrix as one tensor (each tap a strided slice of the padded, channel-major input),
  // then dW = dy · patchesᵀ as one product. Written as a Conv of the transposed input by dy
  // instead ([C, N, H, W] ⋆ [M, N, OH, OW]), onnxruntime ran C convolutions with OH×OW kernels:
  // 4× slower on a CIFAR ResNet's training step.
  let xt = em.apply('Transpose', [x], { perm: { ints: [1, 0, 2, 3] } });
  if (pt || pl || pb || pr) xt = em.apply('Pad', [xt, em.int64s([0, 0, pt, pl, 0, 0, pb, pr], 'pads')]);
  const taps: string[] = [];
  for (let ki = 0; ki < kh; ki++) {
    for (let kj = 0; kj < kw; kj++) {
      const begin = [ki * dh, kj * dw];
      taps.push(em.apply('Slice', [xt, em.int64s(begin), tapEnd(begin), em.int64s([2, 3]), em.int64s([sh, sw])]));
    }
  }
  // [taps·C, N, OH, OW], taps outermost.
  const stacked = taps.length === 1 ? taps[0] : em.apply('Concat', taps, { axis: { i: 0 } });
  const dyt = em.apply('Transpose', [dy], { perm: { ints: [1, 0, 2, 3] } });
  if (g === 1) {
    // One Gemm for every tap (measured faster than a Gemm per tap without the Concat).
    const product = em.apply('Gemm', [em.apply('Reshape', [dyt, em.int64s([m, -1])]), em.apply('Reshape', [stacked, em.int64s([kh * kw * cg, -1])])], { transB: { i: 1 } });
    // [M, (kh, kw, C)] → [M, C, kh, kw].
    em.node('Transpose', [em.apply('Reshape', [product, em.int64s([m, kh, kw, cg])])], [c.out], { perm: { ints: [0, 3, 1, 2] } });
    return;
  }
  // Groups (a depthwise convolution has one per channel) as one batched product, not one Gemm and
  // its slices per group: [taps, G, Cg, P] → [G, Cg·taps, P]; dy [G, Mg, P]; dW = dy · patchesᵀ.
  const patches = em.apply('Reshape', [
    em.apply('Transpose', [em.apply('Reshape', [stacked, em.int64s([kh * kw, g, cg, -1])])], { perm: { ints: [1, 2, 0, 3] } }),
    em.int64s([g, cg * kh * kw, -1]),
  ]);
  const product = em.apply('MatMul', [em.apply('Reshape', [dyt, em.int64s([g, mg, -1])]), em.apply('Transpose', [patches], { perm: { ints: [0, 2, 1] } })]);
  em.node('Reshape', [product, em.int64s([m, cg, kh, kw])], [c.out]);
}

/** Max pooling's gradient: MaxPool's Indices output (flat positions in x) scatters dy into zeros. */
function maxPoolGrad(c: NodeContext): void {
  const a = c.attrs as unknown as Pool2dAttrs;
  if (c.em.opset < 16) throw new NotExportable('a max-pooling gradient before opset 16 (ScatterElements has no add reduction)');
  const { em } = c;
  const [dy, x] = c.ins;
  const values = em.tmp('pooled');
  const indices = em.tmp('indices');
  em.node('MaxPool', [x], [values, indices], {
    kernel_shape: { ints: a.kernel_shape }, strides: { ints: a.strides }, pads: { ints: a.pads }, dilations: { ints: a.dilations }, ceil_mode: { i: a.ceil_mode ? 1 : 0 },
  });
  const flat = em.int64s([-1], 'flat');
  const zeros = em.apply('ConstantOfShape', [em.apply('Unsqueeze', [em.apply('Size', [x]), em.int64s([0])])], { value: { t: encodeTensor('zero', [1], 'float32', [0]) } });
  const scattered = em.apply('ScatterElements', [zeros, em.apply('Reshape', [indices, flat]), em.apply('Reshape', [dy, flat])], { axis: { i: 0 }, reduction: { s: 'add' } });
  em.node('Reshape', [scattered, em.apply('Shape', [x])], [c.out]);
}

/** Average pooling's gradient: dy divided by each window's divisor, spread by a ones-kernel ConvTranspose per channel. */
function avgPoolGrad(c: NodeContext): void {
  const a = c.attrs as unknown as KernelAttrs<'avgPool2dGrad'>;
  if (a.dilations.some((d) => d !== 1)) throw new NotExportable('average pooling gradients with dilations');
  const { em } = c;
  const [, ch, h, w] = a.inputShape;
  const [kh, kw] = a.kernel_shape;
  const [sh, sw] = a.strides;
  const [pt, pl, pb, pr] = a.pads;
  const oh = outLength(h, pt, pb, kh, sh, 1, a.ceil_mode);
  const ow = outLength(w, pl, pr, kw, sw, 1, a.ceil_mode);
  // Cells past the padded input that ceil mode's last windows reach: never counted.
  const extraH = Math.max(0, (oh - 1) * sh + kh - (h + pt + pb));
  const extraW = Math.max(0, (ow - 1) * sw + kw - (w + pl + pr));
  const kernel1 = ones(em, [1, 1, kh, kw]);
  const image = ones(em, [1, 1, h, w]);
  const counted = a.count_include_pad
    ? em.apply('Pad', [image, em.int64s([0, 0, pt, pl, 0, 0, pb, pr], 'pads'), em.scalar(1)], { mode: { s: 'constant' } })
    : em.apply('Pad', [image, em.int64s([0, 0, pt, pl, 0, 0, pb, pr], 'pads'), em.scalar(0)], { mode: { s: 'constant' } });
  const divisor = em.apply('Conv', [counted, kernel1], { strides: { ints: [sh, sw] }, pads: { ints: [0, 0, extraH, extraW] } });
  const scaled = em.apply('Div', [c.ins[0], divisor]);
  // ConvTranspose's natural size may fall short of the input (output_padding adds the rest) or,
  // with ceil mode's windows past the end, exceed it (the extra is cut off).
  const natural = [(oh - 1) * sh + kh - pt - pb, (ow - 1) * sw + kw - pl - pr];
  const outputPadding = [Math.max(0, h - natural[0]), Math.max(0, w - natural[1])];
  const spread = em.apply('ConvTranspose', [scaled, ones(em, [ch, 1, kh, kw])], {
    strides: { ints: [sh, sw] }, pads: { ints: a.pads }, group: { i: ch }, output_padding: { ints: outputPadding }, kernel_shape: { ints: [kh, kw] },
  });
  em.node('Slice', [spread, em.int64s([0, 0]), em.int64s([h, w]), em.int64s([2, 3])], [c.out]);
}

/** scatterAdd as ScatterElements(reduction add) over x with the indices broadcast to the updates' shape. */
function scatterAdd(c: NodeContext): void {
  const { axis } = c.attrs as KernelAttrs<'scatterAdd'>;
  if (c.em.opset < 16) throw new NotExportable('scatterAdd before opset 16 (ScatterElements has no add reduction)');
  const { em } = c;
  const [x, indices, updates] = c.ins;
  const rank = c.inInfo[0].shape.length;
  // updates: x[:axis] + indices.shape + x[axis+1:] → x[:axis] + [m] + x[axis+1:], the rank of x.
  const xShape = em.apply('Shape', [x]);
  const before = axis ? em.apply('Slice', [xShape, em.int64s([0]), em.int64s([axis]), em.int64s([0])]) : null;
  const after = axis + 1 < rank ? em.apply('Slice', [xShape, em.int64s([axis + 1]), em.int64s([rank]), em.int64s([0])]) : null;
  const target = em.apply('Concat', [...(before ? [before] : []), em.int64s([-1]), ...(after ? [after] : [])], { axis: { i: 0 } });
  const upd = em.apply('Reshape', [updates, target]);
  const unsq = Array.from({ length: rank }, (_, k) => k).filter((k) => k !== axis);
  const idx = em.apply('Reshape', [em.apply('Cast', [indices], { to: { i: 7 } }), em.int64s([-1])]);
  const idxFull = em.apply('Expand', [unsq.length ? em.apply('Unsqueeze', [idx, em.int64s(unsq)]) : idx, em.apply('Shape', [upd])]);
  em.node('ScatterElements', [x, idxFull, upd], [c.out], { axis: { i: axis }, reduction: { s: 'add' } });
}

function pool(c: NodeContext, kind: 'MaxPool' | 'AveragePool'): void {
  const a = c.attrs as unknown as Pool2dAttrs;
  const attrs: Record<string, Attr> = {
    kernel_shape: { ints: a.kernel_shape }, strides: { ints: a.strides }, pads: { ints: a.pads }, ceil_mode: { i: a.ceil_mode ? 1 : 0 },
  };
  if (kind === 'MaxPool') attrs.dilations = { ints: a.dilations };
  else {
    if (a.dilations.some((d) => d !== 1)) throw new NotExportable('average pooling with dilations (ONNX AveragePool has them from opset 19 only)');
    attrs.count_include_pad = { i: a.count_include_pad ? 1 : 0 };
  }
  c.em.node(kind, c.ins, [c.out], attrs);
}

function stridedSlice(c: NodeContext): void {
  const { begin, steps, outShape } = c.attrs as KernelAttrs<'stridedSlice'>;
  const axes = c.em.int64s(begin.map((_, k) => k), 'axes');
  const stepList = c.em.int64s(steps, 'steps');
  if (c.symbolic.get('outShape')?.size || c.symbolic.get('begin')?.size) {
    // Starts and extents that follow dynamic dimensions (a sequence's last step, all but the last):
    // computed when the graph runs. An end below 0 means "before the first" (a reversed slice to
    // the start), which ONNX spells as a very negative number.
    const starts = c.runtimeInts('begin');
    const end = c.em.apply('Add', [starts, c.em.apply('Mul', [stepList, c.runtimeInts('outShape')])]);
    const ends = c.em.apply('Where', [c.em.apply('Less', [end, c.em.int64s([0], 'zero')]), c.em.int64s([-(2 ** 53)], 'before'), end]);
    c.em.node('Slice', [c.ins[0], starts, ends, axes, stepList], [c.out]);
    return;
  }
  const ends = begin.map((b, k) => {
    const e = b + steps[k] * outShape[k];
    return e < 0 ? -(2 ** 31) : e;
  });
  c.em.node('Slice', [c.ins[0], c.em.int64s(begin, 'starts'), c.em.int64s(ends, 'ends'), axes, stepList], [c.out]);
}

function reshape(c: NodeContext): void {
  const shape = [...(c.attrs.shape as number[])];
  const sym = c.symbolic.get('shape');
  // One symbolic entry becomes −1; several (batch and sequence) are computed when the graph runs.
  if (sym && sym.size > 1) return void c.em.node('Reshape', [c.ins[0], c.runtimeInts('shape')], [c.out]);
  if (sym?.size) shape[[...sym][0] as number] = -1;
  c.em.node('Reshape', [c.ins[0], c.em.int64s(shape, 'shape')], [c.out]);
}

function noSymbolic(c: NodeContext, what: string): void {
  if (c.symbolic.size) throw new NotExportable(`${what} whose attributes follow the dynamic batch`);
}

const TRANSLATIONS: Partial<Record<KernelName | 'reshape', Translate>> = {
  unary, binary, reduce, argReduce, matmul, conv2d, reshape, stridedSlice, recurrentSequence,
  conv2dBackpropInput: convTranspose,
  conv2dBackpropFilter: convFilterGrad,
  maxPool2dGrad: maxPoolGrad,
  avgPool2dGrad: avgPoolGrad,
  scatterAdd,
  maxPool2d: (c) => pool(c, 'MaxPool'),
  avgPool2d: (c) => pool(c, 'AveragePool'),
  where: (c) => c.em.node('Where', c.ins, [c.out]),
  clip: (c) => {
    const { min, max } = c.attrs as KernelAttrs<'clip'>;
    const bound = (v: number) => (Number.isFinite(v) ? c.em.scalar(v) : '');
    c.em.node('Clip', [c.ins[0], bound(min), bound(max)], [c.out]);
  },
  cast: (c) => c.em.node('Cast', c.ins, [c.out], { to: { i: onnxType((c.attrs as KernelAttrs<'cast'>).to as DType) } }),
  leakyRelu: (c) => c.em.node('LeakyRelu', c.ins, [c.out], { alpha: { f: (c.attrs as KernelAttrs<'leakyRelu'>).alpha } }),
  transpose: (c) => c.em.node('Transpose', c.ins, [c.out], { perm: { ints: (c.attrs as KernelAttrs<'transpose'>).perm } }),
  pad: (c) => {
    noSymbolic(c, 'a pad');
    const { pads, value } = c.attrs as KernelAttrs<'pad'>;
    c.em.node('Pad', [c.ins[0], c.em.int64s(pads, 'pads'), c.em.scalar(value, c.inInfo[0].dtype)], [c.out], { mode: { s: 'constant' } });
  },
  concat: (c) => c.em.node('Concat', c.ins, [c.out], { axis: { i: (c.attrs as KernelAttrs<'concat'>).axis } }),
  gather: (c) => c.em.node('Gather', c.ins, [c.out], { axis: { i: (c.attrs as KernelAttrs<'gather'>).axis } }),
  topK: (c) => {
    const { k, largest } = c.attrs as KernelAttrs<'topK'>;
    const values = c.em.tmp('topk_values');
    const indices = c.em.tmp('topk_indices');
    c.em.node('TopK', [c.ins[0], c.em.int64s([k], 'k')], [values, indices], { axis: { i: -1 }, largest: { i: largest ? 1 : 0 }, sorted: { i: 1 } });
    c.em.node('Cast', [indices], [c.out], { to: { i: onnxType('int32') } });
  },
  tile: (c) => {
    c.em.node('Tile', [c.ins[0], c.runtimeInts('repeats')], [c.out]);
  },
  softmax: (c) => {
    const { axis, log } = c.attrs as KernelAttrs<'softmax'>;
    c.em.node(log ? 'LogSoftmax' : 'Softmax', [c.ins[0]], [c.out], { axis: { i: axis } });
  },
  conv2dActivated: (c) => activated(c, 'conv2d'),
  matmulActivated: (c) => activated(c, 'matmul'),
  fusedElementwise: fusedChain,
  channelMoments: (c) => {
    const { axis } = c.attrs as KernelAttrs<'channelMoments'>;
    const shape = c.inInfo[0].shape;
    const axes = otherAxes(shape.length, axis);
    const mean = c.em.tmp('mean');
    reduceNode(c.em, 'ReduceMean', c.ins[0], axes, mean);
    const centered = c.em.apply('Sub', [c.ins[0], c.em.apply('Reshape', [mean, c.em.int64s(channelShape(shape.length, axis, -1), 'shape')])]);
    // Σ (x − mean)² in one reduction, without a tensor of squares (a pass over the whole input
    // fewer), over the count.
    const squares = c.em.tmp('squares');
    reduceNode(c.em, 'ReduceSumSquare', centered, axes, squares);
    stackRows(c, mean, c.em.apply('Div', [squares, reducedCount(c.em, c.ins[0], shape, axes)]));
  },
  channelSums: (c) => {
    const { axis } = c.attrs as KernelAttrs<'channelSums'>;
    const rank = c.inInfo[0].shape.length;
    const [a, b, center] = c.ins;
    const axes = otherAxes(rank, axis);
    const centered = center ? c.em.apply('Sub', [b, c.em.apply('Reshape', [center, c.em.int64s(channelShape(rank, axis, -1), 'shape')])]) : b;
    const [s1, s2] = [c.em.tmp('sum'), c.em.tmp('sum')];
    reduceNode(c.em, 'ReduceSum', a, axes, s1);
    reduceNode(c.em, 'ReduceSum', c.em.apply('Mul', [a, centered]), axes, s2);
    stackRows(c, s1, s2);
  },
  batchNormInference: (c) => {
    const { axis, epsilon } = c.attrs as KernelAttrs<'batchNormInference'>;
    const [x, mean, variance, scale, shift] = c.ins;
    const channels = channelCount(c, axis);
    const filled = (v: string | undefined, value: number, hint: string) => {
      if (v) return v;
      const name = c.em.tmp(hint);
      c.em.constant(name, [channels as number], 'float32', new Float32Array(channels as number).fill(value));
      return name;
    };
    if (axis === 1 && typeof channels === 'number') {
      // What PyTorch writes: statistics and affine parameters as inputs of one node.
      c.em.node('BatchNormalization', [x, filled(scale, 1, 'scale'), filled(shift, 0, 'shift'), mean, variance], [c.out], { epsilon: { f: epsilon } });
      return;
    }
    const shape = c.em.int64s(channelShape(c.inInfo[0].shape.length, axis, -1), 'shape');
    const perChannel = (v: string) => c.em.apply('Reshape', [v, shape]);
    const inv = c.em.apply('Reciprocal', [c.em.apply('Sqrt', [c.em.apply('Add', [variance, c.em.scalar(epsilon)])])]);
    let y = c.em.apply('Mul', [c.em.apply('Sub', [x, perChannel(mean)]), perChannel(inv)]);
    if (scale) y = c.em.apply('Mul', [y, perChannel(scale)]);
    if (shift) y = c.em.apply('Add', [y, perChannel(shift)]);
    c.em.node('Identity', [y], [c.out]);
  },
  channelAffine: (c) => {
    const { axis } = c.attrs as KernelAttrs<'channelAffine'>;
    const [x, scale, shift, x2, scale2] = c.ins;
    const perChannel = (v: string) => c.em.apply('Reshape', [v, c.em.int64s(channelShape(c.inInfo[0].shape.length, axis, -1), 'shape')]);
    const channels = channelCount(c, axis);
    // x·scale + shift as a BatchNormalization over mean 0, variance 1 and ε 0 where the channels
    // are axis 1 and counted: one pass, not two (onnxruntime 1.30: 0.33 against 0.71 ms on
    // [64, 456, 8, 8], DenseNet's late blocks; 2.6 against 3.0 on [64, 128, 32, 32]).
    const y = axis === 1 && typeof channels === 'number'
      ? c.em.apply('BatchNormalization', [x, scale, shift, constantRow(c, channels, 0), constantRow(c, channels, 1)], { epsilon: { f: 0 } })
      : c.em.apply('Add', [c.em.apply('Mul', [x, perChannel(scale)]), perChannel(shift)]);
    if (x2 && scale2) c.em.node('Add', [y, c.em.apply('Mul', [x2, perChannel(scale2)])], [c.out]);
    else c.em.node('Identity', [y], [c.out]);
  },
};

/**
 * The channel count of a batch-norm kernel: from its per-channel second input's [C] shape where
 * x's is symbolic (a kernel session's batch and maps), else from x's.
 */
function channelCount(c: NodeContext, axis: number): number | string {
  const fromRow = c.inInfo[1].shape[0];
  return typeof fromRow === 'number' ? fromRow : c.inInfo[0].shape[axis];
}

/** A float32 [C] row of one value, as a Constant node (not a weight). */
function constantRow(c: NodeContext, channels: number, value: number): string {
  const name = c.em.tmp(value === 0 ? 'zeros' : 'ones');
  c.em.constant(name, [channels], 'float32', new Float32Array(channels).fill(value));
  return name;
}

function otherAxes(rank: number, axis: number): number[] {
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
}

/** [1, …, C, …, 1] with `c` at `axis` (−1: Reshape infers the channel count). */
function channelShape(rank: number, axis: number, c: number): number[] {
  return Array.from({ length: rank }, (_, i) => (i === axis ? c : 1));
}

/** The [2, C] output of the batch-norm statistics kernels from its two [C] rows. */
function stackRows(c: NodeContext, first: string, second: string): void {
  const row = c.em.int64s([1, -1], 'shape');
  c.em.node('Concat', [c.em.apply('Reshape', [first, row]), c.em.apply('Reshape', [second, row])], [c.out], { axis: { i: 0 } });
}

const ACTIVATION_OPS: Record<Exclude<FusedActivation, 'linear'>, string> = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' };

/** An optional fused kernel (bias + activation after conv2d or matmul) lowered to the plain operators it fuses. */
function activated(c: NodeContext, base: 'conv2d' | 'matmul'): void {
  const { activation, ...rest } = c.attrs as { activation: FusedActivation } & Record<string, unknown>;
  const bias = base === 'matmul' && c.ins[2] ? c.ins[2] : '';
  const pre = activation === 'linear' && !bias ? c.out : c.em.tmp('pre_activation');
  TRANSLATIONS[base]!({ ...c, attrs: rest, out: pre, ins: base === 'matmul' ? c.ins.slice(0, 2) : c.ins });
  const biased = bias ? (activation === 'linear' ? c.out : c.em.tmp('biased')) : pre;
  if (bias) c.em.node('Add', [pre, bias], [biased]);
  if (activation !== 'linear') c.em.node(ACTIVATION_OPS[activation], [biased], [c.out]);
}

/** A fused elementwise chain lowered to its steps, one node (or a few) each. */
function fusedChain(c: NodeContext): void {
  const chain = c.attrs as unknown as ElementwiseChain;
  const info: ValueInfo = { id: -1, shape: chain.shape, dtype: 'float32' };
  const names: string[] = [];
  chain.steps.forEach((step, k) => {
    const out = k === chain.steps.length - 1 ? c.out : c.em.tmp('chain');
    const ins = step.args.map((a) => (a < 0 ? c.ins[-a - 1] : names[a]));
    const node: GraphNode = { op: step.kernel, attrs: step.attrs, inputs: [], outputs: [] };
    translate({ ...c, node, attrs: step.attrs as Record<string, unknown>, ins, out, inInfo: ins.map(() => info), outInfo: info, symbolic: new Map() });
    names.push(out);
  });
}

/** Writes one graph node as ONNX nodes; throws NotExportable with the reason when it has no ONNX form. */
export function translate(c: NodeContext): void {
  const t = TRANSLATIONS[c.node.op as KernelName | 'reshape'];
  if (!t) {
    throw new NotExportable(c.node.op === 'assign'
      ? 'a variable assignment (export a forward function, not a training step)'
      : `kernel '${c.node.op}' (a gradient kernel) has no ONNX form in a forward graph`);
  }
  t(c);
}
