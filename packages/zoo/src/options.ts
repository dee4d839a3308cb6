import { checkNumber, checkOptions } from '@soma/core';

/** Checks a model function's options (unknown keys, numbers) and returns them with defaults filled in. */
export function modelOptions<T extends object>(fn: string, given: Partial<T> | undefined, defaults: T): T {
  const options = given ?? {};
  checkOptions(fn, options, Object.keys(defaults));
  const merged = { ...defaults, ...options } as T;
  for (const [k, v] of Object.entries(merged)) {
    if (typeof v === 'number') checkNumber(fn, k, v, { min: 0 });
  }
  return merged;
}

/** A positive integer option, named in the error. */
export function positiveInt(fn: string, key: string, v: number): number {
  return checkNumber(fn, key, v, { integer: true, min: 1 });
}
