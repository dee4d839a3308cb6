import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

/** A projection applied to a weight after every optimizer step. */
export interface Constraint {
  readonly name: string;
  readonly config: Record<string, unknown>;
  /** The constrained weights, computed after each optimizer step. */
  apply(w: Tensor): Tensor;
}

/** A constraint by name ('maxNorm', 'nonNeg', 'unitNorm'), an object, or null for none. */
export type ConstraintSpec = Constraint | 'maxNorm' | 'nonNeg' | 'unitNorm' | null;

/** Norms over `axis` (default 0: per output unit of a dense kernel [in, out], as Keras). */
function norms(w: Tensor, axis: number | number[]): Tensor {
  return w.square().sum(axis, true).sqrt();
}

/** Rescales each slice whose norm exceeds maxValue down to it. */
export const maxNorm = (o: { maxValue?: number; axis?: number | number[] } = {}): Constraint => {
  const maxValue = soma.checkNumber('maxNorm', 'maxValue', o.maxValue ?? 2, { above: 0 });
  return {
    name: 'maxNorm',
    config: { maxValue, axis: o.axis ?? 0 },
    apply: (w) => soma.tidy(() => {
      const n = norms(w, o.axis ?? 0);
      return w.mul(soma.clip(n, 0, maxValue).div(n.add(1e-7)));
    }),
  };
};

/** Negative weights become 0. */
export const nonNeg = (): Constraint => ({ name: 'nonNeg', config: {}, apply: (w) => soma.relu(w) });

/** Each slice rescaled to unit norm. */
export const unitNorm = (o: { axis?: number | number[] } = {}): Constraint => ({
  name: 'unitNorm',
  config: { axis: o.axis ?? 0 },
  apply: (w) => soma.tidy(() => w.div(norms(w, o.axis ?? 0).add(1e-7))),
});

const BY_NAME: Record<string, (c: never) => Constraint> = { maxNorm, nonNeg, unitNorm };

/** The constraint a name or an object stands for (null for none). */
export function getConstraint(spec: ConstraintSpec): Constraint | null {
  if (spec === null) return null;
  if (typeof spec !== 'string') return spec;
  return soma.lookupName<(c: never) => Constraint>(BY_NAME, spec, 'constraint')({} as never);
}

/** A constraint as saved in a layer config: its name, or { name, config }. */
export function constraintFromJson(spec: string | { name: string; config: Record<string, unknown> }): Constraint | null {
  if (typeof spec === 'string') return getConstraint(spec as ConstraintSpec);
  return soma.lookupName(BY_NAME, spec?.name, 'constraint')((spec.config ?? {}) as never);
}
