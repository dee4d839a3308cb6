/** Instantiates an embedded WebAssembly module synchronously; null where WebAssembly or SIMD is missing. */
export function instantiate<E>(base64: string): (E & { memory: WebAssembly.Memory }) | null {
  if (typeof WebAssembly !== 'object') return null;
  try {
    const bin = atob(base64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, {
      env: { abort: () => { throw new Error('backend-cpu: a WebAssembly kernel aborted'); } },
    });
    return instance.exports as unknown as E & { memory: WebAssembly.Memory };
  } catch {
    return null;
  }
}

const PAGE = 65536;

/** A Float32Array view of a module's memory that grows on demand (views go stale on growth). */
export class Heap {
  f32: Float32Array;
  constructor(private readonly memory: WebAssembly.Memory) {
    this.f32 = new Float32Array(memory.buffer);
  }
  /** Makes sure `bytes` bytes exist, growing the memory and refreshing the view when needed. */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      this.memory.grow(Math.ceil((bytes - have) / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
    }
  }
}

/** The modules' own static data lives in their first 64 KiB page; buffers start after it. */
export const HEAP_BASE = 65536;
