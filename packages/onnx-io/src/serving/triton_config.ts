import { decodeOnnx, type ModelProto, type ValueInfoProto } from '../proto.js';

/** Triton's tensor data types (model_config.proto's DataType), as they are written in config.pbtxt. */
export type TritonDataType =
  | 'TYPE_BOOL' | 'TYPE_UINT8' | 'TYPE_UINT16' | 'TYPE_UINT32' | 'TYPE_UINT64'
  | 'TYPE_INT8' | 'TYPE_INT16' | 'TYPE_INT32' | 'TYPE_INT64'
  | 'TYPE_FP16' | 'TYPE_FP32' | 'TYPE_FP64' | 'TYPE_STRING' | 'TYPE_BF16';

/** An input or output of a Triton model (ModelInput / ModelOutput). */
export interface TritonTensorConfig {
  name: string;
  data_type: TritonDataType;
  /** The shape without the batch dimension when max_batch_size > 0; -1 where it varies. */
  dims: number[];
}

/** The fields of Triton's ModelConfig that Soma writes (names as in model_config.proto). */
export interface TritonConfig {
  name: string;
  backend: 'onnxruntime';
  /** 0: the model takes whole tensors; > 0: Triton adds (and batches along) a first dimension. */
  max_batch_size: number;
  input: TritonTensorConfig[];
  output: TritonTensorConfig[];
  dynamic_batching?: { preferred_batch_size?: number[]; max_queue_delay_microseconds?: number };
  instance_group?: { kind: 'KIND_AUTO' | 'KIND_GPU' | 'KIND_CPU'; count: number }[];
}

/** Options of `tritonConfig` and `exportTriton`. */
export interface TritonOptions {
  /** The model's name: its directory in the repository and the name clients call (default 'model'). */
  name?: string;
  /**
   * The largest batch Triton may form (default 64). Used when every input and output's first
   * dimension is symbolic (a batch); otherwise the model takes whole tensors (max_batch_size 0).
   */
  maxBatchSize?: number;
  /** Let Triton group requests into batches (default true when the model batches). */
  dynamicBatching?: boolean | { preferredBatchSizes?: number[]; maxQueueDelayMicroseconds?: number };
  /** Instances: on 'cpu', 'gpu' or 'auto' (Triton's default: one per GPU, else CPU), and how many. */
  instances?: { kind: 'cpu' | 'gpu' | 'auto'; count?: number };
}

// ONNX TensorProto.DataType → Triton DataType.
const ONNX_TO_TRITON: Record<number, TritonDataType> = {
  1: 'TYPE_FP32', 2: 'TYPE_UINT8', 3: 'TYPE_INT8', 4: 'TYPE_UINT16', 5: 'TYPE_INT16', 6: 'TYPE_INT32',
  7: 'TYPE_INT64', 8: 'TYPE_STRING', 9: 'TYPE_BOOL', 10: 'TYPE_FP16', 11: 'TYPE_FP64', 12: 'TYPE_UINT32',
  13: 'TYPE_UINT64', 16: 'TYPE_BF16',
};

/** Triton model names are directory names that clients put in URLs. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new Error(`exportTriton: the model name must be letters, digits, '_', '.' or '-' (it is a directory and a URL part), got ${JSON.stringify(name)}`);
  return name;
}

/** A graph input or output's element type and dims (-1 for a symbolic or unknown dimension). */
function tensorOf(v: ValueInfoProto, what: string): { name: string; dataType: TritonDataType; dims: number[]; batch: boolean } {
  const tt = v.type?.tensor_type;
  if (!tt) throw new Error(`exportTriton: ${what} '${v.name}' is not a tensor (Triton's ONNX backend serves tensors only)`);
  const dataType = ONNX_TO_TRITON[tt.elem_type ?? 0];
  if (!dataType) throw new Error(`exportTriton: ${what} '${v.name}' has ONNX element type ${tt.elem_type}, which Triton has no type for`);
  const dimsProto = tt.shape?.dim ?? [];
  const dims = dimsProto.map((d) => (d.dim_value !== undefined && d.dim_value !== null && !d.dim_param ? Number(d.dim_value.toString()) : -1));
  const first = dimsProto[0];
  const batch = first !== undefined && (Boolean(first.dim_param) || first.dim_value === undefined || first.dim_value === null);
  return { name: v.name ?? '', dataType, dims, batch };
}

/**
 * Triton's configuration for an ONNX model (bytes or decoded), read from the model itself: input
 * and output names, data types and shapes; a symbolic first dimension on every input and output
 * becomes Triton's batch dimension (max_batch_size, dynamic batching), other symbolic dimensions -1.
 */
export function tritonConfig(onnx: Uint8Array | ModelProto, options: TritonOptions = {}): TritonConfig {
  const model = onnx instanceof Uint8Array ? decodeOnnx(onnx) : onnx;
  const graph = model.graph;
  if (!graph) throw new Error('exportTriton: the ONNX model has no graph');
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name)).map((v) => tensorOf(v, 'input'));
  const outputs = (graph.output ?? []).map((v) => tensorOf(v, 'output'));
  if (inputs.length === 0 || outputs.length === 0) throw new Error(`exportTriton: the model has ${inputs.length} inputs and ${outputs.length} outputs; Triton needs at least one of each`);
  const maxBatch = options.maxBatchSize ?? 64;
  if (!(Number.isSafeInteger(maxBatch) && maxBatch >= 0)) throw new Error(`exportTriton: maxBatchSize must be a non-negative integer, got ${options.maxBatchSize}`);
  const batches = maxBatch > 0 && [...inputs, ...outputs].every((t) => t.batch && t.dims.length >= 1);
  const strip = (t: ReturnType<typeof tensorOf>): TritonTensorConfig => ({ name: t.name, data_type: t.dataType, dims: batches ? t.dims.slice(1) : t.dims });
  const config: TritonConfig = {
    name: checkName(options.name ?? 'model'),
    backend: 'onnxruntime',
    max_batch_size: batches ? maxBatch : 0,
    input: inputs.map(strip),
    output: outputs.map(strip),
  };
  // Triton needs at least one dimension per tensor; a scalar per batch item is [1] (reshaped to []).
  for (const t of [...config.input, ...config.output]) if (t.dims.length === 0) t.dims = [1];
  const dyn = options.dynamicBatching ?? true;
  if (batches && dyn !== false) {
    config.dynamic_batching = {};
    if (typeof dyn === 'object') {
      if (dyn.preferredBatchSizes) config.dynamic_batching.preferred_batch_size = [...dyn.preferredBatchSizes];
      if (dyn.maxQueueDelayMicroseconds !== undefined) config.dynamic_batching.max_queue_delay_microseconds = dyn.maxQueueDelayMicroseconds;
    }
  }
  if (options.instances) {
    const count = options.instances.count ?? 1;
    if (!(Number.isSafeInteger(count) && count >= 1)) throw new Error(`exportTriton: instances.count must be a positive integer, got ${options.instances.count}`);
    const kind = ({ cpu: 'KIND_CPU', gpu: 'KIND_GPU', auto: 'KIND_AUTO' } as const)[options.instances.kind];
    if (!kind) throw new Error(`exportTriton: instances.kind must be 'cpu', 'gpu' or 'auto', got ${JSON.stringify(options.instances.kind)}`);
    config.instance_group = [{ kind, count }];
  }
  return config;
}

const quote = (s: string): string => JSON.stringify(s);

/**
 * The config as protobuf text format (config.pbtxt), in the layout Triton's documentation uses:
 * enums bare, strings quoted, repeated messages in brackets.
 */
export function tritonConfigText(config: TritonConfig): string {
  const tensor = (t: TritonTensorConfig) => `  {\n    name: ${quote(t.name)}\n    data_type: ${t.data_type}\n    dims: [ ${t.dims.join(', ')} ]\n  }`;
  const lines = [
    `name: ${quote(config.name)}`,
    `backend: ${quote(config.backend)}`,
    `max_batch_size: ${config.max_batch_size}`,
    `input [\n${config.input.map(tensor).join(',\n')}\n]`,
    `output [\n${config.output.map(tensor).join(',\n')}\n]`,
  ];
  const dyn = config.dynamic_batching;
  if (dyn) {
    const body = [
      ...(dyn.preferred_batch_size ? [`  preferred_batch_size: [ ${dyn.preferred_batch_size.join(', ')} ]`] : []),
      ...(dyn.max_queue_delay_microseconds !== undefined ? [`  max_queue_delay_microseconds: ${dyn.max_queue_delay_microseconds}`] : []),
    ];
    lines.push(body.length ? `dynamic_batching {\n${body.join('\n')}\n}` : 'dynamic_batching { }');
  }
  if (config.instance_group) lines.push(`instance_group [\n${config.instance_group.map((g) => `  {\n    kind: ${g.kind}\n    count: ${g.count}\n  }`).join(',\n')}\n]`);
  return `${lines.join('\n')}\n`;
}
