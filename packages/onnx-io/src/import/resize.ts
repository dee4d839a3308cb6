import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import type { NodeProto } from '../proto.js';
import type { OpContext, OpImpl } from './op_table.js';
import { asTensor, hostNumbers, type Attributes, type Value } from './values.js';

/**
 * ONNX Resize (opsets 10 to 19) and Upsample (7 to 9): nearest, linear and cubic modes, separable,
 * one axis at a time, as gathers of host-computed source indices (and a weighted sum for linear
 * and cubic), so the result differentiates with respect to the input.
 */

type Transform = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_crop_and_resize';

/**
 * ONNX's coordinate transforms; `outLen` is the resized length before flooring (inLen · scale)
 * when scales were given; `roi` is the axis' [start, end] for tf_crop_and_resize.
 */
function sourceCoordinate(o: number, inLen: number, outLen: number, scale: number, mode: Transform, roi: [number, number]): number {
  switch (mode) {
    case 'tf_crop_and_resize': {
      const [start, end] = roi;
      return outLen > 1 ? start * (inLen - 1) + (o * (end - start) * (inLen - 1)) / (outLen - 1) : 0.5 * (start + end) * (inLen - 1);
    }
    case 'half_pixel': return (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outLen === 1 ? 0 : (o * (inLen - 1)) / (outLen - 1);
    default: return o / scale;
  }
}

function nearestIndex(x: number, rule: string): number {
  switch (rule) {
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    case 'round_prefer_ceil': return Math.round(x);
    default: return x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x); // round_prefer_floor
  }
}

/** Resizes one axis from inLen to outLen. */
function resizeAxis(x: Tensor, axis: number, outLen: number, scale: number, c: ResizeSettings, roi: [number, number]): Tensor {
  const inLen = x.shape[axis];
  const crop = c.transform === 'tf_crop_and_resize';
  if (outLen === inLen && scale === 1 && !crop) return x;
  const resizedLen = c.fromScales ? inLen * scale : outLen;
  const coords = Array.from({ length: outLen }, (_, o) => sourceCoordinate(o, inLen, resizedLen, scale, c.transform, roi));
  const y = interpolate(x, axis, coords, c);
  if (!crop || coords.every((v) => v >= 0 && v <= inLen - 1)) return y;
  // Crops reaching outside the input take extrapolation_value there.
  const outside = soma.tensor(coords.map((v) => (v < 0 || v > inLen - 1 ? 1 : 0)), x.shape.map((_, k) => (k === axis ? outLen : 1)), 'bool');
  return soma.where(outside, soma.fill([], c.extrapolation), y);
}

function interpolate(x: Tensor, axis: number, coords: number[], c: ResizeSettings): Tensor {
  const inLen = x.shape[axis];
  const outLen = coords.length;
  const clampIdx = (i: number) => Math.min(inLen - 1, Math.max(0, i));
  if (c.mode === 'nearest') {
    return soma.gather(x, soma.tensor(Int32Array.from(coords, (v) => clampIdx(nearestIndex(v, c.nearest))), [outLen], 'int32'), axis);
  }
  if (c.mode === 'cubic') return cubicAxis(x, axis, coords, c);
  const lo = coords.map((v) => clampIdx(Math.floor(Math.min(Math.max(v, 0), inLen - 1))));
  const hi = lo.map((i) => clampIdx(i + 1));
  const w = coords.map((v, k) => Math.min(Math.max(v, 0), inLen - 1) - lo[k]);
  const shape = x.shape.map((_, k) => (k === axis ? outLen : 1));
  const weight = soma.tensor(w, shape);
  const a = soma.gather(x, soma.tensor(Int32Array.from(lo), [outLen], 'int32'), axis);
  const b = soma.gather(x, soma.tensor(Int32Array.from(hi), [outLen], 'int32'), axis);
  return a.add(b.sub(a).mul(weight));
}

/**
 * Keys' cubic convolution weights for a point `ratio` ∈ (0, 1] past the second of four
 * neighbours (distances 1 + ratio, ratio, 1 − ratio, 2 − ratio), with ONNX's cubic_coeff_a.
 */
function cubicWeights(ratio: number, a: number): number[] {
  const near = (d: number) => ((a + 2) * d - (a + 3)) * d * d + 1;
  const far = (d: number) => ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  return [far(1 + ratio), near(ratio), near(1 - ratio), far(2 - ratio)];
}

/**
 * Cubic resizing of one axis, as ONNX's reference computes it: the four nearest of the positions
 * [−2, inLen + 2) (the input edge-padded by two; ties go to the smaller index), so an exact source
 * position x uses x − 2 … x + 1 with ratio 1; with exclude_outside, weights of positions outside
 * the input are zeroed and the rest renormalized.
 */
function cubicAxis(x: Tensor, axis: number, coords: number[], c: ResizeSettings): Tensor {
  const inLen = x.shape[axis];
  const outLen = coords.length;
  const idx = Array.from({ length: 4 }, () => new Int32Array(outLen));
  const wts = Array.from({ length: 4 }, () => new Float32Array(outLen));
  coords.forEach((v, o) => {
    const whole = Number.isInteger(v);
    const ratio = whole ? 1 : v - Math.floor(v);
    const first = Math.min(Math.max(whole ? v - 2 : Math.floor(v) - 1, -2), inLen - 2);
    const w = cubicWeights(ratio, c.cubicA);
    if (c.excludeOutside) {
      for (let k = 0; k < 4; k++) if (first + k < 0 || first + k >= inLen) w[k] = 0;
      const total = w.reduce((p, q) => p + q, 0);
      for (let k = 0; k < 4; k++) w[k] /= total;
    }
    for (let k = 0; k < 4; k++) {
      idx[k][o] = Math.min(inLen - 1, Math.max(0, first + k));
      wts[k][o] = w[k];
    }
  });
  const shape = x.shape.map((_, k) => (k === axis ? outLen : 1));
  let y: Tensor | null = null;
  for (let k = 0; k < 4; k++) {
    const term = soma.gather(x, soma.tensor(idx[k], [outLen], 'int32'), axis).mul(soma.tensor(wts[k], shape));
    y = y ? y.add(term) : term;
  }
  return y!;
}

interface ResizeSettings {
  fromScales?: boolean;
  mode: 'nearest' | 'linear' | 'cubic';
  transform: Transform;
  nearest: string;
  cubicA: number;
  excludeOutside: boolean;
  extrapolation: number;
}

function check(node: NodeProto, a: Attributes): string | null {
  const mode = a.string('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') return `${node.op_type} mode '${mode}' (nearest, linear and cubic are supported)`;
  const t = a.string('coordinate_transformation_mode', 'half_pixel');
  if (!['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'].includes(t)) return `${node.op_type} coordinate_transformation_mode '${t}'`;
  if (a.int('antialias', 0)) return `${node.op_type} with antialias`;
  if (a.string('keep_aspect_ratio_policy', 'stretch') !== 'stretch') return `${node.op_type} keep_aspect_ratio_policy '${a.string('keep_aspect_ratio_policy', '')}'`;
  return null;
}

function resize(x: Tensor, scales: number[] | null, sizes: number[] | null, axes: number[] | null, settings: ResizeSettings, c: OpContext, roi: number[] | null = null): Tensor {
  const rank = x.rank;
  const ax = axes ?? x.shape.map((_, i) => i);
  if ((scales ?? sizes)!.length !== ax.length) c.a.fail(`expects ${ax.length} scales or sizes, got ${(scales ?? sizes)!.length}`);
  if (settings.transform === 'tf_crop_and_resize' && roi?.length !== 2 * ax.length) c.a.fail(`tf_crop_and_resize needs roi with ${2 * ax.length} values (starts, then ends), got ${roi?.length ?? 0}`);
  let y = x;
  ax.forEach((a0, k) => {
    const a = a0 < 0 ? a0 + rank : a0;
    const inLen = x.shape[a];
    const outLen = sizes ? sizes[k] : Math.floor(inLen * scales![k]);
    const scale = sizes ? outLen / inLen : scales![k];
    y = resizeAxis(y, a, outLen, scale, { ...settings, fromScales: !sizes }, roi ? [roi[k], roi[k + ax.length]] : [0, 1]);
  });
  return y;
}

const present = (v: Value | undefined, c: OpContext, what: string): number[] | null => {
  if (v === undefined) return null;
  const values = hostNumbers(v, c.where, what);
  return values.length ? values : null;
};

export const RESIZE_OPS: Record<string, OpImpl> = {
  Resize: {
    check,
    run(ins, c) {
      const x = asTensor(ins[0]!, c.where, 'float32');
      // Opset 10: (X, scales), asymmetric coordinates; from 11: (X, roi, scales, sizes).
      const settings: ResizeSettings = {
        mode: c.a.string('mode', 'nearest') as ResizeSettings['mode'],
        transform: (c.opset >= 11 ? c.a.string('coordinate_transformation_mode', 'half_pixel') : 'asymmetric') as Transform,
        nearest: c.opset >= 11 ? c.a.string('nearest_mode', 'round_prefer_floor') : 'floor',
        cubicA: c.a.float('cubic_coeff_a', -0.75),
        excludeOutside: c.a.int('exclude_outside', 0) === 1,
        extrapolation: c.a.float('extrapolation_value', 0),
      };
      const scales = present(c.opset >= 11 ? ins[2] : ins[1], c, 'scales');
      const sizes = c.opset >= 11 ? present(ins[3], c, 'sizes') : null;
      if (!scales && !sizes) c.a.fail('needs scales or sizes');
      const roi = c.opset >= 11 && settings.transform === 'tf_crop_and_resize' ? present(ins[1], c, 'roi') : null;
      return resize(x, sizes ? null : scales, sizes, c.a.ints('axes') ?? null, settings, c, roi);
    },
  },
  Upsample: {
    check,
    run(ins, c) {
      const x = asTensor(ins[0]!, c.where, 'float32');
      const scales = c.opset >= 9 ? present(ins[1], c, 'scales') : c.a.floats('scales') ?? null;
      if (!scales) c.a.fail('needs scales');
      return resize(x, scales, null, null, { mode: c.a.string('mode', 'nearest') as ResizeSettings['mode'], transform: 'asymmetric', nearest: 'floor', cubicA: -0.75, excludeOutside: false, extrapolation: 0 }, c);
    },
  },
};
