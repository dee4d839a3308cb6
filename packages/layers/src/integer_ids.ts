import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

/**
 * Ids (class labels, embedding rows) must be integers in [0, k): a float such as 1.7 or NaN is an
 * error, never truncated to a neighbour. One readback of a flag; the values are read only to name
 * the first bad one.
 */
export function checkIntegerIds(op: string, what: string, ids: Tensor, k: number): void {
  const bad = soma.tidy(() => {
    const outside = soma.logicalOr(ids.less(0), ids.greaterEqual(k));
    return soma.any(ids.dtype === 'float32' ? soma.logicalOr(outside, ids.notEqual(ids.floor())) : outside);
  });
  const anyBad = bad.dataSync()[0];
  bad.dispose();
  if (!anyBad) return;
  const values = ids.dataSync();
  const i = values.findIndex((v) => !(Number.isInteger(v) && v >= 0 && v < k));
  throw new Error(`${op}: ${what} must be integers in [0, ${k}), got ${values[i]} at position ${i} of [${ids.shape.join(', ')}]`);
}
