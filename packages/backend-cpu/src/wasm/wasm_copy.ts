import type { TypedArray } from '@soma/core';
import type { WasmContext } from './context.js';

/**
 * dst[dstBase + Σ idx[d]·dstStep[d]] = src[srcBase + Σ idx[d]·srcStep[d]] over every index of
 * `shape` (steps in elements; a step of 0 repeats, a negative one reads backwards). False, doing
 * nothing, where it has no kernel for the arrays: the caller's loop runs then.
 */
export type StridedCopy = (
  src: TypedArray, srcBase: number, srcStep: readonly number[],
  dst: TypedArray, dstBase: number, dstStep: readonly number[], shape: readonly number[],
) => boolean;

/** Below this many elements the TypeScript loop costs less than the call. */
const MIN_ELEMENTS = 4096;
/** Axes the merged shape may keep (the dims block holds four runs of this many i32). */
const MAX_RANK = 16;

/**
 * assembly/copy.ts's copyStrided for 4-byte arrays on the heap (float32, int32). Axes that both
 * sides step over contiguously merge first, and axes of size 1 drop, so a channel pad of NCHW is
 * one block copy per image.
 */
export function wasmCopy(cx: WasmContext): StridedCopy {
  // One dims block per thread: copyStrided keeps its running index there.
  const blocks: number[] = [];
  const blockBytes = 4 * MAX_RANK * 4;
  return (src, srcBase, srcStep, dst, dstBase, dstStep, shape) => {
    if (src.BYTES_PER_ELEMENT !== 4 || dst.BYTES_PER_ELEMENT !== 4) return false;
    if (!cx.heap.owns(src.buffer) || !cx.heap.owns(dst.buffer)) return false;
    let count = 1;
    for (const d of shape) count *= d;
    if (count < MIN_ELEMENTS) return false;
    const n: number[] = [];
    const ss: number[] = [];
    const ds: number[] = [];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (shape[d] === 1) continue;
      if (n.length > 0 && srcStep[d] === ss[0] * n[0] && dstStep[d] === ds[0] * n[0]) n[0] *= shape[d];
      else {
        n.unshift(shape[d]);
        ss.unshift(srcStep[d]);
        ds.unshift(dstStep[d]);
      }
    }
    if (n.length === 0) n.push(1), ss.push(1), ds.push(1);
    if (n.length > MAX_RANK) return false;
    // Threads take equal ranges of the outermost axis (a pad's images, a whole block's elements):
    // a copy of a few MB is worth the wake-up, and the cores' caches fill side by side.
    const threads = cx.threadsFor(count, n[0]);
    while (blocks.length < threads) blocks.push(cx.heap.alloc(blockBytes)[0]);
    const calls = [];
    for (let t = 0; t < threads; t++) {
      const from = Math.floor((n[0] * t) / threads);
      const to = Math.floor((n[0] * (t + 1)) / threads);
      const view = new Int32Array(cx.heap.buffer, blocks[t], 3 * n.length);
      view.set(n, 0);
      view[0] = to - from;
      view.set(ss, n.length);
      view.set(ds, 2 * n.length);
      calls.push({ fn: 'copyStrided' as const, args: [src.byteOffset, srcBase + from * ss[0], dst.byteOffset, dstBase + from * ds[0], blocks[t], n.length] });
    }
    cx.run(calls);
    return true;
  };
}
