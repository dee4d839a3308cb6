import { importNodeModule } from '@soma/core';

/**
 * Which part of a sharded source one reader takes: `count` readers (workers, processes, machines)
 * each pass their own `index`, and together they read every row exactly once.
 */
export interface ShardOptions {
  /** This reader's part, 0 ≤ index < count. */
  index: number;
  /** How many readers share the source. */
  count: number;
}

/** The shard option, checked (an index past the count would silently read nothing). */
export function checkShard(op: string, shard: ShardOptions | undefined): ShardOptions | null {
  if (shard === undefined) return null;
  const { index, count } = shard;
  if (!(Number.isSafeInteger(count) && count >= 1)) throw new Error(`${op}: shard.count must be a positive integer, got ${count}`);
  if (!(Number.isSafeInteger(index) && index >= 0 && index < count)) throw new Error(`${op}: shard.index must be an integer in [0, ${count}), got ${index}`);
  return { index, count };
}

/** Whether item k of a list dealt round-robin belongs to this shard. */
export const inShard = (shard: ShardOptions | null, k: number): boolean => !shard || k % shard.count === shard.index;

const isPattern = (s: string): boolean => /[*?]/.test(s);
const isUrl = (s: string): boolean => /^(https?|blob|data):/.test(s);

/** A file-name pattern (`*` any run of characters but '/', `?` one) as a regular expression. */
function patternOf(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/**
 * The files a path names: a directory gives its files ending in one of `extensions`, a pattern
 * (`shards/part-*.parquet`, wildcards in the last part only) the files it matches, anything else
 * itself. Sorted by name, so every reader of a sharded directory sees the same order.
 */
export async function expandPath(path: string, extensions: readonly string[], op: string): Promise<string[]> {
  if (isUrl(path) || typeof (globalThis as { window?: unknown }).window !== 'undefined') return [path];
  const fs = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const { dirname, basename, join } = await importNodeModule<typeof import('node:path')>('node:path');
  const local = path.startsWith('file:') ? decodeURIComponent(new URL(path).pathname) : path;
  let dir: string;
  let keep: (name: string) => boolean;
  if (isPattern(local)) {
    dir = dirname(local);
    if (isPattern(dir)) throw new Error(`${op}: ${path}: wildcards are allowed in the file name only, not in '${dir}'`);
    const re = patternOf(basename(local));
    keep = (name) => re.test(name);
  } else {
    const stat = await fs.stat(local).catch(() => null);
    if (!stat?.isDirectory()) return [path];
    dir = local;
    keep = (name) => extensions.some((e) => name.toLowerCase().endsWith(e));
  }
  let names: string[];
  try {
    names = (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && keep(d.name)).map((d) => d.name);
  } catch (e) {
    throw new Error(`${op}: cannot list ${dir} (${(e as Error).message})`);
  }
  if (names.length === 0) throw new Error(`${op}: ${path} names no files${isPattern(local) ? '' : ` ending in ${extensions.join(' or ')}`}`);
  return names.sort().map((n) => join(dir, n));
}

/** Every file a list of paths names (each expanded as `expandPath`), in order. */
export async function expandPaths(paths: readonly string[], extensions: readonly string[], op: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) out.push(...(await expandPath(p, extensions, op)));
  return out;
}

/**
 * The sources a reader of text files goes through, and how rows are sharded: a list of paths, a
 * directory or a pattern is expanded (sorted); with a shard and at least as many files as
 * readers, files are dealt round-robin (no reader opens another's files), otherwise every reader
 * reads every file and rows are dealt round-robin. Either way each row is read by one reader.
 */
export async function filesToRead<S>(source: S | readonly (string | URL)[], extensions: readonly string[], op: string, shard: ShardOptions | null): Promise<{ files: (S | string)[]; rowShard: ShardOptions | null }> {
  let files: (S | string)[];
  if (Array.isArray(source)) {
    if (source.length === 0) throw new Error(`${op}: the list of files is empty`);
    files = await expandPaths(source.map(String), extensions, op);
  } else if (typeof source === 'string' || source instanceof URL) {
    files = await expandPath(String(source), extensions, op);
  } else files = [source as S];
  if (shard && files.length >= shard.count) return { files: files.filter((_, k) => inShard(shard, k)), rowShard: null };
  return { files, rowShard: shard };
}
