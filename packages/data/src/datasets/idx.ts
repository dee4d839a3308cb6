import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { checkNumber } from '@soma/core';
import { byteChunks, ChunkReader, DEFAULT_MAX_BYTES, sourceName, type BinarySource } from './binary_files.js';

/** IDX element types (the third magic byte) and their sizes. */
const TYPES: Record<number, { name: string; size: number }> = {
  0x08: { name: 'ubyte', size: 1 }, 0x09: { name: 'byte', size: 1 }, 0x0b: { name: 'short', size: 2 },
  0x0c: { name: 'int', size: 4 }, 0x0d: { name: 'float', size: 4 }, 0x0e: { name: 'double', size: 8 },
};

/** Options of `readIdx`: the largest size it will inflate or read. */
export interface ReadIdxOptions {
  /**
   * The largest tensor, in bytes of its decoded values (4 per element), that the header may
   * declare; checked before anything is inflated or allocated. Default 1 GiB.
   */
  maxBytes?: number;
}

/**
 * Reads an IDX file (MNIST, Fashion-MNIST; gzipped or not): integers become an int32 tensor, floats
 * float32, shaped by the file's dimensions. The header is read first and its declared size checked
 * against `maxBytes`; the data is streamed (and inflated) only that far, and anything after it is
 * an error. Errors name the file.
 */
export async function readIdx(source: BinarySource, options: ReadIdxOptions = {}): Promise<Tensor> {
  const maxBytes = checkNumber('readIdx', 'maxBytes', options.maxBytes ?? DEFAULT_MAX_BYTES, { integer: true, min: 1 });
  const name = sourceName(source, 'readIdx');
  const reader = new ChunkReader(byteChunks(source, 'readIdx'));
  try {
    const magic = new Uint8Array(4);
    const m = await reader.read(magic);
    if (m < 4 || magic[0] !== 0 || magic[1] !== 0 || !TYPES[magic[2]]) {
      throw new Error(`readIdx: ${name}: wrong magic number ${Array.from(magic.subarray(0, m), (b) => b.toString(16).padStart(2, '0')).join(' ')} (expected 00 00 <type> <rank>)`);
    }
    const type = TYPES[magic[2]];
    const rank = magic[3];
    const start = 4 + 4 * rank;
    const dims = new Uint8Array(4 * rank);
    const d = await reader.read(dims);
    if (d < dims.length) throw new Error(`readIdx: ${name}: truncated header (rank ${rank} needs ${start} bytes, the file has ${4 + d})`);
    const view = new DataView(dims.buffer);
    const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 * i, false));
    const count = shape.reduce((a, b) => a * b, 1);
    if (count * 4 > maxBytes) throw new Error(`readIdx: ${name}: the header declares shape [${shape.join(', ')}] (${count * 4} bytes as a tensor), more than maxBytes ${maxBytes}`);
    const data = new Uint8Array(count * type.size);
    const got = await reader.read(data);
    if (got < data.length) throw new Error(`readIdx: ${name}: truncated: shape [${shape.join(', ')}] needs ${start + data.length} bytes, the file has ${start + got}`);
    if (!(await reader.atEnd())) throw new Error(`readIdx: ${name}: the file continues past the ${start + data.length} bytes its header declares (trailing data)`);
    return decode(data, type.name, count, shape);
  } finally {
    await reader.close();
  }
}

function decode(bytes: Uint8Array, type: string, count: number, shape: number[]): Tensor {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const float = type === 'float' || type === 'double';
  const out = float ? new Float32Array(count) : new Int32Array(count);
  if (type === 'ubyte') out.set(bytes);
  else {
    const size = type === 'byte' ? 1 : type === 'short' ? 2 : type === 'double' ? 8 : 4;
    for (let i = 0; i < count; i++) {
      const o = i * size;
      out[i] = type === 'byte' ? view.getInt8(o) : type === 'short' ? view.getInt16(o, false)
        : type === 'int' ? view.getInt32(o, false) : type === 'float' ? view.getFloat32(o, false) : view.getFloat64(o, false);
    }
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
