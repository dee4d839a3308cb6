import { initializers, layers, sequential, type Layer, type Sequential } from '@soma/layers';
import { modelOptions, positiveInt } from './options.js';

/** Options of `dcgan`: the image shape, the noise size and the width of both networks. */
export interface DcganOptions {
  /** [channels, height, width], square: a side of 4·2^k (32, 64, …) or 7·2^k (28 for MNIST). */
  imageShape: [number, number, number];
  /** Size of the noise vector (Radford et al.: 100). */
  latentDim: number;
  /** Filters of the generator's last hidden stage and the discriminator's first (PyTorch's ngf/ndf: 64); they double each stage inward. */
  filters: number;
}

/** The number of stride-2 stages and the side they start from: 64 → 4 stages from 4, 28 → 2 from 7. */
function stagesOf(side: number): { stages: number; base: number } | null {
  for (const base of [4, 7]) {
    let stages = 0;
    let s = side;
    while (s > base && s % 2 === 0) {
      s /= 2;
      stages++;
    }
    if (s === base && stages > 0) return { stages, base };
  }
  return null;
}

/**
 * DCGAN (Radford et al. 2016) as PyTorch's tutorial builds it: the generator projects the noise to
 * a 4×4 (or 7×7) map and doubles it with 4×4 stride-2 transposed convolutions, batch norm and ReLU
 * up to a tanh image; the discriminator halves it with 4×4 stride-2 convolutions, batch norm
 * (not on the first) and leaky ReLU (0.2) down to one sigmoid probability. Weights start from
 * N(0, 0.02) as in the paper. Returned as `gan()` returns them: generator, discriminator (compile
 * it on its own) and the combined model that trains the generator through a frozen discriminator.
 */
export function dcgan(options?: Partial<DcganOptions>): { generator: Sequential; discriminator: Sequential; combined: Sequential } {
  const o = modelOptions<DcganOptions>('dcgan', options, { imageShape: [1, 28, 28], latentDim: 100, filters: 64 });
  const latent = positiveInt('dcgan', 'latentDim', o.latentDim);
  const f = positiveInt('dcgan', 'filters', o.filters);
  const [c, h, w] = o.imageShape;
  positiveInt('dcgan', 'imageShape[0]', c);
  const plan = h === w ? stagesOf(h) : null;
  if (!plan) throw new Error(`dcgan: imageShape must be square with a side of 4·2^k (32, 64, …) or 7·2^k (28, 56, …), got [${o.imageShape.join(', ')}]`);
  const { stages, base } = plan;
  const init = () => ({ kernelInitializer: initializers.randomNormal({ mean: 0, stddev: 0.02 }) });
  const bn = () => layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, gammaInitializer: initializers.randomNormal({ mean: 1, stddev: 0.02 }) });
  const widest = f * 2 ** (stages - 1);

  const g: Layer[] = base === 4
    // PyTorch's first block: a 4×4 transposed convolution of the noise seen as a 1×1 map.
    ? [layers.reshape({ inputShape: [latent], targetShape: [latent, 1, 1] }), layers.conv2dTranspose({ filters: widest, kernelSize: 4, useBias: false, ...init() })]
    : [layers.dense({ inputShape: [latent], units: widest * base * base, useBias: false, ...init() }), layers.reshape({ targetShape: [widest, base, base] })];
  g.push(bn(), layers.activation({ activation: 'relu' }));
  for (let i = stages - 2; i >= 0; i--) {
    g.push(layers.conv2dTranspose({ filters: f * 2 ** i, kernelSize: 4, strides: 2, padding: 1, useBias: false, ...init() }), bn(), layers.activation({ activation: 'relu' }));
  }
  g.push(layers.conv2dTranspose({ filters: c, kernelSize: 4, strides: 2, padding: 1, useBias: false, activation: 'tanh', ...init() }));

  const d: Layer[] = [];
  for (let i = 0; i < stages; i++) {
    d.push(layers.conv2d({ ...(i === 0 ? { inputShape: [c, h, w] } : {}), filters: f * 2 ** i, kernelSize: 4, strides: 2, padding: 1, useBias: false, ...init() }));
    if (i > 0) d.push(bn());
    d.push(layers.leakyRelu({ alpha: 0.2 }));
  }
  d.push(...(base === 4
    ? [layers.conv2d({ filters: 1, kernelSize: 4, useBias: false, activation: 'sigmoid', ...init() }), layers.flatten()]
    : [layers.flatten(), layers.dense({ units: 1, activation: 'sigmoid', ...init() })]));

  const generator = sequential({ name: 'dcgan_generator', layers: g });
  const discriminator = sequential({ name: 'dcgan_discriminator', layers: d });
  const combined = sequential({ name: 'dcgan', layers: [generator, discriminator] });
  return { generator, discriminator, combined };
}
