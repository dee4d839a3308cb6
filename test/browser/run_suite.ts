// Runs the whole conformance suite inside a browser page and writes the outcome into the DOM,
// where the Node side (browser.test.ts) reads it with chromium --dump-dom.
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';
import { conformanceCases, settleChecks } from '@soma/testing';
import '@soma/backend-webgpu';
import { Dataset, datasets } from '@soma/data';
import { layers, modelFromArtifacts, modelToArtifacts, sequential } from '@soma/layers';
import { adam } from '@soma/optimizers';

interface Outcome {
  backend: string;
  gemmKind: string;
  /** The cpu backend's threads and heap kind (memory()), on cpu backends. */
  threads?: number;
  sharedMemory?: number;
  passed: number;
  failed: { name: string; message: string }[];
}

async function runOn(backend: string): Promise<Outcome> {
  await soma.setBackend(backend);
  const b = soma.backend() as CpuBackend;
  const info = b.memoryInfo?.() ?? {};
  const result: Outcome = { backend, gemmKind: b.gemmKind ?? 'none', threads: info.threads, sharedMemory: info.sharedMemory, passed: 0, failed: [] };
  for (const c of conformanceCases()) {
    try {
      if (c.runAsync) await c.runAsync();
      else soma.tidy(() => c.run!());
      await settleChecks();
      result.passed++;
    } catch (e) {
      result.failed.push({ name: `${c.group} > ${c.name}`, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return result;
}

/** Layers, optimizers and data in the page: the circles MLP from a Dataset, then a save/load round trip. */
async function trainInPage(): Promise<{ accuracy: number; reloadedIdentical: boolean; workers: unknown }> {
  await soma.setBackend('cpu');
  soma.setRandomSeed(1);
  const { x, y } = datasets.makeCircles({ nSamples: 200, noise: 0.1, factor: 0.3, seed: 1 });
  const net = sequential([layers.dense({ units: 16, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
  net.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  await net.fit(Dataset.fromTensors({ xs: x, ys: y }).shuffle(Infinity, { seed: 1 }).batch(20), { epochs: 60, verbose: 0 });
  const { accuracy } = await net.evaluate(x, y);
  const back = modelFromArtifacts(modelToArtifacts(net));
  const [a, b] = [net.predict(x) as soma.Tensor, back.predict(x) as soma.Tensor];
  const reloadedIdentical = Array.from(a.dataSync()).every((v, i) => Object.is(v, b.dataSync()[i]));
  soma.dispose([x, y, a, b]);
  net.dispose();
  back.dispose();
  let workers: unknown;
  try {
    workers = await Dataset.range(6).mapInWorkers((v: number) => ({ square: v * v, inWorker: typeof (globalThis as { importScripts?: unknown }).importScripts === 'function' }), { workers: 2 }).toArray();
  } catch (e) {
    workers = { error: String(e) };
  }
  return { accuracy, reloadedIdentical, workers };
}

/**
 * The same small classifier trained on cpu and on webgpu from one seed: the two loss curves and the
 * final accuracies, for the Node side to compare.
 */
async function trainOnBoth(): Promise<Record<string, { losses: number[]; accuracy: number }>> {
  const out: Record<string, { losses: number[]; accuracy: number }> = {};
  for (const backend of ['cpu', 'webgpu']) {
    await soma.setBackend(backend);
    soma.setRandomSeed(3);
    const { x, y } = datasets.makeCircles({ nSamples: 120, noise: 0.1, factor: 0.3, seed: 2 });
    const net = sequential([layers.dense({ units: 16, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
    net.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await net.fit(x, y, { epochs: 40, batchSize: 30, shuffle: false, verbose: 0 });
    const { accuracy } = await net.evaluate(x, y);
    out[backend] = { losses: h.history.loss as number[], accuracy };
    soma.dispose([x, y]);
    net.dispose();
  }
  await soma.setBackend('cpu');
  return out;
}

// The page reports to the test's local server, which waits for exactly this request.
async function report(body: unknown): Promise<void> {
  await fetch('/report', { method: 'POST', body: JSON.stringify(body) });
}

try {
  // Every cpu path: as users get it (the page is cross-origin isolated, so threads), threads on
  // every splittable kernel, an unshared heap (what a page without isolation gets), plain TypeScript.
  soma.registerBackend('cpu-threads', () => new CpuBackend('cpu-threads', { threads: 3, minParallelWork: 0 }));
  soma.registerBackend('cpu-unshared', () => new CpuBackend('cpu-unshared', { sharedMemory: false }));
  soma.registerBackend('cpu-js', () => new CpuBackend('cpu-js', { wasm: false }));
  const outcomes = [await runOn('cpu'), await runOn('cpu-threads'), await runOn('cpu-unshared'), await runOn('cpu-js')];
  const training = await trainInPage();
  let gpu: unknown;
  try {
    const webgpu = await runOn('webgpu');
    gpu = { conformance: webgpu, adapter: (soma.backend() as unknown as { adapterInfo: string }).adapterInfo, curves: await trainOnBoth() };
  } catch (e) {
    gpu = { error: e instanceof Error ? e.message : String(e) };
  }
  await soma.setBackend('cpu');
  await report({ userAgent: navigator.userAgent, crossOriginIsolated: globalThis.crossOriginIsolated === true, outcomes, training, gpu });
} catch (e) {
  await report({ error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });
}
