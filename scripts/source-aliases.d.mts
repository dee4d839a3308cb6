/** esbuild aliases from each @soma package name to its TypeScript source, for the repository at `root`. */
export function sourceAliases(root: string): Record<string, string>;
