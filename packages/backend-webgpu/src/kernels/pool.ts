import type { KernelTensor, Pool2dAttrs, Shape } from '@soma/core';
import { outLength, sizeOf } from '@soma/core';
import type { ProgramRunner } from '../program.js';
import { bindings, groupsFor, perElement } from '../wgsl.js';

/** Metadata: [threads, N, C, H, W, OH, OW, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, countIncludePad]. */
function poolMeta(threads: number, xShape: Shape, a: Pool2dAttrs): { meta: number[]; outShape: number[] } {
  const [n, c, h, w] = xShape;
  const oh = outLength(h, a.pads[0], a.pads[2], a.kernel_shape[0], a.strides[0], a.dilations[0], a.ceil_mode);
  const ow = outLength(w, a.pads[1], a.pads[3], a.kernel_shape[1], a.strides[1], a.dilations[1], a.ceil_mode);
  const meta = [threads, n, c, h, w, oh, ow, ...a.kernel_shape, ...a.strides, ...a.pads, ...a.dilations, a.count_include_pad ? 1 : 0];
  return { meta, outShape: [n, c, oh, ow] };
}

const NAMES = `
fn pH() -> i32 { return prm[3]; } fn pW() -> i32 { return prm[4]; } fn pOH() -> i32 { return prm[5]; } fn pOW() -> i32 { return prm[6]; }
fn pKh() -> i32 { return prm[7]; } fn pKw() -> i32 { return prm[8]; } fn pSh() -> i32 { return prm[9]; } fn pSw() -> i32 { return prm[10]; }
fn pPt() -> i32 { return prm[11]; } fn pPl() -> i32 { return prm[12]; } fn pPb() -> i32 { return prm[13]; } fn pPr() -> i32 { return prm[14]; }
fn pDh() -> i32 { return prm[15]; } fn pDw() -> i32 { return prm[16]; }
// Flat input index of the first maximum of window (plane, oy, ox), or -1 for an empty window; NaN wins and sticks.
fn window_argmax(plane: i32, oy: i32, ox: i32) -> i32 {
  let y0 = oy * pSh() - pPt(); let x0 = ox * pSw() - pPl();
  var best = -1; var bv = 0.0;
  for (var i = 0; i < pKh(); i++) {
    let iy = y0 + i * pDh();
    if (iy < 0 || iy >= pH()) { continue; }
    for (var j = 0; j < pKw(); j++) {
      let ix = x0 + j * pDw();
      if (ix < 0 || ix >= pW()) { continue; }
      let idx = (plane * pH() + iy) * pW() + ix;
      let v = in_x(idx);
      if (best < 0 || v > bv || (is_nan(v) && !is_nan(bv))) { bv = v; best = idx; }
    }
  }
  return best;
}
// PyTorch's divisor: the window clipped to the padded input, or to the input when padding does not count.
fn window_divisor(oy: i32, ox: i32) -> f32 {
  let y0 = oy * pSh() - pPt(); let x0 = ox * pSw() - pPl();
  let ye = min(y0 + pKh(), pH() + pPb()); let xe = min(x0 + pKw(), pW() + pPr());
  if (prm[17] == 1) { return f32((ye - y0) * (xe - x0)); }
  return f32((min(ye, pH()) - max(y0, 0)) * (min(xe, pW()) - max(x0, 0)));
}
`;

export function maxPool2d(r: ProgramRunner, x: KernelTensor, a: Pool2dAttrs): KernelTensor {
  const { meta, outShape } = poolMeta(0, x.shape, a);
  meta[0] = sizeOf(outShape);
  return r.run({
    key: 'maxPool2d',
    shader: () => `${bindings(['f32'], 'f32')}fn in_x(k: i32) -> f32 { return in0[k]; }\n${NAMES}${perElement(`  let ox = i % pOW(); let oy = (i / pOW()) % pOH(); let plane = i / (pOW() * pOH());
  let best = window_argmax(plane, oy, ox);
  out[i] = select(in0[best], -inf_f(), best < 0);`)}`,
    workgroups: groupsFor(meta[0]),
    meta,
  }, [x], outShape, 'float32');
}

/** One invocation per input element: it collects the gradients of the windows whose first maximum it is. */
export function maxPool2dGrad(r: ProgramRunner, dy: KernelTensor, x: KernelTensor, a: Pool2dAttrs): KernelTensor {
  const { meta } = poolMeta(sizeOf(x.shape), x.shape, a);
  return r.run({
    key: 'maxPool2dGrad',
    shader: () => `${bindings(['f32', 'f32'], 'f32')}fn in_x(k: i32) -> f32 { return in1[k]; }\n${NAMES}${perElement(`  let ix = i % pW(); let iy = (i / pW()) % pH(); let plane = i / (pW() * pH());
  var g = 0.0;
  let ny = iy + pPt() - (pKh() - 1) * pDh(); let nx = ix + pPl() - (pKw() - 1) * pDw();
  for (var oy = select(0, (ny + pSh() - 1) / pSh(), ny > 0); oy < pOH(); oy++) {
    let ry = iy + pPt() - oy * pSh();
    if (ry < 0) { break; }
    if (ry % pDh() != 0 || ry / pDh() >= pKh()) { continue; }
    for (var ox = select(0, (nx + pSw() - 1) / pSw(), nx > 0); ox < pOW(); ox++) {
      let rx = ix + pPl() - ox * pSw();
      if (rx < 0) { break; }
      if (rx % pDw() != 0 || rx / pDw() >= pKw()) { continue; }
      if (window_argmax(plane, oy, ox) == i) { g += in0[(plane * pOH() + oy) * pOW() + ox]; }
    }
  }
  out[i] = g;`)}`,
    workgroups: groupsFor(meta[0]),
    meta,
  }, [dy, x], x.shape, 'float32');
}

export function avgPool2d(r: ProgramRunner, x: KernelTensor, a: Pool2dAttrs): KernelTensor {
  const { meta, outShape } = poolMeta(0, x.shape, a);
  meta[0] = sizeOf(outShape);
  return r.run({
    key: 'avgPool2d',
    shader: () => `${bindings(['f32'], 'f32')}fn in_x(k: i32) -> f32 { return in0[k]; }\n${NAMES}${perElement(`  let ox = i % pOW(); let oy = (i / pOW()) % pOH(); let plane = i / (pOW() * pOH());
  let y0 = oy * pSh() - pPt(); let x0 = ox * pSw() - pPl();
  var s = 0.0;
  for (var iy = max(y0, 0); iy < min(y0 + pKh(), pH()); iy++) {
    for (var ix = max(x0, 0); ix < min(x0 + pKw(), pW()); ix++) { s += in0[(plane * pH() + iy) * pW() + ix]; }
  }
  let d = window_divisor(oy, ox);
  out[i] = select(nan_f(), s / d, d > 0.0);`)}`,
    workgroups: groupsFor(meta[0]),
    meta,
  }, [x], outShape, 'float32');
}

export function avgPool2dGrad(r: ProgramRunner, dy: KernelTensor, a: Pool2dAttrs & { readonly inputShape: Shape }): KernelTensor {
  const { meta } = poolMeta(sizeOf(a.inputShape), a.inputShape, a);
  return r.run({
    key: 'avgPool2dGrad',
    shader: () => `${bindings(['f32'], 'f32')}fn in_x(k: i32) -> f32 { return 0.0; }\n${NAMES}${perElement(`  let ix = i % pW(); let iy = (i / pW()) % pH(); let plane = i / (pW() * pH());
  var g = 0.0;
  let ny = iy + pPt() - pKh() + 1; let nx = ix + pPl() - pKw() + 1;
  for (var oy = select(0, (ny + pSh() - 1) / pSh(), ny > 0); oy < pOH(); oy++) {
    let y0 = oy * pSh() - pPt();
    if (iy < y0) { break; }
    if (iy >= y0 + pKh()) { continue; }
    for (var ox = select(0, (nx + pSw() - 1) / pSw(), nx > 0); ox < pOW(); ox++) {
      let x0 = ox * pSw() - pPl();
      if (ix < x0) { break; }
      if (ix >= x0 + pKw()) { continue; }
      let d = window_divisor(oy, ox);
      if (d > 0.0) { g += in0[(plane * pOH() + oy) * pOW() + ox] / d; }
    }
  }
  out[i] = g;`)}`,
    workgroups: groupsFor(meta[0]),
    meta,
  }, [dy], [...a.inputShape], 'float32');
}
