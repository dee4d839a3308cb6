import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { Layer, type LayerArgs, type LayerConfig, type LayerInput, type LayerMask } from '../model/layer.js';

/** Where every masked input is unmasked (Keras merges masks with a logical and); null when none has a mask. */
function andMasks(mask: LayerMask): Tensor | null {
  const list = (Array.isArray(mask) ? mask : [mask]).filter((m): m is Tensor => !!m);
  return list.length ? list.reduce((a, b) => soma.logicalAnd(a, b)) : null;
}
import { fmt, type LayerShape } from '../model/shapes.js';

/** Combines several same-shaped inputs elementwise (residual connections and the like). */
abstract class ElementwiseMerge extends Layer<'single'> {
  override supportsMasking = true;
  /** Combines the inputs, all of one shape after broadcasting, into the output. */
  protected abstract combine(xs: Tensor[]): Tensor;
  override computeMask(_inputs: LayerInput, mask: LayerMask): LayerMask {
    return andMasks(mask);
  }
  call(inputs: LayerInput): Tensor {
    if (!Array.isArray(inputs) || inputs.length < 2) throw new Error(`${this.name}: expects a list of at least 2 tensors`);
    return soma.tidy(() => this.combine(inputs));
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shapes = inputShape as LayerShape[];
    if (!Array.isArray(shapes[0]) || shapes.length < 2) throw new Error(`${this.name}: expects a list of at least 2 inputs`);
    const rank = shapes[0].length;
    for (const s of shapes) {
      if (s.length !== rank || s.some((d, i) => d !== null && shapes[0][i] !== null && d !== shapes[0][i])) {
        throw new Error(`${this.name}: inputs must have equal shapes, got ${shapes.map(fmt).join(' and ')}`);
      }
    }
    return shapes[0].map((d, i) => d ?? shapes.find((s) => s[i] !== null)?.[i] ?? null);
  }
  protected override recordBuiltShapes(shapes: LayerShape[]): (LayerShape | null)[] {
    return shapes.map(() => null);
  }
}

/** Adds its inputs elementwise (Keras Add). */
export class Add extends ElementwiseMerge {
  readonly className = 'Add';
  constructor(args: LayerArgs = {}) { super(args, 'add'); }
  /** Combines the inputs elementwise. */
  protected combine(xs: Tensor[]): Tensor { return xs.reduce((a, b) => a.add(b)); }
}

/** Subtracts its second input from its first (Keras Subtract). */
export class Subtract extends ElementwiseMerge {
  readonly className = 'Subtract';
  constructor(args: LayerArgs = {}) { super(args, 'subtract'); }
  /** Combines the inputs elementwise. */
  protected combine(xs: Tensor[]): Tensor {
    if (xs.length !== 2) throw new Error(`${this.name}: expects exactly 2 inputs, got ${xs.length}`);
    return xs[0].sub(xs[1]);
  }
}

/** Multiplies its inputs elementwise (Keras Multiply). */
export class Multiply extends ElementwiseMerge {
  readonly className = 'Multiply';
  constructor(args: LayerArgs = {}) { super(args, 'multiply'); }
  /** Combines the inputs elementwise. */
  protected combine(xs: Tensor[]): Tensor { return xs.reduce((a, b) => a.mul(b)); }
}

/** The elementwise mean of its inputs (Keras Average). */
export class Average extends ElementwiseMerge {
  readonly className = 'Average';
  constructor(args: LayerArgs = {}) { super(args, 'average'); }
  /** Combines the inputs elementwise. */
  protected combine(xs: Tensor[]): Tensor { return xs.reduce((a, b) => a.add(b)).div(xs.length); }
}

/** The elementwise maximum of its inputs (Keras Maximum). */
export class Maximum extends ElementwiseMerge {
  readonly className = 'Maximum';
  constructor(args: LayerArgs = {}) { super(args, 'maximum'); }
  /** Combines the inputs elementwise. */
  protected combine(xs: Tensor[]): Tensor { return xs.reduce((a, b) => soma.maximum(a, b)); }
}

/** The elementwise minimum of its inputs (Keras Minimum). */
export class Minimum extends ElementwiseMerge {
  readonly className = 'Minimum';
  constructor(args: LayerArgs = {}) { super(args, 'minimum'); }
  /** Combines the inputs elementwise. */
  protected combine(xs: Tensor[]): Tensor { return xs.reduce((a, b) => soma.minimum(a, b)); }
}

/** Joins inputs along `axis` (Keras default −1; use 1 for NCHW channels, as DenseNet does). */
export class Concatenate extends Layer<'single'> {
  readonly className = 'Concatenate';
  override supportsMasking = true;
  readonly axis: number;
  /** Along time (axis 1 of [batch, time, features]) masks are joined too; along features, and-ed. */
  override computeMask(inputs: LayerInput, mask: LayerMask): LayerMask {
    const xs = inputs as Tensor[];
    const masks = Array.isArray(mask) ? mask : [mask];
    if (!masks.some((m) => m)) return null;
    const rank = xs[0].rank;
    if ((this.axis < 0 ? this.axis + rank : this.axis) === 1 && rank === 3) {
      // An input without a mask is all real steps: x != NaN is true everywhere, and follows the batch size in a trace.
      return soma.concat(xs.map((x, i) => masks[i] ?? x.slice([0, 0, 0], [-1, -1, 1]).reshape([x.shape[0], x.shape[1]]).notEqual(NaN)), 1);
    }
    return andMasks(mask);
  }
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args, 'concatenate');
    this.axis = args.axis ?? -1;
  }
  call(inputs: LayerInput): Tensor {
    if (!Array.isArray(inputs) || inputs.length < 2) throw new Error(`${this.name}: expects a list of at least 2 tensors`);
    return soma.concat(inputs, this.axis);
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shapes = inputShape as LayerShape[];
    const rank = shapes[0].length;
    const ax = this.axis < 0 ? this.axis + rank : this.axis;
    for (const s of shapes) {
      if (s.length !== rank || s.some((d, i) => i !== ax && d !== null && shapes[0][i] !== null && d !== shapes[0][i])) {
        throw new Error(`${this.name}: inputs must match outside axis ${this.axis}, got ${shapes.map(fmt).join(' and ')}`);
      }
    }
    const total = shapes.some((s) => s[ax] === null) ? null : shapes.reduce((a, s) => a + (s[ax] as number), 0);
    return shapes[0].map((d, i) => (i === ax ? total : d));
  }
  protected override recordBuiltShapes(shapes: LayerShape[]): (LayerShape | null)[] {
    return shapes.map(() => null);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}
