import type { Tensor, Variable } from '@soma/core';
import { Layer, registerLayerClass, type LayerArgs, type LayerConfig, type LayerInput, type LayerShape } from '@soma/layers';
import { decodeModel, encodeModel, type ModelProto, type TensorProto } from '../proto.js';
import { checkedDims } from '../tensor_proto.js';
import { checkParseBounds } from './bounds.js';
import { modelFromProto } from './import_onnx.js';
import type { OnnxModel } from './onnx_model.js';

const FLOAT = 1;
/** Weight values one graph layer may declare (2^30, as a tensor Soma reads from ONNX): a config asking for more is refused, not allocated. */
const MAX_WEIGHTS = 2 ** 30;

/** Options of `OnnxGraph`: the ONNX graph it runs (base64) and its output shapes. */
export interface OnnxGraphArgs extends LayerArgs {
  /**
   * The wrapped graph as an ONNX model, base64. Its float initializers are the layer's weights;
   * they may be stored without values (zeros until `setWeights`), as a saved model's config keeps them.
   */
  onnx: string;
  /** The outputs' shapes, batch first, null where a size varies. */
  outputShapes: LayerShape[];
}

/** Bytes as base64 (where no Buffer exists too: browsers). */
export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text: string, where: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw new Error(`${where}: the onnx option must be an ONNX model in base64`);
  }
}

const stored = (t: TensorProto) => (t.raw_data?.length ?? 0) > 0 || (t.float_data?.length ?? 0) > 0;

/**
 * Part of an imported ONNX graph that maps to no @soma/layers layer, run as one layer with Soma's
 * ONNX operators: trainable (its float initializers are its weights, batch-norm statistics
 * untrained), differentiable, saved with the model (the graph in its config, the weights in the
 * weights file) and loaded back once @soma/onnx-io is imported (it registers the class).
 */
export class OnnxGraph extends Layer<'multiple'> {
  readonly className = 'OnnxGraph';
  readonly onnx: OnnxModel;

  constructor(readonly graphArgs: OnnxGraphArgs) {
    super(graphArgs, 'onnx_graph');
    const where = `OnnxGraph '${this.name}'`;
    if (typeof graphArgs.onnx !== 'string') throw new Error(`${where}: the onnx option must be an ONNX model in base64, got ${typeof graphArgs.onnx}`);
    // The config comes from a saved file: its structure and declared sizes are bounded before anything is allocated.
    const bytes = fromBase64(graphArgs.onnx, where);
    checkParseBounds(bytes, where);
    const proto = decodeModel(bytes, where);
    const empty = (proto.graph?.initializer ?? []).filter((t) => t.data_type === FLOAT && !stored(t) && t.data_location !== 1);
    const total = empty.reduce((n, t) => n + checkedDims(t, `${where}: initializer '${t.name}'`).count, 0);
    if (total > MAX_WEIGHTS) throw new Error(`${where}: its graph declares ${total} weight values, more than a layer holds (${MAX_WEIGHTS})`);
    // Weights stored without values (a saved config) start as zeros; setWeights fills them.
    for (const t of empty) t.raw_data = new Uint8Array(checkedDims(t, where).count * 4);
    this.onnx = modelFromProto(proto, where, {}, new Map(), `${this.name}/`);
    if (!Array.isArray(graphArgs.outputShapes) || graphArgs.outputShapes.length !== this.onnx.outputs.length) {
      throw new Error(`${where}: outputShapes must list ${this.onnx.outputs.length} shape(s), one per output of the graph`);
    }
    this.built = true;
  }

  override get weights(): Variable[] {
    return this.onnx.variables;
  }
  override get trainableWeights(): Variable[] {
    return this.trainable ? this.onnx.variables.filter((v) => v.trainable) : [];
  }
  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? this.onnx.variables.filter((v) => !v.trainable) : this.onnx.variables;
  }

  call(inputs: LayerInput): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== this.onnx.inputs.length) throw new Error(`${this.name}: expected ${this.onnx.inputs.length} input(s), got ${list.length}`);
    const out = this.onnx.predict(Object.fromEntries(this.onnx.inputs.map((io, i) => [io.name, list[i]])));
    const outs = this.onnx.outputs.map((o) => out[o.name]);
    return outs.length === 1 ? outs[0] : outs;
  }

  override computeOutputShape(): LayerShape | LayerShape[] {
    const shapes = this.graphArgs.outputShapes;
    return shapes.length === 1 ? shapes[0] : shapes;
  }

  /** The graph without its weights' values (those travel in the weights file). */
  override getConfig(): LayerConfig {
    const proto: ModelProto = decodeModel(fromBase64(this.graphArgs.onnx, this.name), this.name);
    // Only weights: float parameters read at import (Resize's scales) keep their values.
    const weights = new Set(this.onnx.variables.map((v) => v.name));
    for (const t of proto.graph?.initializer ?? []) {
      if (!weights.has(`${this.name}/${t.name}`)) continue;
      delete t.raw_data;
      delete t.float_data;
    }
    return { ...super.getConfig(), onnx: toBase64(encodeModel(proto)), outputShapes: this.graphArgs.outputShapes };
  }

  /** Frees the graph's weights and constants. */
  override dispose(): void {
    this.onnx.dispose();
  }
}

registerLayerClass('OnnxGraph', OnnxGraph as never);
