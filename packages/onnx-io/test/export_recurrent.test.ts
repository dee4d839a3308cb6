import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { input, layers, model, sequential, type SymbolicTensor } from '@soma/layers';
import { decodeOnnx, exportOnnx, importOnnx } from '@soma/onnx-io';
import { expectOrtMatchesExport } from './helpers/ort.js';

/**
 * Recurrent layers export as the ONNX operators PyTorch writes for nn.LSTM/GRU/RNN — one node per
 * layer, not one MatMul per step — with the batch and the sequence length symbolic and token ids
 * declared int64. onnxruntime-node runs each export at several batch sizes and lengths, none of
 * them the traced one, and must give Soma's predict outputs.
 */

const one = (t: SymbolicTensor | SymbolicTensor[]): SymbolicTensor => t as SymbolicTensor;
const ids = (n: number, t: number, vocab: number, seed: number) => soma.tensor(Array.from({ length: n * t }, (_, i) => (i * 7 + seed * 3) % vocab), [n, t]);

function opTypes(bytes: Uint8Array): string[] {
  return (decodeOnnx(bytes).graph?.node ?? []).map((n) => n.op_type ?? '');
}

const expectOrtMatches = expectOrtMatchesExport;

describe('exportOnnx: recurrent layers as ONNX LSTM, GRU and RNN nodes', () => {
  it('an LSTM text classifier (Keras-style float input of ids, any length) exports as one LSTM node with int64 [batch, sequence] ids; onnxruntime matches at other batches and lengths', async () => {
    const net = sequential([
      layers.embedding({ inputDim: 50, outputDim: 8, inputShape: [null] }),
      layers.lstm({ units: 16 }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    net.predict(ids(2, 20, 50, 1)).dispose();
    const bytes = await exportOnnx(net);
    const types = opTypes(bytes);
    expect(types.filter((t) => t === 'LSTM')).toHaveLength(1);
    expect(types.filter((t) => t === 'MatMul').length, types.join(' ')).toBeLessThanOrEqual(1);
    expect(types.filter((t) => t === 'Slice').length, types.join(' ')).toBeLessThanOrEqual(4);
    const graphInput = decodeOnnx(bytes).graph!.input![0];
    expect(graphInput.type?.tensor_type?.elem_type, 'ids are int64, as PyTorch writes them').toBe(7);
    expect(graphInput.type?.tensor_type?.shape?.dim?.map((d) => d.dim_param ?? d.dim_value)).toEqual(['batch', 'sequence']);
    for (const [n, t] of [[1, 3], [5, 20], [2, 33]]) await expectOrtMatches(net, bytes, [ids(n, t, 50, n + t)]);
  });

  it('GRU (both reset forms), simple RNN, a backwards LSTM with peepholes and hard-sigmoid gates, and a bidirectional LSTM: one node each, direction and activations kept', async () => {
    const x = input({ shape: [null, 3] });
    const a = one(layers.gru({ units: 4, returnSequences: true }).apply(x));
    const b = one(layers.gru({ units: 4, resetAfter: false, returnSequences: true, recurrentActivation: 'hardSigmoid' }).apply(a));
    const c = one(layers.lstm({ units: 5, returnSequences: true, goBackwards: true, peephole: true, unitForgetBias: false, biasInitializer: 'glorotUniform' }).apply(b));
    const d = one(layers.bidirectional({ layer: layers.lstm({ units: 3, returnSequences: true }) }).apply(c));
    const e = one(layers.simpleRnn({ units: 2, activation: 'relu' }).apply(d));
    const f = one(layers.gru({ units: 2, goBackwards: true, activation: 'linear' }).apply(d));
    const net = model({ inputs: x, outputs: [e, f] });
    // Peepholes start at zero; give them values so the export's gate order is checked.
    const lstm = net.layers.find((l) => l.className === 'LSTM')!;
    lstm.setWeights(lstm.getWeights().map((w, i) => (i === 3 ? soma.randomNormal(w.shape, { seed: 4 }).mul(0.5) : w)));
    const bytes = await exportOnnx(net);
    const nodes = decodeOnnx(bytes).graph!.node!;
    const of = (op: string) => nodes.filter((n) => n.op_type === op);
    expect(of('GRU')).toHaveLength(3);
    expect(of('LSTM')).toHaveLength(3);
    expect(of('RNN')).toHaveLength(1);
    const attr = (n: (typeof nodes)[number], name: string) => n.attribute?.find((t) => t.name === name);
    const text = (v: Uint8Array | undefined) => new TextDecoder().decode(v);
    expect(of('LSTM').map((n) => text(attr(n, 'direction')?.s)).sort()).toEqual(['forward', 'reverse', 'reverse']);
    expect(of('GRU').map((n) => attr(n, 'linear_before_reset')?.i)).toEqual([1, 0, 1]);
    expect(attr(of('GRU')[1], 'activations')?.strings?.map(text)).toEqual(['HardSigmoid', 'Tanh']);
    expect(of('LSTM').some((n) => (n.input ?? []).length === 8 && n.input![7] !== ''), 'the peepholes are the LSTM node\'s P input').toBe(true);
    expect(of('MatMul'), 'no step is unrolled').toHaveLength(0);
    for (const [n, t] of [[1, 1], [3, 6], [2, 11]]) await expectOrtMatches(net, bytes, [soma.randomNormal([n, t, 3], { seed: n * t })]);
  });

  it('a seq2seq encoder (an LSTM returning its states, masked) exports as one LSTM node whose Y_h and Y_c are the states', async () => {
    const x = input({ shape: [null] });
    const e = one(layers.embedding({ inputDim: 15, outputDim: 4, maskZero: true }).apply(x));
    const [out, h, c] = layers.lstm({ units: 3, returnState: true }).apply(e) as SymbolicTensor[];
    const back = layers.lstm({ units: 2, returnState: true, goBackwards: true, returnSequences: true }).apply(e) as SymbolicTensor[];
    const net = model({ inputs: x, outputs: [out, h, c, ...back] });
    const bytes = await exportOnnx(net);
    const lstms = decodeOnnx(bytes).graph!.node!.filter((n) => n.op_type === 'LSTM');
    expect(lstms).toHaveLength(2);
    expect(lstms.every((n) => n.output?.[2]), 'the cell state is the node\'s Y_c').toBe(true);
    await expectOrtMatches(net, bytes, [soma.tensor([[0, 0, 3, 4], [5, 6, 7, 8], [0, 0, 0, 0], [9, 0, 10, 0]])]);
    await expectOrtMatches(net, bytes, [soma.tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9]])]);
  });

  it('a re-imported export trains the same weights as the model and predicts the same', async () => {
    const net = sequential([
      layers.embedding({ inputDim: 20, outputDim: 4, inputShape: [null] }),
      layers.gru({ units: 6, returnSequences: true }),
      layers.lstm({ units: 5 }),
      layers.dense({ units: 2 }),
    ]);
    const x = ids(3, 7, 20, 2);
    const expected = net.predict(x) as soma.Tensor;
    const imported = await importOnnx(await exportOnnx(net));
    expect(imported.trainableVariables.map((v) => v.name).sort()).toEqual(net.trainableWeights.map((w) => w.name).sort());
    const got = await imported.run({ [imported.inputs[0].name]: x });
    const y = got[imported.outputs[0].name];
    const a = y.dataSync();
    const b = expected.dataSync();
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
    soma.dispose([x, expected, y]);
    imported.dispose();
  });

  it('masked recurrent layers (embedding maskZero) export with sequence_lens and a symbolic length; padding before, after or inside a row, and a row of padding only, match', async () => {
    const x = input({ shape: [null] });
    const e = one(layers.embedding({ inputDim: 12, outputDim: 4, maskZero: true }).apply(x));
    const seq = one(layers.bidirectional({ layer: layers.gru({ units: 3, returnSequences: true }) }).apply(e));
    const back = one(layers.lstm({ units: 4, returnSequences: true, goBackwards: true }).apply(seq));
    const last = one(layers.lstm({ units: 5 }).apply(back));
    const net = model({ inputs: x, outputs: [last, one(layers.simpleRnn({ units: 2 }).apply(e))] });
    const bytes = await exportOnnx(net);
    const nodes = decodeOnnx(bytes).graph!.node!;
    const recurrent = nodes.filter((n) => ['LSTM', 'GRU', 'RNN'].includes(n.op_type ?? ''));
    expect(recurrent).toHaveLength(5);
    expect(recurrent.filter((n) => !n.input?.[4]).map((n) => n.op_type), 'every node has sequence_lens').toEqual([]);
    const rows = soma.tensor([
      [3, 4, 5, 0, 0, 0, 0], // padding after
      [0, 0, 0, 1, 2, 3, 4], // padding before (Keras's pad_sequences default)
      [6, 0, 7, 0, 0, 8, 9], // holes
      [0, 0, 0, 0, 0, 0, 0], // nothing
      [1, 2, 3, 4, 5, 6, 7],
    ]);
    await expectOrtMatches(net, bytes, [rows]);
    await expectOrtMatches(net, bytes, [soma.tensor([[0, 5, 6], [7, 0, 0]])]);
  });
});
