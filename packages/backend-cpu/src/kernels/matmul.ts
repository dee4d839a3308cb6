import type { KernelTensor } from '@soma/core';
import type { Gemm } from './gemm.js';
import { allocF32, f32 } from './storage.js';

export function matmul(gemm: Gemm, a: KernelTensor, b: KernelTensor, transA: boolean, transB: boolean): KernelTensor {
  const [ba, ar, ac] = a.shape;
  const [bb, br, bc] = b.shape;
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const n = transB ? br : bc;
  const batch = Math.max(ba, bb);
  const { values: c, t } = allocF32([batch, m, n], k > 0);
  const av = f32(a);
  const bv = f32(b);
  if (k === 0) return t;
  for (let i = 0; i < batch; i++) {
    gemm(m, n, k, av, ba === 1 ? 0 : i * m * k, transA, bv, bb === 1 ? 0 : i * k * n, transB, c, i * m * n, false);
  }
  return t;
}
