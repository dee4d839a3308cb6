import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { importOnnx, type NodeProto } from '@soma/onnx-io';
import { f32, graph, i64, input, model, output, tensorType, value } from './helpers/graph.js';

const attrGraph = (name: string, g: ReturnType<typeof graph>) => ({ name, type: 5, g });
const int = (name: string, i: number) => ({ name, type: 2, i });

/** The gradient of `f` with respect to one variable. */
function gradOf(f: () => soma.Tensor, v: soma.Variable): soma.Tensor {
  const { value, grads } = soma.variableGrads(f, [v]);
  value.dispose();
  return grads[v.name];
}

/** while (sum(x) < limit) x = x * 2 — a Loop without a trip count whose condition the body computes from the data. */
function doublingLoop(): Uint8Array {
  const body = graph(
    'body',
    [
      { op_type: 'Mul', input: ['x_in', 'two'], output: ['x_out'] },
      { op_type: 'ReduceSum', input: ['x_out'], output: ['total'], attribute: [int('keepdims', 0)] },
      { op_type: 'Less', input: ['total', 'limit'], output: ['again'] },
      { op_type: 'Identity', input: ['x_out'], output: ['seen'] },
    ],
    [input('i', 7, []), input('cond', 9, []), input('x_in', 1, [3])],
    [output('again', 9), 'x_out', 'seen'],
    [f32('two', [], [2])],
  );
  const nodes: NodeProto[] = [
    { op_type: 'ReduceSum', input: ['x'], output: ['start_total'], attribute: [int('keepdims', 0)] },
    { op_type: 'Less', input: ['start_total', 'limit'], output: ['go'] },
    { name: 'loop', op_type: 'Loop', input: ['', 'go', 'x'], output: ['y', 'steps'], attribute: [attrGraph('body', body)] },
  ];
  return model(nodes, [input('x', 1, [3]), input('limit', 1, [])], ['y', 'steps']);
}

describe('If, Loop and Scan', () => {
  it('a while loop whose condition comes from the data runs under run, node by node, and frees what it made', async () => {
    const m = await importOnnx(doublingLoop());
    const x = soma.tensor([1, 2, 0.5], [3]);
    const limit = soma.tensor(50);
    const before = soma.memory().numTensors;
    const { y, steps } = await m.run({ x, limit });
    // 3.5 → 7 → 14 → 28 → 56: four doublings; each iteration's x is a scan output.
    expect(Array.from(await y.data())).toEqual([16, 32, 8]);
    expect(steps.shape).toEqual([4, 3]);
    expect(Array.from(await steps.data())).toEqual([2, 4, 1, 4, 8, 2, 8, 16, 4, 16, 32, 8]);
    soma.dispose([y, steps]);
    expect(soma.memory().numTensors).toBe(before);
    expect(() => m.predict({ x, limit })).toThrow(/OnnxModel\.predict: node 'loop' \(Loop\): the condition must be known as numbers, and it is computed from the data.*await model\.run\(feeds\)/);
    soma.dispose([x, limit]);
    m.dispose();
  });

  it("If chooses its branch from a shape, reads the outer graph's values, and is differentiable through predict", async () => {
    // y = batch > 2 ? x * w : x - w, with w an initializer (trainable) read inside the branches.
    const thenBranch = graph('then', [{ op_type: 'Mul', input: ['x', 'w'], output: ['t'] }], [], ['t']);
    const elseBranch = graph('else', [{ op_type: 'Sub', input: ['x', 'w'], output: ['e'] }], [], ['e']);
    const m = await importOnnx(model(
      [
        { op_type: 'Shape', input: ['x'], output: ['s'] },
        { op_type: 'Gather', input: ['s', 'zero'], output: ['batch'], attribute: [int('axis', 0)] },
        { op_type: 'Greater', input: ['batch', 'two'], output: ['big'] },
        { name: 'if', op_type: 'If', input: ['big'], output: ['y'], attribute: [attrGraph('then_branch', thenBranch), attrGraph('else_branch', elseBranch)] },
      ],
      [input('x', 1, ['batch', 2])],
      ['y'],
      [i64('zero', [], [0]), i64('two', [], [2]), f32('w', [2], [3, -1])],
    ));
    expect(m.trainableVariables.map((v) => v.name)).toEqual(['w']);
    const small = soma.tensor([1, 2, 3, 4], [2, 2]);
    const big = soma.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(Array.from(await m.predict(small).y.data())).toEqual([-2, 3, 0, 5]);
    expect(Array.from(await (await m.run(big)).y.data())).toEqual([3, -2, 9, -4, 15, -6]);
    // d/dw of sum(x * w) = column sums of x; of sum(x - w) = -batch.
    const w = m.trainableVariables[0];
    const gBig = gradOf(() => m.predict(big).y.sum(), w);
    const gSmall = gradOf(() => m.predict(small).y.sum(), w);
    expect(Array.from(await gBig.data())).toEqual([9, 12]);
    expect(Array.from(await gSmall.data())).toEqual([-2, -2]);
    soma.dispose([small, big, gBig, gSmall]);
    m.dispose();
  });

  it('Scan carries a state across steps, both directions, and its gradient reaches the weights', async () => {
    // state = state * decay + x_t, over x's rows, forward and backward; outputs the running states.
    const body = graph(
      'body',
      [
        { op_type: 'Mul', input: ['h', 'decay'], output: ['kept'] },
        { op_type: 'Add', input: ['kept', 'x_t'], output: ['h_next'] },
        { op_type: 'Identity', input: ['h_next'], output: ['h_seen'] },
      ],
      [input('h', 1, [2]), input('x_t', 1, [2])],
      ['h_next', 'h_seen'],
    );
    const scan = (direction: number): NodeProto => ({
      name: `scan${direction}`,
      op_type: 'Scan',
      input: ['h0', 'x'],
      output: [`last${direction}`, `all${direction}`],
      attribute: [attrGraph('body', body), int('num_scan_inputs', 1), { name: 'scan_input_directions', type: 7, ints: [direction] }],
    });
    const m = await importOnnx(model([scan(0), scan(1)], [input('x', 1, [3, 2])], ['last0', 'all0', 'last1', 'all1'], [f32('h0', [2], [0, 0]), f32('decay', [], [0.5])]));
    const x = soma.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    const out = m.predict(x);
    expect(Array.from(await out.all0.data())).toEqual([1, 2, 3.5, 5, 6.75, 8.5]);
    expect(Array.from(await out.last1.data())).toEqual([1 + 0.5 * 3 + 0.25 * 5, 2 + 0.5 * 4 + 0.25 * 6]);
    // d last0 / d decay, checked against a central difference.
    const decay = m.trainableVariables.find((v) => v.name === 'decay')!;
    const g = gradOf(() => m.predict(x).last0.sum(), decay);
    const at = async (d: number) => {
      decay.assign(soma.tensor(d));
      const r = m.predict(x).last0.sum();
      const v = (await r.data())[0];
      r.dispose();
      return v;
    };
    const numeric = ((await at(0.501)) - (await at(0.499))) / 0.002;
    expect((await g.data())[0]).toBeCloseTo(numeric, 2);
    soma.dispose([x, out, g]);
    m.dispose();
  });
});

describe('sequences and optionals', () => {
  const seqOf = (elem: number) => ({ sequence_type: { elem_type: tensorType(elem) } });

  it('SplitToSequence, SequenceAt, SequenceErase, SequenceInsert, SequenceLength and ConcatFromSequence', async () => {
    const m = await importOnnx(model(
      [
        { op_type: 'SplitToSequence', input: ['x'], output: ['rows'], attribute: [int('axis', 0), int('keepdims', 0)] },
        { op_type: 'SequenceAt', input: ['rows', 'minus_one'], output: ['last'] },
        { op_type: 'SequenceErase', input: ['rows', 'zero'], output: ['tail'] },
        { op_type: 'SequenceInsert', input: ['tail', 'last', 'zero'], output: ['rotated'] },
        { op_type: 'SequenceLength', input: ['rotated'], output: ['n'] },
        { op_type: 'ConcatFromSequence', input: ['rotated'], output: ['stacked'], attribute: [int('axis', 0), int('new_axis', 1)] },
        { op_type: 'SplitToSequence', input: ['x', 'two'], output: ['chunks'], attribute: [int('axis', 1)] },
      ],
      [input('x', 1, [3, 3])],
      ['last', 'n', 'stacked', value('chunks', seqOf(1))],
      [i64('minus_one', [], [-1]), i64('zero', [], [0]), i64('two', [], [2])],
    ));
    const x = soma.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
    const out = await m.runValues({ x });
    expect(Array.from(await (out.last as soma.Tensor).data())).toEqual([7, 8, 9]);
    expect(Array.from(await (out.n as soma.Tensor).data())).toEqual([3]);
    expect(Array.from(await (out.stacked as soma.Tensor).data())).toEqual([7, 8, 9, 4, 5, 6, 7, 8, 9]);
    const chunks = out.chunks as soma.Tensor[];
    expect(chunks.map((c) => c.shape)).toEqual([[3, 2], [3, 1]]);
    await expect(m.run(x)).rejects.toThrow(/OnnxModel\.run: output 'chunks' is a sequence; call await model\.runValues\(feeds\)/);
    soma.dispose([x, out as Record<string, soma.Tensor | soma.Tensor[]>]);
    m.dispose();
  });

  it('sequence inputs as arrays, optionals as null; errors name the node and the range', async () => {
    const m = await importOnnx(model(
      [
        { name: 'at', op_type: 'SequenceAt', input: ['seq', 'pos'], output: ['item'] },
        { op_type: 'OptionalHasElement', input: ['maybe'], output: ['has'] },
      ],
      [value('seq', seqOf(1)), input('pos', 7, []), value('maybe', { optional_type: { elem_type: tensorType(1) } })],
      ['item', output('has', 9)],
    ));
    const a = soma.tensor([1, 2]);
    const b = soma.tensor([3]);
    const out = await m.runValues({ seq: [a, b], pos: soma.tensor(1, [], 'int32'), maybe: null });
    expect(Array.from(await (out.item as soma.Tensor).data())).toEqual([3]);
    expect(Array.from(await (out.has as soma.Tensor).data())).toEqual([0]);
    await expect(m.runValues({ seq: [a, b], pos: { shape: [], values: [2] }, maybe: a })).rejects.toThrow(/node 'at' \(SequenceAt\): position 2 is outside \[-2, 1\] for a sequence of 2/);
    expect(() => m.predict({ seq: a } as never)).toThrow(/OnnxModel\.predict: input 'seq' is a sequence; call await model\.runValues\(feeds\)/);
    soma.dispose([a, b, out as Record<string, soma.Tensor>]);
    m.dispose();
  });

  it('an operator Soma lacks inside a body is named with the path to it', async () => {
    const body = graph('body', [{ name: 'odd', op_type: 'Unique', input: ['x'], output: ['u'] }], [], ['u']);
    const bytes = model([{ name: 'branch', op_type: 'If', input: ['c'], output: ['y'], attribute: [attrGraph('then_branch', body), attrGraph('else_branch', body)] }], [input('c', 9, []), input('x', 1, [2])], ['y']);
    await expect(importOnnx(bytes)).rejects.toThrow(/node 'branch' \(If\) then_branch: node 'odd' \(Unique\), domain 'ai\.onnx', opset 17: operator not supported/);
  });
});
