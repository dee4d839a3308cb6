import { afterAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { loadModel, layers, sequential } from '@soma/layers';

// TF.js in Node: `await model.save('file://./my-model')`, then
// `await tf.loadLayersModel('file://./my-model/model.json')`, relative to the working directory.
describe('file:// URLs as TF.js users write them', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'soma-file-urls-'));
  const cwd = process.cwd();
  afterAll(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it("save('file://./m') and loadModel('file://./m/model.json') use the working directory; file:///abs works too", async () => {
    process.chdir(dir);
    const net = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    await net.save('file://./my-model');
    expect(existsSync(join(dir, 'my-model', 'model.json'))).toBe(true);
    const back = await loadModel('file://./my-model/model.json');
    const x = soma.ones([1, 3]);
    expect(Array.from((back.predict(x) as soma.Tensor).dataSync())).toEqual(Array.from(net.predict(x).dataSync()));
    await net.save('file://other-model');
    expect(existsSync(join(dir, 'other-model', 'model.json'))).toBe(true);
    const abs = await loadModel(`file://${join(dir, 'other-model')}`);
    expect(abs.countParams()).toBe(8);
  });
});
