import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { checkIntegerIds } from './integer_ids.js';

/**
 * A loss: per-sample values [batch] from targets and predictions; fit averages them over the batch.
 * `checkTargets` validates targets on the host (class ids are integers in range) before a compiled
 * training step, where checks inside the loss ran only when the step was traced.
 */
export type LossFn = ((yTrue: Tensor, yPred: Tensor) => Tensor) & {
  /** Checks the targets against the prediction's shape before training starts (a clear error instead of a silent broadcast). */
  checkTargets?: (yTrue: Tensor, yPredShape: readonly number[]) => void;
  /** The factory and options that made this loss (set by the configurable losses), so models compiled with it can be saved and exported. */
  config?: LossConfig;
};

/** A named loss with its options (Keras's serialized loss): what `save` writes for `sparseCategoricalCrossentropy({ fromLogits: true })`. */
export interface LossConfig {
  name: LossName;
  options: Record<string, number | boolean>;
}

/** Records on `fn` the factory call that made it. */
function configured(fn: LossFn, name: LossName, options: object): LossFn {
  fn.config = { name, options: { ...(options as Record<string, number | boolean>) } };
  return fn;
}

/** Keras's fuzz factor: probabilities are clipped to [EPSILON, 1 − EPSILON] before log. */
export const EPSILON = 1e-7;

const lastAxisMean = (t: Tensor): Tensor => (t.rank === 0 ? t : t.mean(-1));

/**
 * Targets as the predictions' shape and dtype: integer or bool labels become float32, and labels
 * [n] meet predictions [n, 1] (scikit-style labels with a one-unit output, as Keras accepts).
 */
export function alignTargets(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  let y = yTrue.dtype === 'float32' ? yTrue : yTrue.cast('float32');
  if (y.rank === yPred.rank - 1 && yPred.shape[yPred.rank - 1] === 1) y = y.expandDims(-1);
  if (y.rank !== yPred.rank || y.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new Error(`${name}: targets [${yTrue.shape.join(', ')}] and predictions [${yPred.shape.join(', ')}] must have the same shape`);
  }
  return y;
}

/** Mean of (prediction − target)² over the last axis ('mse'). */
export const meanSquaredError: LossFn = (y0, p) => {
  const y = alignTargets('meanSquaredError', y0, p);
  return lastAxisMean(p.sub(y).square());
};

/** Mean of |prediction − target| over the last axis ('mae'). */
export const meanAbsoluteError: LossFn = (y0, p) => {
  const y = alignTargets('meanAbsoluteError', y0, p);
  return lastAxisMean(p.sub(y).abs());
};

/** 0.5·e² for |e| ≤ δ, δ(|e| − 0.5δ) beyond (Keras Huber, δ = 1). */
export function huber(delta = 1): LossFn {
  return configured(huberLoss(delta), 'huber', delta === 1 ? {} : { delta });
}

function huberLoss(delta: number): LossFn {
  return (y0, p) => {
    const y = alignTargets('huber', y0, p);
    const e = p.sub(y).abs();
    const quad = soma.minimum(e, delta);
    return lastAxisMean(quad.square().mul(0.5).add(e.sub(quad).mul(delta)));
  };
}

/** log(cosh(e)) = e + softplus(−2e) − log 2, which cannot overflow. */
export const logCosh: LossFn = (y0, p) => {
  const y = alignTargets('logCosh', y0, p);
  const e = p.sub(y);
  return lastAxisMean(e.add(soma.softplus(e.mul(-2))).sub(Math.LN2));
};

/**
 * Binary cross-entropy. From probabilities they are clipped to [ε, 1 − ε]; from logits the stable
 * form max(z, 0) − z·y + log(1 + e^−|z|) is used.
 */
export function binaryCrossentropy(o: { fromLogits?: boolean; labelSmoothing?: number } = {}): LossFn {
  return configured(binaryCrossentropyLoss(o), 'binaryCrossentropy', o);
}

function binaryCrossentropyLoss(o: { fromLogits?: boolean; labelSmoothing?: number }): LossFn {
  return (y0, p) => {
    const t = alignTargets('binaryCrossentropy', y0, p);
    const y = o.labelSmoothing ? t.mul(1 - o.labelSmoothing).add(0.5 * o.labelSmoothing) : t;
    if (o.fromLogits) return lastAxisMean(p.relu().sub(p.mul(y)).add(p.abs().neg().exp().log1p()));
    const q = soma.clip(p, EPSILON, 1 - EPSILON);
    return lastAxisMean(y.mul(q.log()).add(y.neg().add(1).mul(q.neg().add(1).log())).neg());
  };
}

/** Categorical cross-entropy over the last axis (one-hot targets); probabilities are renormalized and clipped, logits go through logSoftmax. */
export function categoricalCrossentropy(o: { fromLogits?: boolean; labelSmoothing?: number } = {}): LossFn {
  return configured(categoricalCrossentropyLoss(o), 'categoricalCrossentropy', o);
}

function categoricalCrossentropyLoss(o: { fromLogits?: boolean; labelSmoothing?: number }): LossFn {
  return (y0, p) => {
    const t = alignTargets('categoricalCrossentropy', y0, p);
    const k = p.shape[p.rank - 1];
    const y = o.labelSmoothing ? t.mul(1 - o.labelSmoothing).add(o.labelSmoothing / k) : t;
    const logp = o.fromLogits ? soma.logSoftmax(p, -1) : soma.clip(p.div(p.sum(-1, true)), EPSILON, 1 - EPSILON).log();
    return y.mul(logp).sum(-1).neg();
  };
}

/** Cross-entropy with integer class ids as targets ([batch] or [batch, 1]). */
export function sparseCategoricalCrossentropy(o: { fromLogits?: boolean } = {}): LossFn {
  const classIds = (yTrue: Tensor, predShape: readonly number[]): { ids: Tensor; k: number } => {
    const rank = predShape.length;
    const ids = yTrue.rank === rank ? yTrue.squeeze(-1) : yTrue;
    if (ids.rank !== rank - 1 || ids.shape.some((d, i) => d !== predShape[i])) {
      throw new Error(`sparseCategoricalCrossentropy: targets [${yTrue.shape.join(', ')}] must hold one class id per row of predictions [${predShape.join(', ')}]`);
    }
    const k = predShape[rank - 1];
    checkIntegerIds('sparseCategoricalCrossentropy', 'class ids', ids, k);
    return { ids, k };
  };
  const loss: LossFn = (yTrue, p) => {
    const { ids, k } = classIds(yTrue, p.shape);
    const intIds = ids.cast('int32');
    // As Keras: probabilities are clipped but, unlike the categorical form, not renormalized.
    const logp = o.fromLogits ? soma.logSoftmax(p, -1) : soma.clip(p, EPSILON, 1 - EPSILON).log();
    // Select each row's log-probability at its label: a one-hot product would compute 0 · (−∞) = NaN
    // where another class has probability 0 (PyTorch's cross_entropy gives the finite value). The
    // mask compares with arange(k), not batch-sized indices, so a traced step takes any batch size.
    const isLabel = intIds.expandDims(-1).equal(soma.arange(0, k, 1, 'int32'));
    return soma.where(isLabel, logp, 0).sum(-1).neg();
  };
  loss.checkTargets = (yTrue, predShape) => soma.tidy(() => void classIds(yTrue, predShape));
  return configured(loss, 'sparseCategoricalCrossentropy', o);
}

/** Σ y·log(y/p) over the last axis, both clipped to [ε, 1]. */
export const kullbackLeiblerDivergence: LossFn = (y0, p) => {
  const y = alignTargets('kullbackLeiblerDivergence', y0, p);
  const yc = soma.clip(y, EPSILON, 1);
  const pc = soma.clip(p, EPSILON, 1);
  return yc.mul(yc.div(pc).log()).sum(-1);
};

/** Targets in {0, 1} are mapped to {−1, 1}, as Keras does. */
const signedLabels = (y: Tensor): Tensor => soma.where(soma.logicalAnd(y.greaterEqual(0), y.lessEqual(1)), y.mul(2).sub(1), y);

/** Mean of max(1 − y·p, 0) for targets in {−1, 1} (0/1 targets are mapped). */
export const hinge: LossFn = (y0, p) => {
  const y = alignTargets('hinge', y0, p);
  return lastAxisMean(soma.relu(signedLabels(y).mul(p).neg().add(1)));
};

/** Mean of max(1 − y·p, 0)² for targets in {−1, 1} (0/1 targets are mapped). */
export const squaredHinge: LossFn = (y0, p) => {
  const y = alignTargets('squaredHinge', y0, p);
  return lastAxisMean(soma.relu(signedLabels(y).mul(p).neg().add(1)).square());
};

/** −cos(y, p) over the last axis (Keras CosineSimilarity loss: −1 is a perfect match). */
export const cosineSimilarity: LossFn = (y0, p) => {
  const y = alignTargets('cosineSimilarity', y0, p);
  const unit = (t: Tensor) => t.div(soma.maximum(t.square().sum(-1, true).sqrt(), 1e-12));
  return unit(y).mul(unit(p)).sum(-1).neg();
};

/** The losses `compile` accepts by name (Keras's names, camelCase). */
export type LossName = 'meanSquaredError' | 'mse' | 'meanAbsoluteError' | 'mae' | 'huber' | 'logCosh' | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'kullbackLeiblerDivergence' | 'hinge' | 'squaredHinge' | 'cosineSimilarity';

/** @internal The losses `compile` accepts by name. */
export const LOSSES = {
  meanSquaredError: () => meanSquaredError,
  mse: () => meanSquaredError,
  meanAbsoluteError: () => meanAbsoluteError,
  mae: () => meanAbsoluteError,
  huber: () => huber(),
  logCosh: () => logCosh,
  binaryCrossentropy: () => binaryCrossentropy(),
  categoricalCrossentropy: () => categoricalCrossentropy(),
  sparseCategoricalCrossentropy: () => sparseCategoricalCrossentropy(),
  kullbackLeiblerDivergence: () => kullbackLeiblerDivergence,
  hinge: () => hinge,
  squaredHinge: () => squaredHinge,
  cosineSimilarity: () => cosineSimilarity,
} as const satisfies Record<LossName, unknown>;


/** The loss a name or a function stands for; unknown names are an error listing the valid ones. */
export function getLoss(spec: LossName | LossFn): LossFn {
  if (typeof spec === 'function') return spec;
  return soma.lookupName<() => LossFn>(LOSSES, spec, 'loss')();
}

/**
 * @internal The loss a saved config names, its options checked (they come from a file): the
 * configurable losses take theirs, the others none.
 */
export function lossFromConfig(c: LossConfig, file: string): LossFn {
  const options = c.options ?? {};
  const allowed: Record<string, string[]> = { huber: ['delta'], binaryCrossentropy: ['fromLogits', 'labelSmoothing'], categoricalCrossentropy: ['fromLogits', 'labelSmoothing'], sparseCategoricalCrossentropy: ['fromLogits'] };
  if (!Object.prototype.hasOwnProperty.call(LOSSES, c.name)) throw new Error(`${file}: unknown loss '${String(c.name)}'`);
  for (const [k, v] of Object.entries(options)) {
    const want = k === 'fromLogits' ? 'boolean' : 'number';
    if (!(allowed[c.name] ?? []).includes(k) || typeof v !== want || (want === 'number' && !Number.isFinite(v as number))) throw new Error(`${file}: loss '${c.name}' has no option ${k} = ${JSON.stringify(v)}`);
  }
  const o = options as { fromLogits?: boolean; labelSmoothing?: number; delta?: number };
  switch (c.name) {
    case 'huber': return huber(o.delta);
    case 'binaryCrossentropy': return binaryCrossentropy(o);
    case 'categoricalCrossentropy': return categoricalCrossentropy(o);
    case 'sparseCategoricalCrossentropy': return sparseCategoricalCrossentropy(o);
    default: return LOSSES[c.name as keyof typeof LOSSES]();
  }
}
