import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

/**
 * The scalers: standard (zero mean, unit variance), minMax ([0, 1]) and robust (median and
 * interquartile range).
 */
export type ScalerKind = 'minMax' | 'standard' | 'robust';

/** Options of a scaler: the axis its statistics are taken over (default 0, per column; null for all values). */
export interface ScalerOptions {
  /**
   * The axis whose entries get their own statistics: 1 is the feature of [samples, features] and
   * the channel of NCHW images (the default); null pools everything into one statistic.
   */
  axis?: number | null;
}

/** What serialize() returns and deserialize() takes. */
export interface ScalerState {
  kind: ScalerKind;
  axis: number | null;
  range?: [number, number];
  /** x' = (x − offset) · scale, per entry of `axis`. */
  offset: number[];
  scale: number[];
}

/** x as [entries of `axis`, rest] (or flat for null), on the device: what fit reads back. */
function columnTensor(x: Tensor, axis: number | null, op: string): Tensor {
  if (x.size === 0) throw new Error(`${op}: cannot fit on an empty tensor`);
  if (axis === null) return x.reshape([1, -1]);
  if (axis >= x.rank || axis < 0) throw new Error(`${op}: axis ${axis} is out of range for data of shape [${x.shape.join(', ')}]`);
  const perm = [axis, ...x.shape.map((_, i) => i).filter((i) => i !== axis)];
  return soma.tidy(() => soma.transpose(x, perm).reshape([x.shape[axis], -1]));
}

/** The rows of a [k, n] read-back as arrays of plain numbers. */
function rows(v: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, k: number): number[][] {
  const n = v.length / k;
  return Array.from({ length: k }, (_, c) => Array.from(v.subarray(c * n, (c + 1) * n)));
}

/** Linear-interpolated quantile (numpy's default) of sorted values. */
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * A fitted affine rescaling, x' = (x − offset)·scale per feature or channel. Fit on training data
 * only, then transform any split with the same statistics.
 */
export class Scaler {
  private state: ScalerState | null = null;

  constructor(readonly kind: ScalerKind, private readonly axis: number | null, private readonly range: [number, number] = [0, 1]) {
    if (!['minMax', 'standard', 'robust'].includes(kind)) throw new Error(soma.unknownNameMessage('scaler', kind, ['minMax', 'standard', 'robust']));
    if (axis !== null) soma.checkNumber(`scalers.${kind}`, 'axis', axis, { integer: true, min: 0 });
    if (!Array.isArray(range) || range.length !== 2) throw new Error(`scalers.${kind}: range must be [low, high], got ${JSON.stringify(range)}`);
    range.forEach((v, i) => soma.checkNumber(`scalers.${kind}`, `range[${i}]`, v));
    if (kind === 'minMax' && !(range[0] < range[1])) throw new Error(`scalers.minMax: range must be [low, high] with low < high, got [${range.join(', ')}]`);
  }

  get fitted(): boolean {
    return this.state !== null;
  }

  /**
   * Learns the statistics of `x` (one set per entry of the scaler's axis), reading it back
   * synchronously; on a backend that reads only asynchronously (webgpu) use `fitAsync`.
   */
  fit(x: Tensor): this {
    const t = columnTensor(x, this.axis, `${this.kind}.fit`);
    try {
      return this.fitRows(rows(t.dataSync(), t.shape[0]));
    } finally {
      t.dispose();
    }
  }

  /** `fit` with an awaited readback: works on every backend. */
  async fitAsync(x: Tensor): Promise<this> {
    const t = columnTensor(x, this.axis, `${this.kind}.fit`);
    try {
      return this.fitRows(rows(await t.data(), t.shape[0]));
    } finally {
      t.dispose();
    }
  }

  private fitRows(cols: number[][]): this {
    const op = `${this.kind}.fit`;
    const offset: number[] = [];
    const scale: number[] = [];
    for (const c of cols) {
      if (c.some((v) => !Number.isFinite(v))) throw new Error(`${op}: the data contains NaN or infinite values`);
      if (this.kind === 'minMax') {
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of c) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        // A constant feature maps to the low end of the range instead of dividing by zero (as scikit-learn).
        const s = hi > lo ? (this.range[1] - this.range[0]) / (hi - lo) : 1;
        offset.push(lo - this.range[0] / s);
        scale.push(s);
      } else if (this.kind === 'standard') {
        let m = 0;
        for (const v of c) m += v;
        m /= c.length;
        let s2 = 0;
        for (const v of c) s2 += (v - m) ** 2;
        const std = Math.sqrt(s2 / c.length); // population standard deviation, as scikit-learn
        offset.push(m);
        scale.push(std > 0 ? 1 / std : 1);
      } else {
        const sorted = [...c].sort((a, b) => a - b);
        const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
        offset.push(quantile(sorted, 0.5));
        scale.push(iqr > 0 ? 1 / iqr : 1);
      }
    }
    this.state = { kind: this.kind, axis: this.axis, range: this.kind === 'minMax' ? this.range : undefined, offset, scale };
    return this;
  }

  private params(x: Tensor, op: string): [Tensor, Tensor] {
    if (!this.state) throw new Error(`${this.kind}.${op}: call fit() on the training data first`);
    const { axis, offset, scale } = this.state;
    if (axis !== null && x.shape[axis] !== offset.length) {
      throw new Error(`${this.kind}.${op}: fitted on ${offset.length} entries along axis ${axis}, got data of shape [${x.shape.join(', ')}]`);
    }
    const shape = axis === null ? [] : x.shape.map((d, i) => (i === axis ? d : 1));
    return [soma.tensor(offset, shape), soma.tensor(scale, shape)];
  }

  /** Scales `x` with the fitted statistics (per column). */
  transform(x: Tensor): Tensor {
    return soma.tidy(() => {
      const [offset, scale] = this.params(x, 'transform');
      return x.cast('float32').sub(offset).mul(scale);
    });
  }

  /** Undoes `transform`. */
  inverseTransform(x: Tensor): Tensor {
    return soma.tidy(() => {
      const [offset, scale] = this.params(x, 'inverseTransform');
      return x.div(scale).add(offset);
    });
  }

  /** `fit` then `transform`. */
  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  /** The fitted statistics as plain JSON, to save beside a model. */
  serialize(): ScalerState {
    if (!this.state) throw new Error(`${this.kind}.serialize: the scaler is not fitted`);
    return structuredClone(this.state);
  }

  /** A scaler from `serialize`'s output. */
  static deserialize(state: ScalerState): Scaler {
    const s = new Scaler(state.kind, state.axis, state.range);
    // A state read from a file: statistics must be finite numbers, one offset per scale.
    const finite = (name: string, v: unknown) => Array.isArray(v) && v.every((x, i) => soma.checkNumber('Scaler.deserialize', `${name}[${i}]`, x) === x);
    if (!finite('offset', state.offset) || !finite('scale', state.scale) || state.offset.length !== state.scale.length) {
      throw new Error('Scaler.deserialize: offset and scale must be arrays of finite numbers of the same length');
    }
    s.state = structuredClone(state);
    return s;
  }
}

/** Rescales to [0, 1], or to `range` such as [-1, 1]. */
export const minMax = (o: ScalerOptions & { range?: [number, number] } = {}): Scaler => new Scaler('minMax', o.axis === undefined ? 1 : o.axis, o.range ?? [0, 1]);
/** Mean 0 and (population) standard deviation 1. */
export const standard = (o: ScalerOptions = {}): Scaler => new Scaler('standard', o.axis === undefined ? 1 : o.axis);
/** Median 0 and interquartile range 1: insensitive to outliers. */
export const robust = (o: ScalerOptions = {}): Scaler => new Scaler('robust', o.axis === undefined ? 1 : o.axis);
