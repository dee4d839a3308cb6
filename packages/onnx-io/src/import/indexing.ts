import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import type { OpContext, OpImpl } from './op_table.js';
import { asTensor, hostNumbers, hostScalar, isHost, HostValue, type Value } from './values.js';

/** ONNX operators that index and accumulate, composed from Soma's ops so they differentiate. */

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);
const T = (v: Value | undefined, c: OpContext, dtype?: soma.DType): Tensor => (v === undefined ? c.a.fail('an input is missing') : asTensor(v, c.where, dtype));

/** Flat positions in x of the elements ScatterElements/GatherElements address. */
function flatPositions(shape: readonly number[], indices: Tensor, axis: number): Tensor {
  const n = shape[axis];
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  let flat = soma.where(indices.less(0), indices.add(n), indices).mul(strides[axis]);
  indices.shape.forEach((d, k) => {
    if (k !== axis) flat = flat.add(soma.arange(0, d * strides[k], strides[k], 'int32').reshape(indices.shape.map((_, j) => (j === k ? d : 1))));
  });
  return flat.reshape([indices.size]);
}

/**
 * An operand's repeated letters as its diagonal ('ii' → 'i'), by a mask of the identity summed
 * over the second axis, so it differentiates.
 */
function diagonal(x: Tensor, term: string, c: OpContext): { x: Tensor; term: string } {
  for (;;) {
    const k = [...term].findIndex((ch, i) => term.indexOf(ch) !== i);
    if (k < 0) return { x, term };
    const j = term.indexOf(term[k]);
    if (x.shape[j] !== x.shape[k]) c.a.fail(`index '${term[k]}' spans axes of ${x.shape[j]} and ${x.shape[k]} in one operand`);
    const eye = soma.eye(x.shape[j]).reshape(x.shape.map((d, i) => (i === j || i === k ? d : 1)));
    x = x.mul(eye).sum(k);
    term = term.slice(0, k) + term.slice(k + 1);
  }
}

/**
 * Einsum as numpy and ONNX define it: each operand's diagonals taken, then aligned, multiplied and
 * summed out; an ellipsis stands for the same broadcast axes (right-aligned) in every operand and,
 * with no explicit output, leads the output.
 */
function einsum(equation: string, operands: Tensor[], c: OpContext): Tensor {
  const [lhs, rhs0] = equation.replace(/\s/g, '').split('->');
  const rawTerms = lhs.split(',');
  if (rawTerms.length !== operands.length) c.a.fail(`equation '${equation}' names ${rawTerms.length} operands, got ${operands.length}`);
  // The ellipsis' axes get letters the equation does not use.
  const unused = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'].filter((ch) => !equation.includes(ch));
  const ellipsisRank = Math.max(0, ...rawTerms.map((t, i) => (t.includes('...') ? operands[i].rank - (t.length - 3) : 0)));
  if (ellipsisRank > unused.length) c.a.fail(`equation '${equation}': too many axes under the ellipsis`);
  const ellipsis = unused.slice(0, ellipsisRank).join('');
  const terms = rawTerms.map((t, i) => {
    if (!t.includes('...')) return t;
    const covered = operands[i].rank - (t.length - 3);
    if (covered < 0) c.a.fail(`operand ${i} of '${equation}' has rank ${operands[i].rank}, fewer than its ${t.length - 3} letters`);
    return t.replace('...', ellipsis.slice(ellipsisRank - covered));
  });
  terms.forEach((t, i) => {
    if (/[^A-Za-z]/.test(t)) c.a.fail(`equation '${equation}': operand terms are letters and at most one '...'`);
    if (t.length !== operands[i].rank) c.a.fail(`operand ${i} of '${equation}' has rank ${operands[i].rank}, but its term '${rawTerms[i]}' names ${t.length} axes`);
  });
  const diag = operands.map((x, i) => diagonal(x, terms[i], c));
  // An implicit output keeps the letters written once in the whole equation ('ii' is a trace).
  const counts = new Map<string, number>();
  for (const term of terms) for (const ch of term) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const rhs = rhs0 !== undefined
    ? rhs0.replace('...', ellipsis)
    : ellipsis + [...counts.keys()].filter((ch) => counts.get(ch) === 1 && !ellipsis.includes(ch)).sort().join('');
  const letters = [...new Set([...rhs, ...diag.map((d) => d.term).join('')])];
  const aligned = diag.map(({ x, term }) => {
    const present = letters.filter((ch) => term.includes(ch));
    const perm = present.map((ch) => term.indexOf(ch));
    const t = perm.some((p, k) => p !== k) ? x.transpose(perm) : x;
    return t.reshape(letters.map((ch) => (term.includes(ch) ? x.shape[term.indexOf(ch)] : 1)));
  });
  const product = aligned.reduce((a, b) => a.mul(b));
  const summed = letters.map((ch, k) => (rhs.includes(ch) ? -1 : k)).filter((k) => k >= 0);
  const reduced = summed.length ? product.sum(summed) : product;
  const kept = letters.filter((ch) => rhs.includes(ch));
  const order = rhs.split('').map((ch) => kept.indexOf(ch));
  return order.some((p, k) => p !== k) ? reduced.transpose(order) : reduced;
}

export const INDEXING_OPS: Record<string, OpImpl> = {
  GatherElements: {
    run: (ins, c) => {
      const x = T(ins[0], c);
      return soma.takeAlongAxis(x, T(ins[1], c, 'int32'), norm(c.a.int('axis', 0), x.rank));
    },
  },
  ScatterElements: {
    check: (_, a) => (['none', 'add'].includes(a.string('reduction', 'none')) ? null : `ScatterElements reduction '${a.string('reduction', '')}'`),
    run: (ins, c) => {
      const x = T(ins[0], c);
      const indices = T(ins[1], c, 'int32');
      const updates = T(ins[2], c, x.dtype).reshape([indices.size]);
      const flatX = x.reshape([x.size]);
      const pos = flatPositions(x.shape, indices, norm(c.a.int('axis', 0), x.rank));
      if (c.a.string('reduction', 'none') === 'add') return soma.scatterAdd(flatX, pos, updates, 0).reshape([...x.shape]);
      // Replace: clear the addressed positions, then add the updates there.
      const hit = soma.scatterAdd(soma.zeros([x.size]), pos, soma.ones([indices.size]), 0).greater(0);
      const cleared = soma.where(hit, soma.zerosLike(flatX), flatX);
      return soma.scatterAdd(cleared, pos, updates, 0).reshape([...x.shape]);
    },
  },
  CumSum: {
    run: (ins, c) => {
      const x0 = T(ins[0], c);
      const x = x0.dtype === 'float32' ? x0 : x0.cast('float32');
      const axis = norm(hostScalar(ins[1], c.where, 'axis'), x.rank);
      const n = x.shape[axis];
      const exclusive = c.a.int('exclusive', 0) === 1;
      const reverse = c.a.int('reverse', 0) === 1;
      // A triangular matrix product along the axis: exact for small integers, differentiable for floats.
      const m = new Float32Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        const take = reverse ? (exclusive ? i > j : i >= j) : exclusive ? i < j : i <= j;
        m[i * n + j] = take ? 1 : 0;
      }
      const last = x.rank - 1;
      const perm = x.shape.map((_, i) => (i === axis ? last : i === last ? axis : i));
      const moved = axis === last ? x : x.transpose(perm);
      let y = moved.matmul(soma.tensor(m, [n, n]));
      if (axis !== last) y = y.transpose(perm);
      return x0.dtype === 'float32' ? y : y.round().cast(x0.dtype);
    },
  },
  TopK: {
    run: (ins, c) => {
      const x = T(ins[0], c);
      const k = c.opset >= 10 ? hostNumbers(ins[1], c.where, 'k')[0] : c.a.int('k', 1);
      const [values, indices] = soma.topK(x, k, { axis: c.a.int('axis', -1), largest: c.a.int('largest', 1) === 1 });
      return [values, indices];
    },
  },
  Einsum: {
    run: (ins, c) => einsum(c.a.string('equation', ''), ins.map((v) => T(v, c, 'float32')), c),
  },
  NonZero: {
    run: (ins, c) => {
      // The output's shape depends on the values: they are read on the host (OnnxModel.run reads run-time ones).
      const v = ins[0];
      const h = isHost(v) ? v : new HostValue(v?.shape ?? [], hostNumbers(v, c.where, "the input (NonZero's output shape depends on its values)"));
      const strides = h.shape.map((_, k) => h.shape.slice(k + 1).reduce((a, b) => a * b, 1));
      const hits = h.values.flatMap((x, i) => (x ? [i] : []));
      return soma.tensor(Int32Array.from(h.shape.flatMap((_, k) => hits.map((i) => Math.floor(i / strides[k]) % h.shape[k]))), [h.shape.length, hits.length], 'int32');
    },
  },
};
