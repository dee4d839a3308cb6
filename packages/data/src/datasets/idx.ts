import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { readBytes, type BinarySource } from './binary_files';

/** IDX element types (the third magic byte) and their sizes. */
const TYPES: Record<number, { name: string; size: number }> = {
  0x08: { name: 'ubyte', size: 1 }, 0x09: { name: 'byte', size: 1 }, 0x0b: { name: 'short', size: 2 },
  0x0c: { name: 'int', size: 4 }, 0x0d: { name: 'float', size: 4 }, 0x0e: { name: 'double', size: 8 },
};

/**
 * Reads an IDX file (MNIST, Fashion-MNIST; gzipped or not): integers become an int32 tensor, floats
 * float32, shaped by the file's dimensions. Errors name the file.
 */
export async function readIdx(source: BinarySource): Promise<Tensor> {
  const { bytes, name } = await readBytes(source, 'readIdx');
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !TYPES[bytes[2]]) {
    throw new Error(`readIdx: ${name}: wrong magic number ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')} (expected 00 00 <type> <rank>)`);
  }
  const type = TYPES[bytes[2]];
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * rank) throw new Error(`readIdx: ${name}: truncated header`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  const need = start + count * type.size;
  if (bytes.length < need) throw new Error(`readIdx: ${name}: truncated: shape [${shape.join(', ')}] needs ${need} bytes, the file has ${bytes.length}`);
  const float = type.name === 'float' || type.name === 'double';
  const out = float ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const o = start + i * type.size;
    out[i] = type.name === 'ubyte' ? bytes[o] : type.name === 'byte' ? view.getInt8(o) : type.name === 'short' ? view.getInt16(o, false)
      : type.name === 'int' ? view.getInt32(o, false) : type.name === 'float' ? view.getFloat32(o, false) : view.getFloat64(o, false);
  }
  return soma.tensor(out, shape, float ? 'float32' : 'int32');
}

/** MNIST-style image and label files together: images NCHW float32 in [0, 1], labels int32; counts must agree. */
export async function readMnist(images: BinarySource, labels: BinarySource): Promise<{ x: Tensor; y: Tensor }> {
  const [img, lab] = await Promise.all([readIdx(images), readIdx(labels)]);
  try {
    if (img.rank !== 3) throw new Error(`readMnist: ${String(images)}: expected images [n, height, width], got [${img.shape.join(', ')}]`);
    if (lab.rank !== 1) throw new Error(`readMnist: ${String(labels)}: expected labels [n], got [${lab.shape.join(', ')}]`);
    if (img.shape[0] !== lab.shape[0]) throw new Error(`readMnist: ${img.shape[0]} images in ${String(images)} but ${lab.shape[0]} labels in ${String(labels)}`);
    const x = soma.tidy(() => img.cast('float32').div(255).expandDims(1));
    return { x, y: lab.clone() };
  } finally {
    soma.dispose([img, lab]);
  }
}
