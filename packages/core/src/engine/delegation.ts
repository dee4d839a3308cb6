import type { KernelAttrs, KernelFn, KernelInputs, KernelName, KernelTensor } from '../kernels/index.js';
import { getEngine } from './engine.js';

/** How often each backend handed each kernel to another backend: backend → kernel → { to, calls }. */
export type DelegationCounts = Record<string, Record<string, { to: string; calls: number }>>;

const KEY = Symbol.for('@soma/core/delegations');
type Global = typeof globalThis & { [KEY]?: DelegationCounts };
const counts = (): DelegationCounts => ((globalThis as Global)[KEY] ??= {});

/**
 * A kernel that backend `from` does not implement itself but runs on backend `to`: the inputs are
 * copied there, the kernel runs, and the result is copied back. A backend opts in explicitly, per
 * kernel (`conv2d = delegateKernel('native', 'conv2d', 'cpu')`), and every call is counted, so a
 * fallback is a documented exception, never a silent habit. Needs synchronous reads on `from`.
 */
export function delegateKernel<K extends KernelName>(from: string, kernel: K, to: string): KernelFn<K> {
  return (inputs: KernelInputs<K>, attrs: KernelAttrs<K>): KernelTensor => {
    const e = getEngine();
    const src = e.backendByName(from);
    const dst = e.backendByName(to);
    const list = inputs as readonly (KernelTensor | undefined)[];
    const there = list.map((kt) => (kt === undefined ? undefined : dst.write(src.readSync(kt.dataId), kt.shape, kt.dtype)));
    try {
      const out = (dst[kernel] as KernelFn<K>)(there as unknown as KernelInputs<K>, attrs);
      const back = src.write(dst.readSync(out.dataId), out.shape, out.dtype);
      dst.disposeData(out.dataId);
      const byKernel = (counts()[from] ??= {});
      (byKernel[kernel] ??= { to, calls: 0 }).calls++;
      return back;
    } finally {
      for (const kt of there) if (kt) dst.disposeData(kt.dataId);
    }
  };
}

/** Kernel calls each backend delegated, by kernel: `{ native: { conv2dBackpropFilter: { to: 'cpu', calls: 12 } } }`. */
export function delegatedKernels(): DelegationCounts {
  return structuredClone(counts());
}
