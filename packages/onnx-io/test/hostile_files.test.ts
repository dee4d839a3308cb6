import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { decodeOnnx, encodeOnnx, externalDataFiles, importOnnx, type ModelProto, type TensorProto } from '@soma/onnx-io';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Small hostile ONNX files: each would hang, abort or exhaust memory without a bound checked first.
const lenetFile = fileURLToPath(new URL('../../../test/fixtures/onnx/lenet.onnx', import.meta.url));
const lenet = () => decodeOnnx(new Uint8Array(readFileSync(lenetFile)));

const int64 = (values: number[]) => new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
const scalarInt64 = (name: string, v: number): TensorProto => ({ name, dims: [], data_type: 7, raw_data: int64([v]) });

/** A one-output graph of the given nodes and initializers. */
function graphModel(nodes: NonNullable<ModelProto['graph']>['node'], initializer: TensorProto[], output: string, elemType = 7): Uint8Array {
  return encodeOnnx({
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    graph: { name: 'g', node: nodes, initializer, input: [], output: [{ name: output, type: { tensor_type: { elem_type: elemType } } }] },
  });
}

function inFolder(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'soma-hostile-onnx-'));
  return run(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** lenet with its largest initializer moved to `location`, with the given external_data entries. */
function withExternal(entries: Record<string, string>): { model: Uint8Array; bytes: Uint8Array } {
  const m = lenet();
  const t = [...(m.graph!.initializer ?? [])].sort((a, b) => (b.raw_data?.length ?? 0) - (a.raw_data?.length ?? 0))[0];
  const bytes = t.raw_data!;
  delete t.raw_data;
  t.data_location = 1;
  t.external_data = Object.entries(entries).map(([key, value]) => ({ key, value }));
  return { model: encodeOnnx(m), bytes };
}

describe('importOnnx: structure is bounded before it is decoded', () => {
  it('a few megabytes of empty nodes are refused on the wire, listing a few and a count', async () => {
    // Each empty node is two bytes (tag, zero length): 2 million nodes in 4 MB.
    const empty = new Uint8Array(2 * 2_000_000);
    for (let i = 0; i < empty.length; i += 2) empty[i] = 0x0a;
    const graphLen = empty.length;
    const header = [0x3a]; // ModelProto.graph, length-delimited
    for (let n = graphLen; ; n >>>= 7) {
      if (n < 0x80) { header.push(n); break; }
      header.push((n & 0x7f) | 0x80);
    }
    const bytes = new Uint8Array(header.length + graphLen);
    bytes.set(header);
    bytes.set(empty, header.length);
    const before = process.memoryUsage().heapUsed;
    await expect(importOnnx(bytes)).rejects.toThrow(/^importOnnx: model declares more than 500,000 nodes; Soma imports at most that many \(ImportOptions\.maxNodes\)$/);
    await expect(importOnnx(bytes, { maxNodes: 3_000_000 })).rejects.toThrow(/^importOnnx: model is malformed \(2,000,000 problems\):\n {2}node #0 has no op_type\n(.*\n){4} {2}… and 1,999,995 more$/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 2 ** 20);
  });

  it('a tensor listing a million dims, and types nested thousands deep, are refused', async () => {
    const m = lenet();
    m.graph!.initializer![0].dims = new Array(1_000_000).fill(1);
    await expect(importOnnx(encodeOnnx(m))).rejects.toThrow(/^importOnnx: model is malformed \(1 problem\):\n {2}a TensorProto lists 1,000,000 dimensions \(at most 64\)$/);
    // A value whose type is TypeProto.sequence_type.elem_type nested 100,000 deep (300 KB): every
    // walk over it recurses once per level. Written by hand, as encoders refuse such depth.
    const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
    // Built inside out as prefixes (tag, length), each level wrapping everything before it.
    const prefixes: number[][] = [];
    let size = 0;
    const wrap = (id: number) => {
      const p = [(id << 3) | 2, ...varint(size)];
      prefixes.push(p);
      size += p.length;
    };
    for (let i = 0; i < 100_000; i++) {
      wrap(1); // Sequence.elem_type
      wrap(4); // TypeProto.sequence_type
    }
    wrap(2); // ValueInfoProto.type
    wrap(13); // GraphProto.value_info
    wrap(7); // ModelProto.graph
    const deep = [...readFileSync(lenetFile), ...prefixes.reverse().flat()];
    await expect(importOnnx(Uint8Array.from(deep))).rejects.toThrow(/^importOnnx: model is malformed \(1 problem\):\n {2}messages nested more than 100 deep$/);
  });

  it('a 200,000-node chain stored in reverse order imports (the ordering is iterative) and runs', async () => {
    const n = 200_000;
    const nodes = Array.from({ length: n }, (_, i) => ({ op_type: 'Identity', input: [i === 0 ? 'x' : `v${i - 1}`], output: [`v${i}`] })).reverse();
    const bytes = encodeOnnx({
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      graph: {
        name: 'chain', node: nodes,
        input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 2 }] } } } }],
        output: [{ name: `v${n - 1}`, type: { tensor_type: { elem_type: 1 } } }],
      },
    });
    const m = await importOnnx(bytes);
    const x = soma.tensor([1, 2]);
    const y = m.predict(x)[`v${n - 1}`];
    expect(Array.from(y.dataSync())).toEqual([1, 2]);
    soma.dispose([x, y]);
    m.dispose();
  }, 60_000);

  it('two writers of one name, and repeated graph inputs or outputs, are refused naming them', async () => {
    const m = lenet();
    const [a, b] = m.graph!.node!;
    b.output = [a.output![0]];
    await expect(importOnnx(encodeOnnx(m))).rejects.toThrow(/^importOnnx: model: 1 name\(s\) defined twice \(a value has one writer\):\n {2}'.+' is written by node .+ and node .+$/);
    const io = lenet();
    io.graph!.output = [io.graph!.output![0], io.graph!.output![0]];
    io.graph!.input = [io.graph!.input![0], io.graph!.input![0]];
    await expect(importOnnx(encodeOnnx(io))).rejects.toThrow(/graph input 'input' is declared more than once\n {2}graph output '.+' is declared more than once/);
  });

  it('int64 initializers get the dims check every other type gets', async () => {
    const bytes = graphModel([{ op_type: 'Identity', input: ['c'], output: ['y'] }], [{ name: 'c', dims: [-1, -1], data_type: 7, int64_data: [] }], 'y');
    await expect(importOnnx(bytes)).rejects.toThrow("importOnnx: model: initializer 'c': invalid dims [-1, -1] (each must be a non-negative integer)");
    const raw = graphModel([{ op_type: 'Identity', input: ['c'], output: ['y'] }], [{ name: 'c', dims: [-1], data_type: 7, raw_data: int64([1]) }], 'y');
    await expect(importOnnx(raw)).rejects.toThrow("initializer 'c': invalid dims [-1]");
  });
});

describe('OnnxModel: host-side shape arithmetic is bounded', () => {
  it('ConstantOfShape of 3·10^8 and Range to 4·10^8 (200-byte files) give bounded tensors or clear errors, not a heap abort', async () => {
    const constant = graphModel([{ op_type: 'ConstantOfShape', input: ['s'], output: ['y'], attribute: [{ name: 'value', type: 4, t: { dims: [1], data_type: 7, raw_data: int64([7]) } }] }],
      [{ name: 's', dims: [1], data_type: 7, raw_data: int64([3e9]) }], 'y');
    expect(constant.length).toBeLessThan(200);
    const m = await importOnnx(constant);
    expect(() => m.predict({})).toThrow(/^OnnxModel: node #0 \(ConstantOfShape\): fill: shape \[3000000000\] has 3,000,000,000 elements; a tensor holds at most 2,147,483,647$/);
    m.dispose();
    const range = graphModel([{ op_type: 'Range', input: ['a', 'b', 'd'], output: ['y'] }], [scalarInt64('a', 0), scalarInt64('b', 4e9), scalarInt64('d', 1)], 'y');
    const r = await importOnnx(range);
    expect(() => r.predict({})).toThrow(/arange: arange\(0, 4000000000, 1\) has 4,000,000,000 elements/);
    r.dispose();
    const zero = graphModel([{ op_type: 'Range', input: ['a', 'b', 'd'], output: ['y'] }], [scalarInt64('a', 0), scalarInt64('b', 4), scalarInt64('d', 0)], 'y');
    const z = await importOnnx(zero);
    expect(() => z.predict({})).toThrow('OnnxModel: node #0 (Range): Range needs finite start and limit and a non-zero delta, got start=0, limit=4, delta=0');
    z.dispose();
  });

  it('a long host range becomes an int32 tensor with the right values', async () => {
    const bytes = graphModel([{ op_type: 'Range', input: ['a', 'b', 'd'], output: ['y'] }], [scalarInt64('a', 5), scalarInt64('b', 5 + 3 * 2_000_000), scalarInt64('d', 3)], 'y');
    const m = await importOnnx(bytes);
    const y = m.predict({}).y;
    expect(y.dtype).toBe('int32');
    expect(y.shape).toEqual([2_000_000]);
    const v = y.dataSync();
    expect([v[0], v[1], v[1_999_999]]).toEqual([5, 8, 5 + 3 * 1_999_999]);
    y.dispose();
    m.dispose();
  });
});

describe('importOnnx: external data is a regular file, read exactly', () => {
  it('reads the bytes the dims need at the offset, with or without a length', () => inFolder(async (dir) => {
    const plain = await importOnnx(lenetFile);
    const x = soma.randomNormal([1, 1, 28, 28], { seed: 1 });
    const want = Array.from(plain.predict(x).output.dataSync());
    const size = withExternal({ location: 'w.bin' }).bytes.length;
    for (const entries of [{ location: 'w.bin', offset: '16' }, { location: 'w.bin', offset: '16', length: String(size) }] as Record<string, string>[]) {
      const { model, bytes } = withExternal(entries);
      writeFileSync(join(dir, 'm.onnx'), model);
      const padded = new Uint8Array(16 + bytes.length + 100);
      padded.set(bytes, 16);
      writeFileSync(join(dir, 'w.bin'), padded);
      const m = await importOnnx(join(dir, 'm.onnx'));
      expect(Array.from(m.predict(x).output.dataSync())).toEqual(want);
      m.dispose();
    }
    plain.dispose();
    x.dispose();
  }));

  it('a FIFO is refused without hanging; a folder, a fractional or wrong length, and a sparse file are clear errors', () => inFolder(async (dir) => {
    const { bytes } = withExternal({ location: 'w.bin' });
    const write = (entries: Record<string, string>) => {
      writeFileSync(join(dir, 'm.onnx'), withExternal(entries).model);
      return join(dir, 'm.onnx');
    };
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await expect(importOnnx(write({ location: 'fifo' }))).rejects.toThrow(/external data 'fifo' is not a regular file; it must be a file in the model's folder/);
    mkdirSync(join(dir, 'folder'));
    await expect(importOnnx(write({ location: 'folder' }))).rejects.toThrow(/external data 'folder' is a folder; it must be a file in the model's folder/);
    writeFileSync(join(dir, 'w.bin'), bytes);
    await expect(importOnnx(write({ location: 'w.bin', length: '10.5' }))).rejects.toThrow("external data length must be a whole number of bytes, got '10.5'");
    await expect(importOnnx(write({ location: 'w.bin', offset: '-4' }))).rejects.toThrow("external data offset must be a whole number of bytes, got '-4'");
    await expect(importOnnx(write({ location: 'w.bin', length: String(bytes.length + 4) }))).rejects.toThrow(`gives length ${bytes.length + 4}, but the tensor's dims and type need ${bytes.length} bytes`);
    // 2.6 GB of holes with no length: only the tensor's own bytes are read.
    const sparse = openSync(join(dir, 'sparse.bin'), 'w');
    ftruncateSync(sparse, 2.6e9);
    closeSync(sparse);
    const m = await importOnnx(write({ location: 'sparse.bin' }));
    m.dispose();
    await expect(importOnnx(write({ location: 'sparse.bin', offset: String(2.6e9 - 10) }))).rejects.toThrow(/has 2600000000 bytes; offset 2599999990 \+ length \d+ lies outside it/);
  }));

  it('externalDataFiles lists each file once', () => {
    const m = decodeOnnx(withExternal({ location: 'w.bin' }).model);
    m.graph!.initializer!.push({ name: 'other', dims: [1], data_type: 1, data_location: 1, external_data: [{ key: 'location', value: 'w.bin' }] });
    expect(externalDataFiles(m)).toEqual(['w.bin']);
  });
});
