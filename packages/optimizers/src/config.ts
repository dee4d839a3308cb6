import { adadelta } from './adadelta';
import { adagrad } from './adagrad';
import { adam, adamw } from './adam';
import { adamax } from './adamax';
import { nadam } from './nadam';
import type { Optimizer, OptimizerConfig } from './optimizer';
import { rmsprop } from './rmsprop';
import * as schedules from './schedules';
import { sgd } from './sgd';

const FACTORIES: Record<string, (o: Record<string, unknown>) => Optimizer> = { sgd, rmsprop, adam, adamw, adagrad, adadelta, adamax, nadam };

/** Optimizers by name: sgd, rmsprop, adam, adamw, adagrad, adadelta, adamax, nadam. */
export const optimizerNames = Object.keys(FACTORIES);

function scheduleFromConfig(s: { schedule: string; config: Record<string, unknown> }): schedules.LearningRateSchedule {
  if (s.schedule === 'constant') return schedules.constant(s.config.learningRate as number);
  const make = (schedules as unknown as Record<string, ((c: Record<string, unknown>) => schedules.LearningRateSchedule) | undefined>)[s.schedule];
  if (typeof make !== 'function') throw new Error(`optimizerFromConfig: unknown learning-rate schedule '${s.schedule}'`);
  return make(s.config);
}

/** Rebuilds an optimizer from getConfig() output (a fresh one: restore its state with setState). */
export function optimizerFromConfig(config: OptimizerConfig): Optimizer {
  const make = FACTORIES[config.name];
  if (!make) throw new Error(`optimizerFromConfig: unknown optimizer '${config.name}'; valid names: ${optimizerNames.join(', ')}`);
  const options = { ...config.options };
  const lr = options.learningRate as number | { schedule: string; config: Record<string, unknown> } | undefined;
  if (lr !== undefined && typeof lr === 'object') options.learningRate = scheduleFromConfig(lr);
  return make(options);
}
