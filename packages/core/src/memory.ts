import { getEngine, type MemoryInfo } from './engine/engine.js';
import { isTensor, type Tensor } from './tensor.js';

/**
 * Every tensor reachable from `root` through arrays, Maps and plain (or null-prototype) objects, at
 * any depth: iterative, so deep nesting cannot overflow the stack, and each container is visited
 * once, so cycles end.
 */
function collect(root: unknown, into: Set<Tensor>): void {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const x = stack.pop();
    if (x === null || x === undefined || typeof x !== 'object') continue;
    if (isTensor(x)) {
      into.add(x);
      continue;
    }
    if (seen.has(x)) continue;
    seen.add(x);
    if (Array.isArray(x)) for (const v of x) stack.push(v);
    else if (x instanceof Map) for (const v of x.values()) stack.push(v);
    else if ([Object.prototype, null].includes(Object.getPrototypeOf(x))) {
      // Null-prototype objects too: dictionaries keyed by names from files are built that way.
      for (const v of Object.values(x)) stack.push(v);
    }
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
