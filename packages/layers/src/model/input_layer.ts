import type { DType, Tensor } from '@soma/core';
import { Layer, type LayerConfig, type LayerInput } from './layer.js';
import type { LayerShape } from './shapes.js';
import { SymbolicTensor } from './symbolic.js';

/** The source of a functional model's input: it only names and shapes the data. */
export class InputLayer extends Layer<'single'> {
  readonly className = 'InputLayer';
  readonly output: SymbolicTensor;

  constructor(args: { shape: readonly (number | null)[]; batchSize?: number; dtype?: DType; name?: string }) {
    super({ name: args.name, inputShape: args.shape, batchSize: args.batchSize, dtype: args.dtype }, 'input');
    this.built = true;
    this.output = new SymbolicTensor(this.batchInputShape!, this.dtype, this, []);
  }

  call(inputs: LayerInput): Tensor {
    if (Array.isArray(inputs)) throw new Error(`${this.name}: expects one tensor`);
    return inputs;
  }

  override computeOutputShape(): LayerShape {
    return this.batchInputShape!;
  }

  override getConfig(): LayerConfig {
    return { name: this.name, dtype: this.dtype, batchInputShape: this.batchInputShape };
  }
}

/** A symbolic model input: `input({ shape: [2] })` stands for batches of shape [*, 2]. */
export function input(args: { shape: readonly (number | null)[]; batchSize?: number; dtype?: DType; name?: string }): SymbolicTensor {
  return new InputLayer(args).output;
}
