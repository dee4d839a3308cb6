import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { input, layers, loadModel, model, modelFromArtifacts, modelToArtifacts, sequential, type SymbolicTensor } from '@soma/layers';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { weightsPathOf } from './helpers/saved_model';

const dir = mkdtempSync(join(tmpdir(), 'soma-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bits(t: soma.Tensor): number[] {
  return Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
}

describe('save and load', () => {
  it('a Sequential CNN round-trips through a directory with bit-identical predictions', async () => {
    const net = sequential([
      layers.conv2d({ inputShape: [1, 8, 8], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.batchNormalization(),
      layers.maxPool2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dropout({ rate: 0.2 }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    // Train a little so batch-norm statistics and weights are not at their initial values.
    net.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = soma.randomNormal([16, 1, 8, 8], { seed: 1 });
    const y = soma.tensor(Array.from({ length: 16 }, (_, i) => i % 3), [16], 'int32');
    await net.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    await net.save(join(dir, 'cnn'));
    const back = await loadModel(join(dir, 'cnn'));
    expect(back.className).toBe('Sequential');
    expect(back.layers.map((l) => l.className)).toEqual(net.layers.map((l) => l.className));
    const [p1, p2] = [net.predict(x) as soma.Tensor, back.predict(x) as soma.Tensor];
    expect(bits(p2)).toEqual(bits(p1));
    soma.dispose([x, y, p1, p2]);
    net.dispose();
    back.dispose();
  });

  it('a functional model with a shared layer and a residual add round-trips in memory', () => {
    // Every layer here has one output, so each apply() gives one SymbolicTensor.
    const one = (t: SymbolicTensor | SymbolicTensor[]): SymbolicTensor => t as SymbolicTensor;
    const inp = input({ shape: [4] });
    const shared = layers.dense({ units: 4, activation: 'tanh' });
    const h = one(shared.apply(one(shared.apply(inp))));
    const out = one(layers.dense({ units: 2 }).apply(one(layers.add().apply([h, inp]))));
    const m = model({ inputs: inp, outputs: out });
    const back = modelFromArtifacts(modelToArtifacts(m));
    const x = soma.randomNormal([5, 4], { seed: 2 });
    const [a, b] = [m.predict(x) as soma.Tensor, back.predict(x) as soma.Tensor];
    expect(bits(b)).toEqual(bits(a));
    expect(back.countParams()).toBe(m.countParams());
    soma.dispose([x, a, b]);
    m.dispose();
    back.dispose();
  });

  it('models nested as layers (an encoder and a decoder inside an autoencoder, a Sequential inside a functional model) round-trip, noise layers too', () => {
    const encoder = sequential({ name: 'enc', layers: [layers.gaussianNoise({ inputShape: [6], stddev: 0.2, seed: 3 }), layers.dense({ units: 3, activation: 'relu' })] });
    const decoder = sequential({ name: 'dec', layers: [layers.dense({ inputShape: [3], units: 6 }), layers.gaussianDropout({ rate: 0.25 })] });
    const auto = sequential({ name: 'auto', layers: [encoder, decoder] });
    const inp = input({ shape: [6] });
    const functional = model({ inputs: inp, outputs: layers.dense({ units: 2 }).apply(auto.apply(inp) as SymbolicTensor) as SymbolicTensor });
    const x = soma.randomNormal([4, 6], { seed: 5 });
    for (const m of [auto, functional]) {
      const back = modelFromArtifacts(modelToArtifacts(m));
      const [a, b] = [m.predict(x) as soma.Tensor, back.predict(x) as soma.Tensor];
      expect(bits(b)).toEqual(bits(a));
      expect(back.countParams()).toBe(m.countParams());
      soma.dispose([a, b]);
      back.dispose();
    }
    const config = JSON.stringify(modelToArtifacts(auto).modelJson);
    expect(config).toContain('"className":"GaussianNoise","config":{"name"');
    expect(config).toMatch(/"stddev":0\.2,"seed":3/);
    expect(config).toMatch(/"rate":0\.25/);
    x.dispose();
    functional.dispose();
  });

  it('a truncated weights file gives an error naming the file and the problem', async () => {
    const net = sequential([layers.dense({ units: 3, inputShape: [2] })]);
    await net.save(join(dir, 'trunc'));
    const wPath = weightsPathOf(join(dir, 'trunc'));
    const bytes = readFileSync(wPath);
    writeFileSync(wPath, bytes.subarray(0, bytes.length - 5));
    await expect(loadModel(join(dir, 'trunc'))).rejects.toThrow(/weights\.\w+\.safetensors: truncated: tensor '.*' ends at byte \d+ of the data but the file has only \d+/);
    net.dispose();
  });

  it('weights that do not match the model are rejected, naming the weight and both shapes', async () => {
    const a = sequential([layers.dense({ units: 3, inputShape: [2], name: 'fc' })]);
    const b = sequential([layers.dense({ units: 3, inputShape: [5], name: 'fc' })]);
    await a.save(join(dir, 'a'));
    await b.save(join(dir, 'b'));
    // b's topology with a's weights.
    writeFileSync(weightsPathOf(join(dir, 'b')), readFileSync(weightsPathOf(join(dir, 'a'))));
    await expect(loadModel(join(dir, 'b'))).rejects.toThrow("'fc/kernel' is [2,3] float32 in the file but the model expects [5,3] float32");
    const c = sequential([layers.dense({ units: 3, inputShape: [2], name: 'other' })]);
    await c.save(join(dir, 'c'));
    writeFileSync(weightsPathOf(join(dir, 'c')), readFileSync(weightsPathOf(join(dir, 'a'))));
    await expect(loadModel(join(dir, 'c'))).rejects.toThrow(/does not match the model: missing other\/kernel, other\/bias; unexpected fc\/kernel, fc\/bias/);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('a missing directory gives a clear error', async () => {
    await expect(loadModel(join(dir, 'nope'))).rejects.toThrow(/loadModel: cannot read .*nope\/model\.json/);
  });
});

describe('loading from a URL (the browser path), served from this machine', () => {
  it('fetches model.json and the weights it names over http and predicts identically', async () => {
    const { createServer } = await import('node:http');
    const { readFile } = await import('node:fs/promises');
    const net = sequential([layers.dense({ units: 2, inputShape: [3], activation: 'tanh' }), layers.dense({ units: 1 })]);
    const modelDir = join(dir, 'served');
    await net.save(modelDir);
    const server = createServer(async (req, res) => {
      try {
        res.end(await readFile(join(modelDir, (req.url ?? '').replace('/models/served/', ''))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const back = await loadModel(`http://127.0.0.1:${port}/models/served/model.json`);
      const x = soma.randomNormal([4, 3], { seed: 9 });
      const [a, b] = [net.predict(x) as soma.Tensor, back.predict(x) as soma.Tensor];
      expect(bits(b)).toEqual(bits(a));
      await expect(loadModel(`http://127.0.0.1:${port}/models/missing/model.json`)).rejects.toThrow(/HTTP 404/);
      soma.dispose([x, a, b]);
      back.dispose();
    } finally {
      server.close();
      net.dispose();
    }
  });
});

describe('recurrent state', () => {
  it('returnState gives [output, h, c] for an LSTM, and initialState continues a sequence exactly', () => {
    soma.tidy(() => {
      const rnn = layers.lstm({ units: 3, returnState: true });
      const x = soma.randomNormal([2, 6, 4], { seed: 1 });
      const [out, h, c] = rnn.apply(x) as soma.Tensor[];
      expect(out.shape).toEqual([2, 3]);
      expect(Array.from(out.dataSync())).toEqual(Array.from(h.dataSync()));
      expect(c.shape).toEqual([2, 3]);
      // Running the two halves with the state carried over equals running the whole sequence.
      const [, h1, c1] = rnn.apply(x.slice([0, 0, 0], [2, 3, 4])) as soma.Tensor[];
      const [out2] = rnn.apply(x.slice([0, 3, 0], [2, 3, 4]), { initialState: [h1, c1] }) as soma.Tensor[];
      const a = out.dataSync();
      out2.dataSync().forEach((v, i) => expect(v).toBeCloseTo(a[i], 6));
      rnn.dispose();
    });
  });

  it('callWithState gives the final states of a layer built without returnState (a GRU with sequences), continuing a sequence exactly', () => {
    soma.tidy(() => {
      const rnn = layers.gru({ units: 3, returnSequences: true });
      const x = soma.randomNormal([2, 6, 4], { seed: 2 });
      const whole = rnn.apply(x) as soma.Tensor;
      expect(whole.shape).toEqual([2, 6, 3]);
      const [first, h] = rnn.callWithState(x.slice([0, 0, 0], [2, 4, 4]));
      const [rest] = rnn.callWithState(x.slice([0, 4, 0], [2, 2, 4]), [h]);
      const joined = soma.concat([first, rest], 1).dataSync();
      whole.dataSync().forEach((v, i) => expect(joined[i]).toBeCloseTo(v, 6));
      expect(() => layers.lstm({ units: 2 }).callWithState(x)).toThrow(/callWithState: the layer has no weights yet/);
      rnn.dispose();
    });
  });
});

describe('resuming training from a checkpoint', () => {
  it('a loaded model is compiled as saved and continues with the optimizer state: the same weights as never stopping', async () => {
    const x = soma.randomNormal([40, 3], { seed: 1 });
    const y = soma.tidy(() => x.sum(1, true).greater(0).cast('float32'));
    const make = () => {
      soma.setRandomSeed(5);
      const m = sequential([layers.dense({ units: 6, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
      m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const straight = make();
    await straight.fit(x, y, { epochs: 3, batchSize: 8, seed: 1, verbose: 0 });
    await straight.save(join(dir, 'resume'));
    await straight.fit(x, y, { epochs: 2, batchSize: 8, seed: 2, verbose: 0 });

    const resumed = await loadModel(join(dir, 'resume'));
    expect(resumed.training?.optimizer.name).toBe('adam');
    expect(resumed.training?.optimizer.iterations).toBe(15);
    await resumed.fit(x, y, { epochs: 2, batchSize: 8, seed: 2, verbose: 0 });
    expect(resumed.weights.map((w) => bits(w))).toEqual(straight.weights.map((w) => bits(w)));
    expect((await resumed.evaluate(x, y)).accuracy).toBeCloseTo((await straight.evaluate(x, y)).accuracy, 6);
    soma.dispose([x, y]);
    straight.dispose();
    resumed.dispose();
  });

  it('a configured loss (fromLogits, labelSmoothing, delta) saves with its options, and training resumes as if never stopped', async () => {
    const { losses } = await import('@soma/layers');
    const x = soma.randomNormal([24, 3], { seed: 8 });
    const y = soma.tensor(Array.from({ length: 24 }, (_, i) => i % 3), [24], 'int32');
    const make = () => sequential([layers.dense({ units: 3, inputShape: [3] })]);
    const straight = make();
    straight.compile({ optimizer: 'adam', loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
    await straight.fit(x, y, { epochs: 1, batchSize: 8, seed: 1, verbose: 0 });
    const artifacts = modelToArtifacts(straight);
    expect(artifacts.modelJson.training?.loss).toEqual([{ name: 'sparseCategoricalCrossentropy', options: { fromLogits: true } }]);
    const back = modelFromArtifacts(artifacts);
    expect(back.training?.lossConfigs).toEqual([{ name: 'sparseCategoricalCrossentropy', options: { fromLogits: true } }]);
    await straight.fit(x, y, { epochs: 1, batchSize: 8, seed: 2, verbose: 0 });
    await back.fit(x, y, { epochs: 1, batchSize: 8, seed: 2, verbose: 0 });
    expect(back.weights.map((w) => bits(w))).toEqual(straight.weights.map((w) => bits(w)));
    // A saved option a loss does not have is an error naming the file, not silently dropped.
    const bad = JSON.parse(JSON.stringify(artifacts.modelJson));
    bad.training.loss = [{ name: 'sparseCategoricalCrossentropy', options: { labelSmoothing: 0.1 } }];
    expect(() => modelFromArtifacts({ ...artifacts, modelJson: bad })).toThrow(/loss 'sparseCategoricalCrossentropy' has no option labelSmoothing = 0\.1/);
    const h = make();
    h.compile({ optimizer: 'sgd', loss: losses.huber(0.5) });
    expect(modelToArtifacts(h).modelJson.training?.loss).toEqual([{ name: 'huber', options: { delta: 0.5 } }]);
    soma.dispose([x, y]);
    straight.dispose();
    back.dispose();
    h.dispose();
  });

  it('a model compiled with a custom loss function saves without training settings', async () => {
    const m = sequential([layers.dense({ units: 1, inputShape: [2] })]);
    m.compile({ optimizer: 'sgd', loss: (a, b) => soma.tidy(() => a.sub(b).square().mean(-1)) });
    const back = modelFromArtifacts(modelToArtifacts(m));
    expect(back.training).toBeNull();
    m.dispose();
    back.dispose();
  });
});

describe('penalties survive save and load', () => {
  it('regularizers and constraints come back, so training after loading matches training without stopping', async () => {
    const { regularizers, constraints } = await import('@soma/layers');
    const x = soma.randomNormal([32, 4], { seed: 3 });
    const y = soma.randomNormal([32, 2], { seed: 4 });
    const net = sequential([
      layers.dense({ units: 5, activation: 'relu', inputShape: [4], kernelRegularizer: regularizers.l2({ l2: 0.05 }), biasConstraint: constraints.maxNorm({ maxValue: 0.1 }), activityRegularizer: 'l1' }),
      layers.dense({ units: 2, kernelConstraint: 'nonNeg' }),
    ]);
    net.compile({ optimizer: 'sgd', loss: 'mse' });
    await net.fit(x, y, { epochs: 2, batchSize: 8, seed: 1, verbose: 0 });
    const back = modelFromArtifacts(modelToArtifacts(net));
    expect(back.layers[0].getConfig()).toMatchObject({ kernelRegularizer: { name: 'l1l2', config: { l1: 0, l2: 0.05 } }, biasConstraint: { name: 'maxNorm', config: { maxValue: 0.1 } }, activityRegularizer: 'l1' });
    expect(back.layers[1].getConfig()).toMatchObject({ kernelConstraint: 'nonNeg' });
    await net.fit(x, y, { epochs: 2, batchSize: 8, seed: 2, verbose: 0 });
    await back.fit(x, y, { epochs: 2, batchSize: 8, seed: 2, verbose: 0 });
    expect(back.weights.map((w) => bits(w))).toEqual(net.weights.map((w) => bits(w)));
    expect(Math.min(...back.layers[1].weights[0].dataSync())).toBeGreaterThanOrEqual(0);
    soma.dispose([x, y]);
    net.dispose();
    back.dispose();
  });
});
