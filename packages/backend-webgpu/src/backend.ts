/// <reference types="@webgpu/types" preserve="true" />
import type { Backend, DataId, DType, ElementwiseChain, FusedUpdateAttrs, KernelFn, KernelTensor, Shape, TypedArray } from '@soma/core';
import { sizeOf } from '@soma/core';
import { BufferPool } from './buffer_pool.js';
import type { AcquiredDevice } from './gpu_device.js';
import * as ew from './kernels/elementwise.js';
import { fusedElementwise } from './kernels/fused_elementwise.js';
import { fusedUpdate } from './kernels/fused_update.js';
import { softmax as softmaxKernel } from './kernels/softmax.js';
import * as gemm from './kernels/gemm.js';
import * as pool from './kernels/pool.js';
import * as red from './kernels/reduce.js';
import * as shp from './kernels/shape_ops.js';
import type { Program, ProgramRunner } from './program.js';

/** The webgpu backend's storage handle: a pooled GPU buffer (4 bytes per element, bool as 0/1). */
export interface GpuData {
  buffer: GPUBuffer | null;
  readonly bytes: number;
  readonly dtype: DType;
}

/** Options of the webgpu backend: how many dispatches go in one submission, and how many bytes of freed buffers are kept for reuse. */
export interface WebGPUBackendOptions {
  /** Dispatches encoded before a submission is forced (default 64). */
  maxDispatchesPerSubmit?: number;
  /** Freed GPU memory kept for reuse before buffers are destroyed (default 2 GiB). */
  maxPooledBytes?: number;
}

const MAP_READ = 0x1;
const MAX_CONSTANTS = 256;

/** What each device-side error flag means (see `raise` in wgsl.ts). */
const DEVICE_ERRORS: Record<number, (a: number, b: number) => string> = {
  1: (a, b) => `gather: index ${a} is out of range for an axis of size ${b}`,
  2: (a, b) => `scatterAdd: index ${a} is out of range for an axis of size ${b}`,
  3: () => 'floorDiv: integer division by zero',
  4: () => 'mod: integer division by zero',
};

/** GPU words to the dtype's host array (bool words become bytes). */
function fromWords(words: ArrayBuffer, dtype: DType): TypedArray {
  if (dtype === 'float32') return new Float32Array(words);
  if (dtype === 'int32') return new Int32Array(words);
  return Uint8Array.from(new Int32Array(words), (v) => (v !== 0 ? 1 : 0));
}
const COPY_DST = 0x8;

/**
 * The webgpu backend: tensors live in GPU buffers; kernels are WGSL compute shaders whose
 * pipelines are compiled once per shader key. Dispatches are batched into one command encoder and
 * submitted together; reading a tensor is asynchronous (`data()`), as WebGPU only maps buffers
 * asynchronously.
 */
export class WebGPUBackend implements Backend, ProgramRunner {
  readonly name: string;
  /** WebGPU maps buffers only asynchronously: `dataSync()` throws, `data()` works. */
  readonly syncReads = false;
  readonly device: GPUDevice;
  readonly adapterInfo: string;
  readonly source: string;
  /** Held so the GPU instance lives as long as the backend (Dawn frees devices with it). */
  readonly gpu: GPU;
  private readonly pool: BufferPool;
  /** `[code, a, b, 0]`: the first error a kernel found on the device, read with every readback. */
  private readonly flags: GPUBuffer;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly constants = new Map<string, KernelTensor>();
  private readonly layouts = new Map<string, { bind: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private encoded = 0;
  private readonly maxDispatches: number;
  private flushScheduled = false;
  private lostMessage: string | null = null;
  private errorMessage: string | null = null;
  private readonly stats = { uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, dispatches: 0, submissions: 0, pipelinesCompiled: 0, fusedUpdates: 0, fusedChains: 0 };

  /** @internal Made by `createWebGPUBackend` (or registered as 'webgpu' on import). */
  constructor(name: string, acquired: AcquiredDevice, options: WebGPUBackendOptions = {}) {
    this.name = name;
    this.device = acquired.device;
    this.adapterInfo = acquired.adapterInfo;
    this.source = acquired.source;
    this.gpu = acquired.gpu;
    this.pool = new BufferPool(this.device, options.maxPooledBytes);
    this.flags = this.device.createBuffer({ size: 16, usage: 0x80 | 0x4 | 0x8 });
    this.maxDispatches = options.maxDispatchesPerSubmit ?? 64;
    void this.device.lost.then((info) => {
      this.lostMessage = `the GPU device was lost (${info.reason ?? 'unknown'}): ${info.message}`;
    });
    this.device.addEventListener('uncapturederror', (ev) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      this.errorMessage ??= `${err.constructor?.name ?? 'GPUError'}: ${err.message}`;
    });
  }

  // ---- storage
  write(values: TypedArray, shape: Shape, dtype: DType): KernelTensor {
    this.checkHealthy('upload');
    const data = values instanceof Uint8Array ? Int32Array.from(values) : values;
    const bytes = data.length * 4;
    this.checkSize(bytes, shape, dtype);
    const buffer = this.pool.acquire(bytes);
    // Safe without a flush: pooled buffers are never referenced by the unsubmitted encoder.
    if (bytes > 0) this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, bytes);
    this.stats.uploads++;
    this.stats.uploadBytes += bytes;
    return { dataId: { buffer, bytes, dtype } satisfies GpuData, shape, dtype };
  }

  /** Copies the values out now (encoded and submitted before this returns), then maps them. */
  read(dataId: DataId): Promise<TypedArray> {
    const d = dataId as GpuData;
    this.checkHealthy('read');
    if (!d.buffer) throw new Error('webgpu: read of a disposed tensor');
    const bytes = d.bytes;
    this.stats.readbacks++;
    this.stats.readbackBytes += bytes;
    // The values, then the error flags, in one staging buffer.
    const at = Math.ceil(bytes / 16) * 16;
    const staging = this.device.createBuffer({ size: at + 16, usage: MAP_READ | COPY_DST });
    this.endPass();
    if (bytes > 0) this.commandEncoder().copyBufferToBuffer(d.buffer, 0, staging, 0, bytes);
    this.commandEncoder().copyBufferToBuffer(this.flags, 0, staging, at, 16);
    this.flush();
    return staging.mapAsync(MAP_READ).then(
      () => {
        const copy = staging.getMappedRange(0, bytes).slice(0);
        const [code, a, b] = new Int32Array(staging.getMappedRange(at, 16));
        staging.unmap();
        staging.destroy();
        if (code !== 0) {
          this.device.queue.writeBuffer(this.flags, 0, new Int32Array(4));
          const what = DEVICE_ERRORS[code]?.(a, b) ?? `device error code ${code}`;
          throw new Error(`${what} (found on the GPU by an earlier kernel; WebGPU reports it at the next read)`);
        }
        return fromWords(copy, d.dtype);
      },
      (e: Error) => {
        if (staging.mapState !== 'unmapped') staging.unmap();
        staging.destroy();
        throw new Error(`webgpu: reading a tensor back failed: ${this.lostMessage ?? this.errorMessage ?? e.message}`);
      },
    );
  }

  readSync(_dataId: DataId): TypedArray {
    throw new Error(
      `backend '${this.name}': dataSync()/arraySync() cannot read a GPU tensor synchronously (WebGPU maps buffers asynchronously); ` +
      'use await tensor.data() or await tensor.array()',
    );
  }

  /**
   * Returns the tensor's GPU buffer to the pool once queued work that uses it has been submitted.
   */
  disposeData(dataId: DataId): void {
    const d = dataId as GpuData;
    if (!d.buffer) return;
    this.pool.release(d.buffer);
    d.buffer = null;
  }

  memoryInfo(): Record<string, number> {
    return {
      gpuBytesInUse: this.pool.bytesInUse,
      gpuBytesPooled: this.pool.bytesPooled,
      gpuBuffersCreated: this.pool.buffersCreated,
      ...this.stats,
    };
  }

  destroy(): void {
    this.flush();
    this.pool.drain();
    this.device.destroy();
  }

  // ---- running programs
  /** @internal Runs one compiled WGSL program; the kernels call it. */
  run(program: Program, inputs: readonly KernelTensor[], shape: Shape, dtype: DType, init?: KernelTensor | 'zeros'): KernelTensor {
    this.checkHealthy(program.key);
    const n = sizeOf(shape);
    const out = this.allocate(shape, dtype);
    const outBuffer = (out.dataId as GpuData).buffer!;
    if (init !== undefined && n > 0) {
      this.endPass();
      if (init === 'zeros') this.commandEncoder().clearBuffer(outBuffer, 0, n * 4);
      else this.commandEncoder().copyBufferToBuffer(this.bufferOf(init, program.key), 0, outBuffer, 0, n * 4);
    }
    if (n === 0) return out;
    this.runInto(program, inputs, out);
    return out;
  }

  /** @internal Runs one compiled WGSL program into an existing tensor. */
  runInto(program: Program, inputs: readonly KernelTensor[], target: KernelTensor): void {
    this.dispatch(program, inputs, [target]);
  }

  /** @internal Runs one compiled WGSL program with several outputs. */
  runMulti(program: Program, inputs: readonly KernelTensor[], outputs: readonly { shape: Shape; dtype: DType }[]): KernelTensor[] {
    this.checkHealthy(program.key);
    const outs = outputs.map((o) => this.allocate(o.shape, o.dtype));
    if (outputs.some((o) => sizeOf(o.shape) > 0)) this.dispatch(program, inputs, outs);
    return outs;
  }

  private dispatch(program: Program, inputs: readonly KernelTensor[], targets: readonly KernelTensor[]): void {
    if (program.workgroups.some((g) => g === 0)) return;
    const pipeline = this.pipeline(program, inputs.length, targets.length);
    const meta = Int32Array.from(program.meta.length > 0 ? program.meta : [0]);
    const metaBuffer = this.pool.acquire(meta.byteLength);
    this.device.queue.writeBuffer(metaBuffer, 0, meta);
    const entries: GPUBindGroupEntry[] = inputs.map((t, i) => ({ binding: i, resource: { buffer: this.bufferOf(t, program.key) } }));
    targets.forEach((t, k) => entries.push({ binding: inputs.length + k, resource: { buffer: this.bufferOf(t, program.key) } }));
    const n = inputs.length + targets.length;
    entries.push({ binding: n, resource: { buffer: metaBuffer } });
    entries.push({ binding: n + 1, resource: { buffer: this.flags } });
    const bindGroup = this.device.createBindGroup({ layout: this.layout(inputs.length, targets.length).bind, entries });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(program.workgroups[0], program.workgroups[1], program.workgroups[2]);
    this.pool.release(metaBuffer);
    this.stats.dispatches++;
    if (++this.encoded >= this.maxDispatches) this.flush();
    else this.scheduleFlush();
  }

  constant(key: string, build: () => Int32Array): KernelTensor {
    let t = this.constants.get(key);
    if (t) {
      // Most recently used last, so the oldest goes first when the cache is full.
      this.constants.delete(key);
    } else {
      const values = build();
      t = this.write(values, [values.length], 'int32');
      if (this.constants.size >= MAX_CONSTANTS) {
        const [oldest, old] = this.constants.entries().next().value as [string, KernelTensor];
        this.constants.delete(oldest);
        this.disposeData(old.dataId);
      }
    }
    this.constants.set(key, t);
    return t;
  }

  dispose(t: KernelTensor): void {
    this.disposeData(t.dataId);
  }

  empty(shape: Shape, dtype: DType): KernelTensor {
    return this.allocate(shape, dtype);
  }

  copy(x: KernelTensor, shape: Shape = x.shape, dtype: DType = x.dtype): KernelTensor {
    const out = this.allocate(shape, dtype);
    const bytes = sizeOf(shape) * 4;
    if (bytes > 0) {
      this.endPass();
      this.commandEncoder().copyBufferToBuffer(this.bufferOf(x, 'copy'), 0, (out.dataId as GpuData).buffer!, 0, bytes);
      this.scheduleFlush();
    }
    return out;
  }

  /** Submits everything encoded so far. */
  flush(): void {
    this.endPass();
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.stats.submissions++;
    }
    this.encoded = 0;
    this.pool.recycle();
  }

  /** Resolves when the GPU has finished all submitted work (for benchmarks). */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.checkHealthy('sync');
  }

  private allocate(shape: Shape, dtype: DType): KernelTensor {
    const bytes = sizeOf(shape) * 4;
    this.checkSize(bytes, shape, dtype);
    const buffer = this.pool.acquire(bytes);
    return { dataId: { buffer, bytes, dtype } satisfies GpuData, shape, dtype };
  }

  /** A tensor larger than one storage binding can never run; say so before the GPU refuses it. */
  private checkSize(bytes: number, shape: Shape, dtype: DType): void {
    const limit = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    if (bytes > limit) {
      throw new Error(`webgpu: a ${dtype} tensor of shape [${shape.join(', ')}] needs ${bytes} bytes, more than this GPU's largest storage buffer (${limit} bytes); split the work or use another backend`);
    }
  }

  private bufferOf(t: KernelTensor, what: string): GPUBuffer {
    const b = (t.dataId as GpuData).buffer;
    if (!b) throw new Error(`webgpu ${what}: an input tensor was already disposed`);
    return b;
  }

  private commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.commandEncoder().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Work encoded by synchronous code reaches the GPU as soon as that code yields.
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private layout(numInputs: number, numOutputs = 1): { bind: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
    const key = `${numInputs}:${numOutputs}`;
    let l = this.layouts.get(key);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      for (let i = 0; i < numInputs; i++) entries.push({ binding: i, visibility: 4, buffer: { type: 'read-only-storage' } });
      for (let k = 0; k < numOutputs; k++) entries.push({ binding: numInputs + k, visibility: 4, buffer: { type: 'storage' } });
      entries.push({ binding: numInputs + numOutputs, visibility: 4, buffer: { type: 'read-only-storage' } });
      entries.push({ binding: numInputs + numOutputs + 1, visibility: 4, buffer: { type: 'storage' } });
      const bind = this.device.createBindGroupLayout({ entries });
      l = { bind, pipeline: this.device.createPipelineLayout({ bindGroupLayouts: [bind] }) };
      this.layouts.set(key, l);
    }
    return l;
  }

  private pipeline(program: Program, numInputs: number, numOutputs: number): GPUComputePipeline {
    const key = `${numInputs}:${numOutputs}|${program.key}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: program.shader(), label: program.key });
      p = this.device.createComputePipeline({ layout: this.layout(numInputs, numOutputs).pipeline, compute: { module, entryPoint: 'main' }, label: program.key });
      this.pipelines.set(key, p);
      this.stats.pipelinesCompiled++;
    }
    return p;
  }

  private checkHealthy(what: string): void {
    if (this.lostMessage) throw new Error(`webgpu ${what}: ${this.lostMessage}`);
    if (this.errorMessage) {
      const m = this.errorMessage;
      this.errorMessage = null;
      throw new Error(`webgpu ${what}: the GPU reported an error: ${m}`);
    }
  }

  // ---- kernels, in the form of core's kernel table
  readonly unary: KernelFn<'unary'> = ([x], { op }) => ew.unary(this, op, x);
  readonly binary: KernelFn<'binary'> = ([a, b], { op }) => ew.binary(this, op, a, b);
  readonly where: KernelFn<'where'> = ([c, a, b]) => ew.where(this, c, a, b);
  readonly clip: KernelFn<'clip'> = ([x], { min, max }) => ew.clip(this, x, min, max);
  readonly cast: KernelFn<'cast'> = ([x], { to }) => ew.cast(this, x, to);
  readonly leakyRelu: KernelFn<'leakyRelu'> = ([x], { alpha }) => ew.leakyRelu(this, x, alpha);

  readonly reduce: KernelFn<'reduce'> = ([x], { op, axes }) => red.reduce(this, op, x, axes);
  readonly argReduce: KernelFn<'argReduce'> = ([x], { op, axis }) => red.argReduce(this, op, x, axis);

  readonly matmul: KernelFn<'matmul'> = ([a, b], { transA, transB }) => gemm.matmul(this, a, b, transA, transB);
  readonly conv2d: KernelFn<'conv2d'> = ([x, w, bias], attrs) => gemm.conv2d(this, x, w, bias, attrs);
  readonly conv2dBackpropInput: KernelFn<'conv2dBackpropInput'> = ([dy, w], attrs) => gemm.conv2dBackpropInput(this, dy, w, attrs);
  readonly conv2dBackpropFilter: KernelFn<'conv2dBackpropFilter'> = ([x, dy], attrs) => gemm.conv2dBackpropFilter(this, x, dy, attrs);
  readonly maxPool2d: KernelFn<'maxPool2d'> = ([x], attrs) => pool.maxPool2d(this, x, attrs);
  readonly avgPool2d: KernelFn<'avgPool2d'> = ([x], attrs) => pool.avgPool2d(this, x, attrs);
  readonly maxPool2dGrad: KernelFn<'maxPool2dGrad'> = ([dy, x], attrs) => pool.maxPool2dGrad(this, dy, x, attrs);
  readonly avgPool2dGrad: KernelFn<'avgPool2dGrad'> = ([dy], attrs) => pool.avgPool2dGrad(this, dy, attrs);

  readonly transpose: KernelFn<'transpose'> = ([x], { perm }) => shp.transpose(this, x, perm);
  readonly stridedSlice: KernelFn<'stridedSlice'> = ([x], a) => shp.stridedSlice(this, x, a.begin, a.steps, a.outShape);
  readonly pad: KernelFn<'pad'> = ([x], { pads, value }) => shp.pad(this, x, pads, value);
  readonly concat: KernelFn<'concat'> = (xs, { axis }) => shp.concat(this, xs, axis);
  readonly gather: KernelFn<'gather'> = ([x, idx], { axis }) => shp.gather(this, x, idx, axis);
  readonly scatterAdd: KernelFn<'scatterAdd'> = ([x, idx, upd], { axis }) => shp.scatterAdd(this, x, idx, upd, axis);
  readonly tile: KernelFn<'tile'> = ([x], { repeats }) => shp.tile(this, x, repeats);
  readonly topK: KernelFn<'topK'> = ([x], { k, largest }) => shp.topK(this, x, k, largest);

  /**
   * Runs a chain of float32 elementwise kernels as one WGSL program (graph fusion); null when the
   * chain does not fit one.
   */
  fusedElementwise(inputs: readonly KernelTensor[], chain: ElementwiseChain): KernelTensor | null {
    const out = fusedElementwise(this, inputs, chain);
    if (out) this.stats.fusedChains++;
    return out;
  }

  /**
   * Softmax or log-softmax along one axis in one program (max, sum of exponentials and output per
   * row).
   */
  softmax([x]: readonly [KernelTensor], { axis, log }: { readonly axis: number; readonly log: boolean }): KernelTensor {
    return softmaxKernel(this, x, axis, log);
  }

  fusedUpdate(inputs: readonly KernelTensor[], attrs: FusedUpdateAttrs): KernelTensor[] {
    this.stats.fusedUpdates++;
    return fusedUpdate(this, inputs, attrs);
  }
}
