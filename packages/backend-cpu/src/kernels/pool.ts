import type { KernelTensor, Pool2dAttrs, Shape } from '@soma/core';
import { f32, out } from './storage';

function outLen(len: number, pb: number, pe: number, k: number, s: number, d: number, ceil: boolean): number {
  const span = len + pb + pe - (k - 1) * d - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= len + pb) o--;
  return o;
}

function poolShape(xShape: Shape, a: Pool2dAttrs): [number, number, number, number] {
  const [n, c, h, w] = xShape;
  return [
    n, c,
    outLen(h, a.pads[0], a.pads[2], a.kernel_shape[0], a.strides[0], a.dilations[0], a.ceil_mode),
    outLen(w, a.pads[1], a.pads[3], a.kernel_shape[1], a.strides[1], a.dilations[1], a.ceil_mode),
  ];
}

/**
 * Visits every pooling window: `visit(plane, outIndex, y0, x0)` with the window's top-left corner
 * in input coordinates (may be negative in the padding).
 */
function forEachWindow(xShape: Shape, yShape: Shape, a: Pool2dAttrs, visit: (inPlane: number, o: number, y0: number, x0: number) => void): void {
  const [n, c, h, w] = xShape;
  const [, , oh, ow] = yShape;
  for (let pl = 0; pl < n * c; pl++) {
    const inPlane = pl * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        visit(inPlane, (pl * oh + oy) * ow + ox, oy * a.strides[0] - a.pads[0], ox * a.strides[1] - a.pads[1]);
      }
    }
  }
}

/** Index (into x) of the window's first maximum, or -1 when the window holds only padding. */
function argmaxInWindow(xv: Float32Array, h: number, w: number, a: Pool2dAttrs, inPlane: number, y0: number, x0: number): number {
  const [kh, kw] = a.kernel_shape;
  const [dh, dw] = a.dilations;
  let best = -1;
  let bv = -Infinity;
  for (let i = 0; i < kh; i++) {
    const iy = y0 + i * dh;
    if (iy < 0 || iy >= h) continue;
    for (let j = 0; j < kw; j++) {
      const ix = x0 + j * dw;
      if (ix < 0 || ix >= w) continue;
      const idx = inPlane + iy * w + ix;
      const v = xv[idx];
      if (v > bv || best < 0 || Number.isNaN(v)) {
        bv = v;
        best = idx;
        if (Number.isNaN(v)) return best;
      }
    }
  }
  return best;
}

export function maxPool2d(x: KernelTensor, a: Pool2dAttrs): KernelTensor {
  const yShape = poolShape(x.shape, a);
  const [, , h, w] = x.shape;
  const xv = f32(x);
  const y = new Float32Array(yShape[0] * yShape[1] * yShape[2] * yShape[3]);
  forEachWindow(x.shape, yShape, a, (inPlane, o, y0, x0) => {
    const i = argmaxInWindow(xv, h, w, a, inPlane, y0, x0);
    y[o] = i < 0 ? -Infinity : xv[i];
  });
  return out(y, yShape, 'float32');
}

export function maxPool2dGrad(dy: KernelTensor, x: KernelTensor, a: Pool2dAttrs): KernelTensor {
  const [, , h, w] = x.shape;
  const xv = f32(x);
  const dyv = f32(dy);
  const dx = new Float32Array(xv.length);
  forEachWindow(x.shape, dy.shape, a, (inPlane, o, y0, x0) => {
    const i = argmaxInWindow(xv, h, w, a, inPlane, y0, x0);
    if (i >= 0) dx[i] += dyv[o];
  });
  return out(dx, x.shape, 'float32');
}

/** The divisor PyTorch uses: the window clipped to the padded input, or to the real input when padding does not count. */
function windowDivisor(h: number, w: number, a: Pool2dAttrs, y0: number, x0: number): { ys: number; ye: number; xs: number; xe: number; div: number } {
  const [kh, kw] = a.kernel_shape;
  const yEndPadded = Math.min(y0 + kh, h + a.pads[2]);
  const xEndPadded = Math.min(x0 + kw, w + a.pads[3]);
  const ys = Math.max(y0, 0);
  const xs = Math.max(x0, 0);
  const ye = Math.min(yEndPadded, h);
  const xe = Math.min(xEndPadded, w);
  const div = a.count_include_pad ? (yEndPadded - y0) * (xEndPadded - x0) : (ye - ys) * (xe - xs);
  return { ys, ye, xs, xe, div };
}

export function avgPool2d(x: KernelTensor, a: Pool2dAttrs): KernelTensor {
  const yShape = poolShape(x.shape, a);
  const [, , h, w] = x.shape;
  const xv = f32(x);
  const y = new Float32Array(yShape[0] * yShape[1] * yShape[2] * yShape[3]);
  forEachWindow(x.shape, yShape, a, (inPlane, o, y0, x0) => {
    const { ys, ye, xs, xe, div } = windowDivisor(h, w, a, y0, x0);
    let s = 0;
    for (let iy = ys; iy < ye; iy++) for (let ix = xs; ix < xe; ix++) s += xv[inPlane + iy * w + ix];
    y[o] = div > 0 ? s / div : NaN;
  });
  return out(y, yShape, 'float32');
}

export function avgPool2dGrad(dy: KernelTensor, inputShape: Shape, a: Pool2dAttrs): KernelTensor {
  const [n, c, h, w] = inputShape;
  const dyv = f32(dy);
  const dx = new Float32Array(n * c * h * w);
  forEachWindow(inputShape, dy.shape, a, (inPlane, o, y0, x0) => {
    const { ys, ye, xs, xe, div } = windowDivisor(h, w, a, y0, x0);
    if (div <= 0) return;
    const g = dyv[o] / div;
    for (let iy = ys; iy < ye; iy++) for (let ix = xs; ix < xe; ix++) dx[inPlane + iy * w + ix] += g;
  });
  return out(dx, inputShape, 'float32');
}
