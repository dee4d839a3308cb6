import { describe, expect, it } from 'vitest';
import type { Conv2dAttrs, KernelTensor } from '@soma/core';
import { CpuBackend } from '@soma/backend-cpu';

// The WebAssembly convolutions (Winograd F(2×2, 3×3) and F(4×4, 3×3), direct at stride 1, its input gradient as a direct convolution, its filter gradient read straight
// from the padded image, blocked im2col + GEMM, panel-packed filter
// gradient, threads sharing images) against the TypeScript reference path, over shapes that hit
// their edges: output channels not a multiple of 4, rows not a multiple of 8, asymmetric padding,
// strides and dilations (which leave the direct path), groups and bias.
const wasm = new CpuBackend('wasm-conv', { threads: 3, minParallelWork: 0 });
// The same shapes with Winograd off: the direct kernel stays covered where Winograd takes over.
const noWinograd = new CpuBackend('wasm-conv-direct', { threads: 3, minParallelWork: 0, winograd: false });
const plain = new CpuBackend('plain-conv', { wasm: false });
// The build without relaxed SIMD's fused multiply-add (the default build is the fused one where the
// engine compiles it, as vitest.config.ts arranges on Node 20).
const plainSimd = new CpuBackend('wasm-conv-plain-simd', { threads: 3, minParallelWork: 0, relaxedSimd: false });

it('the default build is the fused multiply-add one where the engine has relaxed SIMD; relaxedSimd: false picks the plain one', () => {
  const relaxed = Number(process.versions.node.split('.')[0]) >= 22 || process.execArgv.includes('--experimental-wasm-relaxed-simd');
  expect(wasm.kernelBuild).toBe(relaxed ? 'relaxed-simd' : 'simd');
  expect(plainSimd.kernelBuild).toBe('simd');
  expect(plain.kernelBuild).toBe(null);
  expect(wasm.memoryInfo().relaxedSimd).toBe(relaxed ? 1 : 0);
});

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
}

interface Case { x: number[]; w: number[]; strides: Conv2dAttrs['strides']; pads: Conv2dAttrs['pads']; dilations: Conv2dAttrs['dilations']; group: number; bias: boolean }
const cases: Case[] = [
  { x: [3, 1, 28, 28], w: [6, 1, 5, 5], strides: [1, 1], pads: [2, 2, 2, 2], dilations: [1, 1], group: 1, bias: true },
  { x: [2, 3, 13, 11], w: [5, 3, 3, 3], strides: [1, 1], pads: [1, 0, 2, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [4, 4, 9, 20], w: [8, 4, 3, 2], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1, bias: false },
  { x: [2, 3, 17, 17], w: [7, 3, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [2, 2, 12, 12], w: [3, 2, 3, 3], strides: [1, 1], pads: [2, 2, 2, 2], dilations: [2, 2], group: 1, bias: false },
  { x: [3, 6, 14, 14], w: [16, 6, 5, 5], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1, bias: true },
  { x: [2, 8, 10, 10], w: [8, 4, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 2, bias: true },
  { x: [2, 70, 6, 6], w: [9, 70, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: false },
  // Direct at any channel count, and the input gradient as a direct convolution with the flipped
  // filter: asymmetric pads, a 1×3 filter, and pads wider than the filter (which fall back).
  { x: [2, 20, 9, 13], w: [10, 20, 3, 3], strides: [1, 1], pads: [1, 2, 0, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [2, 5, 7, 7], w: [6, 5, 3, 3], strides: [1, 1], pads: [3, 3, 3, 3], dilations: [1, 1], group: 1, bias: false },
  { x: [2, 12, 8, 9], w: [5, 12, 1, 3], strides: [1, 1], pads: [0, 1, 0, 1], dilations: [1, 1], group: 1, bias: false },
  { x: [3, 16, 16, 16], w: [16, 16, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: false },
  // The stride-1 filter gradient from the padded image (rows of 12 or more): taps not a multiple
  // of 4, channels not a multiple of 8, asymmetric pads, pads wider than the filter.
  { x: [2, 3, 13, 14], w: [5, 3, 3, 3], strides: [1, 1], pads: [2, 0, 1, 1], dilations: [1, 1], group: 1, bias: false },
  { x: [2, 5, 10, 10], w: [11, 5, 3, 3], strides: [1, 1], pads: [3, 3, 3, 3], dilations: [1, 1], group: 1, bias: true },
  // Winograd F(2×2, 3×3) (3×3 at stride 1, rows of 8 to 15, 8 or more channels each way): odd
  // output sizes (half-used tiles), rows that are not a multiple of 4 tiles, output channels not a
  // multiple of 4, asymmetric and no padding; its input gradient runs the same kernel.
  { x: [3, 16, 9, 11], w: [18, 16, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [2, 17, 12, 10], w: [16, 17, 3, 3], strides: [1, 1], pads: [0, 2, 1, 0], dilations: [1, 1], group: 1, bias: false },
  { x: [2, 16, 10, 20], w: [20, 16, 3, 3], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1, bias: true },
  // F(4×4, 3×3) and its filter gradient where rows are 16 or more wide: heights not a multiple
  // of 4 (part-used tiles), rows not a multiple of 16 (a group of four tiles partly past the
  // edge), asymmetric pads, output channels not a multiple of 8, input channels not of 4.
  { x: [2, 32, 13, 37], w: [18, 32, 3, 3], strides: [1, 1], pads: [2, 1, 0, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [2, 19, 22, 17], w: [16, 19, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: false },
  // Few channels (DenseNet's growth of 12, down to 8) on both Winograd forms.
  { x: [2, 12, 17, 18], w: [8, 12, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [3, 8, 9, 9], w: [10, 8, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: false },
  // F(4×4, 3×3) across the batch (lanes are images; rows under 16 from 48 channels): batches not
  // a multiple of 4 or 8, maps not a multiple of 4, 2×2 maps (dense), asymmetric pads, output
  // channels not a multiple of 4, bias; a 13-wide map at 48–50 channels.
  { x: [3, 64, 5, 6], w: [66, 64, 3, 3], strides: [1, 1], pads: [1, 0, 2, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [5, 70, 2, 2], w: [64, 70, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: false },
  { x: [9, 128, 8, 8], w: [130, 128, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [5, 50, 12, 13], w: [49, 50, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: true },
  // Maps of at most half the filter's taps as one dense GEMM over the batch: a 1×2 map with
  // asymmetric pads (outputs of a different shape), bias.
  { x: [3, 64, 1, 2], w: [65, 64, 3, 3], strides: [1, 1], pads: [1, 0, 1, 2], dilations: [1, 1], group: 1, bias: true },
  // Its filter gradient (rows of 3 to 11, 16 or more channels each way): input channels not a
  // multiple of 4, a batch of one.
  { x: [1, 18, 9, 11], w: [16, 18, 3, 3], strides: [1, 1], pads: [1, 1, 0, 1], dilations: [1, 1], group: 1, bias: false },
  // Its filter gradient (64 to 128 channels each way): output channels not a multiple of 8, input
  // channels not a multiple of 4, asymmetric pads.
  { x: [2, 64, 9, 10], w: [66, 64, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: false },
  { x: [3, 65, 8, 11], w: [64, 65, 3, 3], strides: [1, 1], pads: [1, 0, 1, 2], dilations: [1, 1], group: 1, bias: true },
  // 1×1 filters: the filter gradient through the direct kernel (rows of 12 or more; channels not
  // a multiple of 4 or 8), and through the GEMM below that.
  { x: [2, 13, 12, 14], w: [9, 13, 1, 1], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1, bias: true },
  { x: [3, 6, 5, 7], w: [5, 6, 1, 1], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1, bias: false },
  // Strided convolutions (under 64 channels the forward and, on rows of 12 or more, the filter
  // gradient read the padded image's phases directly; else the patch matrix; the input gradient
  // is GEMM and col2im): ResNet's stride-2 3×3, a 2×2 stride-2 filter, stride 3 under a 5×5 with
  // asymmetric pads, different strides per axis, odd sizes, output channels not a multiple of 4,
  // rows of 12 and more, 64 channels.
  { x: [2, 16, 8, 8], w: [32, 16, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: false },
  { x: [3, 5, 10, 6], w: [7, 5, 2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1, bias: true },
  { x: [2, 4, 13, 11], w: [6, 4, 5, 5], strides: [3, 3], pads: [2, 1, 0, 2], dilations: [1, 1], group: 1, bias: false },
  { x: [2, 6, 9, 12], w: [5, 6, 3, 3], strides: [2, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [2, 64, 9, 9], w: [8, 64, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [3, 7, 19, 21], w: [9, 7, 3, 3], strides: [2, 2], pads: [0, 1, 1, 0], dilations: [1, 1], group: 1, bias: false },
  { x: [2, 10, 30, 26], w: [11, 10, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [2, 3, 40, 37], w: [8, 3, 7, 7], strides: [3, 2], pads: [3, 2, 1, 3], dilations: [1, 1], group: 1, bias: false },
  // Rows of at most 4 positions: two rows per tile (odd row counts leave the last pair half full).
  { x: [2, 24, 5, 4], w: [8, 24, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [3, 9, 2, 2], w: [12, 9, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: false },
  { x: [2, 6, 7, 5], w: [5, 6, 3, 3], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1, bias: true },
  // More than 128 input channels: the taps in chunks of 64 channels, added up in the output.
  { x: [2, 150, 5, 9], w: [6, 150, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: true },
  { x: [2, 140, 3, 3], w: [4, 140, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, bias: false },
];

/** y, dx and dw by their definitions, one multiply-add at a time (group 1): a reference no cpu path shares. */
function naive(c: Case, x: Float32Array, w: Float32Array, bias: Float32Array | null, dyOf: (shape: number[]) => Float32Array): Float32Array[] {
  const [n, ci, h, wd] = c.x;
  const [m, , kh, kw] = c.w;
  const [sh, sw] = c.strides;
  const [dh, dw] = c.dilations;
  const [pt, pl, pb, pr] = c.pads;
  const oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  const y = new Float32Array(n * m * oh * ow);
  const dy = dyOf([n, m, oh, ow]);
  const dx = new Float32Array(x.length);
  const dW = new Float32Array(w.length);
  for (let b = 0; b < n; b++) {
    for (let mo = 0; mo < m; mo++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const o = ((b * m + mo) * oh + oy) * ow + ox;
          let sum = bias ? bias[mo] : 0;
          for (let cc = 0; cc < ci; cc++) {
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - pt + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pl + kx * dw;
                if (ix < 0 || ix >= wd) continue;
                const xi = ((b * ci + cc) * h + iy) * wd + ix;
                const wi = ((mo * ci + cc) * kh + ky) * kw + kx;
                sum += x[xi] * w[wi];
                dx[xi] += dy[o] * w[wi];
                dW[wi] += dy[o] * x[xi];
              }
            }
          }
          y[o] = sum;
        }
      }
    }
  }
  return [y, dx, dW];
}

describe('WebAssembly convolution paths match the TypeScript reference', () => {
  for (const c of cases) {
    it(`x [${c.x}] w [${c.w}] stride ${c.strides} pads ${c.pads} dilation ${c.dilations} group ${c.group}${c.bias ? ' bias' : ''}`, async () => {
      await wasm.init();
      const attrs: Conv2dAttrs = { strides: c.strides, pads: c.pads, dilations: c.dilations, group: c.group };
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const run = (b: CpuBackend) => {
        const x = b.write(rand(size(c.x), 1), c.x, 'float32');
        const w = b.write(rand(size(c.w), 2), c.w, 'float32');
        const bias: KernelTensor | undefined = c.bias ? b.write(rand(c.w[0], 3), [c.w[0]], 'float32') : undefined;
        const y = b.conv2d([x, w, bias], attrs);
        const dy = b.write(rand(size([...y.shape]), 4), y.shape, 'float32');
        const dx = b.conv2dBackpropInput([dy, w], { ...attrs, inputShape: c.x });
        const dw = b.conv2dBackpropFilter([x, dy], { ...attrs, filterShape: c.w });
        return [y, dx, dw].map((t) => Array.from(b.readSync(t.dataId)));
      };
      await noWinograd.init();
      await plainSimd.init();
      const want = run(plain);
      if (c.group === 1) {
        // The TypeScript path against the definitions (it shares the dense small-map path with the others).
        const ref = naive(c, rand(size(c.x), 1), rand(size(c.w), 2), c.bias ? rand(c.w[0], 3) : null, (s) => rand(size(s), 4));
        ref.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(want[i][j] - v), `TypeScript: ${['y', 'dx', 'dw'][i]}[${j}]`).toBeLessThan(1e-4 * (1 + Math.abs(v)))));
      }
      for (const [path, got] of [['wasm', run(wasm)], ['wasm without Winograd', run(noWinograd)], ['wasm without relaxed SIMD', run(plainSimd)]] as const) {
        for (let i = 0; i < 3; i++) {
          expect(got[i].length).toBe(want[i].length);
          // Winograd F(4×4, 3×3)'s rounding grows with the sums inside its tiles, not with each
          // output: an output that cancels to near zero keeps an error of a few millionths of the
          // tensor's largest.
          const scale = want[i].reduce((a, v) => Math.max(a, Math.abs(v)), 0);
          got[i].forEach((v, j) => expect(Math.abs(v - want[i][j]), `${path}: ${['y', 'dx', 'dw'][i]}[${j}]`).toBeLessThan(1e-4 * (1 + Math.abs(want[i][j])) + 1e-5 * scale));
        }
      }
    });
  }
});
