// a·b + c on four lanes. Built twice (scripts/build-wasm.mjs): with relaxed SIMD this is one
// fused multiply-add where the hardware has it (x86 FMA3, every ARM64) — the micro-kernels issue
// half the arithmetic instructions — and two instructions, rounded twice, elsewhere.

// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
