/** A weight's values and shape, row-major, as they move between Soma's and PyTorch's layouts. */
export interface Arr {
  data: Float32Array;
  shape: number[];
}

export const arr = (data: Float32Array, shape: readonly number[]): Arr => ({ data, shape: [...shape] });

/** [a, b] → [b, a]. */
export function transpose2d(x: Arr): Arr {
  const [a, b] = x.shape;
  const out = new Float32Array(a * b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[j * a + i] = x.data[i * b + j];
  return { data: out, shape: [b, a] };
}

/**
 * Reorders equal blocks along axis 0: `order[k]` is the source block of output block k. Gate
 * blocks of recurrent weights move this way between Keras's order and PyTorch's.
 */
export function reorderBlocks(x: Arr, order: readonly number[]): Arr {
  const rows = x.shape[0];
  const block = rows / order.length;
  const rowSize = x.data.length / rows;
  const out = new Float32Array(x.data.length);
  order.forEach((src, k) => out.set(x.data.subarray(src * block * rowSize, (src + 1) * block * rowSize), k * block * rowSize));
  return { data: out, shape: [...x.shape] };
}

/** Row `i` of a [n, m] array as [m]. */
export const row = (x: Arr, i: number): Arr => ({ data: x.data.slice(i * x.shape[1], (i + 1) * x.shape[1]), shape: [x.shape[1]] });

/** [m] arrays stacked as [n, m]. */
export function stackRows(rows: readonly Arr[]): Arr {
  const m = rows[0].data.length;
  const out = new Float32Array(rows.length * m);
  rows.forEach((r, i) => out.set(r.data, i * m));
  return { data: out, shape: [rows.length, m] };
}

/** Elementwise a + b (same shapes). */
export function addArrays(a: Arr, b: Arr): Arr {
  return { data: a.data.map((v, i) => v + b.data[i]), shape: [...a.shape] };
}

export const zerosLike = (x: Arr): Arr => ({ data: new Float32Array(x.data.length), shape: [...x.shape] });
