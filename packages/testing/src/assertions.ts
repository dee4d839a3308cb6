import type { DType } from '@soma/core';
import { fmtShape } from '@soma/core/internal';
import { shapesEqual } from '@soma/core/internal';
import { getEngine } from '@soma/core/internal';
import { Tensor, type NestedArray } from '@soma/core';

/** Relative and absolute tolerances of a comparison (|a − e| ≤ atol + rtol·|e|). */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/** A failed conformance check: the message says what differed, where, and by how much. */
export class AssertionFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionFailure';
  }
}

/** Throws an AssertionFailure with `message()` unless `cond` holds. */
export function check(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new AssertionFailure(message());
}

function flat(x: NestedArray | ArrayLike<number>): number[] {
  if (typeof x === 'number') return [x];
  if (typeof x === 'boolean') return [x ? 1 : 0];
  if (Array.isArray(x)) return x.flatMap((v) => flat(v as NestedArray));
  return Array.from(x as ArrayLike<number>);
}

/** Elementwise |a − e| <= atol + rtol·|e|; NaN matches NaN and infinities must match exactly. */
export function expectValuesClose(actual: ArrayLike<number>, expected: ArrayLike<number | null | string>, tol: Tolerance = {}, what = 'values'): void {
  const { rtol = 1e-5, atol = 1e-6 } = tol;
  check(actual.length === expected.length, () => `${what}: expected ${expected.length} values, got ${actual.length}`);
  for (let i = 0; i < actual.length; i++) {
    const e = decode(expected[i]);
    const a = actual[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    check(ok, () => `${what}: element ${i} is ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Fixture files spell non-finite numbers as null (NaN), "inf" and "-inf". */
export function decode(v: number | null | string | boolean): number {
  if (v === null) return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

/** Value checks on backends without synchronous reads, waiting for `settleChecks`. */
let pendingChecks: Promise<void>[] = [];

/**
 * Checks shape, dtype (when given) and values of a tensor. On a backend that reads only
 * asynchronously (webgpu) the read starts now (it captures the values at this point, so the
 * tensor may be disposed at once) and the comparison fails at the next `settleChecks()`, which
 * the conformance runner awaits after every case.
 */
export function expectTensor(
  t: Tensor, expected: { shape?: readonly number[]; dtype?: DType; values?: NestedArray | ArrayLike<number> }, tol?: Tolerance, what = 'tensor',
): void {
  if (expected.shape) check(shapesEqual(t.shape, expected.shape), () => `${what}: shape ${fmtShape(t.shape)}, expected ${fmtShape(expected.shape!)}`);
  if (expected.dtype) check(t.dtype === expected.dtype, () => `${what}: dtype ${t.dtype}, expected ${expected.dtype}`);
  if (expected.values === undefined) return;
  const want = flat(expected.values);
  if (getEngine().backendByName(t.backendName).syncReads !== false) {
    expectValuesClose(t.dataSync(), want, tol, what);
    return;
  }
  pendingChecks.push(t.data().then((v) => expectValuesClose(v, want, tol, what)));
}

/** Waits for the value checks `expectTensor` deferred; throws the first failure. */
export async function settleChecks(): Promise<void> {
  const checks = pendingChecks;
  pendingChecks = [];
  const results = await Promise.allSettled(checks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** `err` (undefined: nothing was thrown) must be an error whose message matches `pattern`. */
function expectErrorMatching(err: unknown, pattern: RegExp | string): void {
  check(err !== undefined, () => `expected an error matching ${String(pattern)}, but nothing was thrown`);
  const msg = err instanceof Error ? err.message : String(err);
  const ok = typeof pattern === 'string' ? msg.includes(pattern) : pattern.test(msg);
  check(ok, () => `error message "${msg}" does not match ${String(pattern)}`);
}

/** `fn` must throw an error whose message matches `pattern`. */
export function expectThrows(fn: () => unknown, pattern: RegExp | string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expectErrorMatching(err, pattern);
}

/**
 * `fn` must fail with an error matching `pattern`: by throwing, or, when it returns a tensor, when
 * that tensor is read. GPU backends find some errors (an index out of range) only on the device
 * and report them at the next read, as CUDA does.
 */
export async function expectFails(fn: () => unknown, pattern: RegExp | string): Promise<void> {
  let err: unknown;
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    err = e;
  }
  if (err === undefined && result instanceof Tensor) {
    try {
      await result.data();
    } catch (e) {
      err = e;
    }
  }
  expectErrorMatching(err, pattern);
}
