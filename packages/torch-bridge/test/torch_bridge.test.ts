import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { input, layers, model as functional, sequential, type LayersModel } from '@soma/layers';
import { lenet5, lstmClassifier } from '@soma/zoo';
import { exportTorch, loadTorchWeights } from '@soma/torch-bridge';
import { hasTorch, PYTHON } from './helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'soma-torch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runner = fileURLToPath(new URL('./helpers/run_module.py', import.meta.url));

/** Runs the generated module in PyTorch (eval mode) on `inputs`; returns its outputs, flat, with shapes. */
async function torchOutputs(project: string, inputs: soma.Tensor[], weights?: string): Promise<{ outputs: number[][]; shapes: number[][] }> {
  const files = await Promise.all(inputs.map(async (t, i) => {
    const f = join(project, `input${i}.bin`);
    writeFileSync(f, await t.cast('float32').data());
    return [f, t.shape];
  }));
  const out = execFileSync(PYTHON, [runner, project, JSON.stringify({ inputs: files, weights: weights ?? null })], { encoding: 'utf8' });
  return JSON.parse(out) as { outputs: number[][]; shapes: number[][] };
}

/** Gives every weight seeded random values (variances positive), so no layer hides behind zeros or ones. */
function randomizeWeights(m: LayersModel, seed: number): void {
  let k = seed;
  for (const l of m.layers) {
    if (!l.weights.length) continue;
    l.setWeights(l.weights.map((w) => {
      const r = soma.randomNormal(w.shape, { seed: k++, std: 0.4 });
      return w.name.endsWith('moving_variance') ? r.abs().add(0.5) : r;
    }));
  }
}

/** Soma's prediction and PyTorch's on the same inputs agree to `tol` (every output, same shapes). */
async function expectSameOutputs(m: LayersModel, project: string, inputs: soma.Tensor[], tol = 1e-5, weights?: string): Promise<number> {
  const ours = m.predict(inputs.length === 1 ? inputs[0] : inputs);
  const list = Array.isArray(ours) ? ours : [ours];
  const theirs = await torchOutputs(project, inputs, weights);
  expect(theirs.shapes).toEqual(list.map((t) => t.shape));
  let worst = 0;
  for (const [i, t] of list.entries()) {
    const a = await t.data();
    theirs.outputs[i].forEach((v, j) => (worst = Math.max(worst, Math.abs(v - a[j]))));
  }
  expect(worst).toBeLessThan(tol);
  return worst;
}

describe.skipIf(!hasTorch)('exportTorch: the generated nn.Module computes what the Soma model computes', () => {
  it('the zoo LeNet-5', async () => {
    const m = lenet5();
    randomizeWeights(m, 1);
    const out = await exportTorch(m, join(dir, 'lenet5'));
    expect(out.files).toEqual(['model.py', 'weights.safetensors', 'train.py', 'training.json', 'README.md']);
    expect(out.trainingNote).toMatch(/'lenet5' is not compiled/);
    await expectSameOutputs(m, join(dir, 'lenet5'), [soma.randomNormal([3, 1, 28, 28], { seed: 2 })]);
  });

  it('a CNN of every convolution, pooling, padding and normalization form, with batch norm statistics', async () => {
    const m = sequential({ name: 'every_conv', layers: [
      layers.conv2d({ inputShape: [3, 11, 11], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu' }),
      layers.batchNormalization({ momentum: 0.9 }),
      layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6' }),
      layers.conv2d({ filters: 4, kernelSize: 2, dilationRate: 2, padding: [1, 2], groups: 2, useBias: false }),
      layers.maxPool2d({ poolSize: 3, strides: 2, padding: 'same' }),
      layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'gelu' }),
      layers.avgPool2d({ poolSize: 2, strides: 1, padding: 'same' }),
      layers.zeroPadding2d({ padding: 1 }),
      layers.upSampling2d({ size: 2 }),
      layers.maxPool2d({ poolSize: 2 }),
      layers.avgPool2d({ poolSize: 2 }),
      layers.prelu(),
      layers.conv2d({ filters: 5, kernelSize: 1, activation: 'softsign' }),
      layers.globalAvgPool2d(),
      layers.dense({ units: 6, activation: 'hardSigmoid' }),
      layers.layerNormalization(),
      layers.leakyRelu({ alpha: 0.2 }),
      layers.dropout({ rate: 0.3 }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    randomizeWeights(m, 10);
    await exportTorch(m, join(dir, 'every_conv'));
    await expectSameOutputs(m, join(dir, 'every_conv'), [soma.randomNormal([2, 3, 11, 11], { seed: 3 })]);
  });

  it("loadTorchWeights reads PyTorch's own state_dict files: int64 step counters, float64 and float16 weights", async () => {
    const m = sequential({ name: 'bn_net', layers: [layers.conv2d({ inputShape: [2, 6, 6], filters: 3, kernelSize: 3 }), layers.batchNormalization(), layers.flatten(), layers.dense({ units: 2 })] });
    randomizeWeights(m, 40);
    const project = join(dir, 'bn_net');
    await exportTorch(m, project);
    const script = `import sys, torch; sys.path.insert(0, sys.argv[1]); from model import build_model, write_safetensors
m = build_model(); s = m.state_dict()
assert any(k.endswith('num_batches_tracked') and v.dtype == torch.int64 for k, v in s.items())
write_safetensors(s, sys.argv[1] + '/state_i64.safetensors')
write_safetensors({k: v.double() if v.is_floating_point() else v for k, v in s.items()}, sys.argv[1] + '/state_f64.safetensors')
write_safetensors({k: v.half() if v.is_floating_point() else v for k, v in s.items()}, sys.argv[1] + '/state_f16.safetensors')`;
    execFileSync(PYTHON, ['-c', script, project]);
    const x = soma.randomNormal([2, 2, 6, 6], { seed: 6 });
    const want = await (m.predict(x) as soma.Tensor).data();
    for (const [file, tol] of [['state_i64', 0], ['state_f64', 0], ['state_f16', 0.05]] as const) {
      const copy = sequential({ name: 'bn_net', layers: m.layers.map((l) => (l.className === 'Conv2D' ? layers.conv2d({ name: l.name, inputShape: [2, 6, 6], filters: 3, kernelSize: 3 }) : l.className === 'BatchNormalization' ? layers.batchNormalization({ name: l.name }) : l.className === 'Flatten' ? layers.flatten({ name: l.name }) : layers.dense({ name: l.name, units: 2 }))) });
      await loadTorchWeights(copy, join(project, `${file}.safetensors`));
      const got = await (copy.predict(x) as soma.Tensor).data();
      let worst = 0;
      got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[i]))));
      expect(worst, file).toBeLessThanOrEqual(tol);
    }
  });

  it('a PyTorch model written by hand loads by module order or by a name map, and computes what PyTorch computed', async () => {
    const project = join(dir, 'hand');
    // The helpers of any exported model.py write safetensors; the network itself is plain PyTorch.
    await exportTorch(sequential({ layers: [layers.dense({ inputShape: [1], units: 1 })] }), project);
    const script = `import sys, json, torch; from torch import nn; sys.path.insert(0, sys.argv[1]); from model import write_safetensors
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(48, 4), nn.Tanh(), nn.Linear(4, 2)).eval()
x = torch.randn(2, 2, 6, 6)
write_safetensors(net.state_dict(), sys.argv[1] + '/hand.safetensors')
print(json.dumps({'x': x.reshape(-1).tolist(), 'y': net(x).reshape(-1).tolist()}))`;
    const { x, y } = JSON.parse(execFileSync(PYTHON, ['-c', script, project], { encoding: 'utf8' })) as { x: number[]; y: number[] };
    const make = () => sequential({ layers: [
      layers.conv2d({ name: 'conv', inputShape: [2, 6, 6], filters: 3, kernelSize: 3, activation: 'relu' }), layers.flatten({ name: 'flat' }),
      layers.dense({ name: 'hidden', units: 4, activation: 'tanh' }), layers.dense({ name: 'out', units: 2 }),
    ] });
    const input = soma.tensor(x, [2, 2, 6, 6]);
    for (const options of [{ match: 'order' as const }, { modules: { conv: '0', hidden: '3', out: '5' } }]) {
      const m = make();
      await loadTorchWeights(m, join(project, 'hand.safetensors'), options);
      const got = await (m.predict(input) as soma.Tensor).data();
      y.forEach((v, i) => expect(Math.abs(v - got[i])).toBeLessThan(1e-5));
    }
    const extra = sequential({ layers: [layers.dense({ inputShape: [48], units: 4 })] });
    await expect(loadTorchWeights(extra, join(project, 'hand.safetensors'), { match: 'order' })).rejects.toThrow(/has 3 modules with weights \(0, 3, 5\) but .* has 1 layers with weights/);
  });

  it('the zoo LSTM classifier (masked padding) and a bidirectional GRU one', async () => {
    // Token 0 is padding, masked by the embedding: pre-padded and post-padded rows.
    const ids = soma.tensor([[0, 0, 0, 4, 9, 2, 7, 1], [3, 8, 8, 1, 5, 0, 0, 0], [5, 4, 3, 2, 1, 9, 8, 7]]);
    for (const [cell, bidirectional] of [['lstm', false], ['gru', true]] as const) {
      const m = lstmClassifier({ vocabSize: 12, embeddingDim: 5, sequenceLength: 8, units: 6, layers: 2, cell, bidirectional, numClasses: 4, name: `${cell}_classifier` });
      randomizeWeights(m, 20);
      await exportTorch(m, join(dir, `${cell}_classifier`));
      await expectSameOutputs(m, join(dir, `${cell}_classifier`), [ids]);
    }
  });

  it('a functional model: two inputs, returned states, reversed and sequence outputs, merges, time-distributed and 1-D layers', async () => {
    const seq = input({ shape: [7, 4], name: 'seq' });
    const side = input({ shape: [6], name: 'side' });
    const [all, h] = layers.simpleRnn({ units: 6, returnSequences: true, returnState: true, goBackwards: true }).apply(seq) as ReturnType<typeof input>[];
    const [last, hl, cl] = layers.lstm({ units: 6, returnState: true, useBias: false }).apply(all) as ReturnType<typeof input>[];
    const g = layers.gru({ units: 6, returnSequences: true }).apply(seq) as ReturnType<typeof input>;
    const td = layers.timeDistributed({ layer: layers.dense({ units: 3, activation: 'tanh' }) }).apply(g) as ReturnType<typeof input>;
    const conv = layers.conv1d({ filters: 4, kernelSize: 2, padding: 'same' }).apply(layers.permute({ dims: [2, 1] }).apply(td)) as ReturnType<typeof input>;
    const pooled = layers.globalAvgPool1d().apply(layers.maxPool1d({ poolSize: 2 }).apply(conv)) as ReturnType<typeof input>;
    const rep = layers.flatten().apply(layers.repeatVector({ n: 2 }).apply(side)) as ReturnType<typeof input>;
    const merged = layers.concatenate().apply([layers.add().apply([last, hl, cl]), h, pooled, rep, layers.multiply().apply([side, side])]) as ReturnType<typeof input>;
    const out = layers.dense({ units: 2 }).apply(layers.reshape({ targetShape: [34] }).apply(merged)) as ReturnType<typeof input>;
    const m = functional({ inputs: [seq, side], outputs: [out, h], name: 'graph' });
    randomizeWeights(m, 30);
    await exportTorch(m, join(dir, 'graph'));
    await expectSameOutputs(m, join(dir, 'graph'), [soma.randomNormal([3, 7, 4], { seed: 4 }), soma.randomNormal([3, 6], { seed: 5 })]);
  });
});

describe('exportTorch refuses what PyTorch has no layer for, all at once', () => {
  it('lists every layer without an equivalent in one error naming the model', async () => {
    const m = sequential({ name: 'odd', layers: [
      layers.lstm({ inputShape: [5, 3], units: 4, peephole: true, returnSequences: true }),
      layers.gru({ units: 4, resetAfter: false, returnSequences: true }),
      layers.simpleRnn({ units: 4, activation: 'sigmoid' }),
      layers.dense({ units: 2 }),
    ] });
    await expect(exportTorch(m, join(dir, 'odd'))).rejects.toThrow(/exportTorch: 3 layer\(s\) of 'odd' have no PyTorch equivalent:\n {2}lstm\S*: LSTM with peepholes\n {2}gru\S*: GRU with resetAfter: false .*\n {2}simple_rnn\S*: SimpleRNN with activation 'sigmoid'/);
  });

  it('loadTorchWeights names what a file lacks and what is misshapen', async () => {
    const make = (inputs: number, extra: boolean) => sequential({ name: 'small', layers: [
      layers.dense({ name: 'a', inputShape: [inputs], units: 2 }), layers.dense({ name: 'b', units: 1 }), ...(extra ? [layers.dense({ name: 'c', units: 1 })] : []),
    ] });
    await exportTorch(make(3, false), join(dir, 'small'));
    const bytes = new Uint8Array(readFileSync(join(dir, 'small', 'weights.safetensors')));
    await expect(loadTorchWeights(make(3, true), bytes)).rejects.toThrow(/loadTorchWeights: torch weights lacks 2 weight\(s\) of 'small': c\.weight, c\.bias \(present: a\.weight, a\.bias, b\.weight, b\.bias\)/);
    await expect(loadTorchWeights(make(4, false), bytes)).rejects.toThrow(/loadTorchWeights: torch weights: 'a' gives a\/kernel the shape \[3, 2\], expected \[4, 2\]/);
  });
});
