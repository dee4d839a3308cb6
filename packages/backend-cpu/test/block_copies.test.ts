import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';

/** numpy.tile's rule, one output element at a time: out[i] = x[i mod shape]. */
function naiveTile(values: Float32Array, shape: number[], reps: number[]): number[] {
  const out = shape.map((d, i) => d * reps[i]);
  const size = out.reduce((a, b) => a * b, 1);
  const res: number[] = [];
  for (let o = 0; o < size; o++) {
    let rest = o;
    let src = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const i = rest % out[d];
      rest = Math.floor(rest / out[d]);
      src += (i % shape[d]) * stride;
      stride *= shape[d];
    }
    res.push(values[src]);
  }
  return res;
}

describe("cpu's tile (block copies per axis) against numpy.tile's element rule", () => {
  const cases: [number[], number[]][] = [
    [[1], [7]], [[], []], [[3], [1]], [[1, 16, 1, 1], [4, 1, 5, 3]], [[2, 3], [3, 2]], [[2, 1, 3], [1, 4, 2]],
    [[1, 1], [3, 4]], [[3, 2, 2, 1], [2, 1, 3, 5]], [[2, 3], [0, 2]],
    // Past 4096 elements a broadcast runs in WebAssembly (assembly/copy.ts), a step of 0 on the
    // tiled axes; [5, 1] × [3, 400] tiles a longer axis, which stays with the block copies.
    [[1, 64, 1, 1], [16, 1, 8, 8]], [[3, 1, 40], [1, 50, 1]], [[2, 3, 1, 1], [1, 1, 30, 30]], [[5, 1], [1, 1000]], [[5, 1], [3, 400]],
  ];
  it.each(cases)('shape %j, reps %j', async (shape, reps) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: size }, (_, i) => i * 1.5 - 2);
    const x = soma.tensor(values, shape);
    const y = soma.tile(x, reps);
    expect(y.shape).toEqual(shape.map((d, i) => d * reps[i]));
    expect(Array.from(await y.data())).toEqual(naiveTile(values, shape, reps));
    soma.dispose([x, y]);
  });
});

/** The input element a pad's output element `o` copies, or −1 where it is padding. */
function padSource(shape: readonly number[], pads: readonly (readonly [number, number])[], out: readonly number[], o: number): number {
  let rest = o;
  let src = 0;
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const i = (rest % out[d]) - pads[d][0];
    rest = Math.floor(rest / out[d]);
    if (i < 0 || i >= shape[d]) return -1;
    src += i * stride;
    stride *= shape[d];
  }
  return src;
}

describe("cpu's constant pad (trailing unpadded axes copied as one run) against an element rule", () => {
  const cases: [number[], [number, number][]][] = [
    [[2, 3, 4, 5], [[0, 0], [1, 2], [0, 0], [0, 0]]], [[2, 3, 4, 5], [[0, 0], [0, 0], [1, 1], [2, 0]]],
    [[3, 4], [[2, 1], [0, 0]]], [[3, 4], [[0, 0], [0, 0]]], [[5], [[1, 3]]], [[2, 1, 3], [[1, 0], [0, 0], [0, 0]]],
    // Past 4096 elements in WebAssembly: a stride-2 slice's gradient (runs of one), a channel pad, every axis.
    [[32, 8, 16, 1], [[0, 0], [0, 0], [0, 0], [0, 1]]], [[32, 8, 1, 16], [[0, 0], [0, 0], [0, 1], [0, 0]]],
    [[4, 8, 16, 16], [[0, 0], [4, 4], [0, 0], [0, 0]]], [[3, 5, 17, 19], [[1, 2], [0, 3], [2, 1], [1, 1]]],
  ];
  it.each(cases.flatMap(([shape, pads]) => [[shape, pads, 'float32'], [shape, pads, 'int32']] as const))('shape %j, pads %j, %s', async (shape, pads, dtype) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: size }, (_, i) => i + 1);
    const x = soma.tensor(values, shape, dtype);
    const y = soma.pad(x, pads, -7);
    const out = shape.map((d, i) => d + pads[i][0] + pads[i][1]);
    const want: number[] = [];
    const total = out.reduce((a, b) => a * b, 1);
    for (let o = 0; o < total; o++) {
      const src = padSource(shape, pads, out, o);
      want.push(src >= 0 ? values[src] : -7);
    }
    expect(Array.from(await y.data())).toEqual(want);
    soma.dispose([x, y]);
  });
});

/** The element x[idx] of a row-major array of `shape`. */
function at(values: ArrayLike<number>, shape: readonly number[], idx: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * shape[d] + idx[d];
  return values[o];
}

/** Every index of `shape`, row-major. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const total = shape.reduce((a, b) => a * b, 1);
  for (let o = 0; o < total; o++) {
    const idx = new Array<number>(shape.length);
    let rest = o;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    yield idx;
  }
}

describe("cpu's strided slice and transpose (in WebAssembly: every case has over 4096 elements) against an element rule", () => {
  const shape = [8, 12, 24, 20];
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: size }, (_, i) => i - 300);
  const slices: [number[], number[], number[]][] = [
    [[0, 0, 0, 0], [8, 12, 24, 20], [1, 1, 2, 2]], // a ResNet shortcut's x[:, :, ::2, ::2]
    [[7, 1, 23, 3], [-9, 12, -25, 20], [-1, 3, -2, 1]], // reversed and strided axes together
    [[0, 2, 0, 0], [8, 10, 24, 20], [1, 1, 1, 1]], // channels: whole planes
    [[1, 0, 3, 19], [7, 12, 24, -21], [2, 1, 1, -1]],
  ];
  it.each(slices.flatMap((s) => [[...s, 'float32'], [...s, 'int32']] as const))('begin %j end %j steps %j, %s', async (begin, end, steps, dtype) => {
    const x = soma.tensor(values, shape, dtype);
    const y = soma.stridedSlice(x, begin, end, steps);
    const got = await y.data();
    const want: number[] = [];
    for (const idx of indices(y.shape)) want.push(at(values, shape, idx.map((i, d) => begin[d] + i * steps[d])));
    expect(Array.from(got)).toEqual(want);
    soma.dispose([x, y]);
  });
  it.each([[[0, 3, 1, 2]], [[3, 2, 1, 0]], [[1, 0, 2, 3]], [[0, 1, 3, 2]]])('transpose %j', async (perm) => {
    for (const dtype of ['float32', 'int32'] as const) {
      const x = soma.tensor(values, shape, dtype);
      const y = soma.transpose(x, perm);
      const want: number[] = [];
      for (const idx of indices(y.shape)) {
        const src = new Array<number>(4);
        perm.forEach((p, d) => (src[p] = idx[d]));
        want.push(at(values, shape, src));
      }
      expect(Array.from(await y.data())).toEqual(want);
      soma.dispose([x, y]);
    }
  });
});

describe("cpu's block copies split across three threads against an element rule", () => {
  beforeAll(async () => {
    soma.registerBackend('cpu-copy-threads', () => new CpuBackend('cpu-copy-threads', { threads: 3, minParallelWork: 0 }));
    await soma.setBackend('cpu-copy-threads');
    expect((soma.backend() as CpuBackend).threads).toBe(3);
  });
  afterAll(async () => {
    await soma.setBackend('cpu');
    soma.removeBackend('cpu-copy-threads');
  });
  const ramp = (shape: number[]) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i % 100003) - 50000);
  it('pads runs of one (a stride-2 slice gradient), whole channel planes and one long run', async () => {
    const cases: [number[], [number, number][]][] = [
      [[64, 16, 32, 16, 1], [[0, 0], [0, 0], [0, 0], [0, 0], [0, 1]]],
      [[32, 16, 32, 32], [[0, 0], [8, 8], [0, 0], [0, 0]]],
      [[4, 128, 1024], [[1, 1], [0, 0], [0, 0]]],
    ];
    for (const [shape, pads] of cases) {
      const values = ramp(shape);
      const x = soma.tensor(values, shape);
      const y = soma.pad(x, pads, -7);
      const got = await y.data();
      const out = y.shape;
      let bad = -1;
      for (let o = 0, total = got.length; o < total && bad < 0; o++) {
        const src = padSource(shape, pads, out, o);
        if (got[o] !== (src >= 0 ? values[src] : -7)) bad = o;
      }
      expect(bad, `pad of [${shape}] by ${JSON.stringify(pads)}: first wrong element`).toBe(-1);
      soma.dispose([x, y]);
    }
  });
  it('slices with steps of 2 and transposes', async () => {
    const shape = [16, 16, 64, 64];
    const values = ramp(shape);
    const x = soma.tensor(values, shape);
    const s = soma.stridedSlice(x, [0, 0, 1, 0], [16, 16, 64, 64], [1, 1, 2, 2]);
    const sv = await s.data();
    let bad = -1;
    for (let o = 0; o < sv.length && bad < 0; o++) {
      const [n, c, h, w] = [Math.floor(o / (16 * 32 * 32)), Math.floor(o / (32 * 32)) % 16, Math.floor(o / 32) % 32, o % 32];
      if (sv[o] !== at(values, shape, [n, c, 1 + 2 * h, 2 * w])) bad = o;
    }
    expect(bad, 'strided slice: first wrong element').toBe(-1);
    const t = soma.transpose(x, [0, 2, 3, 1]);
    const tv = await t.data();
    bad = -1;
    for (let o = 0; o < tv.length && bad < 0; o++) {
      const [n, h, w, c] = [Math.floor(o / (64 * 64 * 16)), Math.floor(o / (64 * 16)) % 64, Math.floor(o / 16) % 64, o % 16];
      if (tv[o] !== at(values, shape, [n, c, h, w])) bad = o;
    }
    expect(bad, 'transpose: first wrong element').toBe(-1);
    soma.dispose([x, s, t]);
  });
});
