import { SomaError } from './errors.js';

/**
 * TF.js names that Soma keeps in another package or spells differently, and how to write each in
 * Soma. One table: the stubs below (so `soma.train.adam(0.01)` or `soma.sequential(...)` in a
 * ported TF.js snippet says what to write instead of "is not a function"), and their tests.
 */
export const TFJS_NAMES: Readonly<Record<string, string>> = {
  train: "optimizers are in @soma/optimizers: import { train } from '@soma/optimizers' (train.adam(0.01), as TF.js), or adam({ learningRate: 0.01 })",
  sequential: "import { sequential } from '@soma/layers'",
  model: "import { model } from '@soma/layers'",
  input: "import { input } from '@soma/layers'",
  layers: "import { layers } from '@soma/layers' (layers.dense({ units: 10 }), as TF.js)",
  loadLayersModel: "import { loadModel } from '@soma/layers' (loadModel('file://./m/model.json') or a URL)",
  losses: "import { losses } from '@soma/layers', or compile({ loss: 'meanSquaredError' })",
  metrics: "import { metrics } from '@soma/layers', or compile({ metrics: ['accuracy'] })",
  initializers: "import { initializers } from '@soma/layers'",
  regularizers: "import { regularizers } from '@soma/layers'",
  constraints: "import { constraints } from '@soma/layers'",
  callbacks: "import { earlyStopping } from '@soma/layers' (callbacks are exported by name)",
  data: "import * as data from '@soma/data' (Dataset, fromCsv, …)",
  io: "model.save(dir) and loadModel(dir or URL) from '@soma/layers'",
  engine: 'soma.memory(), soma.profile(fn) and soma.backend()',
  clipByValue: 'soma.clip(x, min, max) (or x.clip(min, max))',
  range: 'soma.arange(start, stop, step) (numpy\'s and PyTorch\'s name)',
};

function hint(name: string): string {
  return `is TF.js's name; in Soma, ${TFJS_NAMES[name]}`;
}

function namespaceStub(name: string): Readonly<Record<string, never>> {
  return new Proxy(Object.freeze({}) as Readonly<Record<string, never>>, {
    get(_target, key) {
      if (typeof key === 'symbol' || key === 'then' || key === 'toJSON') return undefined;
      throw new SomaError(`soma.${name}.${key}`, hint(name));
    },
  });
}

function functionStub(name: string): (...args: never[]) => never {
  return () => {
    throw new SomaError(`soma.${name}`, hint(name));
  };
}

/**
 * TF.js's `tf.train`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { train } from '@soma/optimizers'` (or `adam({ learningRate })`).
 */
export const train = namespaceStub('train');
/**
 * TF.js's `tf.layers`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { layers } from '@soma/layers'`.
 */
export const layers = namespaceStub('layers');
/**
 * TF.js's `tf.losses`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { losses } from '@soma/layers'`.
 */
export const losses = namespaceStub('losses');
/**
 * TF.js's `tf.metrics`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { metrics } from '@soma/layers'`.
 */
export const metrics = namespaceStub('metrics');
/**
 * TF.js's `tf.initializers`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { initializers } from '@soma/layers'`.
 */
export const initializers = namespaceStub('initializers');
/**
 * TF.js's `tf.regularizers`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { regularizers } from '@soma/layers'`.
 */
export const regularizers = namespaceStub('regularizers');
/**
 * TF.js's `tf.constraints`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { constraints } from '@soma/layers'`.
 */
export const constraints = namespaceStub('constraints');
/**
 * TF.js's `tf.callbacks`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, callbacks are exported by name from '@soma/layers'.
 */
export const callbacks = namespaceStub('callbacks');
/**
 * TF.js's `tf.data`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import * as data from '@soma/data'`.
 */
export const data = namespaceStub('data');
/**
 * TF.js's `tf.io`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `model.save(dir)` and `loadModel` from '@soma/layers'.
 */
export const io = namespaceStub('io');
/**
 * TF.js's `tf.engine()`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `soma.memory()`, `soma.profile(fn)` and `soma.backend()`.
 */
export const engine = functionStub('engine');
/**
 * TF.js's `tf.sequential`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { sequential } from '@soma/layers'`.
 */
export const sequential = functionStub('sequential');
/**
 * TF.js's `tf.model`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { model } from '@soma/layers'`.
 */
export const model = functionStub('model');
/**
 * TF.js's `tf.input`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { input } from '@soma/layers'`.
 */
export const input = functionStub('input');
/**
 * TF.js's `tf.loadLayersModel`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `import { loadModel } from '@soma/layers'`.
 */
export const loadLayersModel = functionStub('loadLayersModel');
/**
 * TF.js's `tf.clipByValue`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `soma.clip(x, min, max)`.
 */
export const clipByValue = functionStub('clipByValue');
/**
 * TF.js's `tf.range`: using it throws an error that says how to write it in Soma.
 *
 * @deprecated In Soma, `soma.arange(start, stop, step)`.
 */
export const range = functionStub('range');
