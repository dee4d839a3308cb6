import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { fromParquet } from '@soma/data';
import { decodeSafetensors } from '@soma/layers';
import { lstmClassifier } from '@soma/zoo';
import { exportTorch, loadTorchWeights } from '@soma/torch-bridge';
import { hasTorch, PYTHON } from './helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'soma-ddp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runner = fileURLToPath(new URL('./helpers/run_module.py', import.meta.url));
// torchrun beside the Python that has torch (Debian installs both in /usr/bin).
const torchrun = join(dirname(PYTHON), 'torchrun');
// One thread per process: two ranks on two cores, no oversubscription.
const env = { ...process.env, OMP_NUM_THREADS: '1' };

const weightsOf = (file: string) => decodeSafetensors(new Uint8Array(readFileSync(file)), file).tensors;

describe.skipIf(!hasTorch)('a Soma model trains under torchrun with DistributedDataParallel and comes back', () => {
  it('two gloo ranks on a Parquet dataset: identical weights, equal to one process over the same global batches, loaded back with PyTorch\'s outputs', async () => {
    soma.setRandomSeed(7);
    const model = lstmClassifier({ vocabSize: 20, embeddingDim: 6, sequenceLength: 10, units: 8, numClasses: 3, name: 'ddp_classifier' });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });

    // 96 sequences, some pre-padded with 0 (masked), written by an independent Parquet writer.
    const n = 96;
    let seed = 11;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const tokens = Array.from({ length: n }, (_, i) => Array.from({ length: 10 }, (_, t) => (t < i % 4 ? 0 : 1 + Math.floor(rand() * 19))));
    const labels = Int32Array.from(tokens, (row) => row.reduce((a, b) => a + b, 0) % 3);
    const parquet = join(dir, 'train.parquet');
    writeFileSync(parquet, new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'tokens', data: tokens }, { name: 'label', data: labels, type: 'INT32' }], rowGroupSize: 32 })));

    const project = join(dir, 'project');
    const out = await exportTorch(model, project, { data: fromParquet(parquet, { label: 'label' }), batchSize: 16 });
    expect(out.rows).toBe(n);
    expect(out.trainingNote).toBeUndefined();
    expect(JSON.parse(readFileSync(join(project, 'training.json'), 'utf8'))).toMatchObject({ loss: { name: 'sparseCategoricalCrossentropy', options: {} }, optimizer: { name: 'adam' }, batchSize: 16 });

    const common = ['--data', join(project, 'data'), '--no-shuffle', '--epochs', '2', '--max-steps', '8'];
    const single = execFileSync(PYTHON, [join(project, 'train.py'), ...common, '--out', join(dir, 'single')], { encoding: 'utf8', env });
    expect(single).toMatch(/epoch 2\/2: loss \d+\.\d+ \(2 steps per process, 1 process\)/);
    // --redirects/--tee 2: Debian's torchrun 1.13 under Python 3.11 cannot parse its own default ("0").
    const ddp = execFileSync(torchrun, ['--standalone', '--nproc_per_node=2', '--redirects', '2', '--tee', '2', join(project, 'train.py'), ...common, '--out', join(dir, 'ddp'), '--save-every-rank'], { encoding: 'utf8', env });
    expect(ddp).toMatch(/epoch 2\/2: loss \d+\.\d+ \(2 steps per process, 2 processes\)/);

    const initial = weightsOf(join(project, 'weights.safetensors'));
    const one = weightsOf(join(dir, 'single', 'weights.safetensors'));
    const rank0 = weightsOf(join(dir, 'ddp', 'weights.rank0.safetensors'));
    const rank1 = weightsOf(join(dir, 'ddp', 'weights.rank1.safetensors'));
    const final = weightsOf(join(dir, 'ddp', 'weights.safetensors'));
    expect([...rank0.keys()].sort()).toEqual([...initial.keys()].sort());
    let moved = 0;
    let vsSingle = 0;
    for (const [name, w] of rank0) {
      // DDP keeps the ranks' replicas bit-identical…
      expect(Array.from(rank1.get(name)!.data), name).toEqual(Array.from(w.data));
      expect(Array.from(final.get(name)!.data), name).toEqual(Array.from(w.data));
      // …equal to one process over the same global batches, and training moved them.
      (w.data as Float32Array).forEach((v, i) => {
        vsSingle = Math.max(vsSingle, Math.abs(v - (one.get(name)!.data as Float32Array)[i]));
        moved = Math.max(moved, Math.abs(v - (initial.get(name)!.data as Float32Array)[i]));
      });
    }
    expect(vsSingle).toBeLessThan(1e-5);
    expect(moved).toBeGreaterThan(1e-3);

    // Back in Soma: the trained weights give PyTorch's outputs.
    await loadTorchWeights(model, join(dir, 'ddp', 'weights.safetensors'));
    const ids = soma.tensor(tokens.slice(0, 8));
    const ours = await (model.predict(ids) as soma.Tensor).data();
    const idsFile = join(dir, 'ids.bin');
    writeFileSync(idsFile, await ids.cast('float32').data());
    const theirs = JSON.parse(execFileSync(PYTHON, [runner, project, JSON.stringify({ inputs: [[idsFile, [8, 10]]], weights: join(dir, 'ddp', 'weights.safetensors') })], { encoding: 'utf8' })) as { outputs: number[][] };
    let worst = 0;
    theirs.outputs[0].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours[i]))));
    expect(worst).toBeLessThan(1e-5);
  }, 180_000);
});
