import type { KernelTensor, Pool2dAttrs, Shape } from '@soma/core';
import { outLength } from '@soma/core';
import type { SimdElementwise } from '../wasm/wasm_elementwise.js';
import { allocF32, f32 } from './storage.js';

/** 2×2 windows with stride 2, no padding or dilation, all inside the input: the SIMD kernels' case. */
function is2x2(inShape: Shape, yShape: Shape, a: Pool2dAttrs): boolean {
  return a.kernel_shape[0] === 2 && a.kernel_shape[1] === 2 && a.strides[0] === 2 && a.strides[1] === 2 &&
    a.dilations[0] === 1 && a.dilations[1] === 1 && a.pads.every((p) => p === 0) &&
    yShape[2] * 2 <= inShape[2] && yShape[3] * 2 <= inShape[3];
}

function poolShape(xShape: Shape, a: Pool2dAttrs): [number, number, number, number] {
  const [n, c, h, w] = xShape;
  return [
    n, c,
    outLength(h, a.pads[0], a.pads[2], a.kernel_shape[0], a.strides[0], a.dilations[0], a.ceil_mode),
    outLength(w, a.pads[1], a.pads[3], a.kernel_shape[1], a.strides[1], a.dilations[1], a.ceil_mode),
  ];
}

/**
 * Max pooling forward (dy null) or backward (dy given: each window's gradient goes to its first
 * maximum, accumulated into dx). Sharing the argmax walk keeps forward and backward consistent.
 */
function maxPool(x: KernelTensor, a: Pool2dAttrs, yShape: Shape, y: Float32Array | null, dy: Float32Array | null, dx: Float32Array | null): void {
  const [n, c, h, w] = x.shape;
  const [, , oh, ow] = yShape;
  const [kh, kw] = a.kernel_shape;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const xv = f32(x);
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - a.pads[0];
      for (let ox = 0; ox < ow; ox++, o++) {
        const x0 = ox * sw - a.pads[1];
        let best = -1;
        let bv = -Infinity;
        for (let i = 0; i < kh; i++) {
          const iy = y0 + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = x0 + j * dw;
            if (ix < 0 || ix >= w) continue;
            const idx = base + iy * w + ix;
            const v = xv[idx];
            // NaN wins and sticks, as in PyTorch.
            if (best < 0 || v > bv || (v !== v && bv === bv)) {
              bv = v;
              best = idx;
            }
          }
        }
        if (y) y[o] = best < 0 ? -Infinity : bv;
        else if (best >= 0) dx![best] += dy![o];
      }
    }
  }
}

export function maxPool2d(x: KernelTensor, a: Pool2dAttrs, simd: SimdElementwise | null = null): KernelTensor {
  const yShape = poolShape(x.shape, a);
  const { values: y, t } = allocF32(yShape, true);
  if (simd && is2x2(x.shape, yShape, a) && simd.pool2x2('max', f32(x), y, x.shape, yShape)) return t;
  maxPool(x, a, yShape, y, null, null);
  return t;
}

export function maxPool2dGrad(dy: KernelTensor, x: KernelTensor, a: Pool2dAttrs, simd: SimdElementwise | null = null): KernelTensor {
  const { values: dx, t } = allocF32(x.shape);
  if (is2x2(x.shape, dy.shape, a)) {
    if (!simd?.maxPool2x2Grad(f32(x), f32(dy), dx, x.shape, dy.shape)) maxPool2x2Grad(f32(x), f32(dy), dx, x.shape, dy.shape);
  } else maxPool(x, a, dy.shape, null, f32(dy), dx);
  return t;
}

/**
 * 2×2, stride-2 windows that do not overlap (VGG's and most CNNs' pooling): each window's dy goes
 * to its maximum, chosen as maxPool does (the first of equal values; a NaN wins), with no bounds
 * checks — 5–10× the general loop.
 */
function maxPool2x2Grad(xv: Float32Array, dyv: Float32Array, dx: Float32Array, inShape: Shape, outShape: Shape): void {
  const [n, c, h, w] = inShape;
  const [, , oh, ow] = outShape;
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < oh; oy++) {
      let top = base + 2 * oy * w;
      for (let ox = 0; ox < ow; ox++, o++, top += 2) {
        let best = top;
        let bv = xv[top];
        let v = xv[top + 1];
        if (v > bv || (v !== v && bv === bv)) { bv = v; best = top + 1; }
        v = xv[top + w];
        if (v > bv || (v !== v && bv === bv)) { bv = v; best = top + w; }
        v = xv[top + w + 1];
        if (v > bv || (v !== v && bv === bv)) best = top + w + 1;
        dx[best] = dyv[o];
      }
    }
  }
}

/**
 * Average pooling forward (x given: y = window sum / divisor) or backward (dy given: dx += dy /
 * divisor over the window). The divisor is PyTorch's: the window clipped to the padded input, or to
 * the real input when padding does not count.
 */
function avgPool(inShape: Shape, a: Pool2dAttrs, yShape: Shape, xv: Float32Array | null, y: Float32Array | null, dy: Float32Array | null, dx: Float32Array | null): void {
  const [n, c, h, w] = inShape;
  const [, , oh, ow] = yShape;
  const [kh, kw] = a.kernel_shape;
  const [sh, sw] = a.strides;
  if (a.pads.every((p) => p === 0) && oh * sh <= h && ow * sw <= w && (oh - 1) * sh + kh <= h && (ow - 1) * sw + kw <= w) {
    if (y) windowMeans(n * c, h, w, oh, ow, kh, kw, sh, sw, xv!, y);
    else windowSpread(n * c, h, w, oh, ow, kh, kw, sh, sw, dy!, dx!);
    return;
  }
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - a.pads[0];
      const yEndPadded = Math.min(y0 + kh, h + a.pads[2]);
      const ys = Math.max(y0, 0);
      const ye = Math.min(yEndPadded, h);
      for (let ox = 0; ox < ow; ox++, o++) {
        const x0 = ox * sw - a.pads[1];
        const xEndPadded = Math.min(x0 + kw, w + a.pads[3]);
        const xs = Math.max(x0, 0);
        const xe = Math.min(xEndPadded, w);
        const div = a.count_include_pad ? (yEndPadded - y0) * (xEndPadded - x0) : (ye - ys) * (xe - xs);
        if (y) {
          let s = 0;
          for (let iy = ys; iy < ye; iy++) for (let ix = xs; ix < xe; ix++) s += xv![base + iy * w + ix];
          y[o] = div > 0 ? s / div : NaN;
        } else if (div > 0) {
          const gv = dy![o] / div;
          for (let iy = ys; iy < ye; iy++) for (let ix = xs; ix < xe; ix++) dx![base + iy * w + ix] += gv;
        }
      }
    }
  }
}

/**
 * avgPool when every window lies inside the input (no padding: LeNet's and most CNNs' pooling):
 * the divisor is the window size and no clipping is needed, so the loops are plain. Sums run in
 * the general loop's order, so results are identical. Forward and backward are separate functions
 * so each stays monomorphic for the JIT.
 */
function windowMeans(planes: number, h: number, w: number, oh: number, ow: number, kh: number, kw: number, sh: number, sw: number, xv: Float32Array, y: Float32Array): void {
  const div = kh * kw;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const row = base + oy * sh * w;
      for (let ox = 0; ox < ow; ox++, o++) {
        const start = row + ox * sw;
        let s = 0;
        for (let i = 0; i < kh; i++) {
          const r = start + i * w;
          for (let j = 0; j < kw; j++) s += xv[r + j];
        }
        y[o] = s / div;
      }
    }
  }
}

function windowSpread(planes: number, h: number, w: number, oh: number, ow: number, kh: number, kw: number, sh: number, sw: number, dy: Float32Array, dx: Float32Array): void {
  const div = kh * kw;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const row = base + oy * sh * w;
      for (let ox = 0; ox < ow; ox++, o++) {
        const start = row + ox * sw;
        const gv = dy[o] / div;
        for (let i = 0; i < kh; i++) {
          const r = start + i * w;
          for (let j = 0; j < kw; j++) dx[r + j] += gv;
        }
      }
    }
  }
}

export function avgPool2d(x: KernelTensor, a: Pool2dAttrs, simd: SimdElementwise | null = null): KernelTensor {
  const yShape = poolShape(x.shape, a);
  const { values: y, t } = allocF32(yShape);
  if (simd && is2x2(x.shape, yShape, a) && simd.pool2x2('avg', f32(x), y, x.shape, yShape)) return t;
  avgPool(x.shape, a, yShape, f32(x), y, null, null);
  return t;
}

export function avgPool2dGrad(dy: KernelTensor, inputShape: Shape, a: Pool2dAttrs, simd: SimdElementwise | null = null): KernelTensor {
  const { values: dx, t } = allocF32(inputShape);
  if (simd && is2x2(inputShape, dy.shape, a) && simd.pool2x2('avgGrad', f32(dy), dx, inputShape, dy.shape)) return t;
  avgPool(inputShape, a, dy.shape, null, null, f32(dy), dx);
  return t;
}
