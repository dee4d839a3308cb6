import type { DType } from '@soma/core';
import { AttributeType, type AttributeProto, type NodeProto, type TensorProto } from '../proto.js';
import { encodeTensor } from '../tensor_proto.js';

/** An attribute value as Soma writes them: numbers are floats unless listed as ints. */
export type Attr = { f: number } | { i: number } | { ints: readonly number[] } | { floats: readonly number[] } | { s: string } | { strings: readonly string[] } | { t: TensorProto };

/** Collects the nodes and initializers of an ONNX graph, naming what it creates. */
export class Emitter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private count = 0;

  constructor(readonly opset: number) {}

  /** A fresh value name. */
  tmp(hint: string): string {
    // "~" appears in no name Soma gives values, variables or constants, so these never collide.
    return `${hint}~${this.count++}`;
  }

  node(op: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, Attr> = {}): void {
    const attribute: AttributeProto[] = Object.entries(attrs).map(([name, a]) => {
      if ('f' in a) return { name, type: AttributeType.FLOAT, f: a.f };
      if ('i' in a) return { name, type: AttributeType.INT, i: a.i };
      if ('ints' in a) return { name, type: AttributeType.INTS, ints: [...a.ints] };
      if ('floats' in a) return { name, type: AttributeType.FLOATS, floats: [...a.floats] };
      if ('t' in a) return { name, type: AttributeType.TENSOR, t: a.t };
      if ('strings' in a) return { name, type: AttributeType.STRINGS, strings: a.strings.map((v) => new TextEncoder().encode(v)) };
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.s) };
    });
    this.nodes.push({ op_type: op, input: [...inputs], output: [...outputs], name: `${op}_${this.nodes.length}`, attribute });
  }

  /** A one-output node; returns the output's name. */
  apply(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, out = this.tmp(op.toLowerCase())): string {
    this.node(op, inputs, [out], attrs);
    return out;
  }

  /** An int64 initializer (shapes, axes, pads, repeats). */
  int64s(values: readonly number[], hint = 'ints'): string {
    const name = this.tmp(hint);
    this.initializers.push(encodeTensor(name, [values.length], 'int32', values, true));
    return name;
  }

  /** A scalar constant of a Soma dtype (a Constant node: importers do not take it for a weight). */
  scalar(value: number, dtype: DType = 'float32'): string {
    const name = this.tmp('const');
    this.constant(name, [], dtype, [value]);
    return name;
  }

  /** A weight (an initializer, which importers treat as trainable). */
  initializer(name: string, shape: readonly number[], dtype: DType, values: ArrayLike<number>): void {
    this.initializers.push(encodeTensor(name, shape, dtype, values));
  }

  /**
   * A fixed value as a Constant node. Initializers are what ONNX importers (Soma's, PyTorch's
   * tools) treat as trainable weights, so a value the graph computes with but never learns is not one.
   */
  constant(name: string, shape: readonly number[], dtype: DType, values: ArrayLike<number>): void {
    this.node('Constant', [], [name], { value: { t: encodeTensor(name, shape, dtype, values) } });
  }
}
