// Runs the whole conformance suite inside a browser page and writes the outcome into the DOM,
// where the Node side (browser.test.ts) reads it with chromium --dump-dom.
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';
import { conformanceCases } from '@soma/core/testing';

interface Outcome {
  backend: string;
  gemmKind: string;
  passed: number;
  failed: { name: string; message: string }[];
}

async function runOn(backend: string): Promise<Outcome> {
  await soma.setBackend(backend);
  const result: Outcome = { backend, gemmKind: (soma.getBackend() as CpuBackend).gemmKind, passed: 0, failed: [] };
  for (const c of conformanceCases()) {
    try {
      if (c.runAsync) await c.runAsync();
      else soma.tidy(() => c.run!());
      result.passed++;
    } catch (e) {
      result.failed.push({ name: `${c.group} > ${c.name}`, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return result;
}

soma.registerBackend('cpu-js', () => new CpuBackend('cpu-js', { wasm: false }));
const outcomes = [await runOn('cpu'), await runOn('cpu-js')];
const pre = document.createElement('pre');
pre.id = 'soma-result';
pre.textContent = JSON.stringify({ userAgent: navigator.userAgent, outcomes });
document.body.append(pre);
