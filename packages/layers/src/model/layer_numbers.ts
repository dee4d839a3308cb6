import { checkNumber, type NumberRule } from '@soma/core';

const positiveInt: NumberRule = { integer: true, min: 1 };

/**
 * The rule for every numeric layer option, by its Keras name. One table rather than checks in
 * each constructor, so an option read from a saved model ("units": "abc") fails the same way as
 * one typed by hand, and no layer can forget it.
 */
const RULES: Readonly<Record<string, NumberRule & { nullable?: boolean; list?: 'allowed' | 'required'; words?: readonly string[] }>> = {
  units: positiveInt,
  filters: positiveInt,
  inputDim: positiveInt,
  outputDim: positiveInt,
  groups: positiveInt,
  n: positiveInt,
  depthMultiplier: positiveInt,
  batchSize: positiveInt,
  kernelSize: { ...positiveInt, list: 'allowed' },
  strides: { ...positiveInt, list: 'allowed' },
  poolSize: { ...positiveInt, list: 'allowed' },
  dilationRate: { ...positiveInt, list: 'allowed' },
  size: { ...positiveInt, list: 'allowed' },
  outputPadding: { integer: true, min: 0, list: 'allowed' },
  padding: { integer: true, min: 0, list: 'allowed', words: ['valid', 'same'] },
  inputShape: { ...positiveInt, nullable: true, list: 'required' },
  dims: { ...positiveInt, list: 'required' },
  targetShape: { integer: true, min: -1, list: 'required' },
  axis: { integer: true, list: 'allowed' },
  rate: { min: 0, below: 1 },
  momentum: { min: 0, max: 1 },
  epsilon: { min: 0 },
  alpha: {},
  lower: {},
  upper: {},
  seed: { integer: true },
};

const flatten = (v: readonly unknown[]): unknown[] => v.flatMap((x) => (Array.isArray(x) ? flatten(x) : [x]));

/** Throws `dense: units must be an integer >= 1, got 'abc'` for any option that breaks its rule (padding may also be a word). */
export function checkLayerNumbers(layerName: string, args: object): void {
  for (const [key, rule] of Object.entries(RULES)) {
    if (!Object.prototype.hasOwnProperty.call(args, key)) continue;
    const value = (args as Record<string, unknown>)[key];
    if (value === undefined || (value === null && (rule.nullable || key === 'seed'))) continue;
    if (rule.words && typeof value === 'string') {
      if (!rule.words.includes(value)) throw new Error(`${layerName}: ${key} must be ${rule.words.map((w) => `'${w}'`).join(' or ')} or a number, got '${value}'`);
      continue;
    }
    if (Array.isArray(value)) {
      if (!rule.list) throw new Error(`${layerName}: ${key} must be a number, got [${value.join(', ')}]`);
      // Nested lists too: zeroPadding2d takes [[top, bottom], [left, right]].
      flatten(value).forEach((v, i) => {
        if (!(v === null && rule.nullable)) checkNumber(layerName, `${key}[${i}]`, v, rule);
      });
    } else if (rule.list === 'required') {
      throw new Error(`${layerName}: ${key} must be an array of numbers, got ${JSON.stringify(value)}`);
    } else {
      checkNumber(layerName, key, value, rule);
    }
  }
}
