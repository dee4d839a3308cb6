import { importNodeModule } from '@soma/core';
/** Bytes of a local file (Node), a URL (fetch), or bytes already in memory; gunzipped when they start with gzip's magic. */
export type BinarySource = string | URL | ArrayBuffer | Uint8Array;

/** The default ceiling on what a reader inflates or decodes: a crafted header cannot ask for more. */
export const DEFAULT_MAX_BYTES = 2 ** 30;

/** The raw chunks of a source, as they arrive (files and URLs are streamed, never read whole first). */
async function* rawChunks(source: BinarySource, what: string, name: string): AsyncGenerator<Uint8Array> {
  if (source instanceof ArrayBuffer) {
    yield new Uint8Array(source);
    return;
  }
  if (ArrayBuffer.isView(source)) {
    yield source;
    return;
  }
  if (/^(https?|blob|data):/.test(name) || typeof (globalThis as { window?: unknown }).window !== 'undefined') {
    const res = await fetch(name);
    if (!res.ok || !res.body) throw new Error(`${what}: ${name}: HTTP ${res.status}`);
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }
  const { createReadStream } = await importNodeModule<typeof import('node:fs')>('node:fs');
  const stream = createReadStream(name.startsWith('file:') ? new URL(name) : name);
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (e) {
    throw new Error(`${what}: cannot read ${name} (${(e as Error).message})`);
  } finally {
    stream.destroy();
  }
}

/** Inflates gzip chunk by chunk through the standard DecompressionStream (browsers and Node ≥ 18). */
async function* gunzipChunks(chunks: AsyncIterator<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  const compressed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await chunks.return?.(undefined);
    },
  });
  const reader = compressed.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        throw new Error(`${name}: not a valid gzip file (${(e as Error).message})`);
      }
      if (step.done) return;
      yield step.value;
    }
  } finally {
    // Stops the inflation as soon as the consumer has seen enough (or too much).
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * The decoded chunks of a source: gunzipped on the fly when its first bytes are gzip's magic. The
 * consumer reads only as far as it needs, so a gzip bomb is never inflated past its declared size.
 */
export async function* byteChunks(source: BinarySource, what: string): AsyncGenerator<Uint8Array> {
  const name = source instanceof ArrayBuffer || ArrayBuffer.isView(source) ? what : String(source);
  const raw = rawChunks(source, what, name);
  // Enough leading bytes to recognise gzip.
  const head: Uint8Array[] = [];
  let headLength = 0;
  while (headLength < 2) {
    const { done, value } = await raw.next();
    if (done) break;
    head.push(value);
    headLength += value.length;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    yield* head;
    yield* raw;
  }
  const first = head[0] ?? new Uint8Array(0);
  const second = first.length > 1 ? first[1] : head[1]?.[0];
  const all = replay();
  if (first[0] === 0x1f && second === 0x8b) yield* gunzipChunks(all, name);
  else yield* all;
}

/** The source's name for error messages. */
export function sourceName(source: BinarySource, what: string): string {
  return source instanceof ArrayBuffer || ArrayBuffer.isView(source) ? what : String(source);
}

/** All decoded bytes of a source, refusing more than `maxBytes` (counted as they inflate). */
export async function readBytes(source: BinarySource, what: string, maxBytes = DEFAULT_MAX_BYTES): Promise<{ bytes: Uint8Array; name: string }> {
  const name = sourceName(source, what);
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of byteChunks(source, what)) {
    total += chunk.length;
    if (total > maxBytes) throw new Error(`${what}: ${name}: more than ${maxBytes} bytes (pass a larger maxBytes to read it)`);
    parts.push(chunk);
  }
  if (parts.length === 1) return { bytes: parts[0], name };
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, name };
}

/** Reads exact byte counts from a stream of chunks, holding at most one chunk beyond what was asked. */
export class ChunkReader {
  private pending: Uint8Array = new Uint8Array(0);

  constructor(private readonly chunks: AsyncGenerator<Uint8Array>) {}

  /** Fills `into` from the stream; returns how many bytes it got (fewer only at the end of the stream). */
  async read(into: Uint8Array): Promise<number> {
    let got = 0;
    while (got < into.length) {
      if (!this.pending.length) {
        const { done, value } = await this.chunks.next();
        if (done) break;
        this.pending = value;
      }
      const n = Math.min(this.pending.length, into.length - got);
      into.set(this.pending.subarray(0, n), got);
      this.pending = this.pending.subarray(n);
      got += n;
    }
    return got;
  }

  /** Whether the stream has no bytes left (reads at most one more chunk to tell). */
  async atEnd(): Promise<boolean> {
    while (!this.pending.length) {
      const { done, value } = await this.chunks.next();
      if (done) return true;
      this.pending = value;
    }
    return false;
  }

  /** Stops the stream (and any inflation behind it). */
  async close(): Promise<void> {
    await this.chunks.return(undefined);
  }
}
