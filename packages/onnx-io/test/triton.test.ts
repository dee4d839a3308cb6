import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import ort from 'onnxruntime-node';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { input, layers, model as functional, sequential } from '@soma/layers';
import { exportTriton, InferenceClient, tritonConfig, type TritonConfig } from '@soma/onnx-io';
import { parseTextFormat } from './helpers/pbtxt.js';

// Triton's own schema (abridged copy in fixtures; see its header): every config Soma writes must parse against it.
const schema = protobuf.parse(readFileSync(new URL('./fixtures/triton/model_config.proto', import.meta.url), 'utf8'), { keepCase: true }).root;
const ModelConfig = schema.lookupType('inference.ModelConfig');
const dir = mkdtempSync(join(tmpdir(), 'soma-triton-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reads config.pbtxt against model_config.proto and returns it as Triton would see it (enums by name, defaults dropped). */
function readConfig(file: string): Record<string, unknown> {
  const obj = parseTextFormat(readFileSync(file, 'utf8'), ModelConfig);
  const message = ModelConfig.fromObject(obj);
  expect(ModelConfig.verify(message)).toBeNull();
  // Through the binary encoding and back: what survives is what the schema holds.
  const decoded = ModelConfig.decode(ModelConfig.encode(message).finish());
  return ModelConfig.toObject(decoded, { enums: String, longs: Number, arrays: false });
}

const ORT_TYPE: Record<string, 'float32' | 'int32' | 'int64' | 'bool'> = { TYPE_FP32: 'float32', TYPE_INT32: 'int32', TYPE_INT64: 'int64', TYPE_BOOL: 'bool' };

/** Runs REPO/<name>/1/model.onnx in onnxruntime-node on inputs made from the config's dtypes and dims (batch n). */
async function runFromConfig(modelFile: string, config: Record<string, unknown>, n: number, fill: (name: string, size: number) => number[]) {
  const session = await ort.InferenceSession.create(modelFile);
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of config.input as { name: string; data_type: string; dims: number[] }[]) {
    const shape = [...((config.max_batch_size as number) > 0 ? [n] : []), ...inp.dims];
    const size = shape.reduce((a, b) => a * b, 1);
    const type = ORT_TYPE[inp.data_type];
    const values = fill(inp.name, size);
    const data = type === 'float32' ? Float32Array.from(values) : type === 'int32' ? Int32Array.from(values) : type === 'int64' ? BigInt64Array.from(values, (v) => BigInt(v)) : Uint8Array.from(values);
    feeds[inp.name] = new ort.Tensor(type, data, shape);
  }
  const result = await session.run(feeds);
  return { session, result, feeds };
}

describe('exportTriton writes a model repository Triton and KServe load', () => {
  it('a CNN: config.pbtxt parses against model_config.proto, with the batch as max_batch_size and dynamic batching', async () => {
    soma.setRandomSeed(3);
    const cnn = sequential({ name: 'mnist-cnn', layers: [
      layers.conv2d({ inputShape: [1, 12, 12], filters: 4, kernelSize: 3, activation: 'relu' }),
      layers.maxPool2d({ poolSize: 2 }), layers.flatten(), layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    const out = await exportTriton(cnn, dir, { maxBatchSize: 16, instances: { kind: 'cpu', count: 2 } });
    expect(out.modelDir).toBe(join(dir, 'mnist-cnn'));
    expect(existsSync(join(dir, 'mnist-cnn', '1', 'model.onnx'))).toBe(true);
    const config = readConfig(out.configFile);
    const inName = (config.input as { name: string }[])[0].name;
    const outName = (config.output as { name: string }[])[0].name;
    expect(config).toEqual({
      name: 'mnist-cnn', backend: 'onnxruntime', max_batch_size: 16,
      input: [{ name: inName, data_type: 'TYPE_FP32', dims: [1, 12, 12] }],
      output: [{ name: outName, data_type: 'TYPE_FP32', dims: [10] }],
      dynamic_batching: {},
      instance_group: [{ kind: 'KIND_CPU', count: 2 }],
    });

    // The model file runs in onnxruntime-node with the config's dtypes and shapes (batch 5), and gives Soma's outputs.
    const { result, feeds } = await runFromConfig(out.modelFile, config, 5, (_, size) => Array.from({ length: size }, (_, i) => Math.sin(i)));
    const y = result[outName];
    expect(y.dims).toEqual([5, 10]);
    expect(y.type).toBe('float32');
    const x = soma.tensor(feeds[inName].data as Float32Array, [5, 1, 12, 12]);
    const ours = await (cnn.predict(x) as soma.Tensor).data();
    const theirs = y.data as Float32Array;
    for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i] - theirs[i])).toBeLessThan(1e-5);
  });

  it('an LSTM classifier with two inputs: every input and output with its own dims; a second version beside the first', async () => {
    const tokens = input({ shape: [6, 3], name: 'sequence' });
    const extra = input({ shape: [2], name: 'extra' });
    const h = layers.lstm({ units: 5 }).apply(tokens) as ReturnType<typeof input>;
    const joined = layers.concatenate().apply([h, extra]) as ReturnType<typeof input>;
    const probs = layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(joined) as ReturnType<typeof input>;
    const m = functional({ inputs: [tokens, extra], outputs: probs, name: 'lstm_cls' });
    await exportTriton(m, dir, {});
    const second = await exportTriton(m, dir, { version: 2, dynamicBatching: { preferredBatchSizes: [4, 8], maxQueueDelayMicroseconds: 100 } });
    expect(existsSync(join(dir, 'lstm_cls', '1', 'model.onnx')) && existsSync(join(dir, 'lstm_cls', '2', 'model.onnx'))).toBe(true);
    const config = readConfig(second.configFile);
    expect(config.max_batch_size).toBe(64);
    expect((config.input as { name: string; dims: number[] }[]).map((i) => [i.name, i.dims])).toEqual([['sequence', [6, 3]], ['extra', [2]]]);
    expect((config.output as { name: string; dims: number[] }[]).map((o) => [o.name, o.dims])).toEqual([['probs', [3]]]);
    expect(config.dynamic_batching).toEqual({ preferred_batch_size: [4, 8], max_queue_delay_microseconds: 100 });
    const { result } = await runFromConfig(second.modelFile, config, 3, (_, size) => Array.from({ length: size }, (_, i) => (i % 7) / 7));
    expect(result.probs.dims).toEqual([3, 3]);
  });

  it('a model without a batch dimension gets max_batch_size 0 and its full shapes; bad options are clear errors', async () => {
    const bytes = await (await import('@soma/onnx-io')).exportOnnx((a: soma.Tensor) => soma.mul(a, 2), { inputShapes: [[2, 3]], dynamicBatch: false });
    const config = tritonConfig(bytes, { name: 'double' });
    expect(config).toMatchObject({ max_batch_size: 0, input: [{ dims: [2, 3] }], output: [{ dims: [2, 3] }] });
    expect(config.dynamic_batching).toBeUndefined();
    expect(() => tritonConfig(bytes, { name: 'a/b' })).toThrow(/exportTriton: the model name must be letters, digits, '_', '\.' or '-' \(it is a directory and a URL part\), got "a\/b"/);
    expect(() => tritonConfig(bytes, { instances: { kind: 'tpu' as 'cpu' } })).toThrow(/instances\.kind must be 'cpu', 'gpu' or 'auto', got "tpu"/);
    await expect(exportTriton(bytes, dir, { version: 0 })).rejects.toThrow(/exportTriton: version must be a positive integer, got 0/);
  });
});

/**
 * A stand-in for Triton's HTTP endpoint: the Open Inference Protocol's REST routes, served from a
 * model repository with onnxruntime-node, on 127.0.0.1 only.
 */
async function serveRepository(repo: string): Promise<{ url: string; server: Server; requests: unknown[] }> {
  const requests: unknown[] = [];
  const models = new Map<string, { config: TritonConfig; session: ort.InferenceSession }>();
  const load = async (name: string) => {
    if (!models.has(name)) {
      if (!existsSync(join(repo, name, 'config.pbtxt'))) return null;
      const config = readConfig(join(repo, name, 'config.pbtxt')) as unknown as TritonConfig;
      models.set(name, { config, session: await ort.InferenceSession.create(join(repo, name, '1', 'model.onnx')) });
    }
    return models.get(name)!;
  };
  const v2Type = (t: string) => t.replace('TYPE_', '');
  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let body = '';
    for await (const chunk of req) body += chunk;
    const m = /^\/v2\/models\/([^/]+)(\/ready|\/infer)?$/.exec(req.url ?? '');
    if (req.url === '/v2/health/live' || req.url === '/v2/health/ready') return send(200, {});
    if (req.url?.startsWith('/slow')) return; // never answers
    if (!m) return send(404, { error: `no route ${req.url}` });
    const model = await load(decodeURIComponent(m[1]));
    if (!model) return send(404, { error: `Request for unknown model: '${m[1]}' is not found` });
    const batch = model.config.max_batch_size > 0 ? [-1] : [];
    if (!m[2]) {
      return send(200, { name: model.config.name, versions: ['1'], platform: 'onnxruntime_onnx',
        inputs: model.config.input.map((i) => ({ name: i.name, datatype: v2Type(i.data_type), shape: [...batch, ...i.dims] })),
        outputs: model.config.output.map((o) => ({ name: o.name, datatype: v2Type(o.data_type), shape: [...batch, ...o.dims] })) });
    }
    if (m[2] === '/ready') return send(200, {});
    const request = JSON.parse(body) as { inputs: { name: string; shape: number[]; datatype: string; data: number[] }[]; outputs?: { name: string }[] };
    requests.push(request);
    const feeds: Record<string, ort.Tensor> = {};
    for (const inp of request.inputs) {
      const want = model.config.input.find((i) => i.name === inp.name);
      if (!want) return send(400, { error: `unexpected inference input '${inp.name}' for model '${model.config.name}'` });
      if (v2Type(want.data_type) !== inp.datatype) return send(400, { error: `inference input '${inp.name}' data-type is '${inp.datatype}', but model '${model.config.name}' expects '${v2Type(want.data_type)}'` });
      feeds[inp.name] = new ort.Tensor('float32', Float32Array.from(inp.data), inp.shape);
    }
    const result = await model.session.run(feeds);
    const names = request.outputs?.map((o) => o.name) ?? model.config.output.map((o) => o.name);
    send(200, { model_name: model.config.name, model_version: '1', outputs: names.map((n) => ({ name: n, datatype: 'FP32', shape: result[n].dims, data: Array.from(result[n].data as Float32Array) })) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, requests };
}

describe('InferenceClient speaks the Open Inference Protocol (KServe v2 REST)', () => {
  it('sends Soma tensors to a served repository and gets Soma tensors back, equal to predict', async () => {
    const repo = join(dir, 'served');
    soma.setRandomSeed(5);
    const mlp = sequential({ name: 'mlp', layers: [layers.dense({ inputShape: [4], units: 8, activation: 'tanh' }), layers.dense({ units: 2 })] });
    await exportTriton(mlp, repo);
    const { url, server, requests } = await serveRepository(repo);
    try {
      const client = new InferenceClient(url);
      expect(await client.live()).toBe(true);
      expect(await client.ready('mlp')).toBe(true);
      expect(await client.ready('nope')).toBe(false);
      const meta = await client.metadata('mlp');
      expect(meta.inputs[0]).toMatchObject({ datatype: 'FP32', shape: [-1, 4] });
      const x = soma.randomNormal([3, 4], { seed: 9 });
      // A tensor alone goes to the model's one input, named from the metadata.
      const outputs = await client.infer('mlp', x);
      const name = meta.outputs[0].name;
      expect(outputs[name].shape).toEqual([3, 2]);
      expect(outputs[name].dtype).toBe('float32');
      const want = await (mlp.predict(x) as soma.Tensor).data();
      const got = await outputs[name].data();
      for (let i = 0; i < want.length; i++) expect(Math.abs(want[i] - got[i])).toBeLessThan(1e-6);
      expect(requests[0]).toMatchObject({ inputs: [{ name: meta.inputs[0].name, shape: [3, 4], datatype: 'FP32' }] });

      // By name, asking for one output.
      const byName = await client.infer('mlp', { [meta.inputs[0].name]: x }, { outputs: [name], id: 'r1' });
      expect(Object.keys(byName)).toEqual([name]);
      expect(requests[1]).toMatchObject({ id: 'r1', outputs: [{ name }] });
    } finally {
      server.close();
    }
  });

  it('server errors, wrong input counts, dead servers and slow answers are clear errors', async () => {
    const { url, server } = await serveRepository(join(dir, 'served'));
    try {
      const client = new InferenceClient(url, { timeoutMs: 300 });
      const x = soma.zeros([1, 4]);
      await expect(client.infer('missing', { a: x })).rejects.toThrow(/InferenceClient: POST http:\/\/127\.0\.0\.1:\d+\/v2\/models\/missing\/infer: HTTP 404: Request for unknown model: 'missing' is not found/);
      await expect(client.infer('mlp', [x, x])).rejects.toThrow(/InferenceClient: model 'mlp' takes 1 inputs \(.+\), got 2 tensors/);
      await expect(client.infer('mlp', { wrong: x })).rejects.toThrow(/HTTP 400: unexpected inference input 'wrong'/);
      await expect(client.infer('mlp', { [(await client.metadata('mlp')).inputs[0].name]: soma.zeros([1, 4], 'int32') })).rejects.toThrow(/data-type is 'INT32', but model 'mlp' expects 'FP32'/);
      const slow = new InferenceClient(`${url}/slow`, { timeoutMs: 200 });
      await expect(slow.metadata('mlp')).rejects.toThrow(/InferenceClient: GET http:\/\/127\.0\.0\.1:\d+\/slow\/v2\/models\/mlp: no answer within 200 ms \(timeoutMs\)/);
    } finally {
      server.close();
      server.closeAllConnections();
    }
    const dead = new InferenceClient(url);
    expect(await dead.live()).toBe(false);
    await expect(dead.metadata('mlp')).rejects.toThrow(/InferenceClient: GET http:\/\/127\.0\.0\.1:\d+\/v2\/models\/mlp: fetch failed/);
    expect(() => new InferenceClient('localhost')).toThrow(/InferenceClient: "localhost" is not a URL \(expected e\.g\. http:\/\/localhost:8000\)/);
  });
});
