// A chain of elementwise kernels from a compiled graph (core's fusedElementwise) in one pass over
// the output: block by block, each step runs the same loop as its own kernel (elementwise.ts) on a
// block of the earlier steps' results, which stays in L1, and only the last step writes memory.
// So a chain gives its kernels' bits, reads its inputs once and writes one tensor.
//
// The program (src/wasm/wasm_chain.ts writes it): per step, 8 i32 words —
//   [0] kind: 0 unaryBasic, 1 exp, 2 tanh, 3 sigmoid, 4 binary, 5 leakyRelu, 6 clip
//   [1] the unaryBasic or binary op code   [2] a, [3] b: ≥ 0 an earlier step, < 0 input −a−1
//   [4..5] leakyRelu's alpha (f64) | clip's lo (f32 at [4]) and hi (f32 at [5])
// Per input, 4 words: [address, mode, mid, inner], mode 0 one value per element, 1 one value,
// 2 one value per run of `inner` elements, cycling over `mid` (a per-channel operand; inner a
// multiple of 4), 3 `mid` values repeated along the output (a row vector; mid a multiple of 4).
import { binary, clip, exp, leakyRelu, sigmoid, tanh, unaryBasic } from './elementwise';

/** Floats per block: a block of every step's results stays in L1 while the next step reads it. */
const BLOCK: i32 = 512;

/** Bytes of scratch one thread needs for a chain of `steps`: a block per step and two for broadcast operands. */
export function chainScratchBytes(steps: i32): i32 {
  return (steps + 2) * BLOCK * 4;
}

/** Output elements [lo, hi) of the chain (both multiples of 4). */
export function chainRun(prog: usize, steps: i32, inputs: usize, out: usize, lo: i32, hi: i32, scratch: usize): void {
  for (let b0 = lo; b0 < hi; b0 += BLOCK) {
    const len = min(BLOCK, hi - b0);
    for (let s = 0; s < steps; s++) {
      const rec = prog + (<usize>s << 5);
      const kind = load<i32>(rec);
      const op = load<i32>(rec, 4);
      const dst = s == steps - 1 ? out + (<usize>b0 << 2) : slot(scratch, s);
      const a = operand(load<i32>(rec, 8), inputs, scratch, b0, len, steps);
      if (kind == 4) binary(op, a, operand(load<i32>(rec, 12), inputs, scratch, b0, len, steps + 1), dst, len);
      else if (kind == 0) unaryBasic(op, a, dst, len);
      else if (kind == 1) exp(a, dst, len);
      else if (kind == 2) tanh(a, dst, len);
      else if (kind == 3) sigmoid(a, dst, len);
      else if (kind == 5) leakyRelu(a, dst, len, load<f64>(rec, 16));
      else clip(a, dst, len, load<f32>(rec, 16), load<f32>(rec, 20));
    }
  }
}

// @ts-ignore: decorator
@inline
function slot(scratch: usize, k: i32): usize {
  return scratch + (<usize>(k * BLOCK) << 2);
}

/** The address of operand `ref`'s block at b0: in place for steps and full inputs, else spread into scratch slot `tmp`. */
function operand(ref: i32, inputs: usize, scratch: usize, b0: i32, len: i32, tmp: i32): usize {
  if (ref >= 0) return slot(scratch, ref);
  const rec = inputs + (<usize>(-ref - 1) << 4);
  const ptr = <usize>load<u32>(rec);
  const mode = load<i32>(rec, 4);
  if (mode == 0) return ptr + (<usize>b0 << 2);
  const dst = slot(scratch, tmp);
  const mid = load<i32>(rec, 8);
  if (mode == 1) {
    const v = v128.load32_splat(ptr);
    for (let i = 0; i < len; i += 4) v128.store(dst + (<usize>i << 2), v);
  } else if (mode == 2) {
    const inner = load<i32>(rec, 12);
    let c = (b0 / inner) % mid;
    let r = b0 % inner;
    let v = v128.load32_splat(ptr + (<usize>c << 2));
    for (let i = 0; i < len; i += 4) {
      v128.store(dst + (<usize>i << 2), v);
      r += 4;
      if (r == inner) {
        r = 0;
        if (++c == mid) c = 0;
        v = v128.load32_splat(ptr + (<usize>c << 2));
      }
    }
  } else {
    let k = b0 % mid;
    for (let i = 0; i < len; i += 4) {
      v128.store(dst + (<usize>i << 2), v128.load(ptr + (<usize>k << 2)));
      k += 4;
      if (k == mid) k = 0;
    }
  }
  return dst;
}
