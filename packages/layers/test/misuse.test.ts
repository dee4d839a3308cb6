import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { layers, losses, sequential } from '@soma/layers';
import { makeCircles } from './helpers/data';

function mlp() {
  const m = sequential([layers.dense({ units: 8, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return m;
}

describe('hangs and unbounded cost: batch sizes and sample counts', () => {
  it('predict, evaluate and fit reject batch sizes of 0, negative, fractional or NaN instead of looping forever', async () => {
    const m = mlp();
    const { x, y } = makeCircles(10, 0.1, 0.5, 1);
    for (const bad of [0, -4, 2.5, NaN]) {
      expect(() => m.predict(x, { batchSize: bad })).toThrow(`predict: batchSize must be an integer >= 1, got ${bad}`);
      await expect(m.evaluate(x, y, { batchSize: bad })).rejects.toThrow(`evaluate: batchSize must be an integer >= 1, got ${bad}`);
      await expect(m.fit(x, y, { batchSize: bad, verbose: 0 })).rejects.toThrow(`fit: batchSize must be an integer >= 1, got ${bad}`);
    }
    await expect(m.fit(x, y, { epochs: NaN, verbose: 0 })).rejects.toThrow('fit: epochs must be an integer >= 0, got NaN');
    const empty = soma.zeros([0, 2]);
    expect(() => m.predict(empty)).toThrow('predict: x has 0 samples');
    await expect(m.evaluate(empty, soma.zeros([0, 1]))).rejects.toThrow('evaluate: x has 0 samples');
    soma.dispose([x, y, empty]);
    m.dispose();
  });
});

describe('fit and the event loop', () => {
  async function ticksDuring(yieldEvery: 'auto' | 'never'): Promise<{ ticks: number; ms: number }> {
    const m = mlp();
    const { x, y } = makeCircles(2000, 0.1, 0.5, 1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = Date.now();
    await m.fit(x, y, { batchSize: 4, epochs: 1, verbose: 0, yieldEvery });
    const ms = Date.now() - t0;
    clearInterval(timer);
    soma.dispose([x, y]);
    m.dispose();
    return { ticks, ms };
  }

  it('timers keep firing while fit runs (it yields every ~25 ms by default), and never with yieldEvery: never', async () => {
    const auto = await ticksDuring('auto');
    expect(auto.ms).toBeGreaterThan(100);
    // At least one tick per 50 ms of training: the loop hands back control every ~25 ms.
    expect(auto.ticks).toBeGreaterThanOrEqual(Math.floor(auto.ms / 50));
    const never = await ticksDuring('never');
    expect(never.ticks).toBe(0);
  });

  it('a second fit on the same model while the first runs is refused; the first finishes and later fits work', async () => {
    const m = mlp();
    const { x, y } = makeCircles(200, 0.1, 0.5, 1);
    const first = m.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0 });
    await expect(m.fit(x, y, { epochs: 1, verbose: 0 })).rejects.toThrow(/fit: '.*' is already training; await the running fit\(\)/);
    const h = await first;
    expect(h.history.loss).toHaveLength(2);
    const again = await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(again.history.loss).toHaveLength(1);
    soma.dispose([x, y]);
    m.dispose();
  });

  it('validationSplit with a dataset is an error (Keras raises too) rather than silently ignored', async () => {
    const m = mlp();
    const batches = [{ xs: soma.zeros([2, 2]), ys: soma.zeros([2, 1]) }];
    await expect(m.fit(batches, { validationSplit: 0.2, verbose: 0 })).rejects.toThrow(/validationSplit needs tensor inputs/);
    soma.dispose(batches.map((b) => [b.xs, b.ys]));
    m.dispose();
  });
});

describe('NaN and labels', () => {
  it('NaN inputs through relu reach the loss, so the NaN-loss stop fires instead of a plausible loss', async () => {
    const m = mlp();
    const x = soma.tensor([[NaN, 1], [2, NaN], [1, 1], [0, 0]]);
    const y = soma.tensor([[1], [0], [1], [0]]);
    await expect(m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 })).rejects.toThrow(/the loss became NaN at epoch 1, batch 1/);
    soma.dispose([x, y]);
    m.dispose();
  });

  it('sparseCategoricalCrossentropy of logits [0, -Infinity] with label 0 is 0, as in PyTorch, and its gradient is finite', () => {
    const loss = losses.sparseCategoricalCrossentropy({ fromLogits: true });
    const logits = soma.tensor([[0, -Infinity], [2, 1]]);
    const labels = soma.tensor([0, 1], [2], 'int32');
    const v = loss(labels, logits);
    // torch.nn.functional.cross_entropy(tensor([[0., -inf], [2., 1.]]), tensor([0, 1]), reduction='none')
    expect(Array.from(v.dataSync())).toEqual([expect.closeTo(0, 7), expect.closeTo(1.3132616, 6)]);
    const g = soma.grad((z: soma.Tensor) => loss(labels, z).sum())(logits);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    soma.dispose([logits, labels, v, g]);
  });

  it('float labels that are not class ids (1.7, NaN, -1, 3) are errors naming the value, not truncated to a class', () => {
    const loss = losses.sparseCategoricalCrossentropy();
    const p = soma.tensor([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]);
    for (const bad of [1.7, NaN, -1, 3]) {
      const y = soma.tensor([0, bad]);
      expect(() => loss(y, p)).toThrow(new RegExp(`^sparseCategoricalCrossentropy: class ids must be integers in \\[0, 3\\), got ${String(bad).replace('.', '\\.')}\\d* at position 1 of \\[2\\]$`));
      y.dispose();
    }
    const ok = soma.tensor([0, 2]);
    const v = loss(ok, p);
    expect(Array.from(v.dataSync())).toEqual([expect.closeTo(-Math.log(0.2), 5), expect.closeTo(-Math.log(0.8), 5)]);
    soma.dispose([p, ok, v]);
  });

  it('an embedding rejects fractional ids instead of truncating them', () => {
    const emb = layers.embedding({ inputDim: 4, outputDim: 2 });
    const ids = soma.tensor([[0, 1.5]]);
    expect(() => emb.apply(ids)).toThrow(/ids must be integers in \[0, 4\), got 1.5/);
    ids.dispose();
    emb.dispose();
  });
});

describe('symbolic shapes agree with the computed ones', () => {
  it('conv2d and conv2dTranspose with padding [h, w] (was: [null, 2, 6, 6] for an 8x8 input padded [1, 1])', () => {
    const cases = [
      layers.conv2d({ filters: 2, kernelSize: 3, padding: [1, 1] }),
      layers.conv2d({ filters: 2, kernelSize: [3, 5], padding: [1, 2], strides: 2 }),
      layers.conv2dTranspose({ filters: 2, kernelSize: 3, padding: [1, 0], strides: 2 }),
    ];
    for (const layer of cases) {
      const x = soma.randomNormal([1, 3, 8, 8], { seed: 1 });
      const y = layer.apply(x) as soma.Tensor;
      expect([null, ...y.shape.slice(1)]).toEqual(layer.computeOutputShape([null, 3, 8, 8]));
      soma.dispose([x, y]);
      layer.dispose();
    }
  });
});

describe('what a TF.js user types', () => {
  it('sequential({ layers }), the pooling names of TF.js, and tensor.print()', () => {
    const net = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })], name: 'tfjs_style' });
    expect(net.name).toBe('tfjs_style');
    expect(net.countParams()).toBe(8);
    expect(() => sequential({ layer: [] } as never)).toThrow("sequential: unknown option 'layer'; valid options: layers, name");
    expect(layers.maxPooling2d({ poolSize: 2 }).className).toBe('MaxPooling2D');
    expect(layers.averagePooling2d({ poolSize: 2 }).className).toBe('AveragePooling2D');
    expect(layers.globalAveragePooling2d().className).toBe('GlobalAveragePooling2D');
    expect(layers.globalMaxPooling2d().className).toBe('GlobalMaxPooling2D');
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    const t = soma.tensor([1, 2]);
    try {
      t.print();
      t.print(true);
    } finally {
      console.log = log;
    }
    expect(lines[0]).toBe(t.toString());
    expect(lines[1]).toMatch(/^Tensor float32 \[2\]\n/);
    t.dispose();
    net.dispose();
  });
});

describe('custom training loops as TF.js users write them', () => {
  it('applyGradients takes what variableGrads returns; minimize(f, returnCost, varList) returns the cost only when asked', async () => {
    const { sgd } = await import('@soma/optimizers');
    const w = soma.variable(soma.tensor([1, -2]), true, 'loop_w');
    const opt = sgd({ learningRate: 0.5 });
    const loss = () => w.square().sum();
    const result = soma.variableGrads(loss, [w]);
    opt.applyGradients(result);
    expect(Array.from(w.dataSync())).toEqual([0, 0]);
    soma.dispose([result.value, result.grads]);
    w.assign(soma.tensor([1, 1]));
    const before = soma.memory().numTensors;
    expect(opt.minimize(loss, false, [w])).toBeNull();
    expect(soma.memory().numTensors).toBe(before);
    const cost = opt.minimize(loss, true, [w])!;
    expect(cost.dataSync()[0]).toBe(0);
    cost.dispose();
    expect(() => opt.applyGradients({ grads: { nope: soma.scalar(1) }, variables: {} })).toThrow("applyGradients: no variable named 'nope'");
    w.dispose();
  });
});

describe("Keras's trainable semantics: the trainable set is fixed at compile()", () => {
  it('the GAN recipe trains both models: D on its own batches, G through the combined model with D frozen', async () => {
    const { input: symbolicInput, model: functional } = await import('@soma/layers');
    const G = sequential([layers.dense({ units: 4, inputShape: [2], name: 'g_fc' })], { name: 'G' });
    const D = sequential([layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4], name: 'd_fc' })], { name: 'D' });
    D.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    D.trainable = false;
    const z = symbolicInput({ shape: [2] });
    const combined = functional({ inputs: z, outputs: D.apply(G.apply(z) as never) as never, name: 'combined' });
    combined.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const snapshot = (m: typeof G) => m.weights.map((w) => Array.from(w.dataSync()));
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (s: string) => warnings.push(s);
    try {
      const dBefore = snapshot(D);
      const real = soma.randomNormal([8, 4], { seed: 1 });
      await D.trainOnBatch(real, soma.ones([8, 1]));
      expect(snapshot(D)).not.toEqual(dBefore); // D still trains: its set was fixed when it was compiled
      const [gBefore, dMid] = [snapshot(G), snapshot(D)];
      const noise = soma.randomNormal([8, 2], { seed: 2 });
      await combined.trainOnBatch(noise, soma.ones([8, 1]));
      expect(snapshot(G)).not.toEqual(gBefore); // G trains through the combined model...
      expect(snapshot(D)).toEqual(dMid); // ...and D, frozen when combined was compiled, does not move
      expect(warnings.some((w) => /D: the trainable weights changed since compile\(\)/.test(w))).toBe(true);
      soma.dispose([real, noise]);
    } finally {
      console.warn = warn;
    }
    [G, D, combined].forEach((m) => m.dispose());
  });
});

describe('every options object is checked', () => {
  it('layer classes constructed with new check their options as the factories do', () => {
    expect(() => new layers.Dense({ unit: 3 } as never)).toThrow(/dense: unknown option 'unit'; valid options: .*units.*Did you mean 'units'\?/);
    expect(() => new layers.Conv2DTranspose({ filters: 2, kernelSize: 3, stride: 2 } as never)).toThrow(/conv2dTranspose: unknown option 'stride'.*Did you mean 'strides'\?/);
    expect(() => new layers.LSTM({ units: 2, return_sequences: true } as never)).toThrow(/lstm: unknown option 'return_sequences'/);
    // A user's own subclass declares nothing and is not checked.
    class Mine extends layers.Dense {}
    expect(new Mine({ units: 2 }).units).toBe(2);
  });

  it('an unknown key is an error naming the function, the key, the valid keys and the closest match', async () => {
    const { adam } = await import('@soma/optimizers');
    const { fromCsv } = await import('@soma/data');
    const x = soma.ones([1, 1, 4, 4]);
    const w = soma.ones([1, 1, 3, 3]);
    expect(() => soma.conv2d(x, w, { strides: 1 } as never)).toThrow("conv2d: unknown option 'strides'; valid options: stride, padding, dilation, groups, bias. Did you mean 'stride'?");
    expect(() => soma.maxPool2d(x, { poolSize: 2 } as never)).toThrow(/maxPool2d: unknown option 'poolSize'/);
    expect(() => adam({ lr: 0.1 } as never)).toThrow(/adam: unknown option 'lr'; valid options: learningRate/);
    const net = mlp();
    expect(() => net.compile({ optimizer: 'adam', loss: 'mse', lossWeight: [1] } as never)).toThrow(/compile: unknown option 'lossWeight'; valid options: optimizer, loss, lossWeights, metrics, runEagerly. Did you mean 'lossWeights'\?/);
    const { x: cx, y: cy } = makeCircles(10, 0.1, 0.5, 1);
    await expect(net.fit(cx, cy, { epoch: 2 } as never)).rejects.toThrow("fit: unknown option 'epoch'; valid options: batchSize, epochs");
    expect(() => net.predict(cx, { batch: 2 } as never)).toThrow("predict: unknown option 'batch'; valid options: batchSize");
    expect(() => fromCsv({ text: 'a\n1\n' }, { labels: 'a' } as never)).toThrow(/fromCsv: unknown option 'labels'; .*Did you mean 'label'\?/);
    // Layers: Keras's snake_case and options Soma does not implement are errors, not silently ignored.
    expect(() => layers.dense({ units: 2, kernel_initializer: 'zeros' } as never)).toThrow(/dense: unknown option 'kernel_initializer'; valid options: .*Did you mean 'kernelInitializer'\?/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, data_format: 'channels_last' } as never)).toThrow(/conv2d: unknown option 'data_format'.*dataFormat/);
    expect(() => layers.dense({ units: 2, dataFormat: 'channelsLast' } as never)).toThrow(/dense: unknown option 'dataFormat'/);
    expect(() => layers.embedding({ inputDim: 5, outputDim: 2, mask_zero: true } as never)).toThrow(/embedding: unknown option 'mask_zero'.*maskZero/);
    soma.dispose([x, w, cx, cy]);
    net.dispose();
  });
});

describe('callbacks as Keras and TF.js users pass them', () => {
  it("a single callback object without an array, and monitor 'val_acc' resolving to val_accuracy", async () => {
    const { earlyStopping } = await import('@soma/layers');
    const net = sequential([layers.dense({ units: 4, activation: 'relu', inputShape: [2] }), layers.dense({ units: 1, activation: 'sigmoid' })]);
    net.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['acc'] });
    const { x, y } = makeCircles(40, 0.1, 0.5, 1);
    const epochs: number[] = [];
    await net.fit(x, y, { epochs: 2, verbose: 0, callbacks: { onEpochEnd: (e: number) => void epochs.push(e) } });
    expect(epochs).toEqual([0, 1]);
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (s: string) => warnings.push(s);
    try {
      // patience 0 and a monitored value that cannot improve from epoch 1 on stops early, if the name resolves.
      const h = await net.fit(x, y, { epochs: 30, verbose: 0, validationSplit: 0.25, callbacks: earlyStopping({ monitor: 'val_acc', patience: 0, minDelta: 2 }) });
      expect(h.history.loss.length).toBeLessThan(30);
      expect(warnings.filter((w) => /not in the logs/.test(w))).toEqual([]);
    } finally {
      console.warn = warn;
    }
    soma.dispose([x, y]);
    net.dispose();
  });
});
