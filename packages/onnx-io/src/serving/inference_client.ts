import * as soma from '@soma/core';
import type { DType, Tensor } from '@soma/core';

/** The Open Inference Protocol's tensor data types (KServe v2 / Triton). */
export type V2Datatype = 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BF16' | 'BYTES';

/** A model's metadata as the server describes it (GET /v2/models/{name}). */
export interface V2ModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: { name: string; datatype: V2Datatype; shape: number[] }[];
  outputs: { name: string; datatype: V2Datatype; shape: number[] }[];
}

/** Options of `InferenceClient`: extra headers (authorization), a per-request time limit, a fetch. */
export interface InferenceClientOptions {
  /** Sent with every request, e.g. `{ authorization: 'Bearer …' }` for a KServe ingress. */
  headers?: Record<string, string>;
  /** A request that takes longer is aborted with an error naming it (default 60 s). */
  timeoutMs?: number;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
}

/** Options of `infer`: which outputs, which version, a request id. */
export interface InferOptions {
  /** Return only these outputs (default: all the model has). */
  outputs?: string[];
  /** A model version (default: the server's choice, usually the newest). */
  version?: string | number;
  /** Echoed back by the server; useful in its logs. */
  id?: string;
}

const TO_V2: Record<DType, V2Datatype> = { float32: 'FP32', int32: 'INT32', bool: 'BOOL' };

/** What a response's datatype becomes in Soma (which holds float32, int32 and bool). */
function dtypeOf(datatype: V2Datatype, output: string): DType {
  if (datatype === 'FP32' || datatype === 'FP64' || datatype === 'FP16' || datatype === 'BF16') return 'float32';
  if (datatype === 'BOOL') return 'bool';
  if (datatype === 'BYTES') throw new Error(`InferenceClient: output '${output}' holds BYTES (strings), which Soma tensors cannot hold; ask for the model's numeric outputs with { outputs: [...] }`);
  return 'int32';
}

/**
 * A client for the Open Inference Protocol (KServe v2 REST, which Triton and KServe serve): a Soma
 * app sends Soma tensors to a deployment and gets Soma tensors back.
 *
 * ```ts
 * const server = new InferenceClient('http://triton:8000');
 * const { logits } = await server.infer('lenet5', { input: images });
 * ```
 */
export class InferenceClient {
  private readonly base: string;
  private readonly metadataCache = new Map<string, Promise<V2ModelMetadata>>();

  constructor(baseUrl: string, private readonly options: InferenceClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new Error(`InferenceClient: ${JSON.stringify(baseUrl)} is not a URL (expected e.g. http://localhost:8000)`);
    }
    this.base = url.href.replace(/\/+$/, '');
  }

  /** GET /v2/health/live: whether the server answers. */
  async live(): Promise<boolean> {
    return (await this.request('GET', '/v2/health/live', undefined, true)) !== null;
  }

  /** Whether the server (no model) or a model is ready for requests. */
  async ready(model?: string, version?: string | number): Promise<boolean> {
    const path = model === undefined ? '/v2/health/ready' : `${this.modelPath(model, version)}/ready`;
    return (await this.request('GET', path, undefined, true)) !== null;
  }

  /** The model's inputs and outputs with their data types and shapes (-1 where a dimension varies). */
  metadata(model: string, version?: string | number): Promise<V2ModelMetadata> {
    const key = `${model}/${version ?? ''}`;
    let m = this.metadataCache.get(key);
    if (!m) {
      m = this.request('GET', this.modelPath(model, version)).then((r) => r as V2ModelMetadata);
      m.catch(() => this.metadataCache.delete(key));
      this.metadataCache.set(key, m);
    }
    return m;
  }

  /**
   * Runs the model on the server. Inputs by name (`{ input: x }`), or a tensor / array of tensors
   * in the order of the model's inputs (read from its metadata once). Outputs come back by name.
   */
  async infer(model: string, inputs: Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>, options: InferOptions = {}): Promise<Record<string, Tensor>> {
    let named: [string, Tensor][];
    if (soma.isTensor(inputs) || Array.isArray(inputs)) {
      const list = soma.isTensor(inputs) ? [inputs] : (inputs as readonly Tensor[]);
      const meta = await this.metadata(model, options.version);
      if (meta.inputs.length !== list.length) throw new Error(`InferenceClient: model '${model}' takes ${meta.inputs.length} inputs (${meta.inputs.map((i) => i.name).join(', ')}), got ${list.length} tensors`);
      named = meta.inputs.map((m, i) => [m.name, list[i]]);
    } else named = Object.entries(inputs as Record<string, Tensor>);
    const body = {
      ...(options.id !== undefined ? { id: options.id } : {}),
      inputs: await Promise.all(named.map(async ([name, t]) => ({ name, shape: [...t.shape], datatype: TO_V2[t.dtype], data: Array.from(await t.data(), (v) => (t.dtype === 'bool' ? v !== 0 : v)) }))),
      ...(options.outputs ? { outputs: options.outputs.map((name) => ({ name })) } : {}),
    };
    const res = (await this.request('POST', `${this.modelPath(model, options.version)}/infer`, body)) as { outputs?: { name: string; shape: number[]; datatype: V2Datatype; data: (number | boolean)[] }[] };
    if (!Array.isArray(res?.outputs)) throw new Error(`InferenceClient: model '${model}' answered without an 'outputs' list`);
    const out: Record<string, Tensor> = {};
    for (const o of res.outputs) {
      const dtype = dtypeOf(o.datatype, o.name);
      const size = o.shape.reduce((a, b) => a * b, 1);
      if (!Array.isArray(o.data) || o.data.length !== size) throw new Error(`InferenceClient: output '${o.name}' has shape [${o.shape}] (${size} values) but ${Array.isArray(o.data) ? o.data.length : 'no'} values came (binary outputs are not read: ask without binary_data)`);
      const flat = o.data.flat(Infinity as 1) as (number | boolean)[];
      if (dtype === 'int32' && flat.some((v) => typeof v === 'number' && (v > 2147483647 || v < -2147483648))) throw new Error(`InferenceClient: output '${o.name}' (${o.datatype}) holds values outside int32, which Soma's int32 cannot hold`);
      out[o.name] = soma.tensor(flat.map(Number), o.shape, dtype);
    }
    return out;
  }

  private modelPath(model: string, version?: string | number): string {
    return `/v2/models/${encodeURIComponent(model)}${version === undefined ? '' : `/versions/${encodeURIComponent(String(version))}`}`;
  }

  /** One request; `probe` turns a non-2xx answer into null (health checks) instead of an error. */
  private async request(method: 'GET' | 'POST', path: string, body?: unknown, probe = false): Promise<unknown> {
    const url = `${this.base}${path}`;
    const timeout = this.options.timeoutMs ?? 60_000;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(url, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...this.options.headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      const text = await res.text();
      if (!res.ok) {
        if (probe) return null;
        let detail = text;
        try {
          detail = (JSON.parse(text) as { error?: string }).error ?? text;
        } catch {
          // Not JSON: the text as it came.
        }
        throw new Error(`InferenceClient: ${method} ${url}: HTTP ${res.status}${detail ? `: ${detail.slice(0, 500)}` : ''}`);
      }
      if (!text) return {};
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`InferenceClient: ${method} ${url}: the answer is not JSON (${text.slice(0, 80)})`);
      }
    } catch (e) {
      if (controller.signal.aborted) throw new Error(`InferenceClient: ${method} ${url}: no answer within ${timeout} ms (timeoutMs)`);
      if (probe && !(e as Error).message.startsWith('InferenceClient:')) return null;
      if ((e as Error).message.startsWith('InferenceClient:')) throw e;
      throw new Error(`InferenceClient: ${method} ${url}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
