import { beforeAll, describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import { expectValuesClose } from '@soma/testing';
import '@soma/backend-cpu';
import { createWebGPUBackend } from '@soma/backend-webgpu';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The conformance fixtures are small, so they exercise only the small GEMM tiling. These compare
// the webgpu kernels with the cpu backend on shapes that take the other code paths: the large
// tiling, split-K, grouped/strided/dilated convolutions and workgroup-tree reductions.
async function compare(build: (xs: soma.Tensor[]) => soma.Tensor, make: () => soma.Tensor[], tol = { rtol: 1e-4, atol: 1e-4 }): Promise<void> {
  await soma.setBackend('cpu');
  const cpuIn = make();
  const expected = soma.tidy(() => build(cpuIn)).dataSync();
  const values = await Promise.all(cpuIn.map((t) => t.data()));
  const shapes = cpuIn.map((t) => t.shape);
  const dtypes = cpuIn.map((t) => t.dtype);
  soma.dispose(cpuIn);
  await soma.setBackend('webgpu');
  const gpuIn = values.map((v, i) => soma.tensor(v, shapes[i], dtypes[i]));
  const out = soma.tidy(() => build(gpuIn));
  const got = await out.data();
  soma.dispose([out, gpuIn]);
  expectValuesClose(got, expected, tol);
}

const rn = (shape: number[], seed: number) => soma.randomNormal(shape, { seed });

describe('webgpu kernels against the cpu backend on large and unusual shapes', () => {
  beforeAll(async () => {
    await soma.setBackend('webgpu');
  });

  it('reports what it runs on and refuses dataSync with a message naming data()', async () => {
    await soma.setBackend('webgpu');
    const t = soma.tensor([1, 2, 3]);
    expect(() => t.dataSync()).toThrow(/use await tensor\.data\(\)/);
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    const info = soma.memory().backends?.webgpu as Record<string, number> | undefined;
    expect(info?.uploads).toBeGreaterThan(0);
    expect(info?.readbacks).toBeGreaterThan(0);
    t.dispose();
  });

  for (const [m, k, n] of [[300, 260, 270], [512, 256, 384], [16, 4096, 24], [129, 17, 257]]) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      it(`matmul ${m}x${k}x${n} transA=${ta} transB=${tb}`, async () => {
        await compare(([a, b]) => soma.matmul(a, b, { transposeA: ta, transposeB: tb }), () => [rn(ta ? [k, m] : [m, k], 1), rn(tb ? [n, k] : [k, n], 2)], { rtol: 1e-3, atol: 1e-3 });
      });
    }
  }

  it('batched matmul with a broadcast operand', async () => {
    await compare(([a, b]) => soma.matmul(a, b), () => [rn([3, 70, 40], 3), rn([40, 50], 4)], { rtol: 1e-3, atol: 1e-3 });
  });

  const convs: [string, number[], number[], soma.Conv2dOptions][] = [
    ['3x3 same', [2, 8, 17, 19], [16, 8, 3, 3], { padding: 'same' }],
    ['strided and dilated', [2, 6, 20, 21], [10, 6, 3, 3], { stride: 2, dilation: 2, padding: 2 }],
    ['grouped', [2, 8, 12, 12], [12, 2, 3, 3], { groups: 4, padding: 1 }],
    ['depthwise', [1, 6, 9, 9], [6, 1, 5, 5], { groups: 6, padding: 'same' }],
    ['large batch 5x5 (split-K filter gradient)', [64, 1, 28, 28], [6, 1, 5, 5], { padding: 'same' }],
  ];
  for (const [name, xs, ws, opts] of convs) {
    it(`conv2d forward, input and filter gradients: ${name}`, async () => {
      const f = ([x, w]: soma.Tensor[]) => {
        const [dx, dw] = soma.grads((p: soma.Tensor, q: soma.Tensor) => soma.conv2d(p, q, opts).square().sum())([x, w]);
        return soma.concat([soma.conv2d(x, w, opts).flatten(), dx.flatten(), dw.flatten()]);
      };
      await compare(f, () => [rn(xs, 5), rn(ws, 6)], { rtol: 2e-3, atol: 2e-3 });
    });
  }

  it('conv2d with bias, and transposed convolution', async () => {
    await compare(([x, w, b]) => soma.conv2d(x, w, { padding: 1, bias: b }).add(soma.conv2dTranspose(x, w.transpose([1, 0, 2, 3]), { padding: 1 }).sum()), () => [rn([2, 4, 10, 10], 7), rn([4, 4, 3, 3], 8), rn([4], 9)], { rtol: 1e-3, atol: 1e-3 });
  });

  it('reductions over long rows and scattered axes', async () => {
    await compare(([x]) => soma.concat([x.sum(1), x.max(1), x.mean(0), x.reshape([10, 30, 100]).sum([0, 2]), x.reshape([10, 30, 100]).min([0, 2])]), () => [rn([10, 3000], 10)], { rtol: 1e-4, atol: 1e-3 });
    await compare(([x]) => soma.sum(x).reshape([1]), () => [rn([200000], 11)], { rtol: 1e-4, atol: 1e-2 });
  });

  it('one-pass softmax and logSoftmax on short and long rows, along the last and a middle axis, with their gradients', async () => {
    const f = ([x]: soma.Tensor[]) => {
      const big = x.mul(30);
      const [gs, gl] = soma.grads((p: soma.Tensor) => soma.softmax(p, 1).square().sum().add(soma.logSoftmax(p, -1).mul(p).sum()))([x]).concat(
        soma.grads((p: soma.Tensor) => soma.logSoftmax(p.reshape([6, 50]), 0).square().sum())([x]),
      );
      return soma.concat([soma.softmax(big).flatten(), soma.logSoftmax(big, 1).flatten(), soma.logSoftmax(x.reshape([3, 100])).flatten(), gs.flatten(), gl.flatten()]);
    };
    await compare(f, () => [rn([3, 4, 25], 14)], { rtol: 1e-4, atol: 1e-5 });
  });

  it('pooling forward and backward on overlapping windows', async () => {
    const f = ([x]: soma.Tensor[]) => {
      const g1 = soma.grad((p: soma.Tensor) => soma.maxPool2d(p, { kernelSize: 3, stride: 2, padding: 1 }).square().sum())(x);
      const g2 = soma.grad((p: soma.Tensor) => soma.avgPool2d(p, { kernelSize: 3, stride: 2, padding: 1 }).square().sum())(x);
      return soma.concat([g1.flatten(), g2.flatten(), soma.maxPool2d(x, { kernelSize: 2 }).flatten()]);
    };
    await compare(f, () => [rn([2, 3, 15, 16], 12)]);
  });

  it('gather, scatterAdd with repeated indices and topK', async () => {
    const f = ([x]: soma.Tensor[]) => {
      const idx = soma.tensor([3, 1, 3, 3, 0, -1], [6], 'int32');
      const g = soma.gather(x, idx, 0);
      const s = soma.scatterAdd(soma.zeros([5, 7]), idx, g.mul(2), 0);
      const [vals, at] = soma.topK(x, 3);
      return soma.concat([g.flatten(), s.flatten(), vals.flatten(), at.cast('float32').flatten()]);
    };
    await compare(f, () => [rn([5, 7], 13)]);
  });

  it('print() reads the values and prints them when they arrive, as toString cannot', async () => {
    await soma.setBackend('webgpu');
    const t = soma.tensor([1, 2, 3]);
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => void lines.push(s);
    try {
      t.print();
      expect(lines).toEqual([]);
      await t.data();
      await new Promise((r) => setTimeout(r, 0));
    } finally {
      console.log = log;
    }
    expect(lines).toEqual(['tensor([1., 2., 3.])']);
    expect(t.toString()).toMatch(/read with await data\(\)/);
    t.dispose();
  });

  it('tensors cross between webgpu and cpu: toAsync from the GPU, a clear error where a synchronous copy would be needed', async () => {
    await soma.setBackend('webgpu');
    const g = soma.tensor([[1, 2], [3, 4]]);
    const c = await g.toAsync('cpu');
    expect(c.backendName).toBe('cpu');
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4]);
    const back = c.to('webgpu');
    expect(Array.from(await back.data())).toEqual([1, 2, 3, 4]);
    await soma.setBackend('cpu');
    expect(() => soma.add(g, 1)).toThrow(/lives on 'webgpu', which reads only asynchronously; move it to 'cpu' first with await tensor\.toAsync\('cpu'\)/);
    soma.dispose([g, c, back]);
  });

  it('a compiled function runs its elementwise chains as single fused kernels, with the eager results', async () => {
    await soma.setBackend('webgpu');
    const w = soma.randomNormal([16], { seed: 21 });
    const b = soma.randomNormal([8, 1], { seed: 22 });
    const f = (x: soma.Tensor) => {
      // Two chains around a reduction: (x·w + b) → relu → tanh → ×2 − x, then leakyRelu/clip/pow of the mean.
      const y = x.mul(w).add(b).relu().tanh().mul(2).sub(x);
      const m = y.mean(1, true);
      return soma.clip(soma.leakyRelu(y.sub(m), 0.2), -0.5, 0.7).pow(2).add(soma.sigmoid(y));
    };
    const compiled = soma.compile(f);
    const x = soma.randomNormal([8, 16], { seed: 23 });
    const chains = () => (soma.memory().backends?.webgpu as Record<string, number>).fusedChains;
    const before = chains();
    const got = compiled(x) as soma.Tensor;
    const want = f(x);
    expect(chains() - before).toBeGreaterThanOrEqual(2);
    expectValuesClose(await got.data(), await want.data(), { rtol: 1e-5, atol: 1e-6 });
    compiled.dispose();
    soma.dispose([w, b, x, got, want]);
  });

  it('a tensor larger than the GPU can bind is refused with its size and the limit, before anything runs', async () => {
    await soma.setBackend('webgpu');
    const limit = (soma.backend() as unknown as { device: GPUDevice }).device.limits.maxStorageBufferBindingSize;
    const n = Math.floor(limit / 4) + 1024;
    expect(() => soma.zeros([n])).toThrow(new RegExp(`float32 tensor of shape \\[${n}\\] needs ${n * 4} bytes, more than this GPU's largest storage buffer`));
    expect(Array.from(await soma.ones([2]).data())).toEqual([1, 1]);
  });

  it('an index out of range found on the GPU is reported by the next read', async () => {
    await soma.setBackend('webgpu');
    const x = soma.zeros([3, 2]);
    const y = soma.gather(x, soma.tensor([0, 7], [2], 'int32'), 0);
    await expect(y.data()).rejects.toThrow(/gather: index 7 is out of range for an axis of size 3/);
    // The flag is cleared once reported.
    expect(Array.from(await x.sum().data())).toEqual([0]);
    soma.dispose([x, y]);
  });

  it('a lost device fails the next call with the adapter\'s message instead of hanging', async () => {
    soma.registerBackend('webgpu-lost', () => createWebGPUBackend('webgpu-lost'));
    await soma.setBackend('webgpu-lost');
    const x = soma.tensor([1, 2, 3]);
    const be = soma.backend() as unknown as { device: GPUDevice };
    be.device.destroy();
    await be.device.lost;
    expect(() => x.add(1)).toThrow(/webgpu .*the GPU device was lost \(destroyed\)/);
    await expect(x.data()).rejects.toThrow(/device was lost/);
    await soma.setBackend('webgpu');
    soma.removeBackend('webgpu-lost');
  });
});

describe('setBackend(\'webgpu\') without a usable GPU', () => {
  it('fails with a message that says why and what to install', () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const script = "import('@soma/core').then(async (soma) => { await import('@soma/backend-webgpu'); try { await soma.setBackend('webgpu'); console.log('no error'); } catch (e) { console.log(e.message); } process.exit(0); });";
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out).toMatch(/setBackend\('webgpu'\): webgpu \(Dawn\) returned no GPU adapter .*VK_ICD_FILENAMES/);
  });
});
