import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/** Prints like PyTorch: `tensor([[1.0000, 2.0000], ...], dtype=int32)`, eliding the middle of big tensors. */
export function formatTensor(values: TypedArray, shape: Shape, dtype: DType): string {
  const summarize = values.length > SUMMARY_THRESHOLD;
  const fmt = formatter(values, dtype);
  const prefix = 'tensor(';
  const body = shape.length === 0 ? fmt(values[0]) : block(values, shape, 0, 0, fmt, summarize, prefix.length + 1);
  const suffix = dtype === 'float32' ? '' : `, dtype=${dtype}`;
  const shapeNote = values.length === 0 ? `, size=[${shape.join(', ')}]` : '';
  return `${prefix}${body}${shapeNote}${suffix})`;
}

function formatter(values: TypedArray, dtype: DType): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'true' : 'false');
  if (dtype === 'int32') {
    let w = 1;
    for (const v of values) w = Math.max(w, String(v).length);
    return (v) => String(v).padStart(w);
  }
  let allInt = true;
  let maxAbs = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      if (!Number.isInteger(v)) allInt = false;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
  }
  const sci = maxAbs >= 1e8 || (maxAbs > 0 && maxAbs < 1e-4);
  const one = (v: number): string => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (sci) return v.toExponential(4);
    return allInt ? `${v}.` : v.toFixed(4);
  };
  let w = 1;
  for (const v of values) w = Math.max(w, one(v).length);
  return (v) => one(v).padStart(w);
}

function block(
  values: TypedArray, shape: Shape, dim: number, offset: number,
  fmt: (v: number) => string, summarize: boolean, indent: number,
): string {
  const n = shape[dim];
  let stride = 1;
  for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
  const idx = summarize && n > 2 * EDGE_ITEMS
    ? [...range(0, EDGE_ITEMS), -1, ...range(n - EDGE_ITEMS, n)]
    : range(0, n);
  if (dim === shape.length - 1) {
    return `[${idx.map((i) => (i < 0 ? '...' : fmt(values[offset + i]))).join(', ')}]`;
  }
  const sep = `,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(indent)}`;
  const rows = idx.map((i) => (i < 0 ? '...' : block(values, shape, dim + 1, offset + i * stride, fmt, summarize, indent + 1)));
  return `[${rows.join(sep)}]`;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}
