// Eager fine-tuning on the native backend starts with one onnxruntime session per kernel
// signature: how long the first training step of an imported torchvision mobilenet_v3_small takes
// (batch 8, 224², Adam; runEagerly) and how many sessions it builds, then a later step, and the
// same with fit's compiled step. `node native_first_step.mjs` (needs /usr/bin/python3 with
// Debian's python3-torch and python3-torchvision to export the model).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as soma from '@soma/core';
import '@soma/backend-native';
import { importOnnx } from '@soma/onnx-io';
import { adam } from '@soma/optimizers';

const dir = mkdtempSync(join(os.tmpdir(), 'soma-first-step-'));
const file = join(dir, 'mobilenet_v3_small.onnx');
try {
  execFileSync('/usr/bin/python3', ['-c', `import torch, torchvision; m = torchvision.models.mobilenet_v3_small(num_classes=10).train(); torch.onnx.export(m, torch.randn(2, 3, 224, 224), ${JSON.stringify(file)}, opset_version=13, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False, input_names=['input'], output_names=['output'], dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}})`], { stdio: 'ignore' });
} catch {
  // no torchvision here
}
if (!existsSync(file)) {
  console.log('native_first_step: no torchvision to export mobilenet_v3_small; nothing measured');
  process.exit(0);
}
await soma.setBackend('native');
const x = soma.randomNormal([8, 3, 224, 224], { seed: 1 });
const y = soma.tensor(Array.from({ length: 8 }, (_, i) => i % 10), [8], 'int32');
const sessions = () => soma.memory().backends.native?.sessionsCreated ?? 0;
for (const runEagerly of [true, false]) {
  const m = await importOnnx(file, { as: 'layers' });
  m.compile({ optimizer: adam({ learningRate: 1e-4 }), loss: 'sparseCategoricalCrossentropy', runEagerly });
  const s0 = sessions();
  let t0 = performance.now();
  await m.trainOnBatch(x, y);
  const first = performance.now() - t0;
  const made = sessions() - s0;
  t0 = performance.now();
  await m.trainOnBatch(x, y);
  const second = performance.now() - t0;
  t0 = performance.now();
  await m.trainOnBatch(x, y);
  const third = performance.now() - t0;
  console.log(`mobilenet_v3_small, batch 8, ${runEagerly ? 'eager' : 'compiled'}: first step ${(first / 1000).toFixed(2)} s (${made} sessions built), second ${(second / 1000).toFixed(2)} s, third ${(third / 1000).toFixed(2)} s`);
  m.dispose();
}
rmSync(dir, { recursive: true, force: true });
