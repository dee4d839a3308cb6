// Each workload knows how to run once on Soma (active backend) and on tfjs (active backend).
import * as soma from '@soma/core';

export const workloads = [
  ...[256, 512, 1024].map((n) => ({
    name: `matmul ${n}x${n}x${n}`,
    flops: 2 * n * n * n,
    soma: () => {
      const a = soma.randomNormal([n, n], { seed: 1 });
      const b = soma.randomNormal([n, n], { seed: 2 });
      return { run: () => { const c = a.matmul(b); c.dataSync(); c.dispose(); }, dispose: () => soma.dispose([a, b]) };
    },
    tfjs: (tf) => {
      const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
      const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
      return { run: () => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }, dispose: () => tf.dispose([a, b]) };
    },
  })),
  {
    // The reference convolution: batch 32, 3→16 channels, 32×32, 3×3, 'same' padding.
    name: 'conv2d b32 3->16 32x32 k3',
    flops: 2 * 32 * 16 * 32 * 32 * 3 * 3 * 3,
    soma: () => {
      const x = soma.randomNormal([32, 3, 32, 32], { seed: 1 });
      const w = soma.randomNormal([16, 3, 3, 3], { seed: 2 });
      return { run: () => { const y = soma.conv2d(x, w, { padding: 'same' }); y.dataSync(); y.dispose(); }, dispose: () => soma.dispose([x, w]) };
    },
    tfjs: (tf) => {
      const x = tf.randomNormal([32, 32, 32, 3], 0, 1, 'float32', 1); // NHWC, tfjs's layout
      const w = tf.randomNormal([3, 3, 3, 16], 0, 1, 'float32', 2);
      return { run: () => { const y = tf.conv2d(x, w, 1, 'same'); y.dataSync(); y.dispose(); }, dispose: () => tf.dispose([x, w]) };
    },
  },
];
