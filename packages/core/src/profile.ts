import { bytesPerElement } from './dtype.js';
import { getEngine, type DispatchedKernel, type KernelCall } from './engine/engine.js';
import { sizeOf } from './shape.js';

/** One kernel (and, for the elementwise and reduction families, one op of it) over a profiled run. */
export interface KernelProfile {
  /** The kernel's name, with the op for families: 'conv2d', 'unary.exp', 'binary.add', 'reduce.sum'. */
  readonly name: string;
  readonly kernel: DispatchedKernel;
  readonly calls: number;
  /** Host wall time inside the kernel: exact for synchronous backends (cpu); GPU backends report submission time. */
  readonly timeMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/**
 * What `soma.profile(fn)` returns: fn's result, per-kernel calls, time and bytes, and the memory fn
 * kept.
 */
export interface ProfileInfo<T> {
  readonly result: T;
  /** Per kernel, the most time-consuming first. */
  readonly kernels: readonly KernelProfile[];
  readonly kernelCalls: number;
  readonly kernelMs: number;
  /** Wall time of the whole function. */
  readonly wallMs: number;
  /** Tensors and bytes alive after minus before (what fn kept). */
  readonly newTensors: number;
  readonly newBytes: number;
  /** Most bytes held by all backends at any kernel boundary during the run. */
  readonly peakBytes: number;
}

const bytesOf = (t: { shape: readonly number[]; dtype: Parameters<typeof bytesPerElement>[0] }) => sizeOf(t.shape) * bytesPerElement(t.dtype);

function profileName(call: KernelCall): string {
  const op = (call.attrs as { op?: unknown }).op;
  return typeof op === 'string' ? `${call.kernel}.${op}` : call.kernel;
}

/**
 * Runs `fn` (sync or async) and reports every kernel it ran through the dispatch point: calls,
 * time and bytes per kernel, plus tensors and bytes it left behind and the peak. Nested and
 * concurrent profiles each see all kernel calls made while they run.
 *
 * ```ts
 * const { kernels } = await soma.profile(() => model.trainOnBatch(x, y));
 * console.log(soma.formatProfile(kernels));
 * ```
 */
export async function profile<T>(fn: () => T | Promise<T>): Promise<ProfileInfo<Awaited<T>>> {
  const e = getEngine();
  const byName = new Map<string, { kernel: DispatchedKernel; calls: number; timeMs: number; bytesIn: number; bytesOut: number }>();
  const before = e.memory();
  let peakBytes = before.numBytes;
  let kernelCalls = 0;
  let kernelMs = 0;
  const stop = e.observeKernels({
    timed: true,
    onKernel(call) {
      const name = profileName(call);
      let p = byName.get(name);
      if (!p) byName.set(name, (p = { kernel: call.kernel, calls: 0, timeMs: 0, bytesIn: 0, bytesOut: 0 }));
      p.calls++;
      p.timeMs += call.ms;
      p.bytesIn += call.inputs.reduce((a, t) => a + bytesOf(t), 0);
      p.bytesOut += call.outputs.reduce((a, t) => a + bytesOf(t), 0);
      kernelCalls++;
      kernelMs += call.ms;
      peakBytes = Math.max(peakBytes, e.totalBytes());
    },
  });
  const t0 = performance.now();
  let result: Awaited<T>;
  try {
    result = await fn();
  } finally {
    stop();
  }
  const wallMs = performance.now() - t0;
  const after = e.memory();
  const kernels = [...byName].map(([name, p]) => ({ name, ...p })).sort((a, b) => b.timeMs - a.timeMs);
  return { result, kernels, kernelCalls, kernelMs, wallMs, newTensors: after.numTensors - before.numTensors, newBytes: after.numBytes - before.numBytes, peakBytes };
}

/** A text table of kernel profiles (time, calls, bytes), `per` runs averaged (e.g. training steps). */
export function formatProfile(kernels: readonly KernelProfile[], options: { per?: number; top?: number } = {}): string {
  const per = options.per ?? 1;
  const rows = kernels.slice(0, options.top ?? kernels.length);
  const mb = (b: number) => (b / per / 2 ** 20).toFixed(2);
  return [
    `${'ms'.padStart(9)} ${'calls'.padStart(7)} ${'MB in'.padStart(8)} ${'MB out'.padStart(8)}  kernel`,
    ...rows.map((k) => `${(k.timeMs / per).toFixed(2).padStart(9)} ${String(Math.round((k.calls / per) * 10) / 10).padStart(7)} ${mb(k.bytesIn).padStart(8)} ${mb(k.bytesOut).padStart(8)}  ${k.name}`),
  ].join('\n');
}
