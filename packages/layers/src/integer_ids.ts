import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { getEngine } from '@soma/core/internal';

/**
 * Ids (class labels, embedding rows) must be integers in [0, k): a float such as 1.7 or NaN is an
 * error, never truncated to a neighbour. Where the backend reads synchronously the ids are read
 * and checked on the host; elsewhere (a GPU) a flag is computed on the device and read with the
 * batch's one readback, the values read only to name the first bad one.
 */
export function checkIntegerIds(op: string, what: string, ids: Tensor, k: number): void {
  const engine = getEngine();
  if (soma.backend().syncReads !== false) {
    // A backend that reads synchronously hands the ids over at once: checked here, in one pass,
    // instead of five kernels and a readback of their flag (a third of a millisecond of a LeNet
    // step). A check, not a branch of the computation: traces let it read.
    const values = engine.readingForCheck(() => ids.dataSync());
    if (!allIds(values, k)) throw new Error(describeBadIds(op, what, k, ids.shape, values));
    return;
  }
  const bad = soma.tidy(() => {
    const outside = soma.logicalOr(ids.less(0), ids.greaterEqual(k));
    return soma.any(ids.dtype === 'float32' ? soma.logicalOr(outside, ids.notEqual(ids.floor())) : outside);
  });
  // A GPU reads asynchronously: the flag waits for the batch's one readback (fit, evaluate).
  deferred.push({ op, what, k, bad: soma.keep(bad), ids: soma.keep(ids.clone()) });
  while (deferred.length > MAX_DEFERRED) soma.dispose(Object.values(deferred.shift()!));
}

/** True when every value is an integer in [0, k) (NaN is not). */
function allIds(values: ArrayLike<number>, k: number): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v < k && Math.floor(v) === v)) return false;
  }
  return true;
}

function describeBadIds(op: string, what: string, k: number, shape: readonly number[], values: ArrayLike<number>): string {
  const i = Array.prototype.findIndex.call(values, (v: number) => !(Number.isInteger(v) && v >= 0 && v < k));
  return `${op}: ${what} must be integers in [0, ${k}), got ${values[i]} at position ${i} of [${shape.join(', ')}]`;
}

/** An id check waiting for a readback: `bad` is a bool scalar. */
export interface DeferredIdCheck {
  op: string;
  what: string;
  k: number;
  bad: Tensor;
  ids: Tensor;
}

// Bounded, so checks made outside fit (a sync predict on a GPU) cannot pile up; the device's own
// range check in gather still reports those ids at the next read.
const MAX_DEFERRED = 64;
let deferred: DeferredIdCheck[] = [];

/** Drops the checks deferred so far (a batch starts: only its own checks are read with it). */
export function discardDeferredIdChecks(): void {
  for (const c of takeDeferredIdChecks()) soma.dispose([c.bad, c.ids]);
}

/** The checks deferred since the last call; the caller reads their flags and passes them to reportIdChecks. */
export function takeDeferredIdChecks(): DeferredIdCheck[] {
  const list = deferred;
  deferred = [];
  return list;
}

/** Throws the first failed check's message (reading its ids to name the bad value); frees the checks. */
export async function reportIdChecks(checks: readonly DeferredIdCheck[], flags: ArrayLike<number>): Promise<void> {
  try {
    const i = checks.findIndex((_, j) => flags[j] !== 0);
    if (i < 0) return;
    const c = checks[i];
    throw new Error(describeBadIds(c.op, c.what, c.k, c.ids.shape, await c.ids.data()));
  } finally {
    for (const c of checks) soma.dispose([c.bad, c.ids]);
  }
}
