import protobuf from 'protobufjs';
import { modelType } from '../proto.js';

/** Limits on what one ONNX file may declare, checked on the raw bytes before anything is decoded. */
export interface ParseLimits {
  /** Nodes across the graph, its subgraphs and functions (default 500,000; the largest exported language models have tens of thousands). */
  readonly maxNodes?: number;
}

export const DEFAULT_MAX_NODES = 500_000;
/** Messages of any kind per node allowed (value_info, attributes, dimensions... a node's worth of metadata). */
const MESSAGES_PER_NODE = 16;
/** Dimensions one tensor or value may list: far beyond any real rank, far below a repeated-field bomb. */
const MAX_DIMS = 64;
/** Messages nest (graphs in attributes, types in sequence types); protoc's and protobufjs's decoders stop at 100 levels, and so does this walk (it recurses too). */
const MAX_NESTING = 100;

interface Tally {
  nodes: number;
  messages: number;
  readonly offenders: string[];
  offenderCount: number;
}

function offend(t: Tally, what: string): void {
  t.offenderCount++;
  if (t.offenders.length < 5) t.offenders.push(what);
}

/** How many varints a packed field holds: the bytes whose continuation bit is clear. */
function packedCount(bytes: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if ((bytes[i] & 0x80) === 0) n++;
  return n;
}

/**
 * Walks one message's fields on the wire with the schema, counting the nested messages decoding
 * would create, without creating them. Returns false where the bytes are not well formed: the
 * decoder then reports the file as not ONNX, with its own message.
 */
function walk(bytes: Uint8Array, start: number, end: number, type: protobuf.Type, depth: number, t: Tally, limit: number): boolean {
  if (depth > MAX_NESTING) {
    offend(t, `messages nested more than ${MAX_NESTING} deep`);
    return true;
  }
  const r = protobuf.Reader.create(bytes.subarray(0, end));
  r.pos = start;
  let dims = 0;
  while (r.pos < end) {
    if (t.messages > limit * MESSAGES_PER_NODE || t.nodes > limit) return true;
    let tag: number;
    try {
      tag = r.uint32();
    } catch {
      return false;
    }
    const id = tag >>> 3;
    const wire = tag & 7;
    const field = type.fieldsById[id];
    if (wire !== 2) {
      if (field?.name === 'dims' && wire === 0) dims++;
      try {
        r.skipType(wire);
      } catch {
        return false;
      }
      continue;
    }
    let len: number;
    try {
      len = r.uint32();
    } catch {
      return false;
    }
    const from = r.pos;
    const to = from + len;
    if (to > end) return false;
    r.pos = to;
    if (!field) continue;
    field.resolve();
    if (field.resolvedType instanceof protobuf.Type) {
      t.messages++;
      if (field.name === 'dim') dims++;
      const child = field.resolvedType;
      if (child.name === 'NodeProto') t.nodes++;
      if (!walk(bytes, from, to, child, depth + 1, t, limit)) return false;
      if (child.name === 'NodeProto' && !nodeHasOpType(bytes, from, to)) offend(t, `node #${t.nodes - 1} has no op_type`);
    } else if (field.name === 'dims') dims += packedCount(bytes, from, to);
  }
  if (dims > MAX_DIMS) offend(t, `a ${type.name} lists ${dims.toLocaleString('en-US')} dimensions (at most ${MAX_DIMS})`);
  return true;
}

/** Whether a NodeProto's bytes set op_type (field 4) to a non-empty string. */
function nodeHasOpType(bytes: Uint8Array, start: number, end: number): boolean {
  const r = protobuf.Reader.create(bytes.subarray(0, end));
  r.pos = start;
  try {
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag >>> 3 === 4 && (tag & 7) === 2) return r.uint32() > 0;
      r.skipType(tag & 7);
    }
  } catch {
    return false;
  }
  return false;
}

/**
 * Refuses an ONNX file whose declared structure would cost far more memory to decode than its size
 * suggests (a few megabytes of empty nodes decode to gigabytes of objects), or whose nesting would
 * exhaust the stack: counts nodes and messages on the wire first, against `limits`.
 */
export function checkParseBounds(bytes: Uint8Array, file: string, limits: ParseLimits = {}): void {
  const maxNodes = limits.maxNodes ?? DEFAULT_MAX_NODES;
  if (!(Number.isSafeInteger(maxNodes) && maxNodes > 0)) throw new Error(`importOnnx: maxNodes must be a positive integer, got ${maxNodes}`);
  const t: Tally = { nodes: 0, messages: 0, offenders: [], offenderCount: 0 };
  if (!walk(bytes, 0, bytes.length, modelType(), 0, t, maxNodes)) return;
  if (t.nodes > maxNodes) throw new Error(`importOnnx: ${file} declares more than ${maxNodes.toLocaleString('en-US')} nodes; Soma imports at most that many (ImportOptions.maxNodes)`);
  if (t.messages > maxNodes * MESSAGES_PER_NODE) {
    throw new Error(`importOnnx: ${file} declares more than ${(maxNodes * MESSAGES_PER_NODE).toLocaleString('en-US')} messages (nodes, attributes, values, dimensions); Soma imports at most ${MESSAGES_PER_NODE} per allowed node (ImportOptions.maxNodes)`);
  }
  if (t.offenderCount) {
    const more = t.offenderCount > t.offenders.length ? `\n  … and ${(t.offenderCount - t.offenders.length).toLocaleString('en-US')} more` : '';
    throw new Error(`importOnnx: ${file} is malformed (${t.offenderCount.toLocaleString('en-US')} problem${t.offenderCount === 1 ? '' : 's'}):\n  ${t.offenders.join('\n  ')}${more}`);
  }
}
