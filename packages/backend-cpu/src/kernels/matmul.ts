import type { KernelTensor } from '@soma/core';
import type { Gemm } from './gemm.js';
import { f32, out } from './storage.js';

export function matmul(gemm: Gemm, a: KernelTensor, b: KernelTensor, transA: boolean, transB: boolean): KernelTensor {
  const [ba, ar, ac] = a.shape;
  const [bb, br, bc] = b.shape;
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const n = transB ? br : bc;
  const batch = Math.max(ba, bb);
  const av = f32(a);
  const bv = f32(b);
  const c = new Float32Array(batch * m * n);
  if (k === 0) return out(c, [batch, m, n], 'float32');
  for (let i = 0; i < batch; i++) {
    gemm(m, n, k, av, ba === 1 ? 0 : i * m * k, transA, bv, bb === 1 ? 0 : i * k * n, transB, c, i * m * n, false);
  }
  return out(c, [batch, m, n], 'float32');
}
