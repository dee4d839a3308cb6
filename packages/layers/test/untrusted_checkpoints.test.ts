import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { decodeSafetensors, encodeSafetensors, input, layers, loadModel, model as functionalModel, sequential, type LayersModel, type NamedArray } from '@soma/layers';
import { adam, sgd } from '@soma/optimizers';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { weightsPathOf } from './helpers/saved_model';

const dir = mkdtempSync(join(tmpdir(), 'soma-untrusted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file written byte by byte, so a test can say exactly what the header claims. */
function craft(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

async function trainedModel(name: string): Promise<LayersModel> {
  const m = sequential([layers.dense({ units: 2, inputShape: [3], name: `${name}_fc` })], { name });
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'mse' });
  const x = soma.randomNormal([4, 3], { seed: 1 });
  const y = soma.zeros([4, 2]);
  await m.trainOnBatch(x, y);
  soma.dispose([x, y]);
  return m;
}

function rewriteWeights(folder: string, edit: (tensors: Map<string, NamedArray>, metadata: Map<string, string>) => void): void {
  const path = weightsPathOf(folder);
  const { tensors, metadata } = decodeSafetensors(readFileSync(path));
  edit(tensors, metadata);
  writeFileSync(path, encodeSafetensors(tensors, metadata));
}

function rewriteModelJson(folder: string, edit: (json: Record<string, unknown>) => void): void {
  const path = join(folder, 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

const prototypeIsClean = () => {
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(String({})).toBe('[object Object]');
};

describe('security: a crafted checkpoint cannot reach the process', () => {
  it('optimizer slots named through __proto__ are rejected and Object.prototype stays untouched', async () => {
    const m = await trainedModel('proto');
    const folder = join(dir, 'proto');
    for (const slot of ['polluted', 'toString']) {
      await m.save(folder);
      rewriteWeights(folder, (t) => t.set(`optimizer/__proto__/${slot}`, { dtype: 'float32', shape: [1], data: Float32Array.of(1) }));
      await expect(loadModel(folder)).rejects.toThrow(/'optimizer\/__proto__\/\w+' is not a valid optimizer slot name/);
      prototypeIsClean();
    }
    // A weight named __proto__ is just an unexpected name.
    await m.save(folder);
    rewriteWeights(folder, (t) => t.set('__proto__', { dtype: 'float32', shape: [1], data: Float32Array.of(1) }));
    await expect(loadModel(folder)).rejects.toThrow(/does not match the model: unexpected __proto__/);
    prototypeIsClean();
    m.dispose();
  });

  it('weightsFile must be a plain name in the model folder: paths, devices, links out of it and pipes are refused without reading', async () => {
    const m = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    const folder = join(dir, 'escape');
    await m.save(folder);
    for (const target of ['../../../../etc/hostname', '/dev/zero', '..', 'sub/weights.safetensors', 'C:\\Windows\\win.ini']) {
      rewriteModelJson(folder, (j) => (j.weightsFile = target));
      await expect(loadModel(folder)).rejects.toThrow(/weightsFile must be a plain file name in the model's folder/);
    }
    // A link inside the folder that points outside it.
    for (const [name, target] of [['link-etc', '/etc/hostname'], ['link-zero', '/dev/zero']]) {
      symlinkSync(target, join(folder, name));
      rewriteModelJson(folder, (j) => (j.weightsFile = name));
      await expect(loadModel(folder)).rejects.toThrow(/resolves to .* outside the model's folder/);
    }
    // A named pipe in the folder: refused at once instead of waiting forever for a writer.
    execFileSync('mkfifo', [join(folder, 'pipe')]);
    rewriteModelJson(folder, (j) => (j.weightsFile = 'pipe'));
    await expect(loadModel(folder)).rejects.toThrow(/pipe is not a regular file/);
    mkdirSync(join(folder, 'adir'));
    rewriteModelJson(folder, (j) => (j.weightsFile = 'adir'));
    await expect(loadModel(folder)).rejects.toThrow(/adir is not a regular file/);
    m.dispose();
  });

  it('a header that claims more bytes than the file holds is refused before the data is read', async () => {
    const m = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    const folder = join(dir, 'sizes');
    await m.save(folder);
    const path = weightsPathOf(folder);
    const bytes = readFileSync(path);
    const huge = new Uint8Array(bytes);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    writeFileSync(path, huge);
    await expect(loadModel(folder)).rejects.toThrow(/the header claims 1099511627776 bytes, more than the format's limit/);
    new DataView(huge.buffer).setBigUint64(0, BigInt(bytes.length), true);
    writeFileSync(path, huge);
    await expect(loadModel(folder)).rejects.toThrow(/truncated: the header should be \d+ bytes but only \d+ follow/);
    m.dispose();
  });

  it("names resolve through own properties: activation 'constructor' and className 'toString' are errors listing the valid names", async () => {
    expect(() => layers.dense({ units: 1, activation: 'constructor' as 'relu' })).toThrow(/unknown activation 'constructor'; valid names: linear, step/);
    expect(() => layers.dense({ units: 1, kernelInitializer: 'toString' as 'zeros' })).toThrow(/unknown initializer 'toString'/);
    expect(() => layers.dense({ units: 1, kernelRegularizer: 'hasOwnProperty' as 'l2' })).toThrow(/unknown regularizer 'hasOwnProperty'/);
    const net = sequential([layers.dense({ units: 1, inputShape: [2] })]);
    expect(() => net.compile({ optimizer: 'constructor' as 'adam', loss: 'mse' })).toThrow(/unknown optimizer 'constructor'/);
    expect(() => net.compile({ optimizer: 'sgd', loss: 'valueOf' as 'mse' })).toThrow(/unknown loss 'valueOf'/);
    expect(() => layers.dense({ units: 1, activation: 'rellu' as 'relu' })).toThrow(/Did you mean 'relu'\?/);
    const folder = join(dir, 'names');
    await net.save(folder);
    rewriteModelJson(folder, (j) => ((j.config as { layers: { className: string }[] }).layers[0].className = 'toString'));
    await expect(loadModel(folder)).rejects.toThrow(/unknown layer class .* 'toString'; valid names: .*Dense/);
    rewriteModelJson(folder, (j) => {
      const l = (j.config as { layers: { className: string; config: Record<string, unknown> }[] }).layers[0];
      l.className = 'Dense';
      l.config.activation = 'constructor';
    });
    await expect(loadModel(folder)).rejects.toThrow(/unknown activation 'constructor'/);
    net.dispose();
  });
});

describe('silent corruption: safetensors offsets are validated as the format specifies', () => {
  const bias = { dtype: 'F32', shape: [2] };
  const cases: [string, Record<string, unknown>, Uint8Array, RegExp][] = [
    ['a negative offset', { b: { ...bias, data_offsets: [-8, 0] } }, f32(), /data_offsets \[-8,0\]; expected \[begin, end\]/],
    ['fractional offsets', { b: { ...bias, data_offsets: [0.5, 8.5] } }, f32(1, 2, 3), /data_offsets \[0\.5,8\.5\]/],
    ['end before begin', { b: { ...bias, data_offsets: [8, 0] } }, f32(1, 2), /data_offsets \[8,0\]/],
    ['overlapping tensors', { a: { ...bias, data_offsets: [0, 8] }, b: { ...bias, data_offsets: [4, 12] } }, f32(1, 2, 3), /'b' starts at byte 4 of the data but the previous tensor ends at 8/],
    ['a gap between tensors', { a: { ...bias, data_offsets: [0, 8] }, b: { ...bias, data_offsets: [12, 20] } }, f32(1, 2, 3, 4, 5), /'b' starts at byte 12/],
    ['trailing bytes', { a: { ...bias, data_offsets: [0, 8] } }, f32(1, 2, 3), /4 bytes follow the last tensor/],
    ['a size that disagrees with the shape', { a: { ...bias, data_offsets: [0, 12] } }, f32(1, 2, 3), /has shape \[2\] \(8 bytes\) but spans 12 bytes/],
    ['a shape that is not a list of sizes', { a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32(1, 2), /has shape \[-2\]; expected an array of non-negative integers/],
    ['metadata that is not strings', { __metadata__: { n: 3 }, a: { ...bias, data_offsets: [0, 8] } }, f32(1, 2), /__metadata__\.n must be a string/],
    ['a header that is an array', [] as unknown as Record<string, unknown>, f32(), /the header must be a JSON object/],
  ];
  it.each(cases)('%s is an error naming the problem', (_, header, data, message) => {
    expect(() => decodeSafetensors(craft(header, data), 'w.safetensors')).toThrow(message);
  });

  it("PyTorch's element types read as Soma's: F64, F16, BF16 as float32, I64 as int32 within range (beyond it, an error naming the tensor)", () => {
    const bytes = new Uint8Array(8 + 4 + 4 + 16);
    const v = new DataView(bytes.buffer);
    v.setFloat64(0, 1.5, true);
    v.setUint16(8, 0x3c00, true); // half 1.0
    v.setUint16(10, 0xc000, true); // half -2.0
    v.setUint16(12, 0x3f80, true); // bfloat16 1.0
    v.setUint16(14, 0x4049, true); // bfloat16 3.140625
    v.setBigInt64(16, 7n, true);
    v.setBigInt64(24, -3n, true);
    const header = { d: { dtype: 'F64', shape: [1], data_offsets: [0, 8] }, h: { dtype: 'F16', shape: [2], data_offsets: [8, 12] }, b: { dtype: 'BF16', shape: [2], data_offsets: [12, 16] }, i: { dtype: 'I64', shape: [2], data_offsets: [16, 32] } };
    const { tensors } = decodeSafetensors(craft(header, bytes));
    expect([...tensors].map(([k, t]) => [k, t.dtype, Array.from(t.data)])).toEqual([['d', 'float32', [1.5]], ['h', 'float32', [1, -2]], ['b', 'float32', [1, 3.140625]], ['i', 'int32', [7, -3]]]);
    v.setBigInt64(24, 2n ** 40n, true);
    expect(() => decodeSafetensors(craft(header, bytes), 'big.safetensors')).toThrow(/big\.safetensors: tensor 'i' \(I64\) holds 1099511627776, outside the int32 Soma reads it as/);
  });

  it('out-of-order offsets are fine when the tensors still tile the data, as in the format', () => {
    const { tensors } = decodeSafetensors(craft({ b: { ...bias, data_offsets: [8, 16] }, a: { ...bias, data_offsets: [0, 8] } }, f32(1, 2, 3, 4)));
    expect(Array.from(tensors.get('a')!.data)).toEqual([1, 2]);
    expect(Array.from(tensors.get('b')!.data)).toEqual([3, 4]);
  });

  it('a checkpoint whose bias starts inside the header (negative offset) is refused instead of loading header bytes as weights', async () => {
    const m = sequential([layers.dense({ units: 2, inputShape: [3], name: 'fc' })]);
    const folder = join(dir, 'negative');
    await m.save(folder);
    writeFileSync(weightsPathOf(folder), craft({
      'fc/kernel': { dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] }, 'fc/bias': { dtype: 'F32', shape: [2], data_offsets: [-40, -32] },
    }, f32(1, 2, 3, 4, 5, 6)));
    await expect(loadModel(folder)).rejects.toThrow(/'fc\/bias' has data_offsets \[-40,-32\]/);
    m.dispose();
  });
});

describe('silent corruption: numbers from files and constructors are validated', () => {
  it("optimizer_iterations 'abc' is refused instead of turning every weight into NaN at the next step", async () => {
    const m = await trainedModel('iters');
    const folder = join(dir, 'iters');
    for (const bad of ['abc', '-1', '1.5', 'Infinity', '']) {
      await m.save(folder);
      rewriteWeights(folder, (_, meta) => meta.set('optimizer_iterations', bad));
      await expect(loadModel(folder)).rejects.toThrow(`optimizer_iterations must be a non-negative integer, got '${bad}'`);
    }
    m.dispose();
  });

  it("a learning rate of 'abc' or Infinity is refused from model.json and by the constructors", async () => {
    const m = await trainedModel('lr');
    const folder = join(dir, 'lr');
    await m.save(folder);
    for (const bad of ['abc', 1e999, -0.1]) {
      rewriteModelJson(folder, (j) => ((j.training as { optimizer: { options: Record<string, unknown> } }).optimizer.options.learningRate = bad));
      await expect(loadModel(folder)).rejects.toThrow(/adam: learningRate must be a finite number >= 0, got/);
    }
    expect(() => adam({ learningRate: Infinity })).toThrow('adam: learningRate must be a finite number >= 0, got Infinity');
    expect(() => adam({ learningRate: 'abc' as unknown as number })).toThrow("adam: learningRate must be a finite number >= 0, got 'abc'");
    expect(() => adam({ beta1: 1 })).toThrow('adam: beta1 must be a finite number >= 0 < 1, got 1');
    expect(() => sgd({ momentum: NaN })).toThrow('sgd: momentum must be a finite number >= 0, got NaN');
    expect(() => sgd({ clipNorm: 0 })).toThrow('sgd: clipNorm must be a finite number > 0, got 0');
    expect(() => layers.dense({ units: 'abc' as unknown as number })).toThrow(/units must be an integer >= 1, got 'abc'/);
    expect(() => layers.dropout({ rate: 1.5 })).toThrow(/rate must be a finite number >= 0 < 1, got 1.5/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: [3, 0] })).toThrow(/kernelSize\[1\] must be an integer >= 1, got 0/);
    m.dispose();
  });
});

describe('data loss: saving', () => {
  it('saving a model that could not be loaded back is refused and leaves the good checkpoint in place', async () => {
    const good = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    const folder = join(dir, 'unbuilt');
    await good.save(folder);
    const before = readdirSync(folder).sort();
    const unbuilt = sequential([layers.dense({ units: 2 })]);
    await expect(unbuilt.save(folder)).rejects.toThrow(/has no weights yet, so it could not be loaded back/);
    expect(readdirSync(folder).sort()).toEqual(before);
    const back = await loadModel(folder);
    expect(back.countParams()).toBe(8);
    // Built by its first batch instead of an inputShape: saved with the shape it was built for.
    const x = soma.ones([1, 3]);
    (unbuilt.predict(x) as soma.Tensor).dispose();
    await unbuilt.save(folder);
    const again = await loadModel(folder);
    expect(again.countParams()).toBe(8);
    soma.dispose(x);
    [good, unbuilt, back, again].forEach((m) => m.dispose());
  });

  it('concurrent saves to one folder all succeed and leave one complete model and no temp files', async () => {
    const a = sequential([layers.dense({ units: 3, inputShape: [2], name: 'a' })]);
    const b = sequential([layers.dense({ units: 5, inputShape: [2], name: 'b' })]);
    const folder = join(dir, 'concurrent');
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).save(folder)));
    const back = await loadModel(folder);
    expect([15, 9]).toContain(back.countParams());
    const files = readdirSync(folder).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^model\.json$/);
    expect(files[1]).toMatch(/^weights\.\w+\.safetensors$/);
    [a, b, back].forEach((m) => m.dispose());
  });

  it('file:// URLs save to and load from the path they name, as in TF.js', async () => {
    const m = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    const folder = join(dir, 'file-url');
    await m.save(pathToFileURL(folder).href);
    expect(readdirSync(folder)).toContain('model.json');
    const back = await loadModel(pathToFileURL(folder).href);
    expect(back.countParams()).toBe(8);
    [m, back].forEach((x) => x.dispose());
  });
});

describe('loadModel({ maxParameters })', () => {
  it('refuses a model with more parameters than the limit, from the weights header, before reading its data', async () => {
    const m = sequential([layers.dense({ units: 3, inputShape: [4], name: 'mp_fc' })], { name: 'mp' });
    m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'mse' });
    await m.fit(soma.ones([2, 4]), soma.ones([2, 3]), { epochs: 1, verbose: 0 });
    const folder = join(dir, 'max-params');
    await m.save(folder);
    m.dispose();
    // 15 parameters; Adam's slots are in the file too, and do not count.
    const ok = await loadModel(folder, { maxParameters: 15 });
    expect(ok.countParams()).toBe(15);
    ok.dispose();
    await expect(loadModel(folder, { maxParameters: 14 })).rejects.toThrow(/^loadModel: .*weights\..*\.safetensors holds 15 parameters, more than maxParameters \(14\); pass a larger \{ maxParameters \} to load it$/);
    const artifacts = { modelJson: JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')), weights: readFileSync(weightsPathOf(folder)) };
    await expect(loadModel(artifacts, { maxParameters: 10 })).rejects.toThrow(/holds 15 parameters, more than maxParameters \(10\)/);
    await expect(loadModel(folder, { maxParameters: 0 })).rejects.toThrow(/loadModel: maxParameters must be .*>= 1/);
    await expect(loadModel(folder, { maxParams: 10 } as never)).rejects.toThrow(/loadModel.*maxParams.*maxParameters/);
  });

  it('by default refuses a (sparse) weights file that declares more float32 parameters than this machine has memory', async () => {
    const m = sequential([layers.dense({ units: 3, inputShape: [4], name: 'sp_fc' })], { name: 'sp' });
    const folder = join(dir, 'sparse-params');
    await m.save(folder);
    m.dispose();
    const weights = weightsPathOf(folder);
    // 64 tensors of 2^31 - 1 float32 each: 550 GB declared, a sparse file on disk.
    const count = 2 ** 31 - 1;
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 64; i++) header[`w${i}`] = { dtype: 'F32', shape: [count], data_offsets: [i * count * 4, (i + 1) * count * 4] };
    writeFileSync(weights, craft(header, new Uint8Array(0)));
    const json = new TextEncoder().encode(JSON.stringify(header)).length;
    execFileSync('truncate', ['-s', String(8 + json + 64 * count * 4), weights]);
    const started = Date.now();
    await expect(loadModel(folder)).rejects.toThrow(/holds 137,438,953,408 parameters, more than maxParameters \([\d,]+\); pass a larger/);
    // Refused from the header: nothing near 550 GB was read (the bound is for a hang, not a speed target).
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('a model config asks for no more memory than its weights file holds', () => {
  async function savedConvNet(name: string): Promise<string> {
    const m = sequential([
      layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [1, 6, 6], name: `${name}_conv` }),
      layers.flatten({ name: `${name}_flat` }),
      layers.dense({ units: 3, name: `${name}_fc` }),
    ], { name });
    const folder = join(dir, name);
    await m.save(folder);
    m.dispose();
    return folder;
  }
  const layerConfig = (json: Record<string, unknown>, i: number) => ((json.config as { layers: { config: Record<string, unknown> }[] }).layers[i].config);

  it.each([
    ['units: 1e9', 2, 'units', 1e9, /^loadModel: .*model\.json: the model config cannot be rebuilt \(huge1_fc: weight 'kernel' of shape \[32, 1000000000\] has 32,000,000,000 elements; a tensor holds at most 2,147,483,647\)$/],
    ['units: 2e7', 2, 'units', 2e7, /^loadModel: .*model\.json: the model config cannot be rebuilt \(huge2_fc: weight 'kernel' of shape \[32, 20000000\] \(640,000,000 elements\) needs far more parameters than the 119 that .*weights\..*\.safetensors holds: the config does not match its weights\)$/],
    ['filters: 1e9', 0, 'filters', 1e9, /huge3_conv: weight 'kernel' of shape \[1000000000, 1, 3, 3\] has 9,000,000,000 elements/],
    ['kernelSize: 1e9', 0, 'kernelSize', [1e9, 1e9], /huge4_conv: .*(kernel size|kernelSize|larger than|has more than 2\^53 elements)/],
  ] as const)('%s fails before allocating, naming the layer', async (_, layer, key, value, message) => {
    const name = `huge${['units: 1e9', 'units: 2e7', 'filters: 1e9', 'kernelSize: 1e9'].indexOf(_) + 1}`;
    const folder = await savedConvNet(name);
    rewriteModelJson(folder, (json) => {
      layerConfig(json, layer)[key] = value;
    });
    const before = process.memoryUsage();
    await expect(loadModel(folder)).rejects.toThrow(message);
    const after = process.memoryUsage();
    expect(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers).toBeLessThan(64 * 2 ** 20);
  });

  it('a functional InputLayer without batchInputShape is a clear error', async () => {
    const inp = input({ shape: [3], name: 'inp' });
    const m = functionalModel({ inputs: inp, outputs: layers.dense({ units: 2, name: 'nobis_fc' }).apply(inp) as never, name: 'nobis' });
    const folder = join(dir, 'nobis');
    await m.save(folder);
    m.dispose();
    rewriteModelJson(folder, (json) => {
      delete layerConfig(json, 0).batchInputShape;
    });
    await expect(loadModel(folder)).rejects.toThrow("the model config cannot be rebuilt (InputLayer 'inp': config needs batchInputShape, an array such as [null, 28, 28, 1], got undefined)");
  });

  it('layers built in code name themselves when a weight is past the element limit', () => {
    expect(() => sequential([layers.dense({ units: 2 ** 31, inputShape: [4], name: 'wide' })])).toThrow(/^wide: weight 'kernel' of shape \[4, 2147483648\] has 8,589,934,592 elements; a tensor holds at most 2,147,483,647$/);
  });
});
