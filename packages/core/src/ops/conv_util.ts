import { fail, fmtShape } from '../errors.js';

/** One number for both spatial axes, or [height, width]. */
export type Pair = number | readonly [number, number];
/** number: all sides; [h, w]: symmetric per axis; [top, left, bottom, right]: explicit; or a Keras/PyTorch mode. */
export type Padding = number | readonly [number, number] | readonly [number, number, number, number] | 'same' | 'valid';

export function pair(op: string, name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    fail(op, `${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/**
 * Resolves padding to ONNX pads [top, left, bottom, right]. 'same' follows ONNX SAME_UPPER (the extra
 * cell goes at the end), which is also what TensorFlow and PyTorch's padding='same' do.
 */
export function resolvePads(
  op: string, padding: Padding, inHW: readonly [number, number], kernel: readonly [number, number],
  strides: readonly [number, number], dilations: readonly [number, number],
): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const total = [0, 1].map((i) => {
      const out = Math.ceil(inHW[i] / strides[i]);
      return Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inHW[i]);
    });
    return [Math.floor(total[0] / 2), Math.floor(total[1] / 2), total[0] - Math.floor(total[0] / 2), total[1] - Math.floor(total[1] / 2)];
  }
  const p = typeof padding === 'number' ? [padding, padding, padding, padding] : padding.length === 2 ? [padding[0], padding[1], padding[0], padding[1]] : [...padding];
  if (p.length !== 4 || !p.every((x) => Number.isInteger(x) && x >= 0)) {
    fail(op, `padding must be 'same', 'valid', a non-negative integer, [h, w] or [top, left, bottom, right]; got ${JSON.stringify(padding)}`);
  }
  return p as [number, number, number, number];
}

/**
 * Output length along one axis (ONNX Conv/Pool formula; ceil mode drops a window that would start in the end padding, as PyTorch does).
 *
 * @example
 * ```ts
 * console.log(soma.outLength(32, 1, 1, 3, 2, 1));   // 16: a 3×3 kernel, stride 2, padding 1
 * ```
 */
export function outLength(inLen: number, padBegin: number, padEnd: number, k: number, stride: number, dilation: number, ceil = false): number {
  const span = inLen + padBegin + padEnd - (k - 1) * dilation - 1;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && (out - 1) * stride >= inLen + padBegin) out--;
  return out;
}

export function requireRank(op: string, name: string, shape: readonly number[], rank: number, layout: string): void {
  if (shape.length !== rank) fail(op, `${name} must be rank ${rank} (${layout}), got ${fmtShape(shape)}`);
}
