import { Graph, type Dim, type DType, type KernelAttrs, type KernelName, type ValueInfo } from '@soma/core';
import { graphToOnnxWith } from './export_onnx.js';

/** An input or output of a one-kernel model: its dtype and shape (numbers, or names for free sizes; an output's may be left unknown). */
export interface KernelValue {
  readonly dtype: DType;
  readonly shape: readonly Dim[] | null;
}

/**
 * An ONNX model of one kernel call, as the native backend runs kernels: inputs `x0, x1, ...`
 * (optional ones given as null), output `y`. Dimensions given as names stay free, so one
 * session serves every batch size.
 */
export function kernelToOnnx<K extends KernelName>(kernel: K, attrs: KernelAttrs<K>, inputs: readonly (KernelValue | null)[], output: KernelValue, opset = 17): Uint8Array {
  const values = new Map<number, ValueInfo>();
  const ids: (number | null)[] = inputs.map((v, i) => {
    if (!v) return null;
    values.set(i, { id: i, dtype: v.dtype, shape: v.shape ?? [], name: `x${i}` });
    return i;
  });
  const outId = inputs.length;
  values.set(outId, { id: outId, dtype: output.dtype, shape: output.shape ?? [], name: 'y' });
  const graph = new Graph(
    ids.filter((i): i is number => i !== null).map((i) => values.get(i)!),
    [values.get(outId)!],
    [{ op: kernel, attrs: attrs as Readonly<Record<string, unknown>>, inputs: ids, outputs: [outId] }],
    values, new Map(), new Map(),
  );
  return graphToOnnxWith(graph, { opset, inputNames: ids.filter((i): i is number => i !== null).map((i) => `x${i}`), outputNames: ['y'], unknownOutputShapes: output.shape === null }, new Map());
}
