import { graphToOnnxWith } from '@soma/onnx-io';
import { outputMeta } from '@soma/core';
import type { Backend, Graph, DataId, DType, KernelAttrs, KernelFn, KernelInputs, KernelName, KernelTensor, OptionalKernelFn, Shape, TypedArray, Variable } from '@soma/core';
import { KernelSessions } from './kernel_sessions.js';
import type { NativeSession, Ort, OrtTensor } from './ort_binding.js';

const typeOf = (t: string): DType => (t === 'float32' ? 'float32' : t === 'bool' ? 'bool' : 'int32');

/**
 * Options of the native backend: onnxruntime's threads and the size of the kernel session cache.
 */
export interface NativeBackendOptions {
  /** onnxruntime's intra-op threads (default: every core). */
  threads?: number;
  /** How many kernel sessions to keep (least recently used are released; default 512). */
  sessionCacheSize?: number;
  /**
   * A file path prefix: onnxruntime's own profiler records every node of the compiled graphs'
   * sessions (a training step traced by `fit` is one session, which `soma.profile` sees as one
   * kernel), and `backend.endProfiling()` writes the JSON files (Chrome trace format) and returns
   * their paths. Profiled sessions stay alive until then. One-kernel sessions (eager execution)
   * are not profiled: `soma.profile` sees them.
   */
  profile?: string;
}

interface NativeData {
  values: TypedArray;
}

const NONE = new Set<number>();
/** channelAffine's concrete input: the scale, whose [C] shape gives its translation the channel count. */
const SCALE: ReadonlySet<number> = new Set([1]);

/** A compiled graph: its session, the variables fed as inputs, and those baked in at a version. */
interface GraphEntry {
  readonly session: NativeSession;
  readonly fed: readonly Variable[];
  readonly baked: readonly (readonly [Variable, number])[];
  readonly outputs: readonly string[];
}

/**
 * The native backend: every kernel runs in onnxruntime's CPU kernels (MLAS), as a small cached
 * session of one kernel (see KernelSessions) — gradient kernels too, composed from ONNX
 * operators. Tensors are typed arrays in the JS heap, handed to onnxruntime without copies on
 * input. Whole traced graphs run as one session (runGraph). Made by `createNativeBackend`;
 * registered as 'native' on import.
 */
export class NativeBackend implements Backend {
  readonly name: string;
  private readonly sessions: KernelSessions;
  private readonly sessionOptions: Record<string, unknown>;
  private readonly graphs = new WeakMap<Graph, GraphEntry | null>();
  private graphsCompiled = 0;
  private graphRuns = 0;
  private graphFallbacks = 0;
  /** Why the last graph that could not become one session runs node by node. */
  lastGraphFallback: string | null = null;
  private readonly profilePrefix: string | null;
  /** Graph sessions recording onnxruntime's profile, and the files of those already ended. */
  private readonly profiled = new Set<NativeSession>();
  private profileFiles: string[] = [];

  /** @internal Made by `createNativeBackend` (or registered as 'native' on import). */
  constructor(private readonly ort: Ort, name = 'native', options: NativeBackendOptions & { defaultThreads: number }) {
    this.name = name;
    const threads = options.threads ?? options.defaultThreads;
    this.sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
    this.sessions = new KernelSessions(ort, this.sessionOptions, options.sessionCacheSize ?? 512);
    this.profilePrefix = options.profile ?? null;
  }

  /**
   * Ends onnxruntime's profiling of the compiled graphs' sessions (the `profile` option) and returns
   * the files it wrote, one per session, each a Chrome trace of every node's run time. Sessions
   * built later record again.
   */
  endProfiling(): string[] {
    const files = [...this.profileFiles];
    for (const session of this.profiled) files.push(session.endProfiling());
    this.profiled.clear();
    this.profileFiles = [];
    return files;
  }

  private release(session: NativeSession): void {
    if (this.profiled.delete(session)) this.profileFiles.push(session.endProfiling());
    session.dispose();
  }

  // storage
  write(values: TypedArray, shape: Shape, dtype: DType): KernelTensor {
    return { dataId: { values } satisfies NativeData, shape, dtype };
  }
  /** Copies the values out (the promise settles at once: native reads synchronously). */
  async read(dataId: DataId): Promise<TypedArray> {
    return this.readSync(dataId);
  }
  readSync(dataId: DataId): TypedArray {
    return (dataId as NativeData).values.slice();
  }
  /** Releases the tensor's storage. */
  disposeData(dataId: DataId): void {
    (dataId as NativeData).values = EMPTY;
  }
  memoryInfo(): Record<string, number> {
    return { sessions: this.sessions.size, sessionsCreated: this.sessions.created, sessionHits: this.sessions.hits, sessionsEvicted: this.sessions.evicted, graphsCompiled: this.graphsCompiled, graphRuns: this.graphRuns, graphFallbacks: this.graphFallbacks };
  }
  destroy(): void {
    this.sessions.dispose();
  }

  /**
   * A whole traced graph as one onnxruntime session (cached per graph). Variables the graph
   * assigns (a training step's weights) are fed as inputs and their new values come back as
   * outputs. Variables it only reads are written into the model as initializers, so onnxruntime
   * can fold them (batch norm into the convolution before it) as it does for a model file; if one
   * of them is assigned later, the session is rebuilt once with that variable as an input.
   * A graph with a node that has no ONNX form (a delegated gradient kernel) runs node by node.
   */
  runGraph(graph: Graph, inputs: readonly KernelTensor[]): KernelTensor[] | null {
    let entry = this.graphs.get(graph);
    if (entry && entry.baked.some(([v, version]) => v.version !== version)) {
      const fed = new Set(entry.fed);
      for (const [v, version] of entry.baked) if (v.version !== version) fed.add(v);
      this.release(entry.session);
      entry = this.compileGraph(graph, fed);
      this.graphs.set(graph, entry);
    } else if (entry === undefined) {
      const assigned = new Set(graph.nodes.filter((n) => n.op === 'assign').map((n) => graph.variables.get(n.inputs[0]!)!));
      entry = this.compileGraph(graph, assigned);
      this.graphs.set(graph, entry);
    }
    if (!entry) return null;
    const feeds: Record<string, OrtTensor> = {};
    inputs.forEach((kt, i) => (feeds[`input_${i}`] = this.ortTensor(kt)));
    for (const v of entry.fed) feeds[v.name] = new this.ort.Tensor(v.dtype, this.valuesOf(v) as Float32Array, v.shape);
    const fetches = Object.fromEntries(entry.outputs.map((n) => [n, null]));
    const out = entry.session.run(feeds, fetches, {});
    this.graphRuns++;
    return entry.outputs.map((n) => this.wrap(out[n], typeOf(out[n].type)));
  }

  private valuesOf(v: Variable): ArrayLike<number> {
    return v.backendName === this.name ? (v.kernelTensor.dataId as NativeData).values : v.dataSync();
  }

  /** The graph's session with `fed` as inputs and every other variable baked in; null (counted) when it has no ONNX form. */
  private compileGraph(graph: Graph, fed: ReadonlySet<Variable>): GraphEntry | null {
    try {
      const data = new Map<number, ArrayLike<number>>();
      for (const [id, t] of graph.constants) data.set(id, t.dataSync());
      const variableInputs = new Set<number>();
      const baked: [Variable, number][] = [];
      for (const [id, v] of graph.variables) {
        if (fed.has(v)) variableInputs.add(id);
        else {
          data.set(id, this.valuesOf(v));
          baked.push([v, v.version]);
        }
      }
      const bytes = graphToOnnxWith(graph, {
        variablesAsInputs: true, variableInputs, unknownOutputShapes: true,
        inputNames: graph.inputs.map((_, i) => `input_${i}`), outputNames: graph.outputs.map((_, i) => `output_${i}`),
      }, data);
      const session = this.ort.newSession();
      const profile = this.profilePrefix ? { enableProfiling: true, profileFilePrefix: this.profilePrefix } : {};
      session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, { ...this.sessionOptions, ...profile });
      if (this.profilePrefix) this.profiled.add(session);
      this.graphsCompiled++;
      return { session, fed: [...fed], baked, outputs: [...graph.outputs.map((_, i) => `output_${i}`), ...graph.nodes.filter((n) => n.op === 'assign').map((_, k) => `assign_${k}`)] };
    } catch (err) {
      // Counted and kept, not thrown: the graph then runs node by node, which is still correct.
      this.graphFallbacks++;
      this.lastGraphFallback = (err as Error).message;
      return null;
    }
  }

  private ortTensor(kt: KernelTensor): OrtTensor {
    return new this.ort.Tensor(kt.dtype, (kt.dataId as NativeData).values as Float32Array, kt.shape);
  }

  /** Runs one kernel as its cached onnxruntime session. */
  private run<K extends KernelName>(kernel: K, inputs: KernelInputs<K>, attrs: KernelAttrs<K>, concrete: ReadonlySet<number> = NONE): KernelTensor {
    const list = inputs as readonly (KernelTensor | undefined)[];
    // The output dtype by core's registry rule (comparisons give bool, argMax int32, ...).
    const outDtype = outputMeta(kernel, list, attrs).dtype;
    const { session, inputs: names } = this.sessions.get(kernel, attrs, list.map((kt) => (kt ? { dtype: kt.dtype, shape: kt.shape } : null)), outDtype, concrete);
    const feeds: Record<string, OrtTensor> = {};
    let k = 0;
    for (const kt of list) {
      if (!kt) continue;
      feeds[names[k++]] = this.ortTensor(kt);
    }
    let y: OrtTensor;
    try {
      y = session.run(feeds, { y: null }, {}).y;
    } catch (e) {
      throw new Error(`${kernel}: onnxruntime failed: ${(e as Error).message}`);
    }
    return this.wrap(y, outDtype);
  }

  private wrap(t: OrtTensor, dtype: DType): KernelTensor {
    const data = t.data;
    let values: TypedArray;
    if (dtype === 'float32') values = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
    else if (dtype === 'int32') values = data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>, Number);
    else values = data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>);
    return this.write(values, [...t.dims], dtype);
  }

  // elementwise
  readonly unary: KernelFn<'unary'> = (i, a) => this.run('unary', i, a);
  readonly binary: KernelFn<'binary'> = (i, a) => this.run('binary', i, a);
  readonly where: KernelFn<'where'> = (i, a) => this.run('where', i, a);
  readonly clip: KernelFn<'clip'> = (i, a) => this.run('clip', i, a);
  readonly cast: KernelFn<'cast'> = (i, a) => this.run('cast', i, a);
  readonly leakyRelu: KernelFn<'leakyRelu'> = (i, a) => this.run('leakyRelu', i, a);

  // reductions
  readonly reduce: KernelFn<'reduce'> = (i, a) => this.run('reduce', i, a);
  readonly argReduce: KernelFn<'argReduce'> = (i, a) => this.run('argReduce', i, a);

  // linear algebra, convolution, pooling (the filter's shape is part of a convolution's session)
  readonly matmul: KernelFn<'matmul'> = (i, a) => this.run('matmul', i, a);
  readonly conv2d: KernelFn<'conv2d'> = (i, a) => this.run('conv2d', i, a, new Set([1]));
  readonly maxPool2d: KernelFn<'maxPool2d'> = (i, a) => this.run('maxPool2d', i, a);
  readonly avgPool2d: KernelFn<'avgPool2d'> = (i, a) => this.run('avgPool2d', i, a);
  readonly conv2dBackpropInput: KernelFn<'conv2dBackpropInput'> = (i, a) => this.run('conv2dBackpropInput', i, a, new Set([0, 1]));

  // Gradient kernels, composed from ONNX operators by the same translation exportOnnx uses.
  readonly conv2dBackpropFilter: KernelFn<'conv2dBackpropFilter'> = (i, a) => this.run('conv2dBackpropFilter', i, a);
  readonly maxPool2dGrad: KernelFn<'maxPool2dGrad'> = (i, a) => this.run('maxPool2dGrad', i, a);
  readonly avgPool2dGrad: KernelFn<'avgPool2dGrad'> = (i, a) => this.run('avgPool2dGrad', i, a);
  readonly scatterAdd: KernelFn<'scatterAdd'> = (i, a) => this.run('scatterAdd', i, a);

  // Batch norm's fused kernels, optional in the kernel set: as one session each (their ONNX forms:
  // ReduceSumSquare for the moments, BatchNormalization for the apply) instead of the five to
  // eight broadcast kernels of their default bodies, in eager steps and in the traced graphs
  // compiled steps run as one session (DenseNet-BC-40: Mul and Sub were half of that session's time).
  readonly channelMoments: OptionalKernelFn<'channelMoments'> = (i, a) => this.run('channelMoments', i, a);
  readonly channelAffine: OptionalKernelFn<'channelAffine'> = (i, a) => this.run('channelAffine', i, a, SCALE);
  readonly channelSums: OptionalKernelFn<'channelSums'> = (i, a) => this.run('channelSums', i, a);

  // shapes and indexing
  readonly transpose: KernelFn<'transpose'> = (i, a) => this.run('transpose', i, a);
  readonly stridedSlice: KernelFn<'stridedSlice'> = (i, a) => this.run('stridedSlice', i, a);
  readonly pad: KernelFn<'pad'> = (i, a) => this.run('pad', i, a);
  readonly concat: KernelFn<'concat'> = (i, a) => this.run('concat', i, a);
  readonly gather: KernelFn<'gather'> = (i, a) => {
    // The kernel contract's range check, on the host where the indices already are (onnxruntime's own message names no op).
    const n = i[0].shape[a.axis];
    for (const v of (i[1].dataId as NativeData).values) {
      if (v < -n || v >= n) throw new Error(`gather: index ${v} is out of range for an axis of size ${n}`);
    }
    return this.run('gather', i, a);
  };
  readonly tile: KernelFn<'tile'> = (i, a) => this.run('tile', i, a);
  readonly topK: KernelFn<'topK'> = (i, a) => this.run('topK', i, a);
}

const EMPTY = new Float32Array(0);
