import type { Conv2dAttrs, KernelTensor, Shape } from '@soma/core';
import { outLength } from '@soma/core';
import type { ConvShape, Gemm } from './gemm.js';
import { allocData, allocF32, f32, type CpuData } from './storage.js';

/** Geometry shared by the forward and both backward convolutions. */
interface ConvGeometry {
  n: number; c: number; h: number; w: number;
  m: number; cg: number; mg: number; kh: number; kw: number;
  oh: number; ow: number;
  /** Rows of the im2col matrix (cg·kh·kw) and its columns (oh·ow). */
  k: number; p: number;
  attrs: Conv2dAttrs;
}

function geometry(xShape: Shape, wShape: Shape, yShape: Shape, attrs: Conv2dAttrs): ConvGeometry {
  const [n, c, h, w] = xShape;
  const [m, cg, kh, kw] = wShape;
  const [, , oh, ow] = yShape;
  return { n, c, h, w, m, cg, mg: m / attrs.group, kh, kw, oh, ow, k: cg * kh * kw, p: oh * ow, attrs };
}

function outputShape(xShape: Shape, wShape: Shape, a: Conv2dAttrs): number[] {
  const [n, , h, w] = xShape;
  const [m, , kh, kw] = wShape;
  const oh = outLength(h, a.pads[0], a.pads[2], kh, a.strides[0], a.dilations[0]);
  const ow = outLength(w, a.pads[1], a.pads[3], kw, a.strides[1], a.dilations[1]);
  return [n, m, oh, ow];
}

function convShape(g: ConvGeometry): ConvShape {
  const a = g.attrs;
  return {
    n: g.n, c: g.c, h: g.h, w: g.w, m: g.m, groups: a.group, kh: g.kh, kw: g.kw, sh: a.strides[0], sw: a.strides[1],
    dh: a.dilations[0], dw: a.dilations[1], pt: a.pads[0], pl: a.pads[1], oh: g.oh, ow: g.ow, pointwise: isPointwise(g),
  };
}

/** True when the im2col matrix of one image-group is the input itself (1×1, stride 1, no padding). */
function isPointwise(g: ConvGeometry): boolean {
  const a = g.attrs;
  return g.kh === 1 && g.kw === 1 && a.strides[0] === 1 && a.strides[1] === 1 && a.pads.every((v) => v === 0);
}

/**
 * Moves data between the input planes of image `img`, group `grp` and the patch matrix col[k, p]:
 * 'gather' is im2col (col ← x, zeros where a window hits padding), 'scatter' its transpose col2im
 * (x += col). One walk over the geometry serves both so they can never disagree.
 */
function patches(mode: 'gather' | 'scatter', x: Float32Array, g: ConvGeometry, img: number, grp: number, col: Float32Array): void {
  const { h, w, cg, kh, kw, oh, ow, p } = g;
  const [sh, sw] = g.attrs.strides;
  const [dh, dw] = g.attrs.dilations;
  const [pt, pl] = g.attrs.pads;
  const gather = mode === 'gather';
  let row = 0;
  for (let ci = 0; ci < cg; ci++) {
    const plane = (img * g.c + grp * cg + ci) * h * w;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, row++) {
        const base = row * p;
        // Output columns whose input x lies inside [0, w): ox in [oxLo, oxHi).
        const xOff = kj * dw - pl;
        const oxLo = Math.min(ow, Math.max(0, Math.ceil(-xOff / sw)));
        const oxHi = Math.max(oxLo, Math.min(ow, Math.ceil((w - xOff) / sw)));
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - pt + ki * dh;
          const o = base + oy * ow;
          const inside = iy >= 0 && iy < h;
          const src = plane + iy * w + xOff;
          if (!gather) {
            if (inside) for (let ox = oxLo; ox < oxHi; ox++) x[src + ox * sw] += col[o + ox];
            continue;
          }
          if (!inside) {
            col.fill(0, o, o + ow);
            continue;
          }
          for (let ox = 0; ox < oxLo; ox++) col[o + ox] = 0;
          for (let ox = oxLo; ox < oxHi; ox++) col[o + ox] = x[src + ox * sw];
          for (let ox = oxHi; ox < ow; ox++) col[o + ox] = 0;
        }
      }
    }
  }
}

/**
 * Maps so small that every output reads most of the input (VGG's and ResNet's 2×2 last stages):
 * the convolution is then one dense linear map per image, x[n, c·h·w] · W'[c·h·w, m·oh·ow], with
 * W'[(ci, iy, ix), (mo, oy, ox)] = w[mo, ci, iy − oy + pt, ix − ox + pl] (zero off the filter), and
 * NCHW is already that layout. It pays where a map has at most half as many positions as the
 * filter has taps (a 2×2 map under 3×3: 16 products per channel pair against the patch matrix's
 * 36), as one GEMM over the whole batch (measured 2026-12-07: 2.5–4× the direct and Winograd paths at
 * 512 channels).
 */
function dense(g: ConvGeometry): boolean {
  const a = g.attrs;
  // W' holds h·w·oh·ow floats per channel pair: at most twice the filter's kh·kw, so a large
  // filter over a small map (7×7 over 4×4: 5×) keeps the other paths rather than the memory.
  return a.group === 1 && a.strides.every((v) => v === 1) && a.dilations.every((v) => v === 1) &&
    2 * g.h * g.w <= g.kh * g.kw && g.h * g.w * g.oh * g.ow <= 2 * g.kh * g.kw && g.c * g.m >= 64 * 64;
}

/**
 * Runs `use` with W'ᵀ [m·oh·ow, c·h·w] built from w (each row reads one output channel's filters
 * in order); or, with `fold`, lets `use` write the gradient of W'ᵀ and adds each of its entries
 * into the tap of w it came from.
 */
function withDenseMatrix(gemm: Gemm, g: ConvGeometry, w: Float32Array, fold: boolean, use: (wt: Float32Array) => void): void {
  const data: CpuData = allocData('float32', g.m * g.oh * g.ow * g.c * g.h * g.w);
  const wt = data.values as Float32Array;
  try {
    if (fold) use(wt);
    if (!gemm.conv?.denseMatrix(w, wt, convShape(g), fold)) denseMatrixJs(g, w, wt, fold);
    if (!fold) use(wt);
  } finally {
    data.release();
  }
}

/** assembly/conv.ts's denseMatrix, for engines without WebAssembly. */
function denseMatrixJs(g: ConvGeometry, w: Float32Array, wt: Float32Array, fold: boolean): void {
  const { c, m, h, kh, kw, oh, ow } = g;
  const wid = g.w;
  const pin = h * wid;
  const cols = c * pin;
  const taps = kh * kw;
  const [pt, pl] = g.attrs.pads;
  for (let mo = 0; mo < m; mo++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const row = ((mo * oh + oy) * ow + ox) * cols;
        for (let iy = 0; iy < h; iy++) {
          const ky = iy - oy + pt;
          if (ky < 0 || ky >= kh) continue;
          for (let ix = 0; ix < wid; ix++) {
            const kx = ix - ox + pl;
            if (kx < 0 || kx >= kw) continue;
            // Every input channel: W'ᵀ steps by pin, w by the taps of one channel.
            let src = mo * c * taps + ky * kw + kx;
            const end = row + cols;
            if (fold) for (let o = row + iy * wid + ix; o < end; o += pin, src += taps) w[src] += wt[o];
            else for (let o = row + iy * wid + ix; o < end; o += pin, src += taps) wt[o] = w[src];
          }
        }
      }
    }
  }
}

export function conv2d(gemm: Gemm, x: KernelTensor, w: KernelTensor, bias: KernelTensor | null, attrs: Conv2dAttrs): KernelTensor {
  const yShape = outputShape(x.shape, w.shape, attrs);
  const g = geometry(x.shape, w.shape, yShape, attrs);
  const { values: y, t } = allocF32(yShape, g.k > 0);
  const xv = f32(x);
  const wv = f32(w);
  if (dense(g)) {
    withDenseMatrix(gemm, g, wv, false, (wt) => gemm(g.n, g.m * g.p, g.c * g.h * g.w, xv, 0, false, wt, 0, true, y, 0, false));
  } else {
    if (gemm.conv?.forward(xv, wv, bias ? f32(bias) : null, y, convShape(g))) return t;
    const pointwise = isPointwise(g);
    const col = pointwise ? xv : new Float32Array(g.k * g.p);
    for (let img = 0; img < g.n; img++) {
      for (let grp = 0; grp < attrs.group; grp++) {
        const yOff = (img * g.m + grp * g.mg) * g.p;
        // y[img, grp·mg : (grp+1)·mg, :] = W_grp[mg, k] · col[k, p]
        let colOff = 0;
        if (pointwise) colOff = (img * g.c + grp * g.cg) * g.p;
        else patches('gather', xv, g, img, grp, col);
        gemm(g.mg, g.p, g.k, wv, grp * g.mg * g.k, false, col, colOff, false, y, yOff, false);
      }
    }
  }
  if (bias) {
    const bv = f32(bias);
    for (let img = 0; img < g.n; img++) {
      for (let oc = 0; oc < g.m; oc++) {
        const b = bv[oc];
        const o = (img * g.m + oc) * g.p;
        for (let i = 0; i < g.p; i++) y[o + i] += b;
      }
    }
  }
  return t;
}

export function conv2dBackpropInput(gemm: Gemm, dy: KernelTensor, w: KernelTensor, inputShape: Shape, attrs: Conv2dAttrs): KernelTensor {
  const g = geometry(inputShape, w.shape, dy.shape, attrs);
  // Not zeroed: the dense product and the WebAssembly kernels write every value (col2im zeroes
  // each image before it adds into it); only the scatter below adds into dx. A ResNet-20 step
  // zeroed 72 MB here that was written over at once.
  const { values: dx, t } = allocF32(inputShape, true);
  const dyv = f32(dy);
  const wv = f32(w);
  if (dense(g)) {
    // dx[n, c·h·w] = dy[n, m·oh·ow] · W'ᵀ
    withDenseMatrix(gemm, g, wv, false, (wt) => gemm(g.n, g.c * g.h * g.w, g.m * g.p, dyv, 0, false, wt, 0, false, dx, 0, false));
    return t;
  }
  if (gemm.conv?.backpropInput(dyv, wv, dx, convShape(g))) return t;
  dx.fill(0);
  const pointwise = isPointwise(g) && g.oh === g.h && g.ow === g.w;
  const col = new Float32Array(g.k * g.p);
  for (let img = 0; img < g.n; img++) {
    for (let grp = 0; grp < attrs.group; grp++) {
      const dyOff = (img * g.m + grp * g.mg) * g.p;
      if (pointwise) {
        // dx[img, grp channels] = W_grpᵀ[k, mg] · dy[mg, p], written straight into place.
        gemm(g.k, g.p, g.mg, wv, grp * g.mg * g.k, true, dyv, dyOff, false, dx, (img * g.c + grp * g.cg) * g.p, false);
        continue;
      }
      gemm(g.k, g.p, g.mg, wv, grp * g.mg * g.k, true, dyv, dyOff, false, col, 0, false);
      patches('scatter', dx, g, img, grp, col);
    }
  }
  return t;
}

export function conv2dBackpropFilter(gemm: Gemm, x: KernelTensor, dy: KernelTensor, filterShape: Shape, attrs: Conv2dAttrs): KernelTensor {
  const g = geometry(x.shape, filterShape, dy.shape, attrs);
  // Zeroed: the WebAssembly filter gradient adds every image into it.
  const { values: dw, t } = allocF32(filterShape);
  const xv = f32(x);
  const dyv = f32(dy);
  if (dense(g)) {
    // dW'ᵀ = dyᵀ[m·oh·ow, n] · x[n, c·h·w], folded back onto the taps of dw (zeroed above).
    withDenseMatrix(gemm, g, dw, true, (wt) => gemm(g.m * g.p, g.c * g.h * g.w, g.n, dyv, 0, true, xv, 0, false, wt, 0, false));
    return t;
  }
  if (gemm.conv?.backpropFilter(xv, dyv, dw, convShape(g))) return t;
  const pointwise = isPointwise(g);
  const col = pointwise ? xv : new Float32Array(g.k * g.p);
  for (let img = 0; img < g.n; img++) {
    for (let grp = 0; grp < attrs.group; grp++) {
      const dyOff = (img * g.m + grp * g.mg) * g.p;
      // dW_grp[mg, k] += dy[img, grp][mg, p] · colᵀ[p, k]
      let colOff = 0;
      if (pointwise) colOff = (img * g.c + grp * g.cg) * g.p;
      else patches('gather', xv, g, img, grp, col);
      gemm(g.mg, g.k, g.p, dyv, dyOff, false, col, colOff, true, dw, grp * g.mg * g.k, img > 0);
    }
  }
  return t;
}
