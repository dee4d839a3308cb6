import { lookupName } from '@soma/core';
import { adadelta } from './adadelta.js';
import { adagrad } from './adagrad.js';
import { adam, adamw } from './adam.js';
import { adamax } from './adamax.js';
import { nadam } from './nadam.js';
import type { Optimizer, OptimizerConfig } from './optimizer.js';
import { rmsprop } from './rmsprop.js';
import * as schedules from './schedules.js';
import { sgd } from './sgd.js';

const FACTORIES: Record<string, (o: Record<string, unknown>) => Optimizer> = { sgd, rmsprop, adam, adamw, adagrad, adadelta, adamax, nadam };

/** Optimizers by name: sgd, rmsprop, adam, adamw, adagrad, adadelta, adamax, nadam. */
export const optimizerNames = Object.keys(FACTORIES);

const SCHEDULES = schedules as unknown as Readonly<Record<string, (c: Record<string, unknown>) => schedules.LearningRateSchedule>>;

function scheduleFromConfig(s: { schedule: string; config: Record<string, unknown> }): schedules.LearningRateSchedule {
  if (s.schedule === 'constant') return schedules.constant(s.config?.learningRate as number);
  const make = lookupName(SCHEDULES, s.schedule, 'learning-rate schedule', 'optimizerFromConfig');
  return make(s.config ?? {});
}

/** Rebuilds an optimizer from getConfig() output (a fresh one: restore its state with setState). */
export function optimizerFromConfig(config: OptimizerConfig): Optimizer {
  const make = lookupName(FACTORIES, config?.name, 'optimizer', 'optimizerFromConfig');
  if (typeof config.options !== 'object' || config.options === null) throw new Error(`optimizerFromConfig: options must be an object, got ${String(config.options)}`);
  const options = { ...config.options };
  const lr = options.learningRate as number | { schedule: string; config: Record<string, unknown> } | undefined;
  if (lr !== undefined && lr !== null && typeof lr === 'object') options.learningRate = scheduleFromConfig(lr);
  return make(options);
}
