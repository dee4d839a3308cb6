import { fail, fmtShape } from './errors.js';

/** A tensor's dimensions, outermost first (`[]` for a scalar). */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The most elements one tensor may hold: 2^31 − 1, a typed array's safe length everywhere and
 * already more than any backend stores (cpu's heap is 4 GiB; GPU bindings are smaller).
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/** Non-negative integer dimensions whose element count one tensor can hold — checked before anything is allocated. */
export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) fail(op, `shape must hold non-negative integers, got ${fmtShape(shape)}`);
  }
  checkElementCount(op, sizeOf(shape), () => `shape ${fmtShape(shape)}`);
}

/** Refuses an element count over MAX_TENSOR_ELEMENTS (or not a safe integer), naming what asked for it. */
export function checkElementCount(op: string, count: number, what: () => string): void {
  if (!Number.isSafeInteger(count) || count > MAX_TENSOR_ELEMENTS) {
    fail(op, `${what()} has ${Number.isSafeInteger(count) ? count.toLocaleString('en-US') : 'more than 2^53'} elements; a tensor holds at most ${MAX_TENSOR_ELEMENTS.toLocaleString('en-US')}`);
  }
}

/** NumPy broadcasting: dimensions are aligned from the right; each pair must match or be 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        fail(op, `shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together`);
      }
    }
  }
  return out;
}

/** Maps a possibly negative axis into [0, rank). */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -Math.max(rank, 1) || axis >= Math.max(rank, 1)) {
    fail(op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + Math.max(rank, 1) : axis;
}

/** Normalizes `axis` (undefined = all axes) into a sorted, de-duplicated list. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => (rank === 0 ? (a === 0 || a === -1 ? 0 : normalizeAxis(op, a, 0)) : normalizeAxis(op, a, rank)));
  const set = [...new Set(out)].sort((a, b) => a - b);
  if (set.length !== out.length) fail(op, `repeated axis in ${JSON.stringify(list)}`);
  return rank === 0 ? [] : set;
}

/** Offsets into a broadcast operand for each output element, computed by the caller once per shape. */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(inShape);
  const out = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - inShape.length;
  for (let i = 0; i < inShape.length; i++) out[off + i] = inShape[i] === 1 ? 0 : strides[i];
  return out;
}

/** Shape with the reduced axes removed (keepDims false) or set to 1 (keepDims true). */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}
