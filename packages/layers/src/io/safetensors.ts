import { isReservedKey, type DType, type TypedArray } from '@soma/core';

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N
 * bytes of JSON { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }, then
 * the raw little-endian tensor bytes, offsets relative to the end of the header.
 *
 * Files are untrusted: the reader validates as the format's own implementation does (offsets
 * contiguous, in order, covering the data section exactly; sizes equal to shape × dtype size), and
 * returns Maps, so no tensor name reaches an object's prototype.
 */
export interface NamedArray {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

/** One tensor's place in the data section, as the header declares it (already validated). */
export interface SafetensorsEntry {
  dtype: DType;
  /** The element type in the file: Soma's own, or one of PyTorch's that reads into it (F64/F16/BF16 → float32, I64 → int32). */
  fileType: string;
  shape: number[];
  begin: number;
  end: number;
}

/** A validated header: where the data starts and every tensor's place in it. */
export interface SafetensorsLayout {
  dataStart: number;
  entries: Map<string, SafetensorsEntry>;
  metadata: Map<string, string>;
}

/** The format's own limit on the JSON header (safetensors' MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000;

const TO_FILE: Record<DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };
// PyTorch checkpoints also hold float64, half, bfloat16 and int64 tensors (batch norm's step
// counter is int64): they read as float32, and int64 as int32 when every value fits.
const FROM_FILE = new Map<string, DType>([['F32', 'float32'], ['I32', 'int32'], ['BOOL', 'bool'], ['F64', 'float32'], ['F16', 'float32'], ['BF16', 'float32'], ['I64', 'int32']]);
const FILE_WIDTH: Record<string, number> = { F32: 4, I32: 4, BOOL: 1, F64: 8, F16: 2, BF16: 2, I64: 8 };

/** Named arrays to write as safetensors: a record or a Map, in the order to write. */
export type NamedArrays = Readonly<Record<string, NamedArray>> | ReadonlyMap<string, NamedArray>;

function entriesOf<V>(m: Readonly<Record<string, V>> | ReadonlyMap<string, V>): [string, V][] {
  return m instanceof Map ? [...(m as ReadonlyMap<string, V>).entries()] : Object.entries(m);
}

/**
 * Encodes named arrays as a safetensors file (the format PyTorch and Hugging Face use): a JSON
 * header then the raw little-endian data.
 */
export function encodeSafetensors(tensors: NamedArrays, metadata: Readonly<Record<string, string>> | ReadonlyMap<string, string> = {}): Uint8Array {
  // A null-prototype header, so a tensor named '__proto__' is written as a name like any other.
  const header: Record<string, unknown> = Object.create(null);
  const meta = entriesOf(metadata);
  if (meta.length) header.__metadata__ = Object.fromEntries(meta);
  const list = entriesOf(tensors);
  let offset = 0;
  for (const [name, t] of list) {
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
  for (const [, t] of list) {
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

/** N from the first 8 bytes, checked against the file's size and the format's limit. */
export function safetensorsHeaderLength(first8: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || first8.length < 8) throw new Error(`${file}: truncated: ${fileSize} bytes, too short for the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new Error(`${file}: the header claims ${n} bytes, more than the format's limit of ${MAX_HEADER_BYTES}`);
  if (8 + Number(n) > fileSize) throw new Error(`${file}: truncated: the header should be ${n} bytes but only ${fileSize - 8} follow`);
  return Number(n);
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Parses and validates the JSON header of a file of `fileSize` bytes, before any tensor data is
 * read: every tensor is described completely, the tensors tile the data section in order without
 * gaps or overlaps, and nothing follows the last one.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileSize: number, file: string): SafetensorsLayout {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new Error(`${file}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error(`${file}: the header must be a JSON object, got ${Array.isArray(header) ? 'an array' : String(header)}`);
  const dataStart = 8 + headerBytes.length;
  const dataLength = fileSize - dataStart;
  const entries = new Map<string, SafetensorsEntry>();
  const metadata = new Map<string, string>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: __metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new Error(`${file}: __metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        metadata.set(k, v);
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof e !== 'object' || e === null) throw new Error(`${file}: tensor '${name}' must be described by { dtype, shape, data_offsets }`);
    const dtype = typeof e.dtype === 'string' ? FROM_FILE.get(e.dtype) : undefined;
    if (!dtype) throw new Error(`${file}: tensor '${name}' has dtype ${JSON.stringify(e.dtype)}; Soma reads F32, I32 and BOOL (and F64, F16, BF16, I64 as float32 and int32)`);
    const fileType = e.dtype as string;
    if (!Array.isArray(e.shape) || !e.shape.every(isIndex)) throw new Error(`${file}: tensor '${name}' has shape ${JSON.stringify(e.shape)}; expected an array of non-negative integers`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
      throw new Error(`${file}: tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 <= begin <= end`);
    }
    const shape = e.shape as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = offsets as [number, number];
    const width = FILE_WIDTH[fileType];
    if (end - begin !== count * width) throw new Error(`${file}: tensor '${name}' has shape [${shape.join(',')}] (${count * width} bytes) but spans ${end - begin} bytes`);
    entries.set(name, { dtype, fileType, shape, begin, end });
  }
  // Sorted by begin, each tensor must start where the previous one ended: no overlaps (which would
  // let one tensor's bytes be read as another's), no gaps, nothing after the last.
  let expected = 0;
  for (const [name, e] of [...entries].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end)) {
    if (e.begin !== expected) {
      throw new Error(`${file}: tensor '${name}' starts at byte ${e.begin} of the data but the previous tensor ends at ${expected} (offsets must be contiguous and in order)`);
    }
    if (e.end > dataLength) throw new Error(`${file}: truncated: tensor '${name}' ends at byte ${e.end} of the data but the file has only ${dataLength}`);
    expected = e.end;
  }
  if (expected !== dataLength) throw new Error(`${file}: ${dataLength - expected} bytes follow the last tensor (the tensors cover ${expected} of ${dataLength} data bytes)`);
  return { dataStart, entries, metadata };
}

/** float16 bits → number (IEEE 754 half: subnormals, infinities and NaN included). */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const READERS: Record<string, (v: DataView, i: number) => number> = {
  F32: (v, i) => v.getFloat32(i * 4, true),
  I32: (v, i) => v.getInt32(i * 4, true),
  F64: (v, i) => v.getFloat64(i * 8, true),
  F16: (v, i) => half(v.getUint16(i * 2, true)),
  BF16: (v, i) => {
    const bits = new DataView(new ArrayBuffer(4));
    bits.setUint32(0, v.getUint16(i * 2, true) << 16);
    return bits.getFloat32(0);
  },
  I64: (v, i) => Number(v.getBigInt64(i * 8, true)),
};

/** The tensors of a layout, read from the whole file's bytes. */
export function readSafetensorsData(bytes: Uint8Array, layout: SafetensorsLayout, file = 'weights.safetensors'): Map<string, NamedArray> {
  const tensors = new Map<string, NamedArray>();
  for (const [name, e] of layout.entries) {
    const slice = bytes.slice(layout.dataStart + e.begin, layout.dataStart + e.end);
    const count = (e.end - e.begin) / FILE_WIDTH[e.fileType];
    let data: TypedArray;
    if (e.dtype === 'bool') data = slice;
    else {
      const view = new DataView(slice.buffer);
      data = e.dtype === 'float32' ? new Float32Array(count) : new Int32Array(count);
      const read = READERS[e.fileType];
      for (let i = 0; i < count; i++) data[i] = read(view, i);
      if (e.fileType === 'I64') {
        for (let i = 0; i < count; i++) {
          const v = view.getBigInt64(i * 8, true);
          if (v > 2147483647n || v < -2147483648n) throw new Error(`${file}: tensor '${name}' (I64) holds ${v}, outside the int32 Soma reads it as`);
        }
      }
    }
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data });
  }
  return tensors;
}

/** Parses and validates a safetensors file held in memory; errors name `file` and say what is wrong. */
export function decodeSafetensors(bytes: Uint8Array, file = 'weights.safetensors'): { tensors: Map<string, NamedArray>; metadata: Map<string, string> } {
  const n = safetensorsHeaderLength(bytes.subarray(0, 8), bytes.length, file);
  const layout = parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.length, file);
  return { tensors: readSafetensorsData(bytes, layout, file), metadata: layout.metadata };
}

/** Names from a file that would be unsafe as object keys anywhere downstream ('a/__proto__/b'). */
export function hasReservedSegment(name: string): boolean {
  return name.split('/').some(isReservedKey);
}
