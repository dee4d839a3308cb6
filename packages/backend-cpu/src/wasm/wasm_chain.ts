import type { ArithmeticOp, ElementwiseChain, UnaryOp } from '@soma/core';
import { ARITH_FNS, runOf, UNARY_FNS } from '../kernels/elementwise.js';
import type { WasmContext } from './context.js';
import { ARITH, BASIC_UNARY } from './wasm_elementwise.js';

/**
 * One chain step as assembly/chain.ts reads it, and its scalar definition for the last n mod 4
 * elements (the TypeScript kernels' own, whose bits the SIMD kernels match).
 */
interface Step {
  kind: number;
  op: number;
  args: readonly number[];
  params: readonly number[];
  scalar: (x: number, y: number) => number;
}

const TRANSCENDENTAL: Record<string, number> = { exp: 1, tanh: 2, sigmoid: 3 };

/** The chain's steps in assembly/chain.ts's terms, or null when a step has no SIMD kernel there. */
function stepsOf(chain: ElementwiseChain): Step[] | null {
  const steps: Step[] = [];
  for (const s of chain.steps) {
    const op = s.attrs.op as string;
    if (s.kernel === 'unary') {
      const basic = BASIC_UNARY[op as UnaryOp];
      const t = TRANSCENDENTAL[op];
      if (basic === undefined && t === undefined) return null;
      steps.push({ kind: basic === undefined ? t : 0, op: basic ?? 0, args: s.args, params: [], scalar: UNARY_FNS[op as UnaryOp] });
    } else if (s.kernel === 'binary') {
      const code = ARITH[op as ArithmeticOp];
      if (code === undefined) return null;
      steps.push({ kind: 4, op: code, args: s.args, params: [], scalar: ARITH_FNS[op as ArithmeticOp] });
    } else if (s.kernel === 'leakyRelu') {
      const alpha = s.attrs.alpha as number;
      steps.push({ kind: 5, op: 0, args: s.args, params: [alpha], scalar: (x) => (x > 0 ? x : alpha * x) });
    } else {
      const lo = Math.fround(s.attrs.min as number);
      const hi = Math.fround(s.attrs.max as number);
      steps.push({ kind: 6, op: 0, args: s.args, params: [lo, hi], scalar: (x) => (x < lo ? lo : x > hi ? hi : x) });
    }
  }
  return steps;
}

/** How an input meets the output: [mode, mid, inner] as assembly/chain.ts reads them, or null. */
function modeOf(shape: readonly number[], size: number, out: readonly number[], n: number): [number, number, number] | null {
  if (size === n) return [0, 0, 0];
  if (size === 1) return [1, 0, 0];
  const run = runOf(shape, out);
  if (!run) return null;
  const [, mid, inner] = run;
  if (inner === 1) return mid % 4 === 0 ? [3, mid, 1] : null;
  return inner % 4 === 0 ? [2, mid, inner] : null;
}

/**
 * Runs an elementwise chain in one pass (assembly/chain.ts): the vector body on the threads, the
 * last n mod 4 elements here through the scalar definitions the single kernels use for them, so
 * the result has the bits of the steps run one by one. False (nothing written) when a step or an
 * input's broadcast has no kernel there, or the output is under 16 elements (where the single
 * kernels run their TypeScript loops).
 */
export function wasmChain(cx: WasmContext): (inputs: readonly Float32Array[], shapes: readonly (readonly number[])[], chain: ElementwiseChain, dst: Float32Array) => boolean {
  const { ex, heap } = cx;
  return (inputs, shapes, chain, dst) => {
    const n = dst.length;
    const steps = n >= 16 ? stepsOf(chain) : null;
    if (!steps) return false;
    const modes = inputs.map((v, k) => modeOf(shapes[k], v.length, chain.shape, n));
    const addresses = inputs.map((v) => cx.addressOf(v));
    const out = cx.addressOf(dst);
    if (out < 0 || modes.some((m) => !m) || addresses.some((a) => a < 0)) return false;
    const blocks: [number, number][] = [];
    const block = (bytes: number) => {
      const b = heap.alloc(bytes);
      blocks.push(b);
      return b[0];
    };
    try {
      const prog = block(steps.length * 32);
      const words = new Int32Array(heap.buffer, prog, steps.length * 8);
      const floats = new Float32Array(heap.buffer, prog, steps.length * 8);
      const doubles = new Float64Array(heap.buffer, prog, steps.length * 4);
      steps.forEach((s, k) => {
        words.set([s.kind, s.op, s.args[0], s.args[1] ?? 0], k * 8);
        if (s.kind === 5) doubles[k * 4 + 2] = s.params[0];
        if (s.kind === 6) floats.set(s.params, k * 8 + 4);
      });
      const table = block(inputs.length * 16);
      const entries = new Int32Array(heap.buffer, table, inputs.length * 4);
      modes.forEach((m, k) => entries.set([addresses[k], ...m!], k * 4));
      const body = n - (n % 4);
      const threads = cx.threadsFor(body * steps.length, Math.ceil(body / 4096));
      const share = Math.ceil(body / threads / 512) * 512;
      const calls = [];
      for (let lo = 0; lo < body; lo += share) {
        calls.push({ fn: 'chainRun' as const, args: [prog, steps.length, table, out, lo, Math.min(body, lo + share), block(ex.chainScratchBytes(steps.length))] });
      }
      cx.run(calls);
      // The tail, step by step in float32 as the single kernels compute theirs.
      for (let i = body; i < n; i++) {
        const values: number[] = [];
        const arg = (a: number): number => {
          if (a >= 0) return values[a];
          const k = -a - 1;
          const [mode, mid, inner] = modes[k]!;
          const v = inputs[k];
          return mode === 0 ? v[i] : mode === 1 ? v[0] : mode === 2 ? v[Math.floor(i / inner) % mid] : v[i % mid];
        };
        for (const s of steps) values.push(Math.fround(s.scalar(arg(s.args[0]), s.args.length > 1 ? arg(s.args[1]) : 0)));
        dst[i] = values[values.length - 1];
      }
      return true;
    } finally {
      for (const [ptr, size] of blocks) heap.release(ptr, size);
    }
  };
}
