import { importNodeModule } from '@soma/core';
/**
 * Text sources, read as a stream of chunks: a local file (Node, streamed), a URL (fetch, streamed),
 * text or bytes already in memory, or any async iterable of text chunks.
 */
export type TextSource = string | URL | ArrayBuffer | Uint8Array | { text: string } | AsyncIterable<string>;

export async function* textChunks(source: TextSource, what: string): AsyncGenerator<string> {
  if (typeof source === 'object' && Symbol.asyncIterator in source) {
    yield* source as AsyncIterable<string>;
    return;
  }
  if (typeof source === 'object' && 'text' in source) {
    yield source.text;
    return;
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    yield new TextDecoder().decode(source);
    return;
  }
  const s = String(source);
  if (/^(https?|blob|data):/.test(s) || typeof (globalThis as { window?: unknown }).window !== 'undefined') {
    const res = await fetch(s);
    if (!res.ok || !res.body) throw new Error(`${what}: ${s}: HTTP ${res.status}`);
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield decoder.decode(value, { stream: true });
    }
    const tail = decoder.decode();
    if (tail) yield tail;
    return;
  }
  const { createReadStream } = await importNodeModule<typeof import('node:fs')>('node:fs');
  const stream = createReadStream(s.startsWith('file:') ? new URL(s) : s, { encoding: 'utf8' });
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (e) {
    throw new Error(`${what}: cannot read ${s} (${(e as Error).message})`);
  }
}

/**
 * The longest line (or CSV record) readers assemble by default: 2^27 characters (128 MiB of ASCII),
 * far below the 2^29 a JavaScript string can hold, so a file without line breaks or with an
 * unterminated quote ends in an error naming the file and line, not in `Invalid string length`.
 */
export const DEFAULT_MAX_LINE_LENGTH = 2 ** 27;

/** The maxLineLength option, checked. */
export function maxLineLengthOf(op: string, value: number | undefined): number {
  const n = value ?? DEFAULT_MAX_LINE_LENGTH;
  if (!(Number.isSafeInteger(n) && n > 0)) throw new Error(`${op}: maxLineLength must be a positive integer, got ${value}`);
  return n;
}

/** The error for a line past the limit. */
export function lineTooLong(op: string, file: string, line: number, limit: number, hint = ''): Error {
  return new Error(`${op}: ${file} line ${line} is longer than ${limit.toLocaleString('en-US')} characters (maxLineLength)${hint}`);
}
