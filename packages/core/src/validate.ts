import { SomaError } from './errors.js';

/**
 * Checks on values that come from users and from files. Every package validates through these, so
 * a bad number or an unknown name reads the same everywhere and no name reaches an object's
 * prototype chain.
 */

/** The candidate closest to `name` by edit distance, when it is close enough to be a likely typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** `unknown <what> 'x'; valid names: a, b. Did you mean 'y'?` */
export function unknownNameMessage(what: string, name: unknown, valid: readonly string[]): string {
  const guess = typeof name === 'string' ? closestName(name, valid) : undefined;
  return `unknown ${what} '${String(name)}'; valid names: ${valid.join(', ')}${guess ? `. Did you mean '${guess}'?` : ''}`;
}

/**
 * Looks `name` up among a table's own entries only: 'constructor', 'toString' or '__proto__'
 * are unknown names, never Object.prototype's members. `context` prefixes the error ('dense').
 */
export function lookupName<V>(table: Readonly<Record<string, V>> | ReadonlyMap<string, V>, name: unknown, what: string, context?: string): V {
  const isMap = table instanceof Map;
  const keys = isMap ? [...(table as ReadonlyMap<string, V>).keys()] : Object.keys(table);
  if (typeof name === 'string') {
    if (isMap && (table as ReadonlyMap<string, V>).has(name)) return (table as ReadonlyMap<string, V>).get(name) as V;
    if (!isMap && Object.prototype.hasOwnProperty.call(table, name)) return (table as Readonly<Record<string, V>>)[name];
  }
  const message = unknownNameMessage(what, name, keys);
  throw context ? new SomaError(context, message) : new Error(message);
}

/** Bounds and integrality a numeric option must satisfy (`checkNumber`). */
export interface NumberRule {
  /** Require an integer. */
  integer?: boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Values must be greater than this. */
  above?: number;
  /** Values must be less than this. */
  below?: number;
}

function describeRule(rule: NumberRule): string {
  const parts: string[] = [rule.integer ? 'an integer' : 'a finite number'];
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  return parts.join(' ');
}

/**
 * Returns `value` when it is a finite number obeying `rule`; otherwise throws `op: name must be
 * ... got ...`. Strings, NaN and infinities are never numbers here.
 */
export function checkNumber(op: string, name: string, value: unknown, rule: NumberRule = {}): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (!rule.integer || Number.isInteger(value))
    && (rule.min === undefined || value >= rule.min) && (rule.max === undefined || value <= rule.max)
    && (rule.above === undefined || value > rule.above) && (rule.below === undefined || value < rule.below);
  if (!ok) throw new SomaError(op, `${name} must be ${describeRule(rule)}, got ${typeof value === 'string' ? `'${value}'` : String(value)}`);
  return value as number;
}

/** checkNumber for an optional value: undefined passes through. */
export function checkOptionalNumber(op: string, name: string, value: unknown, rule: NumberRule = {}): number | undefined {
  return value === undefined ? undefined : checkNumber(op, name, value, rule);
}

/**
 * Every options object is checked: an unknown key (a typo, another library's name) is an error
 * naming the function, the key and the valid keys, with the closest match — never silently ignored.
 */
export function checkOptions(op: string, options: unknown, valid: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) throw new SomaError(op, `options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) {
      const guess = closestName(key, valid);
      throw new SomaError(op, `unknown option '${key}'; valid options: ${valid.join(', ')}${guess ? `. Did you mean '${guess}'?` : ''}`);
    }
  }
}

/** A batch size: a positive integer (`predict: batchSize must be an integer >= 1, got 0`). */
export function checkBatchSize(op: string, value: unknown): number {
  return checkNumber(op, 'batchSize', value, { integer: true, min: 1 });
}

/** Keys that must never name anything built from untrusted input. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether a name read from a file could reach an object's prototype if used as a key. */
export function isReservedKey(name: string): boolean {
  return RESERVED_KEYS.has(name);
}
