import { importNodeModule } from '@soma/core';
/** Bytes of a local file (Node), a URL (fetch), or bytes already in memory; gunzipped when they start with gzip's magic. */
export type BinarySource = string | URL | ArrayBuffer | Uint8Array;

export async function readBytes(source: BinarySource, what: string): Promise<{ bytes: Uint8Array; name: string }> {
  let bytes: Uint8Array;
  let name = what;
  if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (ArrayBuffer.isView(source)) bytes = source;
  else {
    name = String(source);
    if (/^(https?|blob|data):/.test(name) || typeof (globalThis as { window?: unknown }).window !== 'undefined') {
      const res = await fetch(name);
      if (!res.ok) throw new Error(`${what}: ${name}: HTTP ${res.status}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } else {
      const { readFile } = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
      try {
        bytes = new Uint8Array(await readFile(name.startsWith('file:') ? new URL(name) : name));
      } catch (e) {
        throw new Error(`${what}: cannot read ${name} (${(e as Error).message})`);
      }
    }
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes, name);
  return { bytes, name };
}

/** gzip via the standard DecompressionStream (browsers and Node ≥ 18), so no zlib dependency. */
async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${name}: not a valid gzip file (${(e as Error).message})`);
  }
}
