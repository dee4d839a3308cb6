import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

/** A penalty on a weight or an activation, added to the training loss. */
export interface Regularizer {
  readonly name: string;
  readonly config: Record<string, number>;
  /** The penalty for weights `x`, a scalar added to the loss. */
  apply(x: Tensor): Tensor;
}

/** A regularizer by name ('l1', 'l2', 'l1l2'), an object, or null for none. */
export type RegularizerSpec = Regularizer | 'l1' | 'l2' | 'l1l2' | null;

/** l1·Σ|x| + l2·Σx² (Keras L1L2; Keras's string defaults are 0.01). */
export function l1l2(o: { l1?: number; l2?: number } = {}): Regularizer {
  const l1 = soma.checkNumber('l1l2', 'l1', o.l1 ?? 0, { min: 0 });
  const l2 = soma.checkNumber('l1l2', 'l2', o.l2 ?? 0, { min: 0 });
  return {
    name: 'l1l2',
    config: { l1, l2 },
    apply: (x) => soma.tidy(() => {
      let p = soma.scalar(0);
      if (l1) p = p.add(x.abs().sum().mul(l1));
      if (l2) p = p.add(x.square().sum().mul(l2));
      return p;
    }),
  };
}

/** L1 penalty: `l1 · Σ|w|` (0.01 by default). */
export const l1 = (o: { l1?: number } = {}): Regularizer => l1l2({ l1: o.l1 ?? 0.01 });
/** L2 penalty: `l2 · Σw²` (0.01 by default). */
export const l2 = (o: { l2?: number } = {}): Regularizer => l1l2({ l2: o.l2 ?? 0.01 });

const BY_NAME: Record<string, () => Regularizer> = { l1: () => l1(), l2: () => l2(), l1l2: () => l1l2({ l1: 0.01, l2: 0.01 }) };

/** The regularizer a name or an object stands for (null for none). */
export function getRegularizer(spec: RegularizerSpec): Regularizer | null {
  if (spec === null) return null;
  if (typeof spec !== 'string') return spec;
  return soma.lookupName<() => Regularizer>(BY_NAME, spec, 'regularizer')();
}

/** A regularizer as saved in a layer config: its name, or { name, config }. */
export function regularizerFromJson(spec: string | { name: string; config: Record<string, number> }): Regularizer | null {
  if (typeof spec === 'string') return getRegularizer(spec as RegularizerSpec);
  if (spec?.name !== 'l1l2') throw new Error(soma.unknownNameMessage('regularizer', spec?.name, Object.keys(BY_NAME)));
  return l1l2(spec.config ?? {});
}
