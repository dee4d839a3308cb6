// Fused optimizer updates in f32x4: one pass over a parameter and its slots. Each step is a float32
// operation in the order of the op-by-op update (and of src/kernels/fused_update.ts); float32 SIMD
// + − × ÷ √ round correctly, as JavaScript's double arithmetic rounded to float32 does, and
// f32x4.max propagates NaN as the op-by-op maximum does, so all three give the same bits.

/**
 * Adam/AdamW (amsgrad optional): θ' = θ·decay − step·m'/(√v̂/c2 + ε), with g = grad + l2·θ·decay,
 * m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², v̂ = amsgrad ? max(vmax, v') : v'.
 */
export function adamUpdate(
  theta: usize, grad: usize, m0: usize, v0: usize, vmax0: usize,
  thOut: usize, mOut: usize, vOut: usize, vmaxOut: usize, n: i32,
  decay: f32, l2: f32, b1: f32, ob1: f32, b2: f32, ob2: f32, c2: f32, eps: f32, step: f32, amsgrad: bool,
): void {
  const vDecay = f32x4.splat(decay);
  const vL2 = f32x4.splat(l2);
  const vB1 = f32x4.splat(b1);
  const vOb1 = f32x4.splat(ob1);
  const vB2 = f32x4.splat(b2);
  const vOb2 = f32x4.splat(ob2);
  const vC2 = f32x4.splat(c2);
  const vEps = f32x4.splat(eps);
  const vStep = f32x4.splat(step);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let th = v128.load(theta + o);
    if (decay != 1) th = f32x4.mul(th, vDecay);
    let g = v128.load(grad + o);
    if (l2 != 0) g = f32x4.add(g, f32x4.mul(th, vL2));
    const m = f32x4.add(f32x4.mul(v128.load(m0 + o), vB1), f32x4.mul(g, vOb1));
    const v = f32x4.add(f32x4.mul(v128.load(v0 + o), vB2), f32x4.mul(f32x4.mul(g, g), vOb2));
    v128.store(mOut + o, m);
    v128.store(vOut + o, v);
    let second = v;
    if (amsgrad) {
      second = f32x4.max(v128.load(vmax0 + o), v);
      v128.store(vmaxOut + o, second);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(second), vC2), vEps);
    v128.store(thOut + o, f32x4.sub(th, f32x4.mul(f32x4.div(m, denom), vStep)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let th = load<f32>(theta + o);
    if (decay != 1) th = th * decay;
    let g = load<f32>(grad + o);
    if (l2 != 0) g = g + th * l2;
    const m = load<f32>(m0 + o) * b1 + g * ob1;
    const v = load<f32>(v0 + o) * b2 + g * g * ob2;
    store<f32>(mOut + o, m);
    store<f32>(vOut + o, v);
    let second = v;
    if (amsgrad) {
      const old = load<f32>(vmax0 + o);
      second = isNaN(old) || isNaN(v) ? NaN : max(old, v);
      store<f32>(vmaxOut + o, second);
    }
    const denom = sqrt(second) / c2 + eps;
    store<f32>(thOut + o, th - (m / denom) * step);
  }
}

/** SGD with momentum (nesterov optional): b' = first ? g : μ·b + (1−dampening)·g; θ' = θ − lr·(nesterov ? g + μ·b' : b'). */
export function sgdUpdate(
  theta: usize, grad: usize, b0: usize, thOut: usize, bOut: usize, n: i32,
  l2: f32, mu: f32, od: f32, lr: f32, first: bool, nesterov: bool,
): void {
  const vL2 = f32x4.splat(l2);
  const vMu = f32x4.splat(mu);
  const vOd = f32x4.splat(od);
  const vLr = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const th = v128.load(theta + o);
    let g = v128.load(grad + o);
    if (l2 != 0) g = f32x4.add(g, f32x4.mul(th, vL2));
    const b = first ? g : f32x4.add(f32x4.mul(v128.load(b0 + o), vMu), f32x4.mul(g, vOd));
    v128.store(bOut + o, b);
    const s = nesterov ? f32x4.add(g, f32x4.mul(b, vMu)) : b;
    v128.store(thOut + o, f32x4.sub(th, f32x4.mul(s, vLr)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const th = load<f32>(theta + o);
    let g = load<f32>(grad + o);
    if (l2 != 0) g = g + th * l2;
    const b = first ? g : load<f32>(b0 + o) * mu + g * od;
    store<f32>(bOut + o, b);
    const s = nesterov ? g + b * mu : b;
    store<f32>(thOut + o, th - s * lr);
  }
}
