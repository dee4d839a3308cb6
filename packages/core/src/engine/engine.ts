import { bytesPerElement, type DType, type TypedArray } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import type { Backend, KernelTensor, DataId, KernelAttrs, KernelInputs, KernelName, FusedUpdateAttrs, OptionalKernelName } from '../kernels/index.js';
import { defaultBody, isOptionalKernel } from '../kernels/registry.js';
import { sizeOf, type Shape } from '../shape.js';
import { Tensor, type TensorCell } from '../tensor.js';
import { Tape, type BackwardFn } from './tape.js';

/**
 * Makes a backend when it is first selected: `registerBackend(name, factory)`; may be async (a GPU
 * adapter, a worker pool).
 */
export type BackendFactory = () => Backend | Promise<Backend>;

interface Registration {
  readonly factory: BackendFactory;
  readonly priority: number;
  instance?: Backend;
  pending?: Promise<Backend>;
}

interface DataRecord {
  readonly backend: Backend;
  refs: number;
  readonly bytes: number;
}

/**
 * One backend's share of `soma.memory()`: its tensors and bytes, plus what the backend itself
 * reports (heap, pools, threads).
 */
export interface BackendMemory {
  numTensors: number;
  numBytes: number;
  [counter: string]: number;
}

/**
 * What `soma.memory()` reports: live tensors and bytes in total, per backend, and what the
 * garbage-collection safety net reclaimed.
 */
export interface MemoryInfo {
  /** Live tensor handles (views such as reshape results count once each). */
  numTensors: number;
  /** Distinct storage buffers held by backends. */
  numDataBuffers: number;
  numBytes: number;
  /** Tensors that were garbage-collected without dispose() and freed by the safety net. */
  numReclaimed: number;
  backends: Record<string, BackendMemory>;
}

interface Scope {
  readonly tensors: Tensor[];
}

/** What the dispatch point runs: the registry's kernels, and the multi-output optimizer update. */
export type DispatchedKernel = KernelName | 'fusedUpdate';

/** One kernel call as the dispatch point saw it; what profile() and trace() are told. */
export interface KernelCall {
  readonly kernel: DispatchedKernel;
  readonly inputs: readonly Tensor[];
  readonly attrs: object;
  /** The first (usually only) output. */
  readonly output: Tensor;
  readonly outputs: readonly Tensor[];
  /** The backend that ran it. */
  readonly backend: string;
  /** Wall time of the kernel call on the host, when an observer asked for timing (else 0). */
  readonly ms: number;
}

/** Watches kernel calls (profiler, tracer). `timed` observers make the dispatch read the clock. */
export interface KernelObserver {
  readonly timed: boolean;
  /**
   * A tracer: it turns the calls into a graph that runs again later, so kernels whose attributes
   * hold one run's numbers (the fused optimizer update) stand aside for the plain kernels.
   */
  readonly records?: boolean;
  /**
   * Sees an optional kernel the backend lacks as one call, not the kernels of its default body
   * (an exporter's trace: the ONNX emitter writes BatchNormalization, Softmax, … as one node).
   */
  readonly wholeOptionalKernels?: boolean;
  /**
   * Called once per kernel run, after it ran, with its name, inputs, attributes and (if timed) its
   * duration.
   */
  onKernel(call: KernelCall): void;
  /** A new handle on existing storage with another shape (reshape, stopGradient): no kernel runs. */
  onView?(source: Tensor, view: Tensor): void;
  /** A variable's value replaced by `value` (Variable.assign). */
  onAssign?(variable: Tensor, value: Tensor): void;
  /** A tensor computed on the host that a traced graph must recompute at every run (see hostInput). */
  onHostInput?(tensor: Tensor, compute: HostCompute): void;
  /** A tensor made from host values (a copy the observer may keep): traces compare constants by them without reading the device. */
  onUpload?(tensor: Tensor, values: TypedArray): void;
  /**
   * The host read `tensor`'s values synchronously (`how`: dataSync, arraySync), outside
   * `readingForCheck`. A tracer refuses reads of values that depend on the traced inputs: the
   * JavaScript that uses them would run once, at trace time, and its outcome stay in the graph.
   */
  onHostRead?(tensor: Tensor, how: string): void;
}

/**
 * Computes a host-side value for `shape` (the graph's symbolic sizes resolved). `run` is 0 in eager
 * code and while tracing, then 1, 2, ... at each run of a traced graph, so seeded draws can differ
 * from run to run and still repeat from one program run to the next. `sizes` holds the symbolic
 * dimensions' sizes of this run (empty in eager code).
 */
export type HostCompute = (shape: readonly number[], run: number, sizes: ReadonlyMap<string, number>) => Tensor;

/** Tensor inputs of a kernel, as ops pass them: a Tensor where the kernel takes storage. */
export type TensorInputs<K extends KernelName> = AsTensors<KernelInputs<K>>;
/** Maps a tuple of kernel tensors to a tuple of Tensors (homomorphic, so tuples stay tuples). */
export type AsTensors<T> = { readonly [I in keyof T]: T[I] extends KernelTensor ? Tensor : Tensor | undefined };

/**
 * The one piece of global state: registered backends, the active one, storage refcounts, tidy
 * scopes and gradient tapes. Kept on globalThis so that an ESM and a CJS copy of core share it.
 */
export class Engine {
  private readonly registry = new Map<string, Registration>();
  private activeName: string | null = null;
  private readonly data = new Map<DataId, DataRecord>();
  private readonly perBackend = new Map<string, BackendMemory>();
  private numTensors = 0;
  private numReclaimed = 0;
  private nextTensorId = 0;
  private readonly scopes: Scope[] = [];
  readonly tapes: Tape[] = [];
  private recordingPaused = 0;
  private readonly observers = new Set<KernelObserver>();
  private checkReads = 0;
  private readonly finalizer = new FinalizationRegistry<TensorCell>((cell) => this.reclaim(cell));

  // ---- backends -------------------------------------------------------------------------------

  registerBackend(name: string, factory: BackendFactory, priority = 1): boolean {
    if (this.registry.has(name)) {
      console.warn(`registerBackend: '${name}' is already registered; keeping the first registration`);
      return false;
    }
    this.registry.set(name, { factory, priority });
    return true;
  }

  removeBackend(name: string): void {
    const reg = this.registry.get(name);
    if (!reg) return;
    reg.instance?.destroy?.();
    this.registry.delete(name);
    if (this.activeName === name) this.activeName = null;
  }

  listBackends(): string[] {
    return [...this.registry.keys()];
  }

  async setBackend(name: string): Promise<Backend> {
    const reg = this.registration(name);
    if (!reg.instance) {
      reg.pending ??= (async () => {
        const b = await reg.factory();
        await b.init?.();
        return b;
      })();
      try {
        reg.instance = await reg.pending;
      } finally {
        reg.pending = undefined;
      }
    }
    this.activeName = name;
    return reg.instance;
  }

  /** The active backend; without setBackend, the highest-priority backend that can start synchronously. */
  get backend(): Backend {
    if (this.activeName === null) this.activeName = this.pickDefault();
    return this.backendByName(this.activeName);
  }

  get backendName(): string {
    if (this.activeName === null) this.activeName = this.pickDefault();
    return this.activeName;
  }

  backendByName(name: string): Backend {
    const reg = this.registration(name);
    if (!reg.instance) {
      const made = reg.factory();
      if (made instanceof Promise) fail('getBackend', `backend '${name}' starts asynchronously: call 'await setBackend("${name}")' first`);
      const init = made.init?.();
      if (init instanceof Promise) {
        if (!made.usableBeforeInit) fail('getBackend', `backend '${name}' initialises asynchronously: call 'await setBackend("${name}")' first`);
        init.catch(() => {});
      }
      reg.instance = made;
    }
    return reg.instance;
  }

  private registration(name: string): Registration {
    const reg = this.registry.get(name);
    if (!reg) {
      const known = this.listBackends();
      fail('setBackend', `no backend named '${name}' is registered (registered: ${known.length ? known.join(', ') : 'none; import a backend package such as @soma/backend-cpu'})`);
    }
    return reg;
  }

  private pickDefault(): string {
    const byPriority = [...this.registry.entries()].sort((a, b) => b[1].priority - a[1].priority);
    for (const [name] of byPriority) {
      try {
        this.backendByName(name);
        return name;
      } catch {
        // Try the next one: an async backend cannot be the implicit default.
      }
    }
    return fail('getBackend', 'no backend is available: import a backend package such as @soma/backend-cpu, or call setBackend()');
  }

  // ---- tensors and storage ------------------------------------------------------------------

  /** Wraps kernel output (fresh storage) in a tracked Tensor. */
  makeTensor(kt: KernelTensor, backendName: string): Tensor;
  makeTensor<T extends Tensor>(kt: KernelTensor, backendName: string, make: (cell: TensorCell, id: number) => T): T;
  makeTensor(kt: KernelTensor, backendName: string, make?: (cell: TensorCell, id: number) => Tensor): Tensor {
    this.addDataRef(kt.dataId, backendName, sizeOf(kt.shape) * bytesPerElement(kt.dtype));
    const cell: TensorCell = { dataId: kt.dataId, backendName };
    const id = this.nextTensorId++;
    return this.track(make ? make(cell, id) : new Tensor(cell, kt.shape, kt.dtype, id));
  }

  /** A new handle on existing storage (reshape, stopGradient): no copy. */
  makeView(src: Tensor, shape: Shape): Tensor {
    const cell = src.cell;
    this.addDataRef(cell.dataId, cell.backendName, 0);
    const view = this.track(new Tensor({ dataId: cell.dataId, backendName: cell.backendName }, shape, src.dtype, this.nextTensorId++));
    for (const o of this.observers) o.onView?.(src, view);
    return view;
  }

  /** Tells the observers that `variable` takes `value` (called by Variable.assign before it copies). */
  notifyAssign(variable: Tensor, value: Tensor): void {
    for (const o of this.observers) o.onAssign?.(variable, value);
  }

  /** Tells the observers that the host reads `tensor`'s values synchronously (Tensor.dataSync). */
  notifyHostRead(tensor: Tensor, how: string): void {
    if (this.checkReads === 0) for (const o of this.observers) o.onHostRead?.(tensor, how);
  }

  /**
   * Runs `fn`, whose synchronous reads only check or show values (an id range check that is
   * repeated before each graph run, printing) and do not steer the computation: traces let them pass.
   */
  readingForCheck<T>(fn: () => T): T {
    this.checkReads++;
    try {
      return fn();
    } finally {
      this.checkReads--;
    }
  }

  /** compute(shape, 0), announced to the observers so that traces turn it into a per-run input. */
  hostInput(shape: Shape, compute: HostCompute): Tensor {
    const t = compute(shape, 0, new Map());
    for (const o of this.observers) o.onHostInput?.(t, compute);
    return t;
  }

  upload(values: TypedArray, shape: Shape, dtype: DType): Tensor {
    let watched = false;
    for (const o of this.observers) if (o.onUpload) watched = true;
    // write() takes ownership of values, so observers get their own copy.
    const copy = watched ? values.slice() : null;
    const kt = this.backend.write(values, shape, dtype);
    const t = this.makeTensor(kt, this.backendName);
    if (copy) for (const o of this.observers) o.onUpload?.(t, copy);
    return t;
  }

  nextId(): number {
    return this.nextTensorId++;
  }

  track<T extends Tensor>(t: T): T {
    this.numTensors++;
    this.mem(t.cell.backendName).numTensors++;
    this.finalizer.register(t, t.cell, t);
    const scope = this.scopes[this.scopes.length - 1];
    if (scope) scope.tensors.push(t);
    return t;
  }

  private addDataRef(dataId: DataId, backendName: string, bytes: number): void {
    const rec = this.data.get(dataId);
    if (rec) {
      rec.refs++;
      return;
    }
    this.data.set(dataId, { backend: this.backendByName(backendName), refs: 1, bytes });
    this.mem(backendName).numBytes += bytes;
  }

  releaseData(dataId: DataId, backendName: string): void {
    const rec = this.data.get(dataId);
    if (!rec) return;
    if (--rec.refs > 0) return;
    this.data.delete(dataId);
    this.mem(backendName).numBytes -= rec.bytes;
    rec.backend.disposeData(dataId);
  }

  /** Swaps a variable's storage for `kt`'s, freeing the old one. */
  replaceData(t: Tensor, kt: KernelTensor, backendName: string): void {
    this.addDataRef(kt.dataId, backendName, sizeOf(kt.shape) * bytesPerElement(kt.dtype));
    this.releaseData(t.cell.dataId, t.cell.backendName);
    if (t.cell.backendName !== backendName) {
      this.mem(t.cell.backendName).numTensors--;
      this.mem(backendName).numTensors++;
    }
    t.cell.dataId = kt.dataId;
    t.cell.backendName = backendName;
  }

  disposeTensor(t: Tensor): void {
    this.finalizer.unregister(t);
    this.numTensors--;
    this.mem(t.cell.backendName).numTensors--;
    this.releaseData(t.cell.dataId, t.cell.backendName);
  }

  private reclaim(cell: TensorCell): void {
    this.numReclaimed++;
    this.numTensors--;
    this.mem(cell.backendName).numTensors--;
    this.releaseData(cell.dataId, cell.backendName);
  }

  private mem(name: string): BackendMemory {
    let m = this.perBackend.get(name);
    if (!m) this.perBackend.set(name, (m = { numTensors: 0, numBytes: 0 }));
    return m;
  }

  /** Bytes held by all backends (cheap: for per-kernel peak tracking). */
  totalBytes(): number {
    let n = 0;
    for (const m of this.perBackend.values()) n += m.numBytes;
    return n;
  }

  memory(): MemoryInfo {
    let numBytes = 0;
    const backends: Record<string, BackendMemory> = {};
    for (const [name, m] of this.perBackend) {
      const extra = this.registry.get(name)?.instance?.memoryInfo?.() ?? {};
      backends[name] = { ...extra, numTensors: m.numTensors, numBytes: m.numBytes };
      numBytes += m.numBytes;
    }
    return { numTensors: this.numTensors, numDataBuffers: this.data.size, numBytes, numReclaimed: this.numReclaimed, backends };
  }

  /** Kernel view of `t` on `backend`, copying it there when it lives elsewhere (freed by the caller via `moved`). */
  kernelInput(t: Tensor, backendName: string, moved: KernelTensor[]): KernelTensor {
    t.throwIfDisposed();
    if (t.cell.backendName === backendName) return t.kernelTensor;
    const from = this.backendByName(t.cell.backendName);
    if (from.syncReads === false) {
      fail('to', `tensor #${t.id} ${fmtShape(t.shape)} lives on '${t.cell.backendName}', which reads only asynchronously; move it to '${backendName}' first with await tensor.toAsync('${backendName}')`);
    }
    const kt = this.backendByName(backendName).write(from.readSync(t.cell.dataId), t.shape, t.dtype);
    moved.push(kt);
    return kt;
  }

  // ---- kernel dispatch ------------------------------------------------------------------------

  /**
   * The one dispatch point: every kernel call of every op comes through here as data (name,
   * inputs, attributes), runs on the active backend, and is shown to the observers. Inputs living
   * on another backend are copied to the active one for this call (the op runs where setBackend points).
   */
  runKernel<K extends KernelName>(kernel: K, inputs: TensorInputs<K>, attrs: KernelAttrs<K>): Tensor {
    const name = this.backendName;
    const backend = this.backend;
    const fn = backend[kernel] as ((i: KernelInputs<K>, a: KernelAttrs<K>) => KernelTensor | null) | undefined;
    if (!fn) {
      if (isOptionalKernel(kernel)) return this.runDefault(kernel, inputs as never, attrs as never);
      return fail(kernel, `backend '${name}' has no '${kernel}' kernel`);
    }
    const moved: KernelTensor[] = [];
    const tensors = inputs as unknown as readonly (Tensor | undefined)[];
    const kts = tensors.map((t) => (t === undefined ? undefined : this.kernelInput(t, name, moved))) as unknown as KernelInputs<K>;
    const timed = this.isTimed();
    const t0 = timed ? performance.now() : 0;
    let kt: KernelTensor | null;
    try {
      kt = fn.call(backend, kts, attrs);
    } finally {
      for (const m of moved) backend.disposeData(m.dataId);
    }
    // An optional kernel the backend declined for these inputs: its default body runs instead.
    if (kt === null) return this.runDefault(kernel as OptionalKernelName, inputs as never, attrs as never);
    const output = this.makeTensor(kt, name);
    if (this.observers.size) this.notify(kernel, tensors, attrs, [output], name, timed ? performance.now() - t0 : 0);
    return output;
  }

  /**
   * The multi-output form of the dispatch point, for the fused optimizer update: [param, grad,
   * ...slots] in, the new [param, ...slots] out; null when the backend has no such kernel or a
   * tracer records (the caller then runs the update as ordinary ops).
   */
  runFusedUpdate(inputs: readonly Tensor[], attrs: FusedUpdateAttrs): Tensor[] | null {
    const backend = this.backend;
    if (!backend.fusedUpdate || this.isTracing()) return null;
    const name = this.backendName;
    const moved: KernelTensor[] = [];
    const kts = inputs.map((t) => this.kernelInput(t, name, moved));
    const timed = this.isTimed();
    const t0 = timed ? performance.now() : 0;
    let outs: KernelTensor[];
    try {
      outs = backend.fusedUpdate(kts, attrs);
    } finally {
      for (const m of moved) backend.disposeData(m.dataId);
    }
    const outputs = outs.map((kt) => this.makeTensor(kt, name));
    if (this.observers.size) this.notify('fusedUpdate', inputs, attrs, outputs, name, timed ? performance.now() - t0 : 0);
    return outputs;
  }

  /** An optional kernel's default body (composed from other kernels, each dispatched and observed on its own). */
  private runDefault<K extends OptionalKernelName>(kernel: K, inputs: TensorInputs<K>, attrs: KernelAttrs<K>): Tensor {
    const body = defaultBody(kernel);
    const given = (inputs as unknown as readonly (Tensor | undefined)[]).filter((t): t is Tensor => t !== undefined);
    // Observers that see the kernel whole stand aside while its body runs.
    const whole = [...this.observers].filter((o) => o.wholeOptionalKernels);
    for (const o of whole) this.observers.delete(o);
    this.startScope();
    let out: Tensor;
    try {
      out = body(given, attrs);
    } catch (err) {
      this.endScope(new Set());
      throw err;
    } finally {
      for (const o of whole) this.observers.add(o);
    }
    this.endScope(new Set([out]));
    if (whole.length) {
      const call: KernelCall = { kernel, inputs: given, attrs, output: out, outputs: [out], backend: this.backendName, ms: 0 };
      for (const o of whole) o.onKernel(call);
    }
    return out;
  }

  private isTimed(): boolean {
    if (!this.observers.size) return false;
    for (const o of this.observers) if (o.timed) return true;
    return false;
  }

  private notify(kernel: DispatchedKernel, inputs: readonly (Tensor | undefined)[], attrs: object, outputs: readonly Tensor[], backend: string, ms: number): void {
    const call: KernelCall = { kernel, inputs: inputs.filter((t): t is Tensor => t !== undefined), attrs, output: outputs[0], outputs, backend, ms };
    for (const o of this.observers) o.onKernel(call);
  }

  /** Whether a tracer records the kernel calls (kernels with one run's numbers in their attributes then stand aside). */
  isTracing(): boolean {
    for (const o of this.observers) if (o.records) return true;
    return false;
  }

  /** Adds an observer of kernel calls; returns the function that removes it. */
  observeKernels(observer: KernelObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  // ---- scopes ---------------------------------------------------------------------------------

  startScope(): void {
    this.scopes.push({ tensors: [] });
  }

  /** Frees the scope's tensors except those in `keepSet`, kept ones, variables and ones an active tape still needs. */
  endScope(keepSet: ReadonlySet<Tensor>): void {
    const scope = this.scopes.pop();
    if (!scope) return;
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope.tensors) {
      if (t.isDisposed || t.kept || t.isVariable()) continue;
      if (keepSet.has(t) || this.heldByTape(t)) {
        parent?.tensors.push(t);
        continue;
      }
      t.dispose();
    }
  }

  private heldByTape(t: Tensor): boolean {
    for (const tape of this.tapes) if (tape.held.has(t)) return true;
    return false;
  }

  // ---- tapes ----------------------------------------------------------------------------------

  get isRecording(): boolean {
    return this.tapes.length > 0 && this.recordingPaused === 0;
  }

  pauseRecording<T>(fn: () => T): T {
    this.recordingPaused++;
    try {
      return fn();
    } finally {
      this.recordingPaused--;
    }
  }

  record(name: string, inputs: readonly Tensor[], outputs: readonly Tensor[], backward: BackwardFn, saved: readonly Tensor[] = []): void {
    if (!this.isRecording) return;
    for (const tape of this.tapes) {
      if (!inputs.some((t) => tape.isWatched(t))) continue;
      tape.nodes.push({ name, inputs, outputs, saved, backward });
      for (const o of outputs) tape.watch(o);
      for (const t of inputs) tape.held.add(t);
      for (const t of outputs) tape.held.add(t);
      for (const t of saved) tape.held.add(t);
    }
  }
}

const KEY = Symbol.for('@soma/core/engine');
type Global = typeof globalThis & { [KEY]?: Engine };

export function getEngine(): Engine {
  const g = globalThis as Global;
  return (g[KEY] ??= new Engine());
}
