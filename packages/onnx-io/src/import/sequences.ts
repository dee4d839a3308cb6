import * as soma from '@soma/core';
import type { DType } from '@soma/core';
import { somaType } from '../tensor_proto.js';
import type { OpContext } from './op_table.js';
import { asTensor, hostNumbers, hostScalar, HostValue, isTensorLike, OptionalValue, SequenceValue, type AnyValue, type Value } from './values.js';

/** Operators on sequences and optionals (and Identity, which passes either through). */
export interface ValueOpImpl {
  run(ins: readonly (AnyValue | undefined)[], c: OpContext): AnyValue | readonly AnyValue[];
}

function sequence(v: AnyValue | undefined, c: OpContext): SequenceValue {
  if (v instanceof SequenceValue) return v;
  c.a.fail(`expected a sequence, got ${v === undefined ? 'nothing' : isTensorLike(v) ? 'a tensor' : 'an optional'}`);
}

function tensorInput(v: AnyValue | undefined, c: OpContext, what: string): Value {
  if (!isTensorLike(v)) c.a.fail(`${what} must be a tensor, got ${v === undefined ? 'nothing' : v instanceof SequenceValue ? 'a sequence' : 'an optional'}`);
  return v;
}

/** A position in a sequence of `n` (negative from the end), checked against [-n, n + extra). */
function position(v: AnyValue | undefined, n: number, extra: number, c: OpContext, fallback: number): number {
  if (v === undefined) return fallback;
  const p = hostScalar(tensorInput(v, c, 'position'), c.where, 'position');
  if (!Number.isInteger(p) || p < -n || p >= n + extra) c.a.fail(`position ${p} is outside [${-n}, ${n + extra - 1}] for a sequence of ${n}`);
  return p < 0 ? p + n : p;
}

const dtypeOf = (c: OpContext): DType => somaType(c.a.int('dtype', 1), c.where);

export const SEQUENCE_OPS: Record<string, ValueOpImpl> = {
  Identity: { run: (ins) => ins[0]! },
  SequenceEmpty: { run: (_, c) => new SequenceValue([], dtypeOf(c)) },
  SequenceConstruct: { run: (ins, c) => new SequenceValue(ins.map((v, i) => tensorInput(v, c, `input ${i}`))) },
  SequenceLength: { run: (ins, c) => new HostValue([], [sequence(ins[0], c).items.length]) },
  SequenceAt: {
    run: (ins, c) => {
      const s = sequence(ins[0], c);
      if (!s.items.length) c.a.fail('the sequence is empty');
      return s.items[position(ins[1], s.items.length, 0, c, 0)];
    },
  },
  SequenceInsert: {
    run: (ins, c) => {
      const s = sequence(ins[0], c);
      const items = [...s.items];
      items.splice(position(ins[2], items.length, 1, c, items.length), 0, tensorInput(ins[1], c, 'the inserted value'));
      return new SequenceValue(items, s.dtype);
    },
  },
  SequenceErase: {
    run: (ins, c) => {
      const s = sequence(ins[0], c);
      if (!s.items.length) c.a.fail('the sequence is empty');
      const items = [...s.items];
      items.splice(position(ins[1], items.length, 0, c, items.length - 1), 1);
      return new SequenceValue(items, s.dtype);
    },
  },
  ConcatFromSequence: {
    run: (ins, c) => {
      const s = sequence(ins[0], c);
      if (!s.items.length) c.a.fail('the sequence is empty (nothing to concatenate)');
      const xs = s.items.map((v) => asTensor(v, c.where));
      const axis = c.a.int('axis', 0);
      return c.a.int('new_axis', 0) === 1 ? soma.stack(xs, axis < 0 ? axis + xs[0].rank + 1 : axis) : soma.concat(xs, axis < 0 ? axis + xs[0].rank : axis);
    },
  },
  SplitToSequence: {
    run: (ins, c) => {
      const x = asTensor(tensorInput(ins[0], c, 'input'), c.where);
      const rank = x.rank;
      let axis = c.a.int('axis', 0);
      if (axis < -rank || axis >= rank) c.a.fail(`axis ${axis} is outside [${-rank}, ${rank - 1}] for a rank-${rank} input`);
      if (axis < 0) axis += rank;
      const length = x.shape[axis];
      if (ins[1] === undefined) {
        const parts = soma.split(x, Array(length).fill(1), axis);
        return new SequenceValue(c.a.int('keepdims', 1) === 1 ? parts : parts.map((p) => p.squeeze(axis)));
      }
      const split = tensorInput(ins[1], c, 'split');
      const given = hostNumbers(split, c.where, 'split');
      const scalar = (split instanceof HostValue ? split.shape : split.shape).length === 0;
      const sizes = scalar ? Array.from({ length: Math.ceil(length / given[0]) }, (_, i) => Math.min(given[0], length - i * given[0])) : given;
      if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== length) c.a.fail(`split [${sizes.join(', ')}] must be non-negative and add up to the axis length ${length}`);
      return new SequenceValue(soma.split(x, sizes, axis));
    },
  },
  Optional: {
    run: (ins) => new OptionalValue(ins[0] === undefined ? null : (ins[0] as Value | SequenceValue)),
  },
  OptionalHasElement: {
    run: (ins) => {
      const v = ins[0];
      const has = v !== undefined && !(v instanceof OptionalValue && v.value === null);
      return new HostValue([], [has ? 1 : 0], 'bool');
    },
  },
  OptionalGetElement: {
    run: (ins, c) => {
      const v = ins[0];
      const value = v instanceof OptionalValue ? v.value : v;
      if (value === null || value === undefined) throw new Error(`${c.where}: ${value === null ? 'the optional is empty' : 'input 0 is missing'}`);
      return value;
    },
  },
};
