// The playground page: pick a backend and a demo, watch it train, stop it. `window.playground.run`
// is what the buttons call, and what the headless-browser test calls with a step budget.
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import '@soma/backend-webgpu';
import type { Demo, DemoView } from './demo.js';
import { plotCurves } from './draw.js';
import { circlesDemo } from './demos/circles.js';
import { lenetDemo } from './demos/lenet.js';
import { vaeDemo } from './demos/vae.js';
import { ganDemo } from './demos/gan.js';
import { word2vecDemo } from './demos/word2vec.js';
import { charLstmDemo } from './demos/char_lstm.js';

const DEMOS: Record<string, () => Demo> = {
  circles: circlesDemo,
  lenet: lenetDemo,
  vae: vaeDemo,
  gan: ganDemo,
  word2vec: word2vecDemo,
  charLstm: charLstmDemo,
};

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const view: DemoView = { canvas: $<HTMLCanvasElement>('view'), output: $('output') };
let stopRequested = false;
let active: Demo | null = null;

/** What one run did: its losses and accuracies, the steps taken, and whether it stopped early. */
export interface RunReport {
  demo: string;
  backend: string;
  losses: number[];
  accuracies: number[];
  steps: number;
  stopped: boolean;
  output: string;
  numTensors: number;
}

function showMemory(): void {
  const m = soma.memory();
  $('memory').textContent = `memory: ${m.numTensors} tensors, ${(m.numBytes / 2 ** 20).toFixed(2)} MiB on ${soma.getBackend()}`;
}

/** Trains `demo` on `backend` until stopped (or for `steps` steps), redrawing every `renderEvery` steps. */
async function run(demo: string, backend: string, options: { steps?: number; renderEvery?: number } = {}): Promise<RunReport> {
  const make = DEMOS[demo];
  if (!make) throw new Error(`playground: unknown demo '${demo}' (${Object.keys(DEMOS).join(', ')})`);
  const steps = options.steps ?? Infinity;
  const renderEvery = options.renderEvery ?? 20;
  await soma.setBackend(backend);
  $<HTMLSelectElement>('demo').value = demo;
  $<HTMLSelectElement>('backend').value = backend;
  active?.dispose();
  active = make();
  const current = active;
  $('description').textContent = current.description;
  $('drawing').classList.toggle('hidden', !current.classify);
  view.output.textContent = '';
  stopRequested = false;
  $<HTMLButtonElement>('stop').disabled = false;
  $<HTMLButtonElement>('start').disabled = true;
  const losses: number[] = [];
  const accuracies: number[] = [];
  let step = 0;
  try {
    await current.setup();
    while (step < steps && !stopRequested) {
      const logs = await current.step();
      losses.push(logs.loss);
      if (logs.accuracy !== undefined) accuracies.push(logs.accuracy);
      step++;
      if (step % renderEvery === 0 || step === steps) {
        await current.render(view);
        plotCurves($<HTMLCanvasElement>('plot'), losses, accuracies);
        $('status').textContent = `${current.title}: step ${step}, loss ${logs.loss.toFixed(4)}`;
        showMemory();
      }
      // Let the page repaint and the stop button be clicked.
      await new Promise((r) => setTimeout(r, 0));
    }
    if (step % renderEvery !== 0 && step !== steps) {
      await current.render(view);
      plotCurves($<HTMLCanvasElement>('plot'), losses, accuracies);
    }
  } finally {
    $<HTMLButtonElement>('stop').disabled = true;
    $<HTMLButtonElement>('start').disabled = false;
  }
  $('status').textContent = `${current.title}: ${stopRequested ? 'stopped' : 'done'} after ${step} steps`;
  showMemory();
  return { demo, backend, losses, accuracies, steps: step, stopped: stopRequested, output: view.output.textContent ?? '', numTensors: soma.memory().numTensors };
}

/** The drawing pad: a 140×140 canvas drawn with the mouse, read back as a 28×28 digit in [0, 1]. */
function setUpPad(): void {
  const pad = $<HTMLCanvasElement>('pad');
  const g = pad.getContext('2d')!;
  const clearPad = () => {
    g.fillStyle = '#000';
    g.fillRect(0, 0, pad.width, pad.height);
    $('guess').textContent = '';
  };
  clearPad();
  let drawing = false;
  pad.addEventListener('pointerdown', () => (drawing = true));
  pad.addEventListener('pointerup', async () => {
    drawing = false;
    if (!active?.classify) return;
    const small = document.createElement('canvas');
    small.width = small.height = 28;
    small.getContext('2d')!.drawImage(pad, 0, 0, 28, 28);
    const rgba = small.getContext('2d')!.getImageData(0, 0, 28, 28).data;
    const pixels = Float32Array.from({ length: 784 }, (_, i) => rgba[4 * i] / 255);
    $('guess').textContent = `→ ${await active.classify(pixels)}`;
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    g.fillStyle = '#fff';
    g.beginPath();
    g.arc(e.offsetX, e.offsetY, 7, 0, 2 * Math.PI);
    g.fill();
  });
  $('clear').addEventListener('click', clearPad);
}

async function init(): Promise<void> {
  const backends = ['cpu', ...('gpu' in navigator ? ['webgpu'] : [])];
  const select = $<HTMLSelectElement>('backend');
  for (const b of backends) select.add(new Option(b, b));
  if (backends.includes('webgpu')) select.value = 'webgpu';
  const demos = $<HTMLSelectElement>('demo');
  for (const [key, make] of Object.entries(DEMOS)) demos.add(new Option(make().title, key));
  await soma.setBackend('cpu');
  const cpu = (soma.memory().backends?.cpu ?? {}) as Record<string, number>;
  $('info').textContent = `cpu: ${cpu.threads ?? 1} thread(s) of ${navigator.hardwareConcurrency} cores, cross-origin isolated: ${self.crossOriginIsolated ? 'yes' : 'no'}; webgpu: ${'gpu' in navigator ? 'available' : 'not available'}`;
  $('start').addEventListener('click', () => void run(demos.value, select.value).catch((e: Error) => ($('status').textContent = `error: ${e.message}`)));
  $('stop').addEventListener('click', () => (stopRequested = true));
  setUpPad();
  showMemory();
}

const ready = init();
Object.assign(window, { playground: { ready, run, demos: Object.keys(DEMOS), stop: () => (stopRequested = true) } });
