import type { Variable } from './variable.js';

// Live variables by name, so an optimizer can apply a { name: gradient } record (TF.js's
// applyGradients idiom). Weak references: the registry never keeps a variable alive. Kept on
// globalThis so the ESM and CJS copies of core see the same variables, as they share the engine.
const KEY = Symbol.for('@soma/core/variables');
type Registry = Map<string, WeakRef<Variable>[]>;

function registry(): Registry {
  const g = globalThis as typeof globalThis & { [KEY]?: Registry };
  return (g[KEY] ??= new Map());
}

/** Records a new variable under its name. */
export function registerVariable(v: Variable): void {
  const r = registry();
  const live = (r.get(v.name) ?? []).filter((ref) => {
    const x = ref.deref();
    return x !== undefined && !x.isDisposed;
  });
  live.push(new WeakRef(v));
  r.set(v.name, live);
}

/** The live (not disposed, not collected) variables named `name`, oldest first. */
export function variablesNamed(name: string): Variable[] {
  const refs = registry().get(name) ?? [];
  return refs.map((ref) => ref.deref()).filter((v): v is Variable => v !== undefined && !v.isDisposed);
}
