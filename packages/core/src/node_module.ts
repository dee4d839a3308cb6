/**
 * Imports a Node built-in ('node:fs/promises', ...) for code paths that run only in Node. The
 * specifier is a variable and marked ignored, so browser bundlers (esbuild, Vite, webpack) leave it
 * alone instead of failing to resolve it; in browsers those paths are never taken.
 */
export function importNodeModule<T>(name: `node:${string}`): Promise<T> {
  const specifier: string = name;
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as Promise<T>;
}
