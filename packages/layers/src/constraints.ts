import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

/** A projection applied to a weight after every optimizer step. */
export interface Constraint {
  readonly name: string;
  readonly config: Record<string, unknown>;
  apply(w: Tensor): Tensor;
}

export type ConstraintSpec = Constraint | 'maxNorm' | 'nonNeg' | 'unitNorm' | null;

/** Norms over `axis` (default 0: per output unit of a dense kernel [in, out], as Keras). */
function norms(w: Tensor, axis: number | number[]): Tensor {
  return w.square().sum(axis, true).sqrt();
}

/** Rescales each slice whose norm exceeds maxValue down to it. */
export const maxNorm = (o: { maxValue?: number; axis?: number | number[] } = {}): Constraint => ({
  name: 'maxNorm',
  config: { maxValue: o.maxValue ?? 2, axis: o.axis ?? 0 },
  apply: (w) => soma.tidy(() => {
    const n = norms(w, o.axis ?? 0);
    return w.mul(soma.clip(n, 0, o.maxValue ?? 2).div(n.add(1e-7)));
  }),
});

/** Negative weights become 0. */
export const nonNeg = (): Constraint => ({ name: 'nonNeg', config: {}, apply: (w) => soma.relu(w) });

/** Each slice rescaled to unit norm. */
export const unitNorm = (o: { axis?: number | number[] } = {}): Constraint => ({
  name: 'unitNorm',
  config: { axis: o.axis ?? 0 },
  apply: (w) => soma.tidy(() => w.div(norms(w, o.axis ?? 0).add(1e-7))),
});

export function getConstraint(spec: ConstraintSpec): Constraint | null {
  if (spec === null) return null;
  if (typeof spec !== 'string') return spec;
  if (spec === 'maxNorm') return maxNorm();
  if (spec === 'nonNeg') return nonNeg();
  if (spec === 'unitNorm') return unitNorm();
  throw new Error(`unknown constraint '${String(spec)}'; valid names: maxNorm, nonNeg, unitNorm`);
}

/** A constraint as saved in a layer config: its name, or { name, config }. */
export function constraintFromJson(spec: string | { name: string; config: Record<string, unknown> }): Constraint | null {
  if (typeof spec === 'string') return getConstraint(spec as ConstraintSpec);
  const make = ({ maxNorm, nonNeg, unitNorm } as Record<string, (c: never) => Constraint>)[spec.name];
  if (!make) throw new Error(`unknown constraint '${spec.name}'; valid names: maxNorm, nonNeg, unitNorm`);
  return make(spec.config as never);
}
