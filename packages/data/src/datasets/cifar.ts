import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { checkNumber } from '@soma/core';
import { DEFAULT_MAX_BYTES, readBytes, type BinarySource } from './binary_files.js';

const PIXELS = 3 * 32 * 32;

/**
 * A CIFAR binary batch (data_batch_1.bin ... or train.bin): images NCHW float32 in [0, 1] (the
 * files store each image as R, G and B planes already) and int32 labels. CIFAR-100 records carry a
 * coarse and a fine label; `label: 'fine'` (default) or 'coarse' picks one. `maxBytes` (default
 * 1 GiB) bounds the decoded images, checked while the file is read or inflated.
 */
export async function readCifar(source: BinarySource, o: { variant?: 'cifar10' | 'cifar100'; label?: 'fine' | 'coarse'; maxBytes?: number } = {}): Promise<{ x: Tensor; y: Tensor }> {
  const variant = o.variant ?? 'cifar10';
  const labelBytes = variant === 'cifar10' ? 1 : 2;
  const record = labelBytes + PIXELS;
  // The file's bytes become 4-byte floats: the limit applies to the tensor, as in readIdx.
  const maxBytes = checkNumber('readCifar', 'maxBytes', o.maxBytes ?? DEFAULT_MAX_BYTES, { integer: true, min: 1 });
  const { bytes, name } = await readBytes(source, 'readCifar', Math.floor(maxBytes / 4));
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new Error(`readCifar: ${name}: ${bytes.length} bytes is not a whole number of ${variant} records of ${record} bytes (truncated or not a ${variant} file)`);
  }
  const n = bytes.length / record;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  const which = variant === 'cifar100' && o.label === 'coarse' ? 0 : labelBytes - 1;
  const classes = variant === 'cifar10' ? 10 : which === 0 ? 20 : 100;
  for (let i = 0; i < n; i++) {
    const base = i * record;
    const label = bytes[base + which];
    if (label >= classes) throw new Error(`readCifar: ${name}: record ${i} has label ${label}, outside 0..${classes - 1} (is this a ${variant} file?)`);
    y[i] = label;
    for (let p = 0; p < PIXELS; p++) x[i * PIXELS + p] = bytes[base + labelBytes + p] / 255;
  }
  return { x: soma.tensor(x, [n, 3, 32, 32]), y: soma.tensor(y, [n], 'int32') };
}
