import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { datasets, fromCsv, fromJsonLines } from '@soma/data';
import { layers, loadModel, sequential } from '@soma/layers';
import { adam } from '@soma/optimizers';
import { decodeOnnx, encodeOnnx, importOnnx } from '@soma/onnx-io';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { readImage } from '../packages/cli/src/image.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Seeded fuzzing of every loader of untrusted files: valid checkpoints, CSV, JSON Lines, IDX and
 * CIFAR files are mutated (bit flips, truncation, edits of header numbers and names) and each
 * load must either succeed with a usable result or throw one of Soma's own errors — never a
 * JavaScript TypeError/RangeError from deep inside, a hang, a polluted prototype or a memory blow-up.
 */

const dir = mkdtempSync(join(tmpdir(), 'soma-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENGINE_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];
const CASE_TIMEOUT_MS = 5000;

type Mutation = (bytes: Uint8Array, rng: soma.Prng) => Uint8Array;

const pick = (rng: soma.Prng, n: number) => Math.floor(rng.nextFloat() * n);

const bitFlips: Mutation = (b, rng) => {
  const out = new Uint8Array(b);
  for (let k = 1 + pick(rng, 8); k > 0; k--) out[pick(rng, out.length)] ^= 1 << pick(rng, 8);
  return out;
};
const truncation: Mutation = (b, rng) => b.slice(0, pick(rng, b.length));
const byteEdits: Mutation = (b, rng) => {
  const out = new Uint8Array(b);
  const specials = [0, 0xff, 0x7f, 0x80, 0x22, 0x2c, 0x0a, 0x2d, 0x39];
  for (let k = 1 + pick(rng, 4); k > 0; k--) out[pick(rng, out.length)] = specials[pick(rng, specials.length)];
  return out;
};
/** Edits inside a JSON text: a digit becomes another number, a name loses or gains characters. */
const jsonEdits: Mutation = (b, rng) => {
  let text = new TextDecoder().decode(b);
  const edits = [
    () => text.replace(/\d+/g, (m) => (rng.nextFloat() < 0.15 ? ['-1', '0', '1e400', '99999999999', '0.5', '"x"', 'null', '[]'][pick(rng, 8)] : m)),
    () => text.replace(/"([A-Za-z_]+)"/g, (m, s: string) => (rng.nextFloat() < 0.1 ? `"${['__proto__', 'constructor', 'toString', `${s}x`, ''][pick(rng, 5)]}"` : m)),
    () => text.replace(/[[\]{}]/g, (m) => (rng.nextFloat() < 0.05 ? '' : m)),
  ];
  text = edits[pick(rng, edits.length)]();
  return new TextEncoder().encode(text);
};

/** Numbers in a model.json become counts that would take gigabytes: 1e9 units, 2^31 filters, a kernel of 1e15. */
const hugeCounts: Mutation = (b, rng) => {
  const text = new TextDecoder().decode(b).replace(/(:\s*)(\d+)(?=[,}\]])/g, (m, pre: string) => (rng.nextFloat() < 0.3 ? `${pre}${['1e9', '2e7', '2147483648', '1e15', '4294967296', '65536'][pick(rng, 6)]}` : m));
  return new TextEncoder().encode(text);
};

function isSomaError(e: unknown): boolean {
  // A failed expect() inside a load is the test's own failure, never an accepted error.
  return e instanceof Error && !ENGINE_ERRORS.some((c) => e instanceof c) && e.name !== 'AssertionError' && e.message.length > 0;
}

/** Runs one load with a time limit; returns 'ok' or 'error', and fails the test on anything else. */
async function attempt(what: string, load: () => Promise<void>): Promise<'ok' | 'error'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${what} took over ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS);
  });
  try {
    await Promise.race([load(), timeout]);
    return 'ok';
  } catch (e) {
    if ((e as Error).message?.startsWith('HANG:') || !isSomaError(e)) {
      throw new Error(`${what}: ${isSomaError(e) ? '' : 'not a Soma error: '}${(e as Error).constructor?.name}: ${(e as Error).message}\n${(e as Error).stack}`);
    }
    return 'error';
  } finally {
    clearTimeout(timer);
    expect(Object.keys(Object.prototype), `${what} polluted Object.prototype`).toEqual([]);
  }
}

interface Campaign {
  name: string;
  seeds: number;
  mutations: Mutation[];
  original: () => Uint8Array;
  load: (bytes: Uint8Array, caseDir: string) => Promise<void>;
}

async function runCampaign(c: Campaign): Promise<void> {
  const counts = { ok: 0, error: 0 };
  const startRss = process.memoryUsage().rss;
  const tensorsBefore = soma.memory().numTensors;
  for (let seed = 0; seed < c.seeds; seed++) {
    const rng = new soma.Prng(1000 + seed);
    const mutation = c.mutations[seed % c.mutations.length];
    const bytes = mutation(c.original(), rng);
    const caseDir = join(dir, `${c.name}-${seed}`);
    const what = `${c.name} seed ${seed} (${mutation.name})`;
    counts[await attempt(what, () => c.load(bytes, caseDir))]++;
    rmSync(caseDir, { recursive: true, force: true });
    // No case leaves tensors behind, failed loads included.
    expect(soma.memory().numTensors, `${what} leaked tensors`).toBe(tensorsBefore);
  }
  // Nor grows the process by hundreds of MB.
  expect(process.memoryUsage().rss - startRss).toBeLessThan(512 * 2 ** 20);
  // The campaign reached both outcomes: mutations that still load and mutations that are refused.
  expect(counts.ok, `${c.name}: no mutated input loaded`).toBeGreaterThan(0);
  expect(counts.error, `${c.name}: no mutated input was refused`).toBeGreaterThan(0);
}

/** A saved, compiled and trained model: model.json and its weights, to mutate. */
let checkpoint: { json: Uint8Array; weights: Uint8Array; weightsName: string };
const x = () => soma.ones([2, 1, 6, 6]);

beforeAll(async () => {
  soma.setRandomSeed(3);
  const m = sequential([
    layers.conv2d({ inputShape: [1, 6, 6], filters: 2, kernelSize: 3, activation: 'relu', kernelRegularizer: 'l2' }),
    layers.batchNormalization(),
    layers.flatten(),
    layers.dropout({ rate: 0.1 }),
    layers.dense({ units: 3, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xs = x();
  const ys = soma.tensor([0, 2], [2], 'int32');
  await m.trainOnBatch(xs, ys);
  const folder = join(dir, 'valid');
  await m.save(folder);
  const json = readFileSync(join(folder, 'model.json'));
  const weightsName = (JSON.parse(json.toString()) as { weightsFile: string }).weightsFile;
  checkpoint = { json, weights: readFileSync(join(folder, weightsName)), weightsName };
  soma.dispose([xs, ys]);
  m.dispose();
});

/** A loaded model must be usable: it predicts finite-shaped output for the saved input shape. */
async function loadAndUse(caseDir: string): Promise<void> {
  const m = await loadModel(caseDir);
  const input = x();
  try {
    const out = m.predict(input) as soma.Tensor;
    expect(out.shape).toEqual([2, m.outputs[0].shape[1]]);
    out.dispose();
  } finally {
    input.dispose();
    m.dispose();
  }
}

function writeCheckpoint(caseDir: string, json: Uint8Array, weights: Uint8Array): void {
  mkdirSync(caseDir, { recursive: true });
  writeFileSync(join(caseDir, 'model.json'), json);
  writeFileSync(join(caseDir, checkpoint.weightsName), weights);
}

const CSV = 'id,"name, with comma",x1,x2,label\r\n1,"a ""q""",0.5,1e3,0\n2,b,-1,2,1\n3,"multi\nline",3.25,,1\n';
const JSONL = '{"a":1,"b":[1,2]}\n{"a":2,"b":[3,4]}\r\n\n{"a":3,"b":{"c":"d"}}\n';
function idx(): Uint8Array {
  const out = new Uint8Array(4 + 12 + 2 * 3 * 4);
  out.set([0, 0, 0x08, 3]);
  const v = new DataView(out.buffer);
  [2, 3, 4].forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  for (let i = 16; i < out.length; i++) out[i] = i * 7;
  return out;
}
function cifar(): Uint8Array {
  const out = new Uint8Array(2 * 3073);
  for (let i = 0; i < out.length; i++) out[i] = (i * 13) % 256;
  out[0] = 3;
  out[3073] = 9;
  return out;
}

describe('fuzzing the loaders of untrusted files (seeded; every load succeeds usably or throws a Soma error)', () => {
  it('checkpoints: mutated weights files', async () => {
    await runCampaign({
      name: 'weights', seeds: 400, mutations: [bitFlips, truncation, byteEdits, jsonEdits], original: () => checkpoint.weights,
      load: async (bytes, caseDir) => {
        writeCheckpoint(caseDir, checkpoint.json, bytes);
        await loadAndUse(caseDir);
      },
    });
  }, 120_000);

  it('checkpoints: mutated model.json files', async () => {
    await runCampaign({
      name: 'model-json', seeds: 600, mutations: [jsonEdits, bitFlips, truncation, byteEdits, hugeCounts], original: () => checkpoint.json,
      load: async (bytes, caseDir) => {
        writeCheckpoint(caseDir, bytes, checkpoint.weights);
        await loadAndUse(caseDir);
      },
    });
  }, 120_000);

  it('CSV and JSON Lines', async () => {
    const text = (b: Uint8Array) => ({ text: new TextDecoder().decode(b) });
    await runCampaign({
      name: 'csv', seeds: 400, mutations: [bitFlips, truncation, byteEdits], original: () => new TextEncoder().encode(CSV),
      load: async (bytes) => {
        const rows = await fromCsv(text(bytes), { label: 'label', missing: 0 }).toArray();
        soma.dispose(rows);
        const batches = await fromCsv(text(bytes), { missing: 'skip' }).batch(2).toArray();
        soma.dispose(batches);
      },
    });
    await runCampaign({
      name: 'jsonl', seeds: 300, mutations: [bitFlips, truncation, byteEdits, jsonEdits], original: () => new TextEncoder().encode(JSONL),
      load: async (bytes) => {
        await fromJsonLines(text(bytes)).toArray();
      },
    });
  }, 120_000);

  it('ONNX models (a PyTorch-exported CNN, mutated)', async () => {
    const lenet = new Uint8Array(readFileSync(new URL('./fixtures/onnx/mlp.onnx', import.meta.url)));
    await runCampaign({
      name: 'onnx', seeds: 300, mutations: [bitFlips, truncation, byteEdits], original: () => lenet,
      load: async (bytes) => {
        const m = await importOnnx(bytes);
        try {
          const input = soma.ones([2, 12]);
          try {
            const out = m.predict({ [m.inputs[0]?.name ?? 'input']: input });
            soma.dispose(out);
          } finally {
            input.dispose();
          }
        } finally {
          m.dispose();
        }
      },
    });
  }, 120_000);

  it('ONNX external data (the entries and the data file, mutated)', async () => {
    const model = decodeOnnx(new Uint8Array(readFileSync(new URL('./fixtures/onnx/mlp.onnx', import.meta.url))));
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const entries: Record<string, Record<string, string>> = {};
    for (const t of model.graph!.initializer!) {
      if (!t.raw_data?.length) continue;
      entries[t.name!] = { location: 'w.bin', offset: String(offset), length: String(t.raw_data.length) };
      chunks.push(t.raw_data);
      offset += t.raw_data.length;
    }
    const data = new Uint8Array(offset);
    chunks.reduce((at, c) => (data.set(c, at), at + c.length), 0);
    const originalEntries = new TextEncoder().encode(JSON.stringify(entries));
    // Locations a mutation may name: a FIFO, a folder, a sparse file, a link out of the folder.
    const special = ['fifo', 'folder', 'sparse.bin', 'outside', '../w.bin', '/etc/hostname', 'w.bin'];
    const load = async (mutatedEntries: Uint8Array, weights: Uint8Array, caseDir: string) => {
      mkdirSync(join(caseDir, 'folder'), { recursive: true });
      writeFileSync(join(caseDir, 'w.bin'), weights);
      execFileSync('mkfifo', [join(caseDir, 'fifo')]);
      const sparse = openSync(join(caseDir, 'sparse.bin'), 'w');
      ftruncateSync(sparse, 2 ** 32 + 5);
      closeSync(sparse);
      symlinkSync('/etc', join(caseDir, 'outside'));
      let parsed: Record<string, Record<string, unknown>>;
      try {
        parsed = JSON.parse(new TextDecoder().decode(mutatedEntries));
      } catch {
        parsed = entries;
      }
      const m = decodeOnnx(encodeOnnx(model));
      for (const t of m.graph!.initializer!) {
        const e = parsed?.[t.name!];
        if (!e || typeof e !== 'object') continue;
        delete t.raw_data;
        t.data_location = 1;
        t.external_data = Object.entries(e).map(([key, value]) => ({ key, value: String(value) }));
      }
      writeFileSync(join(caseDir, 'model.onnx'), encodeOnnx(m));
      const imported = await importOnnx(join(caseDir, 'model.onnx'));
      try {
        const input = soma.ones([2, 12]);
        soma.dispose(imported.predict({ [imported.inputs[0].name]: input }));
        input.dispose();
      } finally {
        imported.dispose();
      }
    };
    const locations: Mutation = (b, rng) => new TextEncoder().encode(new TextDecoder().decode(b).replace(/"w\.bin"/g, (m) => (rng.nextFloat() < 0.5 ? JSON.stringify(special[pick(rng, special.length)]) : m)));
    await runCampaign({
      name: 'onnx-external-entries', seeds: 150, mutations: [jsonEdits, locations], original: () => originalEntries,
      load: (bytes, caseDir) => load(bytes, data, caseDir),
    });
    await runCampaign({
      name: 'onnx-external-data', seeds: 60, mutations: [truncation, bitFlips], original: () => data,
      load: (bytes, caseDir) => load(originalEntries, bytes, caseDir),
    });
  }, 120_000);

  it('images for soma predict (PNG and PGM, mutated, with huge declared sizes)', async () => {
    const png = new PNG({ width: 9, height: 7 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) % 256;
    const pngBytes = new Uint8Array(PNG.sync.write(png));
    const pgmBytes = new Uint8Array(Buffer.concat([Buffer.from('P5\n9 7\n255\n', 'latin1'), Buffer.from(Array.from({ length: 63 }, (_, k) => (k * 11) % 256))]));
    // The size fields: PNG's IHDR width/height, PGM's header numbers.
    const hugeSize: Mutation = (b, rng) => {
      const out = new Uint8Array(b);
      if (out[0] === 0x89) new DataView(out.buffer).setUint32(16 + 4 * pick(rng, 2), [0, 1, 20000, 2 ** 31, 0xffffffff][pick(rng, 5)]);
      else return new TextEncoder().encode(new TextDecoder('latin1').decode(out).replace(/\d+/, ['0', '20000', '99999999999', '-3'][pick(rng, 4)]));
      return out;
    };
    // PNG's chunk CRCs refuse nearly every byte mutation, so valid images of other sizes and colour types
    // are mixed in: the campaign then also checks that they load.
    const otherPng: Mutation = (_b, rng) => {
      const colorType = ([0, 2, 6] as const)[pick(rng, 3)];
      const other = new PNG({ width: 1 + pick(rng, 40), height: 1 + pick(rng, 40) });
      for (let i = 0; i < other.data.length; i++) other.data[i] = pick(rng, 256);
      return new Uint8Array(PNG.sync.write(other, { colorType }));
    };
    for (const [name, original, extra] of [['png', pngBytes, [otherPng]], ['pgm', pgmBytes, []]] as const) {
      await runCampaign({
        name: `image-${name}`, seeds: 150, mutations: [bitFlips, truncation, byteEdits, hugeSize, ...extra], original: () => original,
        load: async (bytes, caseDir) => {
          mkdirSync(caseDir, { recursive: true });
          const file = join(caseDir, `image.${name}`);
          writeFileSync(file, bytes);
          const pixels = await readImage(file, [1, 28, 28]);
          expect(pixels.length).toBe(784);
          expect(pixels.every(Number.isFinite), 'pixels are finite').toBe(true);
        },
      });
    }
  }, 120_000);

  it('IDX (plain and gzipped) and CIFAR', async () => {
    const checkTensor = (t: soma.Tensor) => {
      expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1));
      t.dispose();
    };
    await runCampaign({
      name: 'idx', seeds: 400, mutations: [bitFlips, truncation, byteEdits], original: idx,
      load: async (bytes) => checkTensor(await datasets.readIdx(bytes)),
    });
    await runCampaign({
      name: 'idx-gz', seeds: 200, mutations: [bitFlips, truncation, byteEdits], original: () => gzipSync(idx()),
      load: async (bytes) => checkTensor(await datasets.readIdx(bytes)),
    });
    await runCampaign({
      name: 'cifar', seeds: 200, mutations: [bitFlips, truncation, byteEdits], original: cifar,
      load: async (bytes) => {
        const { x: images, y } = await datasets.readCifar(bytes);
        checkTensor(images);
        checkTensor(y);
      },
    });
  }, 120_000);
});
