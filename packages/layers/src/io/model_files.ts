import { importNodeModule } from '@soma/core';
import type { LayersModel } from '../model/model.js';
import { parseSafetensorsHeader, safetensorsHeaderLength } from './safetensors.js';
import { checkModelJson, checkWeightsFileName, MODEL_FILE, type ModelJson } from './model_json.js';
import { checkParameterCount, parameterLimit, type LoadModelOptions } from './parameter_limit.js';

/**
 * A model folder on disk (Node): model.json names the weights file beside it. Every save writes a
 * weights file under a new name, then replaces model.json with one atomic rename, so the folder
 * holds a complete old or a complete new model at every instant — across crashes and concurrent
 * saves alike. Loads treat both files as untrusted.
 */

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');
type FileHandle = import('node:fs/promises').FileHandle;

/** A topology file larger than this is not a model.json (a model with 10,000 layers is a few MB). */
const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

interface Node {
  fs: Fs;
  path: Path;
  constants: typeof import('node:fs').constants;
  url: typeof import('node:url');
  os: typeof import('node:os');
}

async function node(): Promise<Node> {
  const [fs, path, fsSync, url, os] = await Promise.all([
    importNodeModule<Fs>('node:fs/promises'), importNodeModule<Path>('node:path'), importNodeModule<typeof import('node:fs')>('node:fs'),
    importNodeModule<typeof import('node:url')>('node:url'), importNodeModule<typeof import('node:os')>('node:os'),
  ]);
  return { fs, path, constants: fsSync.constants, url, os };
}

/**
 * A path, or a file:// URL as TF.js accepts it: `file:///abs/dir`, and also the relative
 * `file://./dir` and `file://dir` that TF.js users write (a WHATWG URL would read `.` or `dir` as a
 * host, and Node's fileURLToPath refuses hosts).
 */
function toPath(n: Pick<Node, 'url'>, destination: string): string {
  if (!destination.startsWith('file://')) return destination;
  const rest = destination.slice('file://'.length);
  if (rest.startsWith('/')) return n.url.fileURLToPath(destination);
  return decodeURIComponent(rest);
}

/**
 * Opens a file for reading without following it into a device or a pipe: O_NONBLOCK makes opening
 * a FIFO return at once instead of waiting for a writer, and the handle's own stat is checked, so
 * the file cannot be swapped between the check and the read.
 */
async function openRegularFile(n: Node, file: string, op: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await n.fs.open(file, n.constants.O_RDONLY | (n.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw Object.assign(new Error(`${op}: cannot read ${file} (${(e as Error).message})`), { code: (e as { code?: string }).code });
  }
  const st = await handle.stat();
  if (!st.isFile()) {
    await handle.close();
    throw new Error(`${op}: ${file} is not a regular file`);
  }
  return { handle, size: st.size };
}

async function readExactly(handle: FileHandle, length: number, position: number, file: string): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`loadModel: ${file} changed while it was read (it ended after ${done + position} bytes)`);
    done += bytesRead;
  }
  return out;
}

async function readModelJson(n: Node, jsonPath: string): Promise<ModelJson> {
  const { handle, size } = await openRegularFile(n, jsonPath, 'loadModel');
  let text: string;
  try {
    if (size > MAX_MODEL_JSON_BYTES) throw new Error(`loadModel: ${jsonPath} is ${size} bytes; a model.json over ${MAX_MODEL_JSON_BYTES} bytes is not a Soma model`);
    text = new TextDecoder().decode(await readExactly(handle, size, 0, jsonPath));
  } finally {
    await handle.close();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`loadModel: ${jsonPath} is not valid JSON (${(e as Error).message})`);
  }
  return checkModelJson(parsed, jsonPath);
}

/**
 * The weights file's bytes, after checking that it resolves (links included) inside the model's
 * folder, is a regular file, and has exactly the size its own header declares — all before the
 * tensor data is read.
 */
async function readWeights(n: Node, dir: string, name: string, maxParameters: number): Promise<Uint8Array> {
  const file = n.path.join(dir, name);
  let real: string;
  try {
    real = await n.fs.realpath(file);
  } catch (e) {
    throw Object.assign(new Error(`loadModel: cannot read ${file} (${(e as Error).message})`), { code: (e as { code?: string }).code });
  }
  const realDir = await n.fs.realpath(dir);
  if (n.path.dirname(real) !== realDir) throw new Error(`loadModel: ${file} resolves to ${real}, outside the model's folder ${realDir}`);
  const { handle, size } = await openRegularFile(n, real, 'loadModel');
  try {
    const headerLength = safetensorsHeaderLength(await readExactly(handle, Math.min(8, size), 0, file), size, file);
    const layout = parseSafetensorsHeader(await readExactly(handle, headerLength, 8, file), size, file);
    checkParameterCount(layout.entries, maxParameters, file);
    return await readExactly(handle, size, 0, file);
  } finally {
    await handle.close();
  }
}

type Build = (artifacts: { modelJson: ModelJson; weights: Uint8Array }, source: string, weightsLabel: string, maxParameters: number) => LayersModel;

/** Loads model.json and the weights it names from a folder (or from the path of its model.json). */
export async function loadModelFromDirectory(source: string, options: LoadModelOptions, build: Build): Promise<LayersModel> {
  const n = await node();
  const maxParameters = parameterLimit(options, n.os.totalmem());
  const p = toPath(n, source);
  const jsonPath = p.endsWith('.json') ? p : n.path.join(p, MODEL_FILE);
  const dir = n.path.dirname(jsonPath);
  let modelJson = await readModelJson(n, jsonPath);
  // A save that lands between reading model.json and opening the weights it names replaces (and
  // removes) those weights: read model.json again and follow it to the new ones.
  for (let attempt = 0; ; attempt++) {
    const name = checkWeightsFileName(modelJson.weightsFile, jsonPath);
    try {
      const weights = await readWeights(n, dir, name, maxParameters);
      return build({ modelJson, weights }, jsonPath, n.path.join(dir, name), maxParameters);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT' || attempt >= 3) throw e;
      const again = await readModelJson(n, jsonPath);
      if (again.weightsFile === name) throw e;
      modelJson = again;
    }
  }
}

/** Saves in one process to one folder run one after another (keyed by the folder's real path). */
const inFlight = new Map<string, Promise<void>>();

let saveCounter = 0;

function hostTag(n: Node): string {
  return n.os.hostname().replace(/[^A-Za-z0-9]/g, '').slice(0, 24) || 'host';
}

/** This thread's id in Node (0 on the main thread); worker threads of one process share its pid. */
async function threadId(): Promise<number> {
  try {
    return (await importNodeModule<typeof import('node:worker_threads')>('node:worker_threads')).threadId;
  } catch {
    return 0;
  }
}

/**
 * Names of one save's files: host, process, thread, then a per-save counter and a random part, so
 * no two saves — of two processes, two threads of one process, or one thread — share a name.
 */
function tempTag(n: Node, thread: number): string {
  return `${hostTag(n)}_${process.pid}t${thread}_${Date.now().toString(36)}${(saveCounter++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

// host _ pid [t thread] _ unique part (names written before the thread part have none).
const TAG = '([A-Za-z0-9]+)_(\\d+)(?:t(\\d+))?_([a-z0-9]+)';
const WEIGHTS_NAME = new RegExp(`^weights\\.${TAG}\\.safetensors$`);
const TEMP_JSON_NAME = new RegExp(`^\\.model\\.json\\.${TAG}\\.tmp$`);
/** Fixed temp names of earlier Soma versions, left behind by interrupted saves. */
const LEGACY_TEMPS = new Set(['.weights.safetensors.tmp', '.model.json.tmp']);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** Writes a new file and flushes it to disk before returning. */
async function writeDurably(n: Node, file: string, data: Uint8Array | string): Promise<void> {
  const handle = await n.fs.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes the folder's entries (the rename) where the platform allows it. */
async function syncDirectory(n: Node, dir: string): Promise<void> {
  try {
    const handle = await n.fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open or fsync a directory; its rename is still atomic.
  }
}

async function currentWeightsName(n: Node, dir: string): Promise<string | null> {
  try {
    const json = JSON.parse(await n.fs.readFile(n.path.join(dir, MODEL_FILE), 'utf8')) as { weightsFile?: unknown };
    return typeof json.weightsFile === 'string' && !/[/\\]/.test(json.weightsFile) ? json.weightsFile : null;
  } catch {
    return null;
  }
}

/**
 * Removes what interrupted saves left: temp model.json files and weights no model.json names,
 * written by a process of this host that no longer runs (or by this process, whose saves to this
 * folder are serialized). Files of other hosts are removed only once a day old.
 */
async function sweepLeftovers(n: Node, dir: string, keep: string, thread: number): Promise<void> {
  const current = await currentWeightsName(n, dir);
  const host = hostTag(n);
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const entry of await n.fs.readdir(dir)) {
    if (entry === keep || entry === current) continue;
    const m = WEIGHTS_NAME.exec(entry) ?? TEMP_JSON_NAME.exec(entry);
    let stale = LEGACY_TEMPS.has(entry);
    if (m && m[1] === host) {
      const pid = Number(m[2]);
      // Another thread of this process may be mid-save (its saves are serialized apart from ours):
      // only this thread's own leftovers, or a dead process's, are stale.
      const sameThread = (m[3] === undefined ? 0 : Number(m[3])) === thread;
      stale = pid === process.pid ? sameThread : !processAlive(pid);
    } else if (m) {
      const st = await n.fs.stat(n.path.join(dir, entry)).catch(() => null);
      stale = st !== null && st.mtimeMs < dayAgo;
    }
    if (stale) await n.fs.rm(n.path.join(dir, entry), { force: true });
  }
}

async function saveOnce(n: Node, dir: string, artifacts: { modelJson: ModelJson; weights: Uint8Array }): Promise<void> {
  const thread = await threadId();
  const tag = tempTag(n, thread);
  const weightsName = `weights.${tag}.safetensors`;
  const tmpJson = n.path.join(dir, `.${MODEL_FILE}.${tag}.tmp`);
  const previous = await currentWeightsName(n, dir);
  try {
    await writeDurably(n, n.path.join(dir, weightsName), artifacts.weights);
    await writeDurably(n, tmpJson, JSON.stringify({ ...artifacts.modelJson, weightsFile: weightsName }, null, 1));
    // The switch: until this rename the folder is the old model, after it the new one.
    await n.fs.rename(tmpJson, n.path.join(dir, MODEL_FILE));
  } catch (e) {
    await n.fs.rm(tmpJson, { force: true });
    await n.fs.rm(n.path.join(dir, weightsName), { force: true });
    throw e;
  }
  await syncDirectory(n, dir);
  // Names are never reused, so the weights model.json named before the switch are nobody's now —
  // but only a name of Soma's own making is removed: an old model.json (hand-edited, or from
  // elsewhere) may name a file that Soma never wrote.
  if (previous && previous !== weightsName && WEIGHTS_NAME.test(previous)) await n.fs.rm(n.path.join(dir, previous), { force: true });
  await sweepLeftovers(n, dir, weightsName, thread);
}

/** Writes a model's artifacts into the folder `destination` (a path or file:// URL; created if needed). */
export async function saveModelToDirectory(artifacts: { modelJson: ModelJson; weights: Uint8Array }, destination: string): Promise<void> {
  const n = await node();
  const dir = toPath(n, destination);
  await n.fs.mkdir(dir, { recursive: true });
  const key = await n.fs.realpath(dir);
  const before = inFlight.get(key) ?? Promise.resolve();
  const mine = before.then(() => saveOnce(n, dir, artifacts));
  const settled = mine.catch(() => undefined);
  inFlight.set(key, settled);
  try {
    await mine;
  } finally {
    if (inFlight.get(key) === settled) inFlight.delete(key);
  }
}
