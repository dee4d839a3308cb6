import { jsGemm, type Gemm } from '../kernels/gemm';
import { GEMM_WASM_BASE64 } from './generated/gemm_wasm';

interface GemmExports {
  memory: WebAssembly.Memory;
  workspaceBytes(): number;
  gemm(m: number, n: number, k: number, a: number, transA: number, b: number, transB: number, c: number, accumulate: number, work: number): void;
}

/** The module's own static data lives in the first 64 KiB page; our buffers start after it. */
const BASE = 65536;
const PAGE = 65536;
/** Below this many multiply-adds, copying into wasm memory costs more than it saves. */
const SMALL = 16 * 16 * 16;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Instantiates the SIMD GEMM synchronously (the module is ~2 KB, under browsers' main-thread limit
 * for synchronous compilation). Returns null where WebAssembly or its SIMD proposal is missing, so
 * the backend falls back to the TypeScript GEMM.
 */
export function loadWasmGemm(): Gemm | null {
  if (typeof WebAssembly !== 'object') return null;
  let ex: GemmExports;
  try {
    const module = new WebAssembly.Module(decodeBase64(GEMM_WASM_BASE64));
    const instance = new WebAssembly.Instance(module, {
      env: { abort: () => { throw new Error('backend-cpu: WebAssembly GEMM aborted'); } },
    });
    ex = instance.exports as unknown as GemmExports;
  } catch {
    return null;
  }
  const work = BASE;
  const workBytes = ex.workspaceBytes();
  let heap = new Float32Array(ex.memory.buffer);

  const ensure = (bytes: number): void => {
    const have = ex.memory.buffer.byteLength;
    if (bytes > have) {
      ex.memory.grow(Math.ceil((bytes - have) / PAGE));
      heap = new Float32Array(ex.memory.buffer);
    }
  };

  return (m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate) => {
    if (m * n * k < SMALL) {
      jsGemm(m, n, k, a, aOff, transA, b, bOff, transB, c, cOff, accumulate);
      return;
    }
    const aPtr = work + workBytes;
    const bPtr = aPtr + m * k * 4;
    const cPtr = bPtr + k * n * 4;
    ensure(cPtr + m * n * 4);
    heap.set(a.subarray(aOff, aOff + m * k), aPtr >> 2);
    heap.set(b.subarray(bOff, bOff + k * n), bPtr >> 2);
    if (accumulate) heap.set(c.subarray(cOff, cOff + m * n), cPtr >> 2);
    ex.gemm(m, n, k, aPtr, transA ? 1 : 0, bPtr, transB ? 1 : 0, cPtr, accumulate ? 1 : 0, work);
    c.set(heap.subarray(cPtr >> 2, (cPtr >> 2) + m * n), cOff);
  };
}
