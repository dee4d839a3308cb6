import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';
import { Layer, type CallArgs, type ChannelsArgs, type LayerArgs, type LayerConfig, type LayerInput, type LayerMask } from '../model/layer.js';
import { fmt, type LayerShape } from '../model/shapes.js';
import { isSymbolic, type SymbolicTensor } from '../model/symbolic.js';
import { checkedWindowShape, convLength } from './convolutional.js';
import { oneInput, singleShape } from './input_util.js';
import type { Pair } from './convolutional.js';

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

export interface Pool2DArgs extends ChannelsArgs {
  poolSize?: Pair;
  /** Defaults to poolSize. */
  strides?: Pair;
  padding?: 'valid' | 'same';
}

/** Max or average pooling over NCHW inputs; 'same' padding does not count padded cells (Keras). */
abstract class Pool2D extends Layer<'single'> {
  protected readonly pool: [number, number];
  protected readonly strides: [number, number];
  constructor(readonly args: Pool2DArgs, prefix: string, private readonly kind: 'max' | 'avg') {
    super(args, prefix);
    this.pool = pair(args.poolSize ?? 2);
    this.strides = pair(args.strides ?? this.pool);
  }
  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    if (x.rank !== 4) throw new Error(`${this.name} expects [*, channels, height, width] (NCHW), got [${x.shape.join(', ')}]`);
    const o = { kernelSize: this.pool, stride: this.strides, padding: this.args.padding ?? 'valid' } as const;
    return this.kind === 'max' ? soma.maxPool2d(x, o) : soma.avgPool2d(x, { ...o, countIncludePad: false });
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    if (s.length !== 4) throw new Error(`${this.name} expects [*, channels, height, width] (NCHW), got ${fmt(s)}`);
    return checkedWindowShape(this, s, [s[0], s[1], ...([0, 1] as const).map((i) => convLength(s[2 + i], this.pool[i], this.strides[i], 1, this.args.padding, i))], this.pool);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), poolSize: this.pool, strides: this.strides, padding: this.args.padding ?? 'valid' };
  }
}

/** Max pooling over NCHW images (Keras MaxPooling2D, PyTorch MaxPool2d). */
export class MaxPooling2D extends Pool2D {
  readonly className = 'MaxPooling2D';
  constructor(args: Pool2DArgs = {}) {
    super(args, 'max_pooling2d', 'max');
  }
}

/** Average pooling over NCHW images (Keras AveragePooling2D). */
export class AveragePooling2D extends Pool2D {
  readonly className = 'AveragePooling2D';
  constructor(args: Pool2DArgs = {}) {
    super(args, 'average_pooling2d', 'avg');
  }
}

export interface Pool1DArgs extends ChannelsArgs {
  poolSize?: number;
  strides?: number;
  padding?: 'valid' | 'same';
}

/** 1-D pooling over [batch, channels, length], run as 2-D pooling over a height of 1. */
abstract class Pool1D extends Layer<'single'> {
  constructor(readonly args: Pool1DArgs, prefix: string, private readonly kind: 'max' | 'avg') {
    super(args, prefix);
  }
  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    if (x.rank !== 3) throw new Error(`${this.name} expects [*, channels, length], got [${x.shape.join(', ')}]`);
    const p = this.args.poolSize ?? 2;
    const o = { kernelSize: [1, p] as [number, number], stride: [1, this.args.strides ?? p] as [number, number], padding: this.args.padding ?? 'valid' } as const;
    return soma.tidy(() => {
      const x4 = x.expandDims(2);
      return (this.kind === 'max' ? soma.maxPool2d(x4, o) : soma.avgPool2d(x4, { ...o, countIncludePad: false })).squeeze(2);
    });
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const p = this.args.poolSize ?? 2;
    return checkedWindowShape(this, s, [s[0], s[1], convLength(s[2], p, this.args.strides ?? p, 1, this.args.padding)], [p]);
  }
  override getConfig(): LayerConfig {
    const p = this.args.poolSize ?? 2;
    return { ...super.getConfig(), poolSize: p, strides: this.args.strides ?? p, padding: this.args.padding ?? 'valid' };
  }
}

/** Max pooling over the time axis (Keras MaxPooling1D). */
export class MaxPooling1D extends Pool1D {
  readonly className = 'MaxPooling1D';
  constructor(args: Pool1DArgs = {}) {
    super(args, 'max_pooling1d', 'max');
  }
}

/** Average pooling over the time axis (Keras AveragePooling1D). */
export class AveragePooling1D extends Pool1D {
  readonly className = 'AveragePooling1D';
  constructor(args: Pool1DArgs = {}) {
    super(args, 'average_pooling1d', 'avg');
  }
}

/** Mean or max over H and W: [N, C, H, W] → [N, C] (or [N, C, 1, 1] with keepDims). */
abstract class GlobalPool2D extends Layer<'single'> {
  constructor(readonly args: ChannelsArgs & { keepDims?: boolean }, prefix: string, private readonly kind: 'max' | 'avg') {
    super(args, prefix);
  }
  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    if (x.rank !== 4) throw new Error(`${this.name} expects [*, channels, height, width] (NCHW), got [${x.shape.join(', ')}]`);
    const keep = this.args.keepDims ?? false;
    return this.kind === 'max' ? soma.max(x, [2, 3], keep) : soma.mean(x, [2, 3], keep);
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    return this.args.keepDims ? [s[0], s[1], 1, 1] : [s[0], s[1]];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), keepDims: this.args.keepDims ?? false };
  }
}

/** Mean over height and width (Keras GlobalAveragePooling2D). */
export class GlobalAveragePooling2D extends GlobalPool2D {
  readonly className = 'GlobalAveragePooling2D';
  constructor(args: ChannelsArgs & { keepDims?: boolean } = {}) {
    super(args, 'global_average_pooling2d', 'avg');
  }
}

/** Max over height and width (Keras GlobalMaxPooling2D). */
export class GlobalMaxPooling2D extends GlobalPool2D {
  readonly className = 'GlobalMaxPooling2D';
  constructor(args: ChannelsArgs & { keepDims?: boolean } = {}) {
    super(args, 'global_max_pooling2d', 'max');
  }
}

/** Layers whose outputs are [batch, steps, features] (channels last), whatever Soma's 1-D default. */
const STEPS_FIRST_LAYERS = new Set(['Embedding', 'Masking', 'SimpleRNN', 'LSTM', 'GRU', 'Bidirectional', 'TimeDistributed']);

/** The layout of 1-D inputs: [N, C, L] ('channelsFirst') or [N, L, C]. */
export type DataFormat1d = 'channelsFirst' | 'channelsLast';

/**
 * Mean over the steps of a sequence: [batch, channels, steps] (channelsFirst, Soma's 1-D layout,
 * as conv1d) or [batch, steps, features] (channelsLast: embedding and recurrent outputs, Keras's
 * default). With a mask (embedding maskZero, masking) only the real steps are averaged; masks
 * cover the steps of [batch, steps, features], so a masked input needs channelsLast.
 */
export class GlobalAveragePooling1D extends Layer<'single'> {
  readonly className = 'GlobalAveragePooling1D';
  override supportsMasking = true;
  private format: DataFormat1d;
  private readonly formatGiven: boolean;
  constructor(args: LayerArgs & { dataFormat?: DataFormat1d } = {}) {
    super(args, 'global_average_pooling1d');
    const f = args.dataFormat ?? 'channelsFirst';
    if (f !== 'channelsFirst' && f !== 'channelsLast') throw new Error(`${this.name}: dataFormat must be 'channelsFirst' or 'channelsLast', got ${JSON.stringify(f)}`);
    this.format = f;
    this.formatGiven = args.dataFormat !== undefined;
  }
  /** The layout it averages: [N, C, L] ('channelsFirst') or [N, L, C] ('channelsLast'). */
  get dataFormat(): DataFormat1d {
    return this.format;
  }
  /**
   * Without an explicit dataFormat, the layout follows the producing layer: after an embedding, a
   * recurrent layer or masking (outputs [batch, steps, features], the Keras text-classifier
   * `embedding → globalAveragePooling1d`), or when the input carries a mask, it is channelsLast,
   * as in Keras; after conv1d and Soma's other 1-D layers, and for unmasked tensors applied
   * directly, it stays channelsFirst.
   */
  protected override beforeBuild(inputs: readonly (Tensor | SymbolicTensor)[], args: CallArgs): void {
    if (this.formatGiven) return;
    const source = inputs[0] && isSymbolic(inputs[0]) ? inputs[0].sourceLayer.className : null;
    // A [batch, steps] mask (embedding maskZero, masking) also says the steps are axis 1.
    const masked = args.mask !== undefined && args.mask !== null;
    if ((source !== null && STEPS_FIRST_LAYERS.has(source)) || masked) this.format = 'channelsLast';
  }
  private get stepAxis(): number {
    return this.dataFormat === 'channelsLast' ? 1 : 2;
  }
  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const x = oneInput(inputs, this.name);
    if (x.rank !== 3) throw new Error(`${this.name}: expects a rank-3 input, got [${x.shape.join(', ')}]`);
    const mask = Array.isArray(args.mask) ? args.mask[0] ?? null : args.mask ?? null;
    if (!mask) return x.mean(this.stepAxis);
    if (this.dataFormat !== 'channelsLast' || mask.rank !== 2 || mask.shape[1] !== x.shape[1]) {
      throw new Error(`${this.name}: its input carries a [batch, steps] mask, which covers axis 1 of [batch, steps, features]; pass dataFormat: 'channelsLast' (got ${this.dataFormat}, input [${x.shape.join(', ')}], mask [${mask.shape.join(', ')}])`);
    }
    return soma.tidy(() => {
      const w = mask.cast(x.dtype).expandDims(-1);
      // A sequence with no real step averages to 0, not NaN (as Keras).
      return x.mul(w).sum(1).div(soma.maximum(w.sum(1), 1));
    });
  }
  override computeMask(): LayerMask {
    return null;
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    if (s.length !== 3) throw new Error(`${this.name}: expects a rank-3 input, got ${fmt(s)}`);
    return this.dataFormat === 'channelsLast' ? [s[0], s[2]] : [s[0], s[1]];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

/** Zero rows/columns around NCHW images: padding n, [h, w] or [[top, bottom], [left, right]]. */
export class ZeroPadding2D extends Layer<'single'> {
  readonly className = 'ZeroPadding2D';
  private readonly pads: [[number, number], [number, number]];
  constructor(args: ChannelsArgs & { padding?: number | [number, number] | [[number, number], [number, number]] } = {}) {
    super(args, 'zero_padding2d');
    const p = args.padding ?? 1;
    this.pads = typeof p === 'number' ? [[p, p], [p, p]] : typeof p[0] === 'number' ? [[p[0], p[0]], [p[1] as number, p[1] as number]] : (p as [[number, number], [number, number]]);
  }
  call(inputs: LayerInput): Tensor {
    return soma.pad(oneInput(inputs, this.name), [[0, 0], [0, 0], this.pads[0], this.pads[1]]);
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const add = (d: number | null, p: [number, number]) => (d === null ? null : d + p[0] + p[1]);
    return [s[0], s[1], add(s[2], this.pads[0]), add(s[3], this.pads[1])];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padding: this.pads };
  }
}

/** Nearest-neighbour upsampling of NCHW images by integer factors. */
export class UpSampling2D extends Layer<'single'> {
  readonly className = 'UpSampling2D';
  private readonly size: [number, number];
  constructor(args: ChannelsArgs & { size?: Pair } = {}) {
    super(args, 'up_sampling2d');
    this.size = pair(args.size ?? 2);
  }
  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    const [n, c, h, w] = x.shape;
    const [sh, sw] = this.size;
    return soma.tidy(() => x.reshape([n, c, h, 1, w, 1]).tile([1, 1, 1, sh, 1, sw]).reshape([n, c, h * sh, w * sw]));
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    return [s[0], s[1], s[2] === null ? null : s[2] * this.size[0], s[3] === null ? null : s[3] * this.size[1]];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: this.size };
  }
}
