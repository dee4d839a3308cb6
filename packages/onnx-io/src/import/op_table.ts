import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import type { NodeProto } from '../proto.js';
import { RECURRENT_OPS } from './recurrent.js';
import { RESIZE_OPS } from './resize.js';
import { INDEXING_OPS } from './indexing.js';
import { asTensor, HostValue, MAX_HOST_ELEMENTS, hostNumbers, hostScalar, isHost, knownValues, protoValue, type Attributes, type Value } from './values.js';

/** What an operator implementation sees besides its inputs. */
export interface OpContext {
  readonly a: Attributes;
  readonly opset: number;
  /** 'node "name" (OpType)', for errors. */
  readonly where: string;
  readonly node: NodeProto;
}

export interface OpImpl {
  run(ins: readonly (Value | undefined)[], c: OpContext): Value | readonly Value[];
  /** A reason this node cannot run in Soma (checked for every node before anything runs), or null. */
  check?(node: NodeProto, a: Attributes, opset: number): string | null;
}

const T = (v: Value | undefined, c: OpContext, i = 0): Tensor => {
  if (v === undefined) c.a.fail(`input ${i} is missing`);
  return asTensor(v, c.where);
};
const F = (v: Value | undefined, c: OpContext, i = 0): Tensor => asTensor(T(v, c, i), c.where, 'float32');
const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** An elementwise op on the host when every input is a host integer (shape arithmetic), else on tensors. */
function elementwise(onTensors: (...xs: Tensor[]) => Tensor, onHost?: (...xs: number[]) => number, hostResult?: 'bool'): OpImpl {
  return {
    run(ins, c) {
      const hostShape = onHost && ins.every(isHost) ? soma.broadcastShapes(c.where, ...(ins as HostValue[]).map((h) => h.shape)) : null;
      if (onHost && hostShape && hostShape.reduce((a, b) => a * b, 1) <= MAX_HOST_ELEMENTS) {
        const hs = ins as HostValue[];
        const shape = hostShape;
        const n = shape.reduce((a, b) => a * b, 1);
        const at = (h: HostValue, i: number) => (h.size === 1 ? h.values[0] : h.values[i % h.size]);
        const float = hs.some((h) => h.dtype === 'float');
        const values = Array.from({ length: n }, (_, i) => onHost(...hs.map((h) => at(h, i))));
        return new HostValue(shape, values, hostResult ?? (float || values.some((v) => !Number.isInteger(v)) ? 'float' : 'int'));
      }
      const xs = ins.map((v, i) => T(v, c, i));
      // Mixed dtypes (a float tensor and a host integer): compute in float32, as ONNX would after CastLike.
      const float = xs.some((t) => t.dtype === 'float32');
      return onTensors(...xs.map((t) => (float && t.dtype === 'int32' ? t.cast('float32') : t)));
    },
  };
}

/** A float op on tensors; with `onHost`, folded on the host for host values (shape arithmetic, Range's count as its expanded form computes it). */
const unary = (f: (x: Tensor) => Tensor, onHost?: (x: number) => number): OpImpl => ({
  run: (ins, c) => {
    const v = ins[0];
    if (onHost && isHost(v) && v.dtype !== 'bool') return new HostValue(v.shape, v.values.map(onHost), v.dtype);
    return f(F(v, c));
  },
});

/** Reduction axes: an attribute before `inputFrom`, the second input from then on. */
function reduceAxes(ins: readonly (Value | undefined)[], c: OpContext, inputFrom: number): number[] | undefined {
  if (c.opset >= inputFrom) return ins[1] === undefined ? undefined : hostNumbers(ins[1], c.where, 'axes');
  return c.a.ints('axes');
}

function reduce(kind: 'sum' | 'mean' | 'max' | 'min' | 'prod' | 'l2' | 'logSumExp', inputFrom: number): OpImpl {
  return {
    run(ins, c) {
      // A whole 1-D host vector (numel = ReduceProd(Shape(x))) stays a host number.
      const v = ins[0];
      const whole = (axes: number[] | undefined) => !axes?.length || axes.every((a) => norm(a, 1) === 0);
      if (isHost(v) && v.shape.length === 1 && v.size > 0 && ['sum', 'prod', 'max', 'min'].includes(kind) && whole(reduceAxes(ins, c, inputFrom)) && !c.a.int('noop_with_empty_axes', 0)) {
        const vals = [...v.values];
        const r = kind === 'sum' ? vals.reduce((p, q) => p + q, 0) : kind === 'prod' ? vals.reduce((p, q) => p * q, 1) : kind === 'max' ? Math.max(...vals) : Math.min(...vals);
        return new HostValue(c.a.int('keepdims', 1) === 1 ? [1] : [], [r], v.dtype);
      }
      const x = F(ins[0], c);
      let axes = reduceAxes(ins, c, inputFrom);
      const keep = c.a.int('keepdims', 1) === 1;
      if (!axes || axes.length === 0) {
        if (c.a.int('noop_with_empty_axes', 0) === 1) return x;
        axes = x.shape.map((_, i) => i);
      }
      const ax = axes.map((a) => norm(a, x.rank));
      switch (kind) {
        case 'l2': return x.square().sum(ax, keep).sqrt();
        case 'logSumExp': return soma.logSumExp(x, ax, keep);
        default: return x[kind](ax, keep);
      }
    },
  };
}

/** Soma's pads from ONNX's auto_pad and pads ([top, left, bottom, right] for 2-D). */
/**
 * ONNX pads [begin..., end...] for spatial sizes `spatial`, from auto_pad or pads:
 * SAME_* gives output ceil(in / stride), the odd cell of padding at the end (UPPER) or start (LOWER).
 */
function onnxPads(c: OpContext, spatial: readonly number[], kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): number[] {
  const n = kernel.length;
  const auto = c.a.string('auto_pad', 'NOTSET');
  if (auto === 'VALID') return new Array(2 * n).fill(0);
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const begin: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < n; i++) {
      const len = spatial[i];
      const total = Math.max(0, (Math.ceil(len / strides[i]) - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - len);
      const first = auto === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      begin.push(first);
      end.push(total - first);
    }
    return [...begin, ...end];
  }
  return c.a.ints('pads') ?? new Array(2 * n).fill(0);
}

/** Soma's 2-D pads [top, left, bottom, right]; 1-D data runs as (N, C, 1, L). */
function padding(c: OpContext, x4: Tensor, kernel: [number, number], strides: [number, number], dilations: [number, number], oneD: boolean): [number, number, number, number] {
  if (oneD) {
    const [b, e] = onnxPads(c, [x4.shape[3]], [kernel[1]], [strides[1]], [dilations[1]]);
    return [0, b, 0, e];
  }
  return onnxPads(c, x4.shape.slice(2), kernel, strides, dilations) as [number, number, number, number];
}

/** Runs a 2-D op on 1-D data (N, C, L) by viewing it as (N, C, 1, L). */
function as2d(x: Tensor, f: (x4: Tensor, oneD: boolean) => Tensor): Tensor {
  if (x.rank === 4) return f(x, false);
  const y = f(x.reshape([x.shape[0], x.shape[1], 1, x.shape[2]]), true);
  return y.reshape([y.shape[0], y.shape[1], y.shape[3]]);
}

const spatialCheck = (node: NodeProto, a: Attributes, maxRank = 3): string | null => {
  const k = a.ints('kernel_shape');
  return k && k.length > maxRank ? `${k.length}-D ${node.op_type} (Soma has 1-D, 2-D${maxRank === 3 ? ' and 3-D' : ''} forms)` : null;
};

/** 3-D convolution and pooling (NCDHW), with ONNX's auto_pad computed per axis. */
function pads3d(c: OpContext, x: Tensor, kernel: number[], strides: number[], dilations: number[]): [number, number, number, number, number, number] {
  return onnxPads(c, x.shape.slice(2), kernel, strides, dilations) as [number, number, number, number, number, number];
}

const triple = (v: number[] | undefined): [number, number, number] => [v?.[0] ?? 1, v?.[1] ?? 1, v?.[2] ?? 1];

/** Whether a pad is wider than half the (dilated) window, which Soma's pooling refuses. */
function widePads(pads: readonly number[], kernel: readonly number[], dilation: readonly number[]): boolean {
  return [0, 1].some((i) => Math.max(pads[i], pads[i + 2]) > Math.floor(((kernel[i] - 1) * dilation[i] + 1) / 2));
}

/**
 * MaxPool's Indices output: for each output, the flat position (row-major, or column-major within
 * each image's plane for storage_order 1, as ONNX defines it) of the window element that holds
 * the maximum — the first such in window order. Windows are gathered from each plane with the
 * padding as −∞, then argMax picks the element.
 */
function maxPoolIndices(x: Tensor, y: Tensor, kernel: [number, number], stride: [number, number], pads: readonly number[], dilation: [number, number], columnMajor: boolean): Tensor {
  const [n, ch, h, w] = x.shape;
  const [oh, ow] = [y.shape[2], y.shape[3]];
  const k = kernel[0] * kernel[1];
  const plane = h * w;
  // Per output position and window element: where to read (plane index, or `plane` for padding)
  // and what to report.
  const read = new Int32Array(oh * ow * k);
  const report = new Int32Array(oh * ow * k);
  let at = 0;
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      for (let ki = 0; ki < kernel[0]; ki++) {
        for (let kj = 0; kj < kernel[1]; kj++, at++) {
          const r = i * stride[0] - pads[0] + ki * dilation[0];
          const q = j * stride[1] - pads[1] + kj * dilation[1];
          const inside = r >= 0 && r < h && q >= 0 && q < w;
          read[at] = inside ? r * w + q : plane;
          report[at] = inside ? (columnMajor ? q * h + r : r * w + q) : 0;
        }
      }
    }
  }
  const planes = soma.concat([x.reshape([n * ch, plane]), soma.fill([n * ch, 1], -Infinity)], 1);
  const windows = soma.gather(planes, soma.tensor(read, [read.length], 'int32'), 1).reshape([n * ch, oh * ow, k]);
  const picked = windows.argMax(-1).add(soma.arange(0, oh * ow * k, k, 'int32'));
  const within = soma.gather(soma.tensor(report, [report.length], 'int32'), picked.reshape([n * ch * oh * ow]), 0).reshape([n * ch, oh * ow]);
  return within.add(soma.arange(0, n * ch * plane, plane, 'int32').reshape([n * ch, 1])).reshape([n, ch, oh, ow]);
}

function pool(kind: 'max' | 'avg'): OpImpl {
  const impl: OpImpl = {
    check: (node, a) => {
      const spatial = spatialCheck(node, a);
      if (spatial) return spatial;
      const withIndices = (node.output ?? []).filter(Boolean).length > 1;
      return withIndices && (a.ints('kernel_shape') ?? []).length !== 2 ? 'MaxPool with the Indices output of 1-D or 3-D data (2-D is supported)' : null;
    },
    run(ins, c) {
      const x5 = F(ins[0], c);
      if (kind === 'max' && (c.node.output ?? []).filter(Boolean).length > 1) {
        if (x5.rank !== 4) c.a.fail(`the Indices output needs 4-D input (N, C, H, W), got [${x5.shape.join(', ')}]`);
        const k = c.a.ints('kernel_shape') ?? c.a.fail('kernel_shape is required');
        const kernelSize: [number, number] = [k[0], k[1]];
        const pairOf = (v: number[] | undefined): [number, number] => [v?.[0] ?? 1, v?.[1] ?? 1];
        const stride = pairOf(c.a.ints('strides'));
        const dilation = pairOf(c.a.ints('dilations'));
        const pads = padding(c, x5, kernelSize, stride, dilation, false);
        const y = impl.run([x5], { ...c, node: { ...c.node, output: [c.node.output![0]] } }) as Tensor;
        return [y, maxPoolIndices(x5, y, kernelSize, stride, pads, dilation, c.a.int('storage_order', 0) === 1)];
      }
      if (x5.rank === 5) {
        const k = triple(c.a.ints('kernel_shape'));
        const stride = triple(c.a.ints('strides'));
        const dilation = triple(c.a.ints('dilations'));
        const options = { kernelSize: k, stride, dilation, padding: pads3d(c, x5, k, stride, dilation), ceilMode: c.a.int('ceil_mode', 0) === 1 };
        return kind === 'max' ? soma.maxPool3d(x5, options) : soma.avgPool3d(x5, { ...options, countIncludePad: c.a.int('count_include_pad', 0) === 1 });
      }
      return as2d(x5, (x, oneD) => {
        const k = c.a.ints('kernel_shape') ?? c.a.fail('kernel_shape is required');
        const pair = (v: number[] | undefined, d: number): [number, number] => (oneD ? [1, v?.[0] ?? d] : [v?.[0] ?? d, v?.[1] ?? d]);
        const kernelSize = pair(k, 1);
        const stride = pair(c.a.ints('strides'), 1);
        const dilation = pair(c.a.ints('dilations'), 1);
        const pads = padding(c, x, kernelSize, stride, dilation, oneD);
        const options = { kernelSize, stride, padding: pads, ceilMode: c.a.int('ceil_mode', 0) === 1 };
        const countIncludePad = c.a.int('count_include_pad', 0) === 1;
        if (!widePads(pads, kernelSize, dilation)) {
          return kind === 'max' ? soma.maxPool2d(x, { ...options, dilation }) : soma.avgPool2d(x, { ...options, countIncludePad });
        }
        // ONNX allows pads past half the window (Soma's pooling, like PyTorch's, does not): pad
        // first — with −∞ for max, zeros for average — and pool the padded input.
        const [top, left, bottom, right] = pads;
        const around = (t: Tensor, value: number) => soma.pad(t, [[0, 0], [0, 0], [top, bottom], [left, right]], value);
        const unpadded = { ...options, padding: 0 as const };
        if (kind === 'max') return soma.maxPool2d(around(x, -Infinity), { ...unpadded, dilation });
        const sums = soma.avgPool2d(around(x, 0), unpadded);
        if (countIncludePad) return sums;
        // Excluding the pads: divide by the share of each window that is input.
        return sums.div(soma.avgPool2d(around(soma.ones([1, 1, x.shape[2], x.shape[3]]), 0), unpadded));
      });
    },
  };
  return impl;
}

function conv(transpose: boolean): OpImpl {
  return {
    check: (node, a) => spatialCheck(node, a),
    run(ins, c) {
      const x0 = F(ins[0], c);
      const w0 = F(ins[1], c, 1);
      const bias = ins[2] === undefined ? undefined : F(ins[2], c, 2);
      if (transpose && x0.rank === 5 && w0.rank === 5) {
        const k = [w0.shape[2], w0.shape[3], w0.shape[4]];
        const stride = triple(c.a.ints('strides'));
        const dilation = triple(c.a.ints('dilations'));
        const given = c.a.ints('output_padding');
        const outputPadding: [number, number, number] = [given?.[0] ?? 0, given?.[1] ?? 0, given?.[2] ?? 0];
        const auto = c.a.string('auto_pad', 'NOTSET');
        let target = c.a.ints('output_shape');
        if (!target && (auto === 'SAME_UPPER' || auto === 'SAME_LOWER')) target = [0, 1, 2].map((i) => x0.shape[2 + i] * stride[i]);
        let padding: [number, number, number, number, number, number] = [0, 0, 0, 0, 0, 0];
        if (target) {
          // ONNX's rule, as for 2-D: the total padding that gives output_shape, split as auto_pad says.
          const out = target.slice(-3);
          const totals = [0, 1, 2].map((i) => stride[i] * (x0.shape[2 + i] - 1) + outputPadding[i] + (k[i] - 1) * dilation[i] + 1 - out[i]);
          if (totals.some((t) => t < 0)) c.a.fail(`output_shape [${out.join(', ')}] is larger than the transposed convolution makes`);
          const first = totals.map((t) => (auto === 'SAME_UPPER' ? Math.floor(t / 2) : t - Math.floor(t / 2)));
          padding = [...first, ...totals.map((t, i) => t - first[i])] as typeof padding;
        } else {
          const p = c.a.ints('pads');
          if (p) padding = [p[0], p[1], p[2], p[3], p[4], p[5]];
        }
        return soma.conv3dTranspose(x0, w0, { stride, dilation, padding, outputPadding, groups: c.a.int('group', 1), bias });
      }
      if (!transpose && x0.rank === 5 && w0.rank === 5) {
        const k = [w0.shape[2], w0.shape[3], w0.shape[4]];
        const stride = triple(c.a.ints('strides'));
        const dilation = triple(c.a.ints('dilations'));
        return soma.conv3d(x0, w0, { stride, dilation, padding: pads3d(c, x0, k, stride, dilation), groups: c.a.int('group', 1), bias });
      }
      if (x0.rank !== w0.rank || (x0.rank !== 3 && x0.rank !== 4)) c.a.fail(`expects 1-D or 2-D convolution inputs, got x [${x0.shape.join(', ')}] and w [${w0.shape.join(', ')}]`);
      const oneD = x0.rank === 3;
      const w = oneD ? w0.reshape([w0.shape[0], w0.shape[1], 1, w0.shape[2]]) : w0;
      const pair = (v: number[] | undefined): [number, number] => (oneD ? [1, v?.[0] ?? 1] : [v?.[0] ?? 1, v?.[1] ?? 1]);
      return as2d(x0, (x) => {
        const stride = pair(c.a.ints('strides'));
        const dilation = pair(c.a.ints('dilations'));
        const kernel: [number, number] = [w.shape[2], w.shape[3]];
        const common = { stride, dilation, groups: c.a.int('group', 1), bias };
        if (!transpose) return soma.conv2d(x, w, { ...common, padding: padding(c, x, kernel, stride, dilation, oneD) });
        const given = c.a.ints('output_padding');
        const outputPadding: [number, number] = oneD ? [0, given?.[0] ?? 0] : [given?.[0] ?? 0, given?.[1] ?? 0];
        const auto = c.a.string('auto_pad', 'NOTSET');
        let target = c.a.ints('output_shape');
        if (!target && (auto === 'SAME_UPPER' || auto === 'SAME_LOWER')) target = [0, 1].slice(oneD ? 1 : 0).map((i) => x.shape[2 + i] * stride[i]);
        let pads: [number, number, number, number];
        if (target) {
          // ONNX's rule: the total padding that gives output_shape, split as auto_pad says.
          const out = oneD ? [1, target[target.length - 1]] : target.slice(-2);
          const begin: number[] = [];
          const end: number[] = [];
          [0, 1].forEach((i) => {
            const total = stride[i] * (x.shape[2 + i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilation[i] + 1 - out[i];
            const half = Math.floor(total / 2);
            begin.push(auto === 'SAME_UPPER' ? half : total - half);
            end.push(auto === 'SAME_UPPER' ? total - half : half);
          });
          // Negative padding at the end is more output: ONNX grows the result there.
          [0, 1].forEach((i) => {
            if (end[i] < 0) {
              outputPadding[i] -= end[i];
              end[i] = 0;
            }
          });
          pads = [begin[0], begin[1], end[0], end[1]];
        } else {
          const p = (c.a.ints('pads') ?? [0, 0, 0, 0]) as number[];
          pads = oneD ? [0, p[0], 0, p[1]] : (p as [number, number, number, number]);
        }
        return soma.conv2dTranspose(x, w, { ...common, padding: pads, outputPadding });
      });
    },
  };
}

function argReduce(kind: 'argMax' | 'argMin'): OpImpl {
  return {
    run(ins, c) {
      const x = F(ins[0], c);
      const ax = norm(c.a.int('axis', 0), x.rank);
      const n = x.shape[ax];
      let y: Tensor;
      if (c.a.int('select_last_index', 0) === 1) {
        // The last extreme is the first one of the reversed axis.
        const rev = soma.stridedSlice(x, x.shape.map((_, k) => (k === ax ? n - 1 : 0)), x.shape.map((d, k) => (k === ax ? -n - 1 : d)), x.shape.map((_, k) => (k === ax ? -1 : 1)));
        y = soma.sub(n - 1, rev[kind](ax)).cast('int32');
      } else y = x[kind](ax);
      return c.a.int('keepdims', 1) ? y.expandDims(ax) : y;
    },
  };
}

function softmax(log: boolean): OpImpl {
  return {
    run(ins, c) {
      const x = F(ins[0], c);
      const axis = norm(c.a.int('axis', c.opset >= 13 ? -1 : 1), x.rank);
      const f = (t: Tensor, ax: number) => (log ? soma.logSoftmax(t, ax) : soma.softmax(t, ax));
      if (c.opset >= 13) return f(x, axis);
      // Before opset 13: softmax over the input flattened to 2-D at `axis`.
      const rows = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      return f(x.reshape([rows, -1]), 1).reshape([...x.shape]);
    },
  };
}

const shapeOf = (v: Value): readonly number[] => (isHost(v) ? v.shape : v.shape);

/** Gathers host integers along an axis (Shape → Gather as PyTorch exports). */
/** ONNX Slice on host numbers, every axis: the positions each axis keeps, clamped as the operator says. */
function hostSlice(x: HostValue, begin: readonly number[], end: readonly number[], stride: readonly number[]): HostValue {
  const kept = x.shape.map((d, a) => {
    const clampIdx = (v: number, s: number) => (v < 0 ? Math.max(v + d, s > 0 ? 0 : -1) : Math.min(v, s > 0 ? d : d - 1));
    const out: number[] = [];
    for (let i = clampIdx(begin[a], stride[a]); stride[a] > 0 ? i < clampIdx(end[a], stride[a]) : i > clampIdx(end[a], stride[a]); i += stride[a]) out.push(i);
    return out;
  });
  return new HostValue(kept.map((k) => k.length), gatherPositions(x, kept), x.dtype);
}

/** Host numbers with their axes permuted. */
function hostTranspose(x: HostValue, perm: readonly number[]): HostValue {
  const shape = perm.map((p) => x.shape[p]);
  const strides = x.shape.map((_, a) => x.shape.slice(a + 1).reduce((m, d) => m * d, 1));
  const values: number[] = [];
  const index = shape.map(() => 0);
  const total = shape.reduce((m, d) => m * d, 1);
  for (let n = 0; n < total; n++) {
    values.push(x.values[index.reduce((off, i, k) => off + i * strides[perm[k]], 0)]);
    for (let k = shape.length - 1; k >= 0 && ++index[k] === shape[k]; k--) index[k] = 0;
  }
  return new HostValue(shape, values, x.dtype);
}

/** The values at every combination of the kept positions per axis, in row-major order. */
function gatherPositions(x: HostValue, kept: readonly (readonly number[])[]): number[] {
  const strides = x.shape.map((_, a) => x.shape.slice(a + 1).reduce((m, d) => m * d, 1));
  let offsets = [0];
  kept.forEach((positions, a) => {
    offsets = offsets.flatMap((o) => positions.map((p) => o + p * strides[a]));
  });
  return offsets.map((o) => x.values[o]);
}

function hostGather(x: HostValue, idx: HostValue, axis: number): HostValue {
  if (x.shape.length !== 1 || axis !== 0) throw new Error('Gather on host values handles 1-D data along axis 0');
  const d = x.shape[0];
  return new HostValue(idx.shape, idx.values.map((i) => x.values[i < 0 ? i + d : i]));
}

function axesInput(ins: readonly (Value | undefined)[], c: OpContext): number[] {
  return (c.opset >= 13 ? (ins[1] === undefined ? undefined : hostNumbers(ins[1], c.where, 'axes')) : c.a.ints('axes')) ?? [];
}

function squeezeShape(shape: readonly number[], axes: number[]): number[] {
  const ax = new Set(axes.length ? axes.map((a) => norm(a, shape.length)) : shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  return shape.filter((_, i) => !ax.has(i));
}

function unsqueezeShape(shape: readonly number[], axes: number[]): number[] {
  const rank = shape.length + axes.length;
  const ax = new Set(axes.map((a) => norm(a, rank)));
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(ax.has(i) ? 1 : shape[k++]);
  return out;
}

/** Reshape of host or tensor values (host values keep their numbers). */
function reshapeValue(v: Value, shape: number[], c: OpContext): Value {
  if (isHost(v)) return new HostValue(inferDims(shape, v.values.length, c), v.values, v.dtype);
  return T(v, c).reshape(shape);
}

/** A reshape target with its -1 resolved for `count` values (what core's reshape does for tensors). */
function inferDims(shape: readonly number[], count: number, c: OpContext): number[] {
  if (shape.filter((d) => d === -1).length > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
    c.a.fail(`cannot reshape to [${shape.join(', ')}]: dimensions are non-negative integers, with at most one -1`);
  }
  const known = shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const out = shape.map((d) => (d !== -1 ? d : known === 0 ? 0 : count / known));
  if (!out.every(Number.isInteger) || out.reduce((a, b) => a * b, 1) !== count) c.a.fail(`cannot reshape ${count} values to [${shape.join(', ')}]`);
  return out;
}

function resolveReshape(input: readonly number[], target: number[], allowZero: boolean): number[] {
  return target.map((d, i) => (d === 0 && !allowZero ? input[i] : d));
}

export const OPS: Record<string, OpImpl> = {
  ...RECURRENT_OPS,
  ...RESIZE_OPS,
  ...INDEXING_OPS,
  // ---- elementwise
  Add: elementwise((a, b) => a.add(b), (a, b) => a + b),
  Sub: elementwise((a, b) => a.sub(b), (a, b) => a - b),
  Mul: elementwise((a, b) => a.mul(b), (a, b) => a * b),
  Div: { run: (ins, c) => (ins.every((v) => isHost(v) && v.dtype === 'int') ? elementwise((a) => a, (a, b) => Math.trunc(a / b)) : elementwise((a, b) => (a.dtype === 'int32' && b.dtype === 'int32' ? a.floorDiv(b) : a.div(b)), (a, b) => a / b)).run(ins, c) },
  Pow: elementwise((a, b) => a.pow(b)),
  Max: elementwise((...xs) => xs.reduce((a, b) => soma.maximum(a, b)), (...xs) => Math.max(...xs)),
  Min: elementwise((...xs) => xs.reduce((a, b) => soma.minimum(a, b)), (...xs) => Math.min(...xs)),
  Sum: elementwise((...xs) => xs.reduce((a, b) => a.add(b))),
  Mean: elementwise((...xs) => xs.reduce((a, b) => a.add(b)).div(xs.length)),
  // Host folds for comparisons and Where keep shape arithmetic on the host, as torch.onnx writes it
  // for expand(B, -1, -1): Where(Equal(size, -1), 1, size).
  Equal: elementwise((a, b) => a.equal(b), (a, b) => (a === b ? 1 : 0), 'bool'),
  Less: elementwise((a, b) => a.less(b), (a, b) => (a < b ? 1 : 0), 'bool'),
  LessOrEqual: elementwise((a, b) => a.lessEqual(b), (a, b) => (a <= b ? 1 : 0), 'bool'),
  Greater: elementwise((a, b) => a.greater(b), (a, b) => (a > b ? 1 : 0), 'bool'),
  GreaterOrEqual: elementwise((a, b) => a.greaterEqual(b), (a, b) => (a >= b ? 1 : 0), 'bool'),
  And: elementwise((a, b) => soma.logicalAnd(a, b), (a, b) => (a && b ? 1 : 0), 'bool'),
  Or: elementwise((a, b) => soma.logicalOr(a, b), (a, b) => (a || b ? 1 : 0), 'bool'),
  Xor: elementwise((a, b) => a.notEqual(b), (a, b) => (Boolean(a) !== Boolean(b) ? 1 : 0), 'bool'),
  Not: { run: (ins, c) => (isHost(ins[0]) ? new HostValue(ins[0].shape, ins[0].values.map((v) => (v ? 0 : 1)), 'bool') : soma.logicalNot(T(ins[0], c))) },
  // NaN is the one value unequal to itself (Soma's exporter writes IsNaN for NaN-propagating max/min).
  IsNaN: { run: (ins, c) => T(ins[0], c).notEqual(T(ins[0], c)) },
  IsInf: { run: (ins, c) => {
    const x = T(ins[0], c);
    const pos = c.a.int('detect_positive', 1) !== 0;
    const neg = c.a.int('detect_negative', 1) !== 0;
    const hits = [pos ? x.equal(Infinity) : null, neg ? x.equal(-Infinity) : null].filter((t): t is soma.Tensor => t !== null);
    return hits.length === 0 ? soma.zerosLike(x).cast('bool') : hits.length === 1 ? hits[0] : soma.logicalOr(hits[0], hits[1]);
  } },
  Neg: elementwise((x) => x.neg(), (x) => -x),
  Abs: unary((x) => x.abs(), Math.abs),
  Sqrt: unary((x) => x.sqrt()),
  Reciprocal: unary((x) => x.reciprocal()),
  Exp: unary((x) => x.exp()),
  Log: unary((x) => x.log()),
  Erf: unary((x) => x.erf()),
  Floor: unary((x) => x.floor(), Math.floor),
  Ceil: unary((x) => x.ceil(), Math.ceil),
  Round: unary((x) => x.round()),
  Sign: unary((x) => x.sign()),
  Sin: unary((x) => x.sin()),
  Cos: unary((x) => x.cos()),
  Tan: unary((x) => x.tan()),
  Tanh: unary((x) => x.tanh()),
  Sigmoid: unary((x) => x.sigmoid()),
  Relu: unary((x) => x.relu(), (x) => Math.max(x, 0)),
  Softplus: unary((x) => x.softplus()),
  Softsign: unary((x) => x.div(x.abs().add(1))),
  Mish: unary((x) => x.mul(x.softplus().tanh())),
  Selu: {
    run: (ins, c) => {
      const x = F(ins[0], c);
      const alpha = c.a.float('alpha', 1.67326319217681884765625);
      const gamma = c.a.float('gamma', 1.05070102214813232421875);
      return soma.where(x.greater(0), x, x.exp().sub(1).mul(alpha)).mul(gamma);
    },
  },
  Elu: { run: (ins, c) => { const x = F(ins[0], c); return soma.where(x.greater(0), x, x.expm1().mul(c.a.float('alpha', 1))); } },
  Celu: { run: (ins, c) => { const x = F(ins[0], c); const al = c.a.float('alpha', 1); return x.relu().add(soma.minimum(x.div(al).expm1().mul(al), 0)); } },
  LeakyRelu: { run: (ins, c) => soma.leakyRelu(F(ins[0], c), c.a.float('alpha', 0.01)) },
  PRelu: { run: (ins, c) => { const x = F(ins[0], c); const s = F(ins[1], c, 1); return soma.where(x.less(0), x.mul(s), x); } },
  HardSigmoid: { run: (ins, c) => soma.clip(F(ins[0], c).mul(c.a.float('alpha', 0.2)).add(c.a.float('beta', 0.5)), 0, 1) },
  HardSwish: { run: (ins, c) => { const x = F(ins[0], c); return x.mul(soma.clip(x.div(6).add(0.5), 0, 1)); } },
  Gelu: {
    run: (ins, c) => {
      const x = F(ins[0], c);
      if (c.a.string('approximate', 'none') === 'tanh') return x.mul(0.5).mul(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI)).tanh().add(1));
      return x.gelu();
    },
  },
  Clip: {
    run: (ins, c) => {
      const x = F(ins[0], c);
      if (c.opset < 11) return soma.clip(x, c.a.float('min', -Infinity), c.a.float('max', Infinity));
      // Bounds computed from data clip by maximum/minimum, without reading them back.
      const lo = ins[1] === undefined ? x : soma.maximum(x, F(ins[1], c, 1));
      return ins[2] === undefined ? lo : soma.minimum(lo, F(ins[2], c, 2));
    },
  },
  Where: {
    run: (ins, c) => {
      if (ins.every(isHost)) {
        const [cond, a, b] = ins as HostValue[];
        const shape = soma.broadcastShapes(c.where, cond.shape, a.shape, b.shape);
        const n = shape.reduce((p, q) => p * q, 1);
        if (n <= MAX_HOST_ELEMENTS) {
          const at = (h: HostValue, i: number) => (h.size === 1 ? h.values[0] : h.values[i % h.size]);
          const values = Array.from({ length: n }, (_, i) => (at(cond, i) ? at(a, i) : at(b, i)));
          return new HostValue(shape, values, a.dtype === 'float' || b.dtype === 'float' ? 'float' : a.dtype);
        }
      }
      return soma.where(asTensor(T(ins[0], c), c.where, 'bool'), T(ins[1], c, 1), T(ins[2], c, 2));
    },
  },
  Cast: {
    run: (ins, c) => {
      const to = c.a.int('to', 1);
      const v = ins[0]!;
      const intLike = [2, 3, 4, 5, 6, 7, 12, 13].includes(to);
      if (isHost(v) && intLike) return v.dtype === 'int' ? v : new HostValue(v.shape, v.values.map(Math.trunc));
      if (isHost(v) && (to === 1 || to === 10 || to === 11)) return new HostValue(v.shape, v.values, 'float');
      if (isHost(v) && to === 9) return new HostValue(v.shape, v.values.map((x) => (x ? 1 : 0)), 'bool');
      const dtype = to === 9 ? 'bool' : intLike ? 'int32' : 'float32';
      const t = T(v, c);
      return dtype === 'int32' && t.dtype === 'float32' ? t.cast('int32') : t.cast(dtype);
    },
  },
  CastLike: { run: (ins, c) => (isHost(ins[1]) && isHost(ins[0]) ? ins[0]! : T(ins[0], c).cast(T(ins[1], c, 1).dtype)) },
  Identity: { run: (ins) => ins[0]! },
  Dropout: {
    run: (ins, c) => {
      const training = ins[2] !== undefined && hostScalar(ins[2], c.where, 'training_mode') !== 0;
      if (!training) return [ins[0]!, soma.onesLike(T(ins[0], c)).cast('bool')];
      // Training mode (opset 12+): keep each element with probability 1 − ratio and scale it by
      // 1 / (1 − ratio); the mask says which were kept. A `seed` attribute fixes the mask.
      const x = F(ins[0], c);
      const ratio = ins[1] === undefined ? 0.5 : hostScalar(ins[1], c.where, 'ratio');
      if (!(ratio >= 0 && ratio < 1)) c.a.fail(`ratio must be in [0, 1) in training mode, got ${ratio}`);
      const seed = c.a.has('seed') ? c.a.int('seed', 0) : undefined;
      const mask = soma.randomUniform(x.shape, { seed }).greaterEqual(ratio);
      return [x.mul(mask.cast('float32')).div(1 - ratio), mask];
    },
  },

  // ---- linear algebra and networks
  MatMul: { run: (ins, c) => F(ins[0], c).matmul(F(ins[1], c, 1)) },
  Gemm: {
    run: (ins, c) => {
      let y = soma.matmul(F(ins[0], c), F(ins[1], c, 1), { transposeA: c.a.int('transA', 0) === 1, transposeB: c.a.int('transB', 0) === 1 });
      const alpha = c.a.float('alpha', 1);
      if (alpha !== 1) y = y.mul(alpha);
      if (ins[2] !== undefined) y = y.add(F(ins[2], c, 2).mul(c.a.float('beta', 1)));
      return y;
    },
  },
  Conv: conv(false),
  ConvTranspose: conv(true),
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: { run: (ins, c) => { const x = F(ins[0], c); return x.mean(x.shape.map((_, i) => i).slice(2), true); } },
  GlobalMaxPool: { run: (ins, c) => { const x = F(ins[0], c); return x.max(x.shape.map((_, i) => i).slice(2), true); } },
  BatchNormalization: {
    check: (_, a, opset) => (a.int('training_mode', 0) === 1 && opset < 14 ? 'BatchNormalization training_mode before opset 14' : null),
    run: (ins, c) => {
      const x = F(ins[0], c);
      const [weight, bias, mean, variance] = [F(ins[1], c, 1), F(ins[2], c, 2), F(ins[3], c, 3), F(ins[4], c, 4)];
      const epsilon = c.a.float('epsilon', 1e-5);
      if (c.a.int('training_mode', 0) !== 1) return soma.batchNorm(x, mean, variance, { weight, bias, epsilon });
      // Training mode (opset 14+): normalize by the batch's statistics (biased variance, as ONNX's
      // reference) and return the running statistics updated with `momentum`.
      const [y, batchMean, batchVariance] = soma.fused.batchNorm(x, { weight, bias, epsilon });
      const momentum = c.a.float('momentum', 0.9);
      const blend = (running: Tensor, batch: Tensor) => running.mul(momentum).add(batch.mul(1 - momentum));
      return [y, blend(mean, batchMean), blend(variance, batchVariance)];
    },
  },
  InstanceNormalization: {
    run: (ins, c) => {
      const x = F(ins[0], c);
      const axes = x.shape.map((_, i) => i).slice(2);
      const shape = [1, x.shape[1], ...axes.map(() => 1)];
      const y = x.sub(x.mean(axes, true)).div(soma.variance(x, axes, true).add(c.a.float('epsilon', 1e-5)).sqrt());
      return y.mul(F(ins[1], c, 1).reshape(shape)).add(F(ins[2], c, 2).reshape(shape));
    },
  },
  LayerNormalization: {
    run: (ins, c) => {
      const x = F(ins[0], c);
      const axis = norm(c.a.int('axis', -1), x.rank);
      const axes = x.shape.map((_, i) => i).slice(axis);
      const mean = x.mean(axes, true);
      const invStd = soma.variance(x, axes, true).add(c.a.float('epsilon', 1e-5)).rsqrt();
      let y = x.sub(mean).mul(invStd).mul(F(ins[1], c, 1));
      if (ins[2] !== undefined) y = y.add(F(ins[2], c, 2));
      return [y, mean, invStd];
    },
  },
  LpNormalization: {
    run: (ins, c) => {
      const x = F(ins[0], c);
      const axis = norm(c.a.int('axis', -1), x.rank);
      const n = c.a.int('p', 2) === 1 ? x.abs().sum(axis, true) : x.square().sum(axis, true).sqrt();
      return x.div(n);
    },
  },
  Softmax: softmax(false),
  LogSoftmax: softmax(true),

  // ---- reductions
  ReduceSum: reduce('sum', 13),
  ReduceMean: reduce('mean', 18),
  ReduceMax: reduce('max', 18),
  ReduceMin: reduce('min', 18),
  ReduceProd: reduce('prod', 18),
  ReduceL2: reduce('l2', 18),
  ReduceLogSumExp: reduce('logSumExp', 18),
  ArgMax: argReduce('argMax'),
  ArgMin: argReduce('argMin'),

  // ---- shapes
  Shape: {
    run: (ins, c) => {
      const s = shapeOf(T(ins[0], c));
      const start = norm(c.a.int('start', 0), s.length);
      const end = c.a.has('end') ? norm(c.a.int('end', s.length), s.length) : s.length;
      const dims = s.slice(start, end);
      return new HostValue([dims.length], dims);
    },
  },
  Size: { run: (ins, c) => new HostValue([], [T(ins[0], c).size]) },
  Reshape: {
    run: (ins, c) => {
      const target = hostNumbers(ins[1], c.where, 'the target shape');
      return reshapeValue(ins[0]!, resolveReshape(shapeOf(ins[0]!), target, c.a.int('allowzero', 0) === 1), c);
    },
  },
  Flatten: {
    run: (ins, c) => {
      const s = shapeOf(ins[0]!);
      const axis = norm(c.a.int('axis', 1), s.length);
      const rows = s.slice(0, axis).reduce((a, b) => a * b, 1);
      return reshapeValue(ins[0]!, [rows, s.slice(axis).reduce((a, b) => a * b, 1)], c);
    },
  },
  Squeeze: { run: (ins, c) => reshapeValue(ins[0]!, squeezeShape(shapeOf(ins[0]!), axesInput(ins, c)), c) },
  Unsqueeze: { run: (ins, c) => reshapeValue(ins[0]!, unsqueezeShape(shapeOf(ins[0]!), axesInput(ins, c)), c) },
  Transpose: {
    run: (ins, c) => {
      const v = ins[0]!;
      const rank = shapeOf(v).length;
      const perm = c.a.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      // Numbers stay numbers (PyTorch's pads: ConstantOfShape → Concat → Reshape → Slice → Transpose → Cast → Pad).
      if (isHost(v)) return hostTranspose(v, perm);
      return T(v, c).transpose(perm);
    },
  },
  Concat: {
    run: (ins, c) => {
      const present = ins.filter((v): v is Value => v !== undefined && shapeOf(v).reduce((a, b) => a * b, 1) > 0 || (v !== undefined && shapeOf(v).length > 1));
      if (present.every(isHost) && present.every((h) => h.shape.length === 1)) return new HostValue([present.reduce((a, h) => a + h.size, 0)], present.flatMap((h) => [...h.values]));
      const xs = present.map((v, i) => T(v, c, i));
      const float = xs.some((t) => t.dtype === 'float32');
      return soma.concat(xs.map((t) => (float ? t.cast('float32') : t)), norm(c.a.int('axis', 0), xs[0].rank));
    },
  },
  Split: {
    run: (ins, c) => {
      const x = T(ins[0], c);
      const axis = norm(c.a.int('axis', 0), x.rank);
      const n = (c.node.output ?? []).length;
      const sizes = c.opset >= 13 ? (ins[1] === undefined ? undefined : hostNumbers(ins[1], c.where, 'split')) : c.a.ints('split');
      if (sizes) return soma.split(x, sizes, axis);
      const d = x.shape[axis];
      const each = Math.ceil(d / (c.a.int('num_outputs', n) || n));
      return soma.split(x, Array.from({ length: n }, (_, i) => Math.max(0, Math.min(each, d - i * each))), axis);
    },
  },
  Slice: {
    check: (_, a, opset) => (opset < 10 && !a.has('starts') ? 'Slice without starts' : null),
    run: (ins, c) => {
      const x = ins[0]!;
      const shape = shapeOf(x);
      const get = (i: number, attr: string) => (c.opset >= 10 ? (ins[i] === undefined ? undefined : hostNumbers(ins[i], c.where, attr)) : c.a.ints(attr));
      const starts = get(1, 'starts') ?? [];
      const ends = get(2, 'ends') ?? [];
      const axes = (get(3, 'axes') ?? starts.map((_, i) => i)).map((a) => norm(a, shape.length));
      const steps = get(4, 'steps') ?? starts.map(() => 1);
      const begin = shape.map(() => 0);
      const end = [...shape];
      const stride = shape.map(() => 1);
      axes.forEach((a, k) => {
        const big = 2 ** 31 - 1;
        begin[a] = Math.max(-big, Math.min(big, starts[k]));
        end[a] = Math.max(-big - 1, Math.min(big, ends[k]));
        stride[a] = steps[k];
      });
      if (isHost(x)) return hostSlice(x, begin, end, stride);
      return soma.stridedSlice(T(x, c), begin, end, stride);
    },
  },
  Gather: {
    run: (ins, c) => {
      const x = ins[0]!;
      const idx = ins[1]!;
      const axis = norm(c.a.int('axis', 0), shapeOf(x).length);
      if (isHost(x) && isHost(idx)) return hostGather(x, idx, axis);
      const t = T(x, c);
      const d = t.shape[axis];
      const i = isHost(idx) ? new HostValue(idx.shape, idx.values.map((v) => (v < 0 ? v + d : v))).toTensor(c.where) : T(idx, c, 1);
      return soma.gather(t, i.dtype === 'int32' ? i : i.cast('int32'), axis);
    },
  },
  Constant: {
    run: (_, c) => {
      const t = c.a.tensor('value');
      if (t) {
        const v = protoValue(t, c.where);
        if ('host' in v) return v.host;
        const made = soma.keep(soma.tensor(v.data.values, v.data.shape, v.data.dtype));
        knownValues.set(made, v.data.values);
        return made;
      }
      if (c.a.has('value_float') || c.a.has('value_floats')) {
        const values = c.a.has('value_float') ? [c.a.float('value_float', 0)] : c.a.floats('value_floats')!;
        const made = soma.keep(soma.tensor(values, c.a.has('value_float') ? [] : [values.length]));
        knownValues.set(made, values);
        return made;
      }
      if (c.a.has('value_int')) return new HostValue([], [c.a.int('value_int', 0)]);
      if (c.a.has('value_ints')) { const v = c.a.ints('value_ints')!; return new HostValue([v.length], v); }
      return c.a.fail(`Constant with attributes ${c.a.names().join(', ')} is not supported`);
    },
  },
  ConstantOfShape: {
    run: (ins, c) => {
      const shape = hostNumbers(ins[0], c.where, 'shape');
      const t = c.a.tensor('value');
      const v = t ? protoValue(t, c.where) : { data: { values: [0], dtype: 'float32' as const } };
      const count = shape.reduce((a, b) => a * b, 1);
      const valid = shape.every((d) => Number.isSafeInteger(d) && d >= 0);
      if ('host' in v && valid && count <= MAX_HOST_ELEMENTS) return new HostValue(shape, new Array(count).fill(v.host.values[0]));
      // Bigger (or invalid) shapes go to core, which checks them before allocating.
      return 'host' in v ? soma.fill(shape, v.host.values[0], 'int32') : soma.fill(shape, v.data.values[0], v.data.dtype);
    },
  },
  Expand: {
    run: (ins, c) => {
      const x = T(ins[0], c);
      const target = hostNumbers(ins[1], c.where, 'shape');
      return soma.broadcastTo(x, soma.broadcastShapes(c.where, x.shape, target));
    },
  },
  Tile: { run: (ins, c) => soma.tile(T(ins[0], c), hostNumbers(ins[1], c.where, 'repeats')) },
  Pad: {
    check: (_, a) => (['constant', 'reflect', 'edge', 'wrap'].includes(a.string('mode', 'constant')) ? null : `Pad mode '${a.string('mode', '')}' (constant, reflect, edge and wrap are supported)`),
    run: (ins, c) => {
      const x = T(ins[0], c);
      const mode = c.a.string('mode', 'constant') as 'constant' | 'reflect' | 'edge' | 'wrap';
      const pads = c.opset >= 11 ? hostNumbers(ins[1], c.where, 'pads') : c.a.ints('pads') ?? [];
      const known = c.opset < 11 ? c.a.float('value', 0) : ins[2] === undefined ? 0 : isHost(ins[2]) || knownValues.has(ins[2]) ? hostScalar(ins[2], c.where, 'constant_value') : null;
      const axes = c.opset >= 18 && ins[3] !== undefined ? hostNumbers(ins[3], c.where, 'axes').map((a) => norm(a, x.rank)) : x.shape.map((_, i) => i);
      const pairs = x.shape.map(() => [0, 0] as [number, number]);
      axes.forEach((a, k) => (pairs[a] = [pads[k], pads[k + axes.length]]));
      if (pairs.some(([b, e]) => b < 0 || e < 0)) c.a.fail('negative pads (cropping) are not supported');
      if (mode !== 'constant') return soma.pad(x, pairs, { mode });
      if (known !== null) return soma.pad(x, pairs, known);
      // A fill value computed from data: pad with 0, then add it where the padding is.
      const inside = soma.pad(soma.onesLike(x), pairs, 0);
      return soma.pad(x, pairs, 0).add(inside.sub(1).neg().mul(asTensor(ins[2]!, c.where, x.dtype)));
    },
  },
  Range: {
    run: (ins, c) => {
      const [start, limit, delta] = [0, 1, 2].map((i) => hostScalar(ins[i], c.where, ['start', 'limit', 'delta'][i]));
      if (!(delta !== 0 && [start, limit, delta].every(Number.isFinite))) c.a.fail(`Range needs finite start and limit and a non-zero delta, got start=${start}, limit=${limit}, delta=${delta}`);
      const n = Math.max(0, Math.ceil((limit - start) / delta));
      const integers = ins.every((v) => (isHost(v) ? v.dtype === 'int' : v?.dtype === 'int32'));
      if (ins.every(isHost) && integers && n <= MAX_HOST_ELEMENTS) return new HostValue([n], Array.from({ length: n }, (_, i) => start + i * delta));
      // Longer ranges become tensors; core checks their size before allocating.
      return soma.arange(start, limit, delta, integers ? 'int32' : 'float32');
    },
  },
  OneHot: {
    run: (ins, c) => {
      const depth = hostScalar(ins[1], c.where, 'depth');
      const idx = T(ins[0], c);
      const i = idx.dtype === 'int32' ? idx : idx.cast('int32');
      // hot·(on − off) + off, with [off, on] from the values input (a constant or data alike).
      const values = F(ins[2], c, 2);
      const [off, on] = [values.slice([0], [1]), values.slice([1], [1])];
      const hot = soma.oneHot(soma.where(i.less(0), i.add(depth), i), depth).mul(on.sub(off)).add(off);
      const axis = c.a.int('axis', -1);
      if (axis === -1 || axis === idx.rank) return hot;
      const perm = hot.shape.map((_, k) => k);
      perm.splice(norm(axis, hot.rank), 0, perm.pop()!);
      return hot.transpose(perm);
    },
  },
  DepthToSpace: {
    run: (ins, c) => {
      const x = F(ins[0], c);
      const [n, ch, h, w] = x.shape;
      const b = c.a.int('blocksize', 1);
      const dcr = c.a.string('mode', 'DCR') === 'DCR';
      const t = dcr ? x.reshape([n, b, b, ch / (b * b), h, w]).transpose([0, 3, 4, 1, 5, 2]) : x.reshape([n, ch / (b * b), b, b, h, w]).transpose([0, 1, 4, 2, 5, 3]);
      return t.reshape([n, ch / (b * b), h * b, w * b]);
    },
  },
  SpaceToDepth: {
    run: (ins, c) => {
      const x = F(ins[0], c);
      const [n, ch, h, w] = x.shape;
      const b = c.a.int('blocksize', 1);
      return x.reshape([n, ch, h / b, b, w / b, b]).transpose([0, 3, 5, 1, 2, 4]).reshape([n, ch * b * b, h / b, w / b]);
    },
  },
};
