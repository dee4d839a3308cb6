import { getEngine, type BackendFactory } from './engine/engine.js';
import type { Backend } from './kernels/index.js';

/**
 * Makes a backend available under `name`. Higher priority wins when no backend was chosen with
 * setBackend. Backend packages call this when imported.
 */
export function registerBackend(name: string, factory: BackendFactory, priority = 1): boolean {
  return getEngine().registerBackend(name, factory, priority);
}

/** Switches the active backend, initialising it on first use. Existing tensors stay where they are. */
export async function setBackend(name: string): Promise<void> {
  await getEngine().setBackend(name);
}

/**
 * The active backend object (TF.js's `tf.backend()`): its memory, options and kernels.
 *
 * @example
 * ```ts
 * console.log(soma.backend().name);                // 'cpu'
 * ```
 */
export function backend(): Backend {
  return getEngine().backend;
}

/**
 * The name of the active backend, as TF.js's `tf.getBackend()` returns it.
 *
 * @example
 * ```ts
 * if (soma.getBackend() === 'cpu') console.log('on the cpu backend');
 * ```
 */
export function getBackend(): string {
  return getEngine().backendName;
}

/** The name of the active backend (the same as `getBackend()`). */
export function getBackendName(): string {
  return getEngine().backendName;
}

/** Names of the registered backends, in registration order. */
export function listBackends(): string[] {
  return getEngine().listBackends();
}

/** Unregisters a backend and destroys its instance; if it was active, none is until the next setBackend. */
export function removeBackend(name: string): void {
  getEngine().removeBackend(name);
}
