/**
 * The backends a test file should run on: `candidates`, narrowed to those named in the
 * `SOMA_TEST_BACKENDS` environment variable (comma-separated) when it is set. The fast test tier
 * sets it to the cpu paths, so tests written once for every backend run there on cpu only, and
 * the full tier (variable unset) runs them everywhere.
 *
 * @example
 * ```ts
 * // In a vitest file: describe.each(backendsUnderTest(['cpu', 'native', 'webgpu']))('fit on %s', …)
 * const backends = backendsUnderTest(['cpu', 'native', 'webgpu']);
 * console.log(backends);   // ['cpu'] under SOMA_TEST_BACKENDS=cpu,cpu-js; all three when it is unset
 * ```
 */
export function backendsUnderTest(candidates: readonly string[]): string[] {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.SOMA_TEST_BACKENDS;
  if (!env) return [...candidates];
  const allowed = new Set(env.split(',').map((s) => s.trim()).filter(Boolean));
  return candidates.filter((c) => allowed.has(c));
}
