import { getEngine, type MemoryInfo } from './engine/engine.js';
import { isTensor, type Tensor } from './tensor.js';

function collect(x: unknown, into: Set<Tensor>, depth = 0): void {
  if (depth > 8 || x === null || x === undefined) return;
  if (isTensor(x)) into.add(x);
  else if (Array.isArray(x)) for (const v of x) collect(v, into, depth + 1);
  else if (x instanceof Map) for (const v of x.values()) collect(v, into, depth + 1);
  else if (typeof x === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(x))) {
    // Null-prototype objects too: dictionaries keyed by names from files are built that way.
    for (const v of Object.values(x)) collect(v, into, depth + 1);
  }
}

/**
 * Runs `fn` and frees every tensor it created except those it returns (also inside arrays, plain
 * objects and Maps), kept ones and variables.
 */
export function tidy<T>(fn: () => T): T {
  const e = getEngine();
  e.startScope();
  let result: T;
  try {
    result = fn();
  } catch (err) {
    e.endScope(new Set());
    throw err;
  }
  if (result instanceof Promise) {
    e.endScope(new Set());
    throw new Error('tidy: the function must be synchronous (it returned a Promise); async work cannot be scoped');
  }
  const keep = new Set<Tensor>();
  collect(result, keep);
  e.endScope(keep);
  return result;
}

/** Frees every tensor in `x`, which may be a tensor or arrays/plain objects holding tensors. Disposing twice is harmless. */
export function dispose(x: unknown): void {
  const all = new Set<Tensor>();
  collect(x, all);
  for (const t of all) t.dispose();
}

/** Marks a tensor so that no enclosing tidy() frees it. */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

/** Live tensors and bytes, overall and per backend, with each backend's own counters (as tf.memory()). */
export function memory(): MemoryInfo {
  return getEngine().memory();
}
