import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { alignTargets } from './losses.js';

/**
 * A metric accumulates over batches. Each batch's statistics (sums and counts) are computed where
 * the tensors live and read back by fit together with the loss, in one readback per batch, so
 * metrics cost no extra synchronisation on a GPU.
 */
export interface Metric {
  readonly name: string;
  /** This batch's statistics as a float32 vector, computed on the device (nothing is read back). */
  batchStats(yTrue: Tensor, yPred: Tensor): Tensor;
  /** Adds a batch's statistics, as read back from batchStats. */
  accumulate(stats: ArrayLike<number>): void;
  /** batchStats, read back (awaited, so on every backend), then accumulate: for direct use, as Keras's update_state. */
  update(yTrue: Tensor, yPred: Tensor): Promise<void>;
  /** The metric over everything accumulated since the last reset. */
  result(): number;
  /** Forgets what was accumulated (fit calls it at the start of each epoch). */
  reset(): void;
  /**
   * A fresh metric of the same kind and settings, nothing accumulated: compile gives each output
   * its own when one metric object is given for several outputs (as Keras copies it).
   */
  clone?(): Metric;
}

/** A metric from its statistics: `update` is batchStats, one awaited read and accumulate. */
export function statisticsMetric(m: Omit<Metric, 'update'>): Metric {
  const metric: Metric = {
    ...m,
    async update(y, p) {
      const stats = soma.tidy(() => metric.batchStats(y, p));
      try {
        metric.accumulate(await stats.data());
      } finally {
        stats.dispose();
      }
    },
  };
  return metric;
}

/** The mean of per-sample values over everything seen since reset. */
function meanMetric(name: string, perSample: (y: Tensor, p: Tensor) => Tensor): Metric {
  let total = 0;
  let count = 0;
  return statisticsMetric({
    name,
    clone: () => meanMetric(name, perSample),
    batchStats: (y, p) => soma.tidy(() => {
      const v = perSample(y, p);
      return soma.stack([v.sum(), soma.scalar(v.size)]);
    }),
    accumulate(s) {
      total += s[0];
      count += s[1];
    },
    result: () => (count ? total / count : 0),
    reset() {
      total = 0;
      count = 0;
    },
  });
}

const asFloat = (b: Tensor) => b.cast('float32');

/** The fraction of predictions on the right side of `threshold` (0.5) for 0/1 targets. */
export const binaryAccuracy = (threshold = 0.5) =>
  meanMetric('binaryAccuracy', (y, p) => asFloat(p.greater(threshold).cast('float32').equal(alignTargets('binaryAccuracy', y, p))).mean(-1));
/** The fraction of rows whose largest prediction is at the one-hot target's position. */
export const categoricalAccuracy = () => meanMetric('categoricalAccuracy', (y, p) => asFloat(y.argMax(-1).equal(p.argMax(-1))));
/** The fraction of rows whose largest prediction is at the integer target's index. */
export const sparseCategoricalAccuracy = () =>
  meanMetric('sparseCategoricalAccuracy', (y, p) => asFloat((y.rank === p.rank ? y.squeeze(-1) : y).cast('int32').equal(p.argMax(-1))));
/** Mean of (prediction − target)² (reported as 'mse'). */
export const meanSquaredError = () => meanMetric('mse', (y, p) => p.sub(alignTargets('mse', y, p)).square().mean(-1));
/** Mean of |prediction − target| (reported as 'mae'). */
export const meanAbsoluteError = () => meanMetric('mae', (y, p) => p.sub(alignTargets('mae', y, p)).abs().mean(-1));

/** Whether the true class is among the k highest predictions (one-hot or integer targets). */
export const topKCategoricalAccuracy = (k = 5) =>
  meanMetric(`top${k}Accuracy`, (y, p) => {
    const ids = y.rank === p.rank && y.shape[y.rank - 1] === p.shape[p.rank - 1] ? y.argMax(-1) : (y.rank === p.rank ? y.squeeze(-1) : y).cast('int32');
    const trueScore = soma.oneHot(ids, p.shape[p.rank - 1]).mul(p).sum(-1, true);
    // Rank of the true class = number of strictly larger scores.
    return asFloat(p.greater(trueScore).cast('float32').sum(-1).less(k));
  });

/** Precision or recall of binary predictions thresholded at 0.5, from true/false positive counts. */
function confusionMetric(name: 'precision' | 'recall', threshold = 0.5): Metric {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  return statisticsMetric({
    name,
    clone: () => confusionMetric(name, threshold),
    batchStats: (y, p) => soma.tidy(() => {
      const pred = p.greater(threshold);
      const truth = alignTargets(name, y, p).greater(0.5);
      const count = (b: Tensor) => b.cast('float32').sum();
      return soma.stack([count(pred.logicalAnd(truth)), count(pred.logicalAnd(truth.logicalNot())), count(pred.logicalNot().logicalAnd(truth))]);
    }),
    accumulate(s) {
      tp += s[0];
      fp += s[1];
      fn += s[2];
    },
    result: () => (name === 'precision' ? (tp + fp ? tp / (tp + fp) : 0) : tp + fn ? tp / (tp + fn) : 0),
    reset() {
      tp = fp = fn = 0;
    },
  });
}

/**
 * True positives / predicted positives, accumulated over the epoch (predictions above `threshold`,
 * 0.5).
 */
export const precision = (threshold?: number) => confusionMetric('precision', threshold);
/**
 * True positives / actual positives, accumulated over the epoch (predictions above `threshold`,
 * 0.5).
 */
export const recall = (threshold?: number) => confusionMetric('recall', threshold);

/**
 * Area under the ROC curve from counts at `numThresholds` evenly spaced thresholds (trapezoidal
 * rule), as Keras AUC computes it.
 */
export function auc(numThresholds = 200): Metric {
  const thresholds = Array.from({ length: numThresholds }, (_, i) => (i === 0 ? -1e-7 : i === numThresholds - 1 ? 1 + 1e-7 : i / (numThresholds - 1)));
  const tp = new Float64Array(numThresholds);
  const fp = new Float64Array(numThresholds);
  let pos = 0;
  let neg = 0;
  return statisticsMetric({
    name: 'auc',
    clone: () => auc(numThresholds),
    // [positives, negatives, true positives per threshold, false positives per threshold]
    batchStats: (y, p) => soma.tidy(() => {
      const positive = y.reshape([-1, 1]).greater(0.5).cast('float32');
      const above = p.reshape([-1, 1]).greater(soma.tensor(thresholds, [1, numThresholds])).cast('float32');
      const nPos = positive.sum().reshape([1]);
      return soma.concat([nPos, soma.scalar(positive.size).sub(nPos).reshape([1]), above.mul(positive).sum(0), above.mul(soma.sub(1, positive)).sum(0)]);
    }),
    accumulate(s) {
      pos += s[0];
      neg += s[1];
      for (let t = 0; t < numThresholds; t++) {
        tp[t] += s[2 + t];
        fp[t] += s[2 + numThresholds + t];
      }
    },
    result() {
      if (!pos || !neg) return 0;
      let area = 0;
      for (let t = 0; t < numThresholds - 1; t++) {
        const x0 = fp[t] / neg;
        const x1 = fp[t + 1] / neg;
        area += ((x0 - x1) * (tp[t] / pos + tp[t + 1] / pos)) / 2;
      }
      return area;
    },
    reset() {
      tp.fill(0);
      fp.fill(0);
      pos = neg = 0;
    },
  });
}

/**
 * Accuracy for a custom loss: the targets decide, as in Keras — one integer id per row means
 * sparse, a single column means binary, otherwise one-hot.
 */
function autoAccuracy(name: string): Metric {
  const kinds = { sparse: sparseCategoricalAccuracy(), binary: binaryAccuracy(), categorical: categoricalAccuracy() };
  let used: Metric | null = null;
  return statisticsMetric({
    name,
    batchStats(y, p) {
      const width = p.shape[p.rank - 1];
      const sparse = width > 1 && (y.rank === p.rank - 1 || (y.rank === p.rank && y.shape[y.rank - 1] === 1));
      used = sparse ? kinds.sparse : width === 1 ? kinds.binary : kinds.categorical;
      return used.batchStats(y, p);
    },
    accumulate: (s) => used?.accumulate(s),
    result: () => (used ? used.result() : 0),
    reset() {
      Object.values(kinds).forEach((k) => k.reset());
      used = null;
    },
  });
}

/**
 * Metrics `compile` accepts by name ('accuracy' picks binary, categorical or sparse from the loss).
 */
export type MetricName = 'accuracy' | 'acc' | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy' | 'precision' | 'recall' | 'auc' | 'mse' | 'mae' | 'topK';
const METRIC_NAMES: MetricName[] = ['accuracy', 'acc', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'precision', 'recall', 'auc', 'mse', 'mae', 'topK'];

/**
 * Resolves a metric name. 'accuracy' picks binary, categorical or sparse accuracy from the loss
 * and the output width, as Keras does.
 */
export function getMetric(spec: MetricName | Metric, lossName: string | null, outputWidth: number | null): Metric {
  if (typeof spec !== 'string') return spec;
  const named = (m: Metric, name: string): Metric => statisticsMetric({ name, batchStats: m.batchStats, accumulate: m.accumulate, result: m.result, reset: m.reset });
  switch (spec) {
    case 'accuracy':
    case 'acc': {
      if (lossName === 'sparseCategoricalCrossentropy') return named(sparseCategoricalAccuracy(), spec);
      if (lossName === 'binaryCrossentropy' || outputWidth === 1) return named(binaryAccuracy(), spec);
      if (lossName === 'categoricalCrossentropy') return named(categoricalAccuracy(), spec);
      return autoAccuracy(spec);
    }
    case 'binaryAccuracy': return binaryAccuracy();
    case 'categoricalAccuracy': return categoricalAccuracy();
    case 'sparseCategoricalAccuracy': return sparseCategoricalAccuracy();
    case 'precision': return precision();
    case 'recall': return recall();
    case 'auc': return auc();
    case 'mse': return meanSquaredError();
    case 'mae': return meanAbsoluteError();
    case 'topK': return topKCategoricalAccuracy();
    default:
      throw new Error(soma.unknownNameMessage('metric', spec, METRIC_NAMES));
  }
}
