import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { encodeOnnx, importOnnx, type ModelProto } from '@soma/onnx-io';

/** A one-node Einsum model (opset 12) over float inputs a, b, … of the given ranks (sizes symbolic). */
function einsumModel(equation: string, ranks: number[]): Uint8Array {
  const names = ['a', 'b', 'c'].slice(0, ranks.length);
  const model: ModelProto = {
    ir_version: 7,
    opset_import: [{ domain: '', version: 12 }],
    graph: {
      name: 'einsum',
      node: [{ name: '/Einsum', op_type: 'Einsum', input: names, output: ['y'], attribute: [{ name: 'equation', type: 3, s: new TextEncoder().encode(equation) }] }],
      input: names.map((name, i) => ({
        name,
        type: { tensor_type: { elem_type: 1, shape: { dim: Array.from({ length: ranks[i] }, (_, k) => ({ dim_param: `${name}${k}` })) } } },
      })),
      output: [{ name: 'y', type: { tensor_type: { elem_type: 1 } } }],
    },
  };
  return encodeOnnx(model);
}

async function run(equation: string, xs: soma.Tensor[]): Promise<soma.Tensor> {
  const m = await importOnnx(einsumModel(equation, xs.map((x) => x.rank)));
  return m.predict(Object.fromEntries(xs.map((x, i) => [['a', 'b', 'c'][i], x]))).y;
}

const close = (got: soma.Tensor, want: soma.Tensor) => {
  expect(got.shape).toEqual(want.shape);
  Array.from(got.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want.dataSync()[i], 4));
};

describe('ONNX Einsum: ellipses and repeated indices (numpy semantics)', () => {
  const m = soma.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);

  it('diagonals and traces: ii->i, ii (implicit: the trace), ...ii->...i', async () => {
    close(await run('ii->i', [m]), soma.tensor([1, 5, 9]));
    close(await run('ii', [m]), soma.tensor(15));
    const batch = soma.stack([m, m.mul(10)]);
    close(await run('...ii->...i', [batch]), soma.tensor([[1, 5, 9], [10, 50, 90]]));
  });

  it('an ellipsis broadcasts batch axes like matmul, and leads an implicit output', async () => {
    const a = soma.randomNormal([2, 1, 2, 3], { seed: 1 });
    const b = soma.randomNormal([4, 3, 5], { seed: 2 });
    close(await run('...ij,...jk->...ik', [a, b]), soma.matmul(a, b));
    const c = soma.randomNormal([2, 3, 4], { seed: 3 });
    const d = soma.randomNormal([4, 5], { seed: 4 });
    close(await run('...ij,jk', [c, d]), soma.matmul(c, d));
    close(await run('i...->...', [c]), soma.sum(c, 0));
    close(await run('bij,bjk->bik', [c, soma.randomNormal([2, 4, 2], { seed: 5 })]), soma.matmul(c, soma.randomNormal([2, 4, 2], { seed: 5 })));
  });

  it('a term that does not match its operand is an error naming the node', async () => {
    const model = await importOnnx(einsumModel('ij->i', [3]));
    expect(() => model.predict({ a: soma.ones([2, 3, 4]) })).toThrow(/\/Einsum.*operand 0 of 'ij->i' has rank 3, but its term 'ij' names 2 axes/);
    const diag = await importOnnx(einsumModel('ii->i', [2]));
    expect(() => diag.predict({ a: soma.ones([2, 3]) })).toThrow(/\/Einsum.*index 'i' spans axes of 2 and 3 in one operand/);
  });
});
