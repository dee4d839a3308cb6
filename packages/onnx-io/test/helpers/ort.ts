import { expect } from 'vitest';
import * as soma from '@soma/core';
import type { LayersModel } from '@soma/layers';
import { decodeOnnx } from '@soma/onnx-io';
import ort from 'onnxruntime-node';

/** A Soma tensor as onnxruntime takes the graph's input `declared` (ids declared int64 go in as BigInt64). */
export function ortInput(x: soma.Tensor, elemType: number | undefined): ort.Tensor {
  return elemType === 7 ? new ort.Tensor('int64', BigInt64Array.from(x.dataSync(), (v) => BigInt(v)), x.shape) : new ort.Tensor('float32', Float32Array.from(x.dataSync()), x.shape);
}

/** Runs an export in onnxruntime-node and expects the model's predict outputs: same shapes, values to `tolerance` (relative above 1). */
export async function expectOrtMatchesExport(net: LayersModel, bytes: Uint8Array, inputs: soma.Tensor[], tolerance = 1e-4): Promise<void> {
  const session = await ort.InferenceSession.create(bytes);
  const declared = decodeOnnx(bytes).graph?.input ?? [];
  const feeds = Object.fromEntries(inputs.map((x, i) => [session.inputNames[i], ortInput(x, declared[i]?.type?.tensor_type?.elem_type)]));
  const result = await session.run(feeds);
  const ours = net.predict(inputs.length === 1 ? inputs[0] : inputs);
  const list = Array.isArray(ours) ? ours : [ours];
  expect(session.outputNames).toHaveLength(list.length);
  list.forEach((t, i) => {
    const theirs = result[session.outputNames[i]];
    expect(theirs.dims, `output ${i} shape`).toEqual(t.shape);
    const a = t.dataSync();
    const b = theirs.data as Float32Array;
    let worst = 0;
    for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]) / Math.max(1, Math.abs(a[k])));
    expect(worst, `output ${i} (${session.outputNames[i]}) at input shape [${inputs[0].shape.join(', ')}]`).toBeLessThan(tolerance);
  });
  soma.dispose(list);
  await session.release();
}
