import { checkNumber } from '@soma/core';
/**
 * Learning-rate schedules: values of `learningRate` that change with the optimizer's step count
 * (0 at the first update). Each keeps its configuration so it can be saved with the optimizer.
 */
export interface LearningRateSchedule {
  readonly name: string;
  readonly config: Readonly<Record<string, number | boolean | readonly number[]>>;
  /** The learning rate for 0-based update `step`. */
  at(step: number): number;
}

function schedule(name: string, config: LearningRateSchedule['config'], at: (step: number) => number): LearningRateSchedule {
  return { name, config, at };
}

function positive(name: string, key: string, v: number): void {
  checkNumber(`schedules.${name}`, key, v, { above: 0 });
}

function nonNegative(name: string, key: string, v: number, integer = false): void {
  checkNumber(`schedules.${name}`, key, v, { min: 0, integer });
}

/** The same rate at every step. */
export function constant(learningRate: number): LearningRateSchedule {
  positive('constant', 'learningRate', learningRate);
  return schedule('constant', { learningRate }, () => learningRate);
}

/** lr0 / (1 + decayRate · step / decaySteps) — Keras InverseTimeDecay (staircase floors step/decaySteps). */
export function inverseTimeDecay(o: { initialLearningRate: number; decayRate: number; decaySteps?: number; staircase?: boolean }): LearningRateSchedule {
  const { initialLearningRate: lr0, decayRate, decaySteps = 1, staircase = false } = o;
  positive('inverseTimeDecay', 'initialLearningRate', lr0);
  positive('inverseTimeDecay', 'decaySteps', decaySteps);
  nonNegative('inverseTimeDecay', 'decayRate', decayRate);
  return schedule('inverseTimeDecay', { initialLearningRate: lr0, decayRate, decaySteps, staircase }, (t) => {
    const p = staircase ? Math.floor(t / decaySteps) : t / decaySteps;
    return lr0 / (1 + decayRate * p);
  });
}

/** lr0 · decayRate^(step / decaySteps), or ^floor(step / decaySteps) with staircase — Keras ExponentialDecay. */
export function exponentialDecay(o: { initialLearningRate: number; decayRate: number; decaySteps: number; staircase?: boolean }): LearningRateSchedule {
  const { initialLearningRate: lr0, decayRate, decaySteps, staircase = false } = o;
  positive('exponentialDecay', 'initialLearningRate', lr0);
  positive('exponentialDecay', 'decaySteps', decaySteps);
  positive('exponentialDecay', 'decayRate', decayRate);
  return schedule('exponentialDecay', { initialLearningRate: lr0, decayRate, decaySteps, staircase }, (t) => {
    const p = staircase ? Math.floor(t / decaySteps) : t / decaySteps;
    return lr0 * decayRate ** p;
  });
}

/**
 * lr0 / sqrt(t) with t the 1-based step; with warmupSteps, a linear ramp to lr0 first and the decay
 * counted from its end (the Transformer "inverse square root" shape).
 */
export function inverseSqrt(o: { initialLearningRate: number; warmupSteps?: number }): LearningRateSchedule {
  const { initialLearningRate: lr0, warmupSteps = 0 } = o;
  positive('inverseSqrt', 'initialLearningRate', lr0);
  nonNegative('inverseSqrt', 'warmupSteps', warmupSteps, true);
  return schedule('inverseSqrt', { initialLearningRate: lr0, warmupSteps }, (t) => {
    if (t < warmupSteps) return (lr0 * (t + 1)) / warmupSteps;
    return lr0 / Math.sqrt(t - warmupSteps + 1);
  });
}

/** values[i] while step < boundaries[i]; values has one more entry than boundaries — Keras PiecewiseConstantDecay. */
export function piecewiseConstant(o: { boundaries: readonly number[]; values: readonly number[] }): LearningRateSchedule {
  const { boundaries, values } = o;
  if (values.length !== boundaries.length + 1) {
    throw new Error(`schedules.piecewiseConstant: values needs ${boundaries.length + 1} entries for ${boundaries.length} boundaries, got ${values.length}`);
  }
  boundaries.forEach((b, i) => nonNegative('piecewiseConstant', `boundaries[${i}]`, b));
  values.forEach((v, i) => nonNegative('piecewiseConstant', `values[${i}]`, v));
  if (boundaries.some((b, i) => i > 0 && b <= boundaries[i - 1])) throw new Error('schedules.piecewiseConstant: boundaries must increase');
  return schedule('piecewiseConstant', { boundaries, values }, (t) => {
    let i = 0;
    while (i < boundaries.length && t >= boundaries[i]) i++;
    return values[i];
  });
}

/**
 * Cosine decay (Loshchilov & Hutter) with an optional linear warmup, as Keras CosineDecay: over
 * warmupSteps the rate rises linearly from initialLearningRate to warmupTarget, then follows
 * alpha + (1 − alpha)·(1 + cos(π·t/decaySteps))/2 times the peak for decaySteps steps and stays at alpha·peak.
 */
export function cosineDecay(o: { initialLearningRate: number; decaySteps: number; alpha?: number; warmupTarget?: number; warmupSteps?: number }): LearningRateSchedule {
  const { initialLearningRate: lr0, decaySteps, alpha = 0, warmupSteps = 0 } = o;
  const peak = o.warmupTarget ?? lr0;
  positive('cosineDecay', 'decaySteps', decaySteps);
  nonNegative('cosineDecay', 'initialLearningRate', lr0);
  nonNegative('cosineDecay', 'warmupTarget', peak);
  nonNegative('cosineDecay', 'warmupSteps', warmupSteps, true);
  checkNumber('schedules.cosineDecay', 'alpha', alpha, { min: 0, max: 1 });
  return schedule('cosineDecay', { initialLearningRate: lr0, decaySteps, alpha, warmupTarget: peak, warmupSteps }, (t) => {
    if (t < warmupSteps) return lr0 + ((peak - lr0) * t) / warmupSteps;
    const p = Math.min(t - warmupSteps, decaySteps) / decaySteps;
    return peak * (alpha + ((1 - alpha) * (1 + Math.cos(Math.PI * p))) / 2);
  });
}
