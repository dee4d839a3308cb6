import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { layers, loadModel, sequential } from '@soma/layers';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'soma-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const saver = fileURLToPath(new URL('./helpers/save_forever.mjs', import.meta.url));

/** Starts a saving process and resolves once it has written its first complete model. */
function startSaver(folder: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [saver, folder], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the saver exited with ${code} before its first save`)));
  });
}

/** Kills a saver; one that already stopped by itself failed a save (concurrent savers must not). */
const killed = (child: ChildProcess) => new Promise<void>((resolve, reject) => {
  if (child.exitCode !== null) {
    reject(new Error(`a saver stopped by itself with exit code ${child.exitCode} (a save failed)`));
    return;
  }
  child.once('exit', () => resolve());
  child.kill('SIGKILL');
});

/** The folder must hold model A (300 units, every weight 1.5) or model B (200 units, every weight -2.5), whole. */
async function expectOneCompleteModel(folder: string): Promise<'a' | 'b'> {
  const m = await loadModel(folder);
  try {
    const units = m.weights[1].shape[0];
    const values = new Set(m.weights.flatMap((w) => Array.from(w.dataSync())));
    if (units === 300) expect([...values]).toEqual([1.5]);
    else {
      expect(units).toBe(200);
      expect([...values]).toEqual([-2.5]);
    }
    return units === 300 ? 'a' : 'b';
  } finally {
    m.dispose();
  }
}

describe('a process killed while saving never leaves a folder that does not load', () => {
  it('after SIGKILL at random moments, with one saver or two at once, the folder loads as the old or the new model', async () => {
    const rng = new soma.Prng(14);
    const seen = new Set<string>();
    for (let run = 0; run < 12; run++) {
      const folder = join(dir, `run-${run}`);
      const savers = await Promise.all(Array.from({ length: run % 3 === 2 ? 2 : 1 }, () => startSaver(folder)));
      await new Promise((r) => setTimeout(r, Math.floor(rng.nextFloat() * 250)));
      await Promise.all(savers.map(killed));
      seen.add(await expectOneCompleteModel(folder));
    }
    // The kills landed at different points of the save loop: both models were seen.
    expect([...seen].sort()).toEqual(['a', 'b']);
  }, 120_000);

  it('the next save sweeps what killed savers left (temp files, unreferenced weights)', async () => {
    const folder = join(dir, 'sweep');
    await killed(await startSaver(folder));
    const m = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    await m.save(folder);
    const files = readdirSync(folder).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('model.json');
    expect(files[1]).toMatch(/^weights\.\w+\.safetensors$/);
    m.dispose();
  }, 60_000);
});

describe('saves never delete or mix what they did not write', () => {
  it('a save keeps a file that an old model.json names but Soma did not write', async () => {
    const folder = join(dir, 'foreign');
    const m = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    await m.save(folder);
    // The user points model.json at a copy of the weights under a name of their own.
    const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
    copyFileSync(join(folder, json.weightsFile), join(folder, 'my-weights.safetensors'));
    writeFileSync(join(folder, 'model.json'), JSON.stringify({ ...json, weightsFile: 'my-weights.safetensors' }));
    (await loadModel(folder)).dispose();
    await m.save(folder);
    expect(existsSync(join(folder, 'my-weights.safetensors'))).toBe(true);
    (await loadModel(folder)).dispose();
    m.dispose();
  }, 60_000);

  it('two worker threads of one process saving to and loading from one folder never fail', async () => {
    const folder = join(dir, 'threads');
    const script = new URL('./helpers/save_load_thread.mjs', import.meta.url);
    const run = (value: number) => new Promise<string[]>((resolve, reject) => {
      const w = new Worker(script, { workerData: { dir: folder, rounds: 25, value } });
      w.once('message', resolve);
      w.once('error', reject);
    });
    const failures = (await Promise.all([run(1), run(2)])).flat();
    expect(failures).toEqual([]);
    const m = await loadModel(folder);
    expect(new Set(m.weights[0].dataSync()).size).toBe(1);
    m.dispose();
  }, 120_000);
});
