import { checkNumber, lookupName } from '@soma/core';
import { getLoss, type LossConfig, type LossFn, type LossName } from '../losses.js';
import { getMetric, type Metric, type MetricName } from '../metrics.js';

type LossSpec = LossName | LossFn;
type MetricSpec = MetricName | Metric;

/** Something given once for the whole model, once per output (a list in output order), or by output name. */
export type PerOutput<T> = T | readonly T[] | Readonly<Record<string, T>>;

/** What compile() resolved per output, in output order. */
export interface ResolvedOutputs {
  /** The output layers' names: the prefixes of per-output logs (`out_loss`, `val_out_accuracy`). */
  outputNames: string[];
  /** A loss per output; null where a record left the output out (Keras: it is not trained). */
  losses: (LossFn | null)[];
  lossNames: (string | null)[];
  /** Each output's loss as a name and options (null: a custom function, which cannot be saved). */
  lossConfigs: (LossConfig | null)[];
  lossWeights: number[];
  metrics: Metric[][];
  /** Metric names per output as given (null for metric objects), for saving. */
  metricNames: (string | null)[][];
}

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v !== 'function';

/**
 * Spreads a once / per-output list / by-name record argument over the outputs, as Keras does for
 * loss, loss_weights and metrics. A record's unknown name is an error that lists the outputs.
 */
function perOutput<T>(where: string, key: string, value: PerOutput<T> | undefined, names: readonly string[], single: (v: unknown) => boolean): (T | undefined)[] {
  if (value === undefined) return names.map(() => undefined);
  if (Array.isArray(value) && !single(value)) {
    if (value.length !== names.length) throw new Error(`${where}: ${key} has ${value.length} entries for ${names.length} outputs (${names.join(', ')}); give one per output, in order, or a record by output name`);
    return [...(value as readonly T[])];
  }
  if (isRecord(value) && !single(value)) {
    const byName = value as Readonly<Record<string, T>>;
    for (const k of Object.keys(byName)) lookupName(new Map(names.map((n) => [n, n])), k, `output name in ${key}`, where);
    return names.map((n) => (Object.prototype.hasOwnProperty.call(byName, n) ? byName[n] : undefined));
  }
  return names.map(() => value as T);
}

/**
 * One metric object per output and name: named metrics are made per output, and a metric object
 * given for several outputs is cloned for the second and later ones (a metric accumulates, so a
 * shared one would mix the outputs' counts), as Keras copies it.
 */
function metricObjectsPerOutput(where: string, names: readonly string[], specs: readonly (readonly MetricSpec[])[], lossNames: readonly (string | null)[], widths: readonly (number | null)[]): Metric[][] {
  const firstOutput = new Map<Metric, number>();
  return specs.map((ms, i) => ms.map((m) => {
    if (typeof m === 'string') return getMetric(m, lossNames[i], widths[i]);
    const first = firstOutput.get(m);
    if (first === undefined || first === i) {
      firstOutput.set(m, i);
      return m;
    }
    if (!m.clone) {
      throw new Error(`${where}: the metric object '${m.name}' is given for outputs '${names[first]}' and '${names[i]}'; a metric accumulates, so give each output its own (metrics: { ${names[first]}: [...], ${names[i]}: [...] }) or give the metric a clone() method`);
    }
    return m.clone();
  }));
}

/** Resolves compile's loss, lossWeights and metrics for a model with these output names (one name for an unbuilt Sequential). */
export function resolveOutputs(where: string, names: readonly string[], loss: PerOutput<LossSpec>, lossWeights: PerOutput<number> | undefined, metrics: PerOutput<readonly MetricSpec[]> | readonly MetricSpec[] | undefined, widths: readonly (number | null)[]): ResolvedOutputs {
  const isLoss = (v: unknown) => typeof v === 'string' || typeof v === 'function';
  const specs = perOutput<LossSpec>(where, 'loss', loss, names, isLoss);
  if (specs.every((s) => s === undefined)) throw new Error(`${where}: loss names no output; the outputs are ${names.join(', ')}`);
  const losses = specs.map((s) => (s === undefined ? null : getLoss(s)));
  const lossNames = specs.map((s) => (typeof s === 'string' ? s : null));
  const lossConfigs = specs.map((s): LossConfig | null => (typeof s === 'string' ? { name: s as LossName, options: {} } : s?.config ? { name: s.config.name, options: { ...s.config.options } } : null));
  const weights = perOutput<number>(where, 'lossWeights', lossWeights, names, (v) => typeof v === 'number').map((w, i) =>
    w === undefined ? 1 : checkNumber(where, `lossWeights for '${names[i]}'`, w, { min: 0 }));
  // A flat list of metrics applies to every output (Keras); a list of lists or a record is per output.
  const flat = Array.isArray(metrics) && !metrics.some((m) => Array.isArray(m));
  const metricSpecs: (readonly MetricSpec[])[] = flat
    ? names.map(() => metrics as readonly MetricSpec[])
    : perOutput<readonly MetricSpec[]>(where, 'metrics', metrics as PerOutput<readonly MetricSpec[]> | undefined, names, () => false).map((m) => (m === undefined ? [] : Array.isArray(m) ? m : [m as unknown as MetricSpec]));
  return {
    outputNames: [...names],
    losses,
    lossNames,
    lossConfigs,
    lossWeights: weights,
    metrics: metricObjectsPerOutput(where, names, metricSpecs, lossNames, widths),
    metricNames: metricSpecs.map((ms) => ms.map((m) => (typeof m === 'string' ? m : null))),
  };
}
