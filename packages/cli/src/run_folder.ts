import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './args.js';

/** Marks a folder as a Soma run, so a later `--out` may write there again. */
const MARKER = '.soma-run';
/** Held by the `soma train` that writes the folder now. */
const LOCK = '.soma-run.lock';
/** What `soma train` writes into a run folder; a folder holding only these is a run of an older Soma. */
const RUN_ENTRIES = new Set([MARKER, LOCK, 'model', 'checkpoint', 'metrics.jsonl', 'plot.svg', 'report.json', 'model.onnx']);

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { pid: o.pid, host: o.host, started: String(o.started ?? '') } : null;
  } catch {
    return null;
  }
}

/**
 * A run folder that this process owns until `release`: one `soma train` at a time writes a given
 * `--out` (a lock file naming its pid), and only into an empty folder or one that a Soma run wrote,
 * unless the user says `--force`.
 */
export class RunFolder {
  private released = false;
  private readonly onExit = () => this.releaseSync();

  private constructor(readonly dir: string, private readonly lockText: string) {
    // process.exit (a second Ctrl-C) skips finally blocks: the lock goes with the process anyway.
    process.on('exit', this.onExit);
  }

  static async claim(dir: string, opts: { force: boolean }): Promise<RunFolder> {
    await mkdir(dir, { recursive: true });
    const st = await stat(dir);
    if (!st.isDirectory()) throw new UsageError(`--out ${dir} is not a folder`);
    const entries = await readdir(dir);
    const isRun = entries.includes(MARKER) || entries.every((e) => RUN_ENTRIES.has(e));
    if (!isRun && !opts.force) {
      const foreign = entries.filter((e) => !RUN_ENTRIES.has(e));
      const shown = foreign.slice(0, 3).map((e) => `'${e}'`).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '');
      throw new UsageError(`--out ${dir} holds files that no Soma run wrote (${shown}); choose an empty or new folder, or pass --force to write the run beside them`);
    }
    const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    const text = JSON.stringify(owner);
    await takeLock(dir, text);
    const folder = new RunFolder(dir, text);
    if (!entries.includes(MARKER)) await writeFile(join(dir, MARKER), `${JSON.stringify({ createdBy: 'soma train', started: owner.started })}\n`);
    return folder;
  }

  /** Gives the folder up (the lock file goes, if it is still this run's). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    const lock = join(this.dir, LOCK);
    if ((await readFile(lock, 'utf8').catch(() => null)) === this.lockText) await unlink(lock).catch(() => undefined);
  }

  private releaseSync(): void {
    if (this.released) return;
    this.released = true;
    const lock = join(this.dir, LOCK);
    try {
      if (existsSync(lock) && readFileSync(lock, 'utf8') === this.lockText) unlinkSync(lock);
    } catch {
      // Exiting anyway; a stale lock is detected by the next run (its pid no longer runs).
    }
  }
}

/**
 * Creates the lock file whole or not at all: the owner is written to a file of this process's own,
 * then hard-linked to the lock's name, which fails if a lock exists. A lock whose process no longer
 * runs (a crash, a kill) is set aside by a rename — which only one contender can win — and taken.
 */
async function takeLock(dir: string, text: string): Promise<void> {
  const lock = join(dir, LOCK);
  const mine = join(dir, `${LOCK}.${process.pid}.tmp`);
  await writeFile(mine, text);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(mine, lock);
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
      }
      const held = await readFile(lock, 'utf8').catch(() => null);
      if (held === null) continue;
      const owner = parseOwner(held);
      const here = hostname();
      if (owner && owner.host !== here) {
        throw new Error(`--out ${dir} is locked by soma train (pid ${owner.pid}) on host '${owner.host}' since ${owner.started}; if no run writes there, delete ${lock}`);
      }
      if (owner && processAlive(owner.pid)) {
        throw new Error(`--out ${dir} is in use by another soma train (pid ${owner.pid}, started ${owner.started}); wait for it, or choose another --out`);
      }
      // Stale: set it aside under a unique name, then make sure what was set aside is the stale lock
      // (another run may have taken the lock in between; its lock goes back).
      const aside = join(dir, `${LOCK}.stale.${process.pid}.${attempt}`);
      try {
        await rename(lock, aside);
      } catch {
        continue;
      }
      const moved = await readFile(aside, 'utf8').catch(() => null);
      if (moved !== held) {
        await link(aside, lock).catch(() => undefined);
        await rm(aside, { force: true });
        continue;
      }
      await rm(aside, { force: true });
    }
    throw new Error(`--out ${dir}: could not take the lock ${lock}; another soma train may be starting there`);
  } finally {
    await rm(mine, { force: true });
  }
}
