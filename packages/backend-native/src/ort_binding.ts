/**
 * onnxruntime-node's synchronous native session (dist/binding.js). The package's public
 * InferenceSession.run only wraps this synchronous call in setImmediate; Soma's kernels are
 * synchronous, so the backend calls the binding directly. onnxruntime-node is pinned to an exact
 * version and test/binding.test.ts exercises this surface, so an upgrade that changes it fails in CI.
 */

export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array | BigInt64Array;
}

export interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: Record<string, unknown>): void;
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, null>, options: Record<string, unknown>): Record<string, OrtTensor>;
  /** Ends onnxruntime's profiling (enableProfiling) and returns the file it wrote. */
  endProfiling(): string;
  dispose(): void;
}

export interface Ort {
  readonly Tensor: new (type: string, data: Float32Array | Int32Array | Uint8Array, dims: readonly number[]) => OrtTensor;
  newSession(): NativeSession;
  readonly version: string;
}

let loaded: Promise<Ort> | null = null;

/** Loads onnxruntime-node once; rejects with the reason (missing package, unsupported platform). */
export function loadOrt(): Promise<Ort> {
  loaded ??= (async () => {
    const pkg = 'onnxruntime-node';
    const ort = (await import(/* @vite-ignore */ pkg)) as { default?: unknown } & Record<string, unknown>;
    const api = (ort.default ?? ort) as { Tensor: Ort['Tensor']; env: { versions?: { node?: string } } };
    const bindingModule = (await import(/* @vite-ignore */ `${pkg}/dist/binding.js`)) as { default?: unknown } & Record<string, unknown>;
    const b = (bindingModule.default ?? bindingModule) as { binding: { InferenceSession: new () => NativeSession }; initOrt(): void };
    if (typeof b.initOrt !== 'function' || typeof b.binding?.InferenceSession !== 'function') {
      throw new Error(`onnxruntime-node ${api.env?.versions?.node ?? '?'} does not expose the synchronous session this backend uses (dist/binding.js)`);
    }
    b.initOrt();
    return { Tensor: api.Tensor, newSession: () => new b.binding.InferenceSession(), version: api.env?.versions?.node ?? 'unknown' };
  })();
  return loaded;
}
