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

/** @deprecated TF.js's `tf.train`: in Soma, `import { train } from '@soma/optimizers'` (or `adam({ learningRate })`). */
export const train = namespaceStub('train');
/** @deprecated TF.js's `tf.layers`: in Soma, `import { layers } from '@soma/layers'`. */
export const layers = namespaceStub('layers');
/** @deprecated TF.js's `tf.losses`: in Soma, `import { losses } from '@soma/layers'`. */
export const losses = namespaceStub('losses');
/** @deprecated TF.js's `tf.metrics`: in Soma, `import { metrics } from '@soma/layers'`. */
export const metrics = namespaceStub('metrics');
/** @deprecated TF.js's `tf.initializers`: in Soma, `import { initializers } from '@soma/layers'`. */
export const initializers = namespaceStub('initializers');
/** @deprecated TF.js's `tf.regularizers`: in Soma, `import { regularizers } from '@soma/layers'`. */
export const regularizers = namespaceStub('regularizers');
/** @deprecated TF.js's `tf.constraints`: in Soma, `import { constraints } from '@soma/layers'`. */
export const constraints = namespaceStub('constraints');
/** @deprecated TF.js's `tf.callbacks`: in Soma, callbacks are exported by name from '@soma/layers'. */
export const callbacks = namespaceStub('callbacks');
/** @deprecated TF.js's `tf.data`: in Soma, `import * as data from '@soma/data'`. */
export const data = namespaceStub('data');
/** @deprecated TF.js's `tf.io`: in Soma, `model.save(dir)` and `loadModel` from '@soma/layers'. */
export const io = namespaceStub('io');
/** @deprecated TF.js's `tf.engine()`: in Soma, `soma.memory()`, `soma.profile(fn)` and `soma.backend()`. */
export const engine = functionStub('engine');
/** @deprecated TF.js's `tf.sequential`: in Soma, `import { sequential } from '@soma/layers'`. */
export const sequential = functionStub('sequential');
/** @deprecated TF.js's `tf.model`: in Soma, `import { model } from '@soma/layers'`. */
export const model = functionStub('model');
/** @deprecated TF.js's `tf.input`: in Soma, `import { input } from '@soma/layers'`. */
export const input = functionStub('input');
/** @deprecated TF.js's `tf.loadLayersModel`: in Soma, `import { loadModel } from '@soma/layers'`. */
export const loadLayersModel = functionStub('loadLayersModel');
