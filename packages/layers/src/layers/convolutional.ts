import * as soma from '@soma/core';
import type { Tensor, Variable } from '@soma/core';
import { fusable, getActivation } from '../activations.js';
import { Layer, type ChannelsArgs, type KernelLayerArgs, type LayerConfig, type LayerInput } from '../model/layer.js';
import { fmt, type LayerShape } from '../model/shapes.js';
import { oneInput, singleShape } from './input_util.js';

/** One number for both spatial axes, or [height, width]. */
export type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

export interface ConvArgs extends KernelLayerArgs, ChannelsArgs {
  filters: number;
  kernelSize: Pair;
  strides?: Pair;
  /** 'valid' (no padding), 'same' (output = ceil(input / stride)) or explicit amounts. */
  padding?: 'valid' | 'same' | number | [number, number];
  dilationRate?: Pair;
  groups?: number;
}

/**
 * Output length of a convolution or pooling along spatial axis `axis` (0: height, 1: width), by
 * core's rule (`outLength`); a [h, w] padding pads that axis by its own amount on both sides.
 */
export function convLength(len: number | null, k: number, stride: number, dilation: number, padding: ConvArgs['padding'], axis = 0): number | null {
  if (len === null) return null;
  if (padding === 'same') return Math.ceil(len / stride);
  const p = padding === undefined || padding === 'valid' ? 0 : typeof padding === 'number' ? padding : padding[axis];
  return soma.outLength(len, p, p, k, stride, dilation);
}

/**
 * The output shape of a convolution or pooling layer, checked: a spatial size below 1 means the
 * input is smaller than the window — most often channels-last data ([batch, height, width,
 * channels]) given to a layer that reads channels-first, which the error says.
 */
export function checkedWindowShape(layer: Layer, input: LayerShape, out: LayerShape, window: readonly number[]): LayerShape {
  if (out.slice(2).every((d) => d === null || d >= 1)) return out;
  const hint = layer.channelsLast ? '' : `; Soma's layers read [batch, channels, ${input.length === 3 ? 'length' : 'height, width'}] (channels first) by default: for channels-last data pass dataFormat: 'channelsLast'`;
  throw new Error(`${layer.name}: the input ${fmt(layer.channelsLast ? [input[0], ...input.slice(2), input[1]] : input)} is smaller than the window ${fmt(window)} (output ${fmt(layer.channelsLast ? [out[0], ...out.slice(2), out[1]] : out)})${hint}`);
}

/**
 * 2-D convolution over NCHW inputs. The kernel is [filters, inChannels/groups, kH, kW] (PyTorch's
 * layout), so weights move to and from torch and ONNX without transposes.
 */
export class Conv2D extends Layer<'single'> {
  readonly className: string = 'Conv2D';
  kernel!: Variable;
  bias: Variable | null = null;
  protected readonly kernelSize: [number, number];
  protected readonly strides: [number, number];
  protected readonly dilation: [number, number];

  constructor(readonly args: ConvArgs, prefix = 'conv2d') {
    super(args, prefix);
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.dilation = pair(args.dilationRate ?? 1);
  }

  /**
   * The input's channel count, from the shape and `dataFormat`; an error naming the layer when it
   * is unknown.
   */
  protected inChannels(inputShape: LayerShape | LayerShape[]): number {
    const s = singleShape(inputShape);
    if (s.length !== 4 || s[1] === null) throw new Error(`${this.name} expects [*, channels, height, width] (NCHW), got ${fmt(s)}`);
    return s[1];
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const c = this.inChannels(inputShape);
    const s = singleShape(inputShape);
    // [null, 28, 28, 3] read as NCHW is 28 channels of 28×3 images: legal, but rarely meant.
    if (!this.channelsLast && s[3] !== null && s[3] <= 4 && c > 4 && s[2] !== null && s[2] > 4) {
      console.warn(`${this.name}: the input ${fmt(s)} looks channels-last (${s[3]} channels at the end); it is read as NCHW: ${c} channels of ${s[2]}×${s[3]} images. Pass dataFormat: 'channelsLast' if the data is [batch, height, width, channels]`);
    }
    const groups = this.args.groups ?? 1;
    if (c % groups !== 0 || this.args.filters % groups !== 0) throw new Error(`${this.name}: groups=${groups} must divide input channels ${c} and filters ${this.args.filters}`);
    this.kernel = this.addWeight('kernel', [this.args.filters, c / groups, ...this.kernelSize], this.args.kernelInitializer ?? 'glorotUniform', {
      regularizer: this.args.kernelRegularizer, constraint: this.args.kernelConstraint,
    });
    this.addBias(this.args.filters);
  }

  /** Adds the bias weight of `n` elements when `useBias` is on. */
  protected addBias(n: number): void {
    if (this.args.useBias ?? true) {
      this.bias = this.addWeight('bias', [n], this.args.biasInitializer ?? 'zeros', { regularizer: this.args.biasRegularizer, constraint: this.args.biasConstraint });
    }
  }

  protected override recordBuiltShapes(shapes: LayerShape[]): (LayerShape | null)[] {
    return shapes.map((s) => [null, s[1], null, null]);
  }

  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    const options = { stride: this.strides, padding: this.args.padding ?? 'valid', dilation: this.dilation, groups: this.args.groups ?? 1, bias: this.bias ?? undefined };
    const activation = fusable(this.args.activation);
    // relu/tanh/sigmoid run in the convolution's kernel where the backend fuses them (soma.fused).
    if (activation) return soma.fused.conv2d(x, this.kernel, { ...options, activation });
    return soma.tidy(() => getActivation(this.args.activation)(soma.conv2d(x, this.kernel, options)));
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const out: LayerShape = [s[0], this.args.filters, ...([0, 1] as const).map((i) => convLength(s[2 + i], this.kernelSize[i], this.strides[i], this.dilation[i], this.args.padding, i))];
    return checkedWindowShape(this, s, out, this.kernelSize);
  }

  override getConfig(): LayerConfig {
    const { filters, padding = 'valid', groups = 1, activation = 'linear', useBias = true } = this.args;
    return { ...super.getConfig(), filters, kernelSize: this.kernelSize, strides: this.strides, padding, dilationRate: this.dilation, groups, activation, useBias };
  }
}

/** 1-D convolution over [batch, channels, length]; kernel [filters, inChannels/groups, k]. */
export class Conv1D extends Layer<'single'> {
  readonly className = 'Conv1D';
  kernel!: Variable;
  bias: Variable | null = null;
  constructor(readonly args: Omit<ConvArgs, 'kernelSize' | 'strides' | 'dilationRate' | 'padding'> & { kernelSize: number; strides?: number; dilationRate?: number; padding?: 'valid' | 'same' | number }) {
    super(args, 'conv1d');
  }
  override build(inputShape: LayerShape | LayerShape[]): void {
    const s = singleShape(inputShape);
    if (s.length !== 3 || s[1] === null) throw new Error(`${this.name} expects [*, channels, length], got ${fmt(s)}`);
    const groups = this.args.groups ?? 1;
    this.kernel = this.addWeight('kernel', [this.args.filters, s[1] / groups, this.args.kernelSize], this.args.kernelInitializer ?? 'glorotUniform', {
      regularizer: this.args.kernelRegularizer, constraint: this.args.kernelConstraint,
    });
    if (this.args.useBias ?? true) this.bias = this.addWeight('bias', [this.args.filters], this.args.biasInitializer ?? 'zeros', { regularizer: this.args.biasRegularizer });
  }
  protected override recordBuiltShapes(shapes: LayerShape[]): (LayerShape | null)[] {
    return shapes.map((s) => [null, s[1], null]);
  }
  call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    return soma.tidy(() => getActivation(this.args.activation)(soma.conv1d(x, this.kernel, {
      stride: this.args.strides ?? 1, padding: this.args.padding ?? 'valid', dilation: this.args.dilationRate ?? 1, groups: this.args.groups ?? 1, bias: this.bias ?? undefined,
    })));
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    return checkedWindowShape(this, s, [s[0], this.args.filters, convLength(s[2], this.args.kernelSize, this.args.strides ?? 1, this.args.dilationRate ?? 1, this.args.padding)], [this.args.kernelSize]);
  }
  override getConfig(): LayerConfig {
    const { filters, kernelSize, strides = 1, padding = 'valid', dilationRate = 1, groups = 1, activation = 'linear', useBias = true } = this.args;
    return { ...super.getConfig(), filters, kernelSize, strides, padding, dilationRate, groups, activation, useBias };
  }
}

/** Depthwise 2-D convolution: each input channel gets `depthMultiplier` filters of its own (groups = channels). */
export class DepthwiseConv2D extends Conv2D {
  override readonly className = 'DepthwiseConv2D';
  constructor(args: Omit<ConvArgs, 'filters' | 'groups'> & { depthMultiplier?: number }) {
    // filters and groups follow from the input's channels, set in build().
    super({ ...args } as ConvArgs, 'depthwise_conv2d');
  }
  private get multiplier(): number {
    return (this.args as { depthMultiplier?: number }).depthMultiplier ?? 1;
  }
  override build(inputShape: LayerShape | LayerShape[]): void {
    const c = this.inChannels(inputShape);
    (this.args as { filters: number; groups: number }).filters = c * this.multiplier;
    (this.args as { groups: number }).groups = c;
    this.kernel = this.addWeight('kernel', [c * this.multiplier, 1, ...this.kernelSize], this.args.kernelInitializer ?? 'glorotUniform', {
      regularizer: this.args.kernelRegularizer, constraint: this.args.kernelConstraint,
    });
    this.addBias(c * this.multiplier);
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const out = super.computeOutputShape(inputShape);
    return [out[0], s[1] === null ? null : s[1] * this.multiplier, out[2], out[3]];
  }
  override getConfig(): LayerConfig {
    const { filters: _f, groups: _g, ...rest } = super.getConfig();
    return { ...rest, depthMultiplier: this.multiplier };
  }
}

/**
 * Transposed 2-D convolution (PyTorch ConvTranspose2d): kernel [inChannels, filters/groups, kH, kW];
 * output size (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
 */
export class Conv2DTranspose extends Conv2D {
  override readonly className = 'Conv2DTranspose';
  constructor(args: ConvArgs & { outputPadding?: Pair }) {
    super(args, 'conv2d_transpose');
  }
  override build(inputShape: LayerShape | LayerShape[]): void {
    const c = this.inChannels(inputShape);
    const groups = this.args.groups ?? 1;
    this.kernel = this.addWeight('kernel', [c, this.args.filters / groups, ...this.kernelSize], this.args.kernelInitializer ?? 'glorotUniform', {
      regularizer: this.args.kernelRegularizer, constraint: this.args.kernelConstraint,
    });
    this.addBias(this.args.filters);
  }
  override call(inputs: LayerInput): Tensor {
    const x = oneInput(inputs, this.name);
    const outputPadding = (this.args as { outputPadding?: Pair }).outputPadding ?? 0;
    return soma.tidy(() => getActivation(this.args.activation)(soma.conv2dTranspose(x, this.kernel, {
      stride: this.strides, padding: this.args.padding ?? 'valid', dilation: this.dilation, groups: this.args.groups ?? 1, outputPadding, bias: this.bias ?? undefined,
    })));
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), outputPadding: pair((this.args as { outputPadding?: Pair }).outputPadding ?? 0) };
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const op = pair((this.args as { outputPadding?: Pair }).outputPadding ?? 0);
    const pad = this.args.padding;
    const dims = ([0, 1] as const).map((i) => {
      const len = s[2 + i];
      if (len === null) return null;
      if (pad === 'same') return len * this.strides[i];
      const p = pad === undefined || pad === 'valid' ? 0 : typeof pad === 'number' ? 2 * pad : 2 * pad[i];
      return (len - 1) * this.strides[i] - p + this.dilation[i] * (this.kernelSize[i] - 1) + op[i] + 1;
    });
    return [s[0], this.args.filters, ...dims];
  }
}
