import type { Tensor } from '@soma/core';
import { input } from './input_layer.js';
import type { CallArgs, Layer, LayerConfig, LayerInput } from './layer.js';
import { LayersModel } from './model.js';
import type { SymbolicTensor } from './symbolic.js';

/**
 * A linear stack of layers. With `inputShape` on the first layer the graph (and summary) exists
 * at once; otherwise it is built from the first batch it sees.
 */
export class Sequential extends LayersModel<'single'> {
  override readonly className = 'Sequential';
  private readonly stack: Layer[] = [];

  constructor(layers: Layer[] = [], args: { name?: string } = {}) {
    super({ name: args.name }, 'sequential');
    for (const l of layers) this.add(l);
  }

  /**
   * Appends a layer; the first layer needs `inputShape` (or `batchInputShape`) unless an input
   * layer came first.
   */
  add(layer: Layer): void {
    if (this.stack.includes(layer)) throw new Error(`${this.name}: layer '${layer.name}' is already in the model`);
    this.stack.push(layer);
    // A model used as the first layer (an encoder inside an autoencoder) brings its input shape.
    const nested = layer instanceof LayersModel && layer.inputs.length === 1 ? layer.inputs[0] : null;
    const batchInputShape = layer.batchInputShape ?? nested?.shape ?? null;
    if (this.stack.length === 1 && batchInputShape) {
      this.connect(input({ shape: batchInputShape.slice(1), batchSize: batchInputShape[0] ?? undefined, dtype: nested?.dtype ?? layer.dtype }));
    } else if (this.outputs.length) {
      this.connect(this.outputs[0], layer);
    }
  }

  private connect(from: SymbolicTensor, only?: Layer): void {
    let t = from;
    const inputs = this.inputs.length ? this.inputs : [from];
    for (const l of only ? [only] : this.stack) {
      const out = l.apply(t);
      if (Array.isArray(out)) throw new Error(`${this.name}: '${l.name}' has several outputs; use the functional API`);
      t = out;
    }
    this.setGraph(inputs, [t]);
  }

  /** The stacked layers (without the implicit input layer). */
  override get layers(): Layer[] {
    return [...this.stack];
  }

  override call(inputs: LayerInput, args: CallArgs = {}): Tensor | Tensor[] {
    if (!this.outputs.length) {
      if (this.stack.length === 0) throw new Error(`${this.name}: has no layers`);
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      this.connect(input({ shape: x.shape.slice(1), dtype: x.dtype }));
    }
    return super.call(inputs, args);
  }

  override getConfig(): LayerConfig {
    const layers = this.stack.map((l) => ({ className: l.className, config: l.getConfig() }));
    // Built from its first batch rather than an inputShape: record the shape it was built for, so
    // the saved model rebuilds with its weights (as Keras records build_input_shape).
    if (layers.length && this.inputs.length && !layers[0].config.batchInputShape) layers[0].config.batchInputShape = this.inputs[0].shape;
    return { name: this.name, layers };
  }
}

/** `sequential([layers.dense({ units: 20, inputShape: [2] }), ...])`, or TF.js's `sequential({ layers, name })`. */
export function sequential(layers?: Layer[], args?: { name?: string }): Sequential;
export function sequential(config: { layers?: Layer[]; name?: string }): Sequential;
export function sequential(a: Layer[] | { layers?: Layer[]; name?: string } = [], args: { name?: string } = {}): Sequential {
  if (Array.isArray(a)) return new Sequential(a, args);
  const unknown = Object.keys(a).filter((k) => k !== 'layers' && k !== 'name');
  if (unknown.length) throw new Error(`sequential: unknown option '${unknown[0]}'; valid options: layers, name`);
  return new Sequential(a.layers ?? [], { name: a.name });
}
