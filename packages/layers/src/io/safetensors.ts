import type { DType, TypedArray } from '@soma/core';

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N
 * bytes of JSON { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }, then
 * the raw little-endian tensor bytes, offsets relative to the end of the header.
 */
export interface NamedArray {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

const TO_FILE: Record<DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };
const FROM_FILE: Record<string, DType> = { F32: 'float32', I32: 'int32', BOOL: 'bool' };

export function encodeSafetensors(tensors: Record<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = t.data.byteLength;
    header[name] = { dtype: TO_FILE[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (allowed by the format).
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    out.set(littleEndianBytes(t.data), pos);
    pos += t.data.byteLength;
  }
  return out;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function littleEndianBytes(a: TypedArray): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (littleEndian || a.BYTES_PER_ELEMENT === 1) return bytes;
  const swapped = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) for (let j = 0; j < 4; j++) swapped[i + j] = bytes[i + 3 - j];
  return swapped;
}

/** Parses and validates a safetensors file; errors name `file` and say what is wrong. */
export function decodeSafetensors(bytes: Uint8Array, file = 'weights.safetensors'): { tensors: Record<string, NamedArray>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`${file}: truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`${file}: truncated: the header should be ${n} bytes but only ${bytes.length - 8} follow`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new Error(`${file}: the header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const tensors: Record<string, NamedArray> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const dtype = FROM_FILE[e.dtype];
    if (!dtype) throw new Error(`${file}: tensor '${name}' has dtype ${e.dtype}; Soma reads F32, I32 and BOOL`);
    const [begin, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    const width = dtype === 'bool' ? 1 : 4;
    if (end - begin !== count * width) throw new Error(`${file}: tensor '${name}' has shape [${e.shape.join(',')}] (${count * width} bytes) but spans ${end - begin} bytes`);
    if (end > dataLen) throw new Error(`${file}: truncated: tensor '${name}' ends at byte ${end} of the data but the file has only ${dataLen}`);
    const slice = bytes.slice(dataStart + begin, dataStart + end);
    let data: TypedArray;
    if (dtype === 'bool') data = slice;
    else {
      const view = new DataView(slice.buffer);
      data = dtype === 'float32' ? new Float32Array(count) : new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = dtype === 'float32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
    }
    tensors[name] = { dtype, shape: e.shape, data };
  }
  return { tensors, metadata };
}
