import { grad } from '@soma/core';
import { getEngine } from '@soma/core/internal';
import { dispose, keep, tidy } from '@soma/core';
import * as ops from '@soma/core';
import { check } from '../assertions.js';
import { variable } from '@soma/core';
import type { ConformanceCase } from './index.js';

const g = 'memory';
const live = (): number => getEngine().memory().numTensors;

export const memoryCases: ConformanceCase[] = [
  { group: g, name: 'Variable.assign shares the value\'s storage (no copy), and each keeps its value when the other changes', runAsync: async () => {
    const bytes = (): number => getEngine().memory().numBytes;
    const v = variable(ops.zeros([256]), true, 'shared_probe');
    const before = bytes();
    const t = ops.fill([256], 3);
    v.assign(t);
    // The variable's old zeros are freed and no copy of t is made: the bytes are t's alone.
    check(bytes() === before, () => `assign should share storage: ${bytes() - before} bytes more than before`);
    t.dispose();
    check(bytes() === before && (await v.data())[0] === 3, () => 'the variable must keep the shared storage when the value is disposed');
    const u = v.mul(2);
    v.assign(ops.fill([256], 5));
    const [u0, v255] = [(await u.data())[0], (await v.data())[255]];
    check(u0 === 6 && v255 === 5, () => `values computed from the old storage must keep it: got ${u0}, ${v255}`);
    dispose([u, v]);
  } },
  { group: g, name: 'tidy frees intermediates and keeps the result', run: () => {
    const before = live();
    const r = tidy(() => ops.ones([3]).mul(2).add(1).exp());
    check(live() === before + 1, () => `expected one new tensor, found ${live() - before}`);
    r.dispose();
  } },
  { group: g, name: 'tidy keeps tensors returned in arrays and objects', run: () => {
    const before = live();
    const r = tidy(() => ({ a: ops.ones([1]).add(1), list: [ops.zeros([1]).add(2)] }));
    check(live() === before + 2, () => `expected two tensors, found ${live() - before}`);
    dispose(r);
    check(live() === before, () => 'dispose of an object should free its tensors');
  } },
  { group: g, name: 'tidy keeps and dispose frees tensors in Maps and null-prototype dictionaries', run: () => {
    const before = live();
    const r = tidy(() => {
      const dict: Record<string, unknown> = Object.create(null);
      dict.w = ops.ones([1]).add(1);
      return { dict, map: new Map([['m', ops.zeros([2]).add(3)]]) };
    });
    check(live() === before + 2, () => `expected two tensors, found ${live() - before}`);
    dispose(r);
    check(live() === before, () => `dispose left ${live() - before} tensor(s) in a Map or a null-prototype object`);
  } },
  { group: g, name: 'tidy keeps a tensor nested at any depth (200 arrays, a plain-object chain) and ends on cyclic results', run: () => {
    const before = live();
    const r = tidy(() => {
      let deep: unknown = ops.ones([1]).add(1);
      for (let i = 0; i < 200; i++) deep = [deep];
      let chain: Record<string, unknown> = { t: ops.zeros([1]).add(2) };
      for (let i = 0; i < 50; i++) chain = { next: chain };
      const cyclic: Record<string, unknown> = { t: ops.ones([1]).mul(3) };
      cyclic.self = cyclic;
      return { deep, chain, cyclic };
    });
    check(live() === before + 3, () => `expected the three nested results kept, found ${live() - before}`);
    let x: unknown = r.deep;
    for (let i = 0; i < 200; i++) x = (x as unknown[])[0];
    check(!(x as { isDisposed: boolean }).isDisposed, () => 'the tensor 200 arrays deep was disposed');
    dispose(r);
    check(live() === before, () => `dispose left ${live() - before} nested tensor(s)`);
  } },
  { group: g, name: 'keep() survives tidy', run: () => {
    const before = live();
    let kept!: ReturnType<typeof ops.ones>;
    tidy(() => {
      kept = keep(ops.ones([2]).add(1));
    });
    check(!kept.isDisposed && live() === before + 1, () => 'kept tensor was freed');
    kept.dispose();
  } },
  { group: g, name: 'ops free what they create internally, even outside tidy', run: () => {
    const x = ops.ones([2, 3]);
    const before = live();
    const y = ops.logSumExp(x.add(1), 1);
    check(live() === before + 2, () => `expected the add result and the logSumExp result, found ${live() - before} tensors`);
    dispose([x, y]);
  } },
  { group: g, name: 'grad leaves only its result behind, also for second derivatives', run: () => {
    const x = ops.tensor([0.5, 1.5]);
    const before = live();
    const d1 = grad((t) => t.sin().mul(t).sum())(x);
    check(live() === before + 1, () => `first derivative leaked ${live() - before - 1} tensors`);
    const d2 = grad((t) => grad((u) => u.sin().mul(u).sum())(t).sum())(x);
    check(live() === before + 2, () => `second derivative leaked ${live() - before - 2} tensors`);
    dispose([x, d1, d2]);
  } },
  { group: g, name: 'Symbol.dispose frees a tensor (using)', run: () => {
    const before = live();
    {
      const t = ops.ones([4]);
      t[Symbol.dispose ?? Symbol.for('Symbol.dispose')]();
    }
    check(live() === before, () => 'Symbol.dispose did not free');
  } },
  { group: g, name: 'reshape shares storage: bytes are counted once and freed with the last handle', run: () => {
    const m0 = getEngine().memory();
    const a = ops.ones([256]);
    const b = a.reshape([16, 16]);
    const m1 = getEngine().memory();
    check(m1.numBytes - m0.numBytes === 1024 && m1.numDataBuffers - m0.numDataBuffers === 1, () => `reshape copied: ${m1.numBytes - m0.numBytes} bytes`);
    a.dispose();
    check(getEngine().memory().numBytes - m0.numBytes === 1024, () => 'storage freed while a view was alive');
    b.dispose();
    check(getEngine().memory().numBytes === m0.numBytes, () => 'storage not freed with the last view');
  } },
];
