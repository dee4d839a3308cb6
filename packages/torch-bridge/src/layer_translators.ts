import type { Layer, LayerConfig } from '@soma/layers';
import { activation } from './activations.js';
import { addArrays, reorderBlocks, row, stackRows, transpose2d, zerosLike, type Arr } from './arrays.js';

/**
 * How one layer becomes PyTorch: the module built in `__init__` (if any), the expression its
 * forward computes, and how its weights move to the module's state_dict and back.
 */
export interface Translation {
  /** Python expressions assigned in __init__: `self.<key> = <value>` (attribute names relative to the layer's). */
  modules: [suffix: string, init: string][];
  /**
   * The forward expression, from the input expressions, `self.<attr>` (the layer's module
   * attribute) and the input's mask expression (a [batch, time] bool tensor) when it has one.
   */
  call(inputs: string[], self: string, mask?: string): string;
  /** Soma's weights (layer.weights order) → state_dict entries, keys relative to `self.<attr>`. */
  toTorch(weights: Arr[]): [string, Arr][];
  /** state_dict entries (by relative key) → Soma's weights in layer.weights order. */
  fromTorch(get: (key: string) => Arr): Arr[];
  /** How many outputs the call returns as a tuple (layers with returnState); 1 otherwise. */
  outputs: number;
}

/** Why a layer has no translation: collected for all layers, then reported together. */
export class Untranslatable extends Error {}

type Cfg = LayerConfig & Record<string, unknown>;
const py = (v: unknown): string => (Array.isArray(v) ? `(${v.map(py).join(', ')}${v.length === 1 ? ',' : ''})` : typeof v === 'boolean' ? (v ? 'True' : 'False') : typeof v === 'string' ? JSON.stringify(v) : String(v));
const tuple = (v: unknown, n: number): number[] => (Array.isArray(v) ? (v as number[]) : Array.from({ length: n }, () => v as number));

const noWeights = { toTorch: () => [], fromTorch: () => [] };

function fn(call: (x: string[]) => string): Translation {
  return { modules: [], call: (xs) => call(xs), ...noWeights, outputs: 1 };
}

/** A weight-free functional layer of one input. */
const unary = (f: (x: string) => string): Translation => fn(([x]) => f(x));

/** Kernel and optional bias, the kernel moved by `kernelTo` / `kernelFrom`. */
function kernelBias(useBias: boolean, kernelTo: (a: Arr) => Arr = (a) => a, kernelFrom: (a: Arr) => Arr = (a) => a) {
  return {
    toTorch: (w: Arr[]): [string, Arr][] => [['.weight', kernelTo(w[0])], ...(useBias ? [['.bias', w[1]] as [string, Arr]] : [])],
    fromTorch: (get: (k: string) => Arr): Arr[] => [kernelFrom(get('.weight')), ...(useBias ? [get('.bias')] : [])],
  };
}

function convolution(layer: Layer, cfg: Cfg, rank: 1 | 2, kernelShape: readonly number[]): Translation {
  const name = String(cfg.name);
  if (cfg.dataFormat === 'channelsLast') throw new Untranslatable(`${name}: dataFormat 'channelsLast' (the generated module is channels-first, as PyTorch's layers are)`);
  const k = tuple(cfg.kernelSize, rank);
  const s = tuple(cfg.strides ?? 1, rank);
  const d = tuple(cfg.dilationRate ?? 1, rank);
  const transposed = layer.className === 'Conv2DTranspose';
  const depthwise = layer.className === 'DepthwiseConv2D';
  const groups = depthwise ? kernelShape[0] / Number(cfg.depthMultiplier ?? 1) : Number(cfg.groups ?? 1);
  const [inC, outC] = transposed ? [kernelShape[0], kernelShape[1] * groups] : [kernelShape[1] * groups, kernelShape[0]];
  const useBias = cfg.useBias !== false;
  const same = cfg.padding === 'same';
  const pad = same || cfg.padding === 'valid' || cfg.padding === undefined ? 0 : tuple(cfg.padding, rank);
  const outPad = transposed ? tuple(cfg.outputPadding ?? 0, rank) : null;
  if (transposed && same && outPad!.some((p) => p !== 0)) throw new Untranslatable(`${name}: padding 'same' with outputPadding`);
  if (transposed && same && k.some((kk, i) => d[i] * (kk - 1) + 1 - s[i] < 0)) throw new Untranslatable(`${name}: padding 'same' with a stride larger than the kernel`);
  const cls = transposed ? 'nn.ConvTranspose2d' : rank === 1 ? 'nn.Conv1d' : 'nn.Conv2d';
  const init = `${cls}(${inC}, ${outC}, ${py(k)}, stride=${py(s)}, padding=${py(pad)}, ${outPad ? `output_padding=${py(outPad)}, ` : ''}dilation=${py(d)}, groups=${groups}, bias=${py(useBias)})`;
  const act = (e: string) => activation(cfg.activation, e, name);
  return {
    modules: [['', init]],
    call: ([x], self) => {
      if (transposed && same) return act(`same_transpose_crop(${self}(${x}), ${x}.shape[2:], ${py(k)}, ${py(s)}, ${py(d)})`);
      return act(`${self}(${same ? `same_pad(${x}, ${py(k)}, ${py(s)}, ${py(d)})` : x})`);
    },
    ...kernelBias(useBias),
    outputs: 1,
  };
}

function pooling(cfg: Cfg, rank: 1 | 2, kind: 'max' | 'avg'): Translation {
  const k = tuple(cfg.poolSize, rank);
  const s = tuple(cfg.strides ?? cfg.poolSize, rank);
  if (cfg.dataFormat === 'channelsLast') throw new Untranslatable(`${cfg.name}: dataFormat 'channelsLast'`);
  if (cfg.padding === 'same') return unary((x) => `${kind}_pool_same(${x}, ${py(k)}, ${py(s)})`);
  return unary((x) => `F.${kind}_pool${rank}d(${x}, ${py(k)}, ${py(s)})`);
}

/** The recurrent layers: PyTorch's nn.RNN / nn.LSTM / nn.GRU, batch_first, with Keras's gate blocks reordered where PyTorch's differ. */
function recurrent(cfg: Cfg, className: string, weights: readonly { shape: readonly number[] }[]): Translation {
  const name = String(cfg.name);
  const units = Number(cfg.units);
  const features = weights[0].shape[0];
  const useBias = cfg.useBias !== false;
  const act = String(cfg.activation ?? 'tanh');
  const rec = String(cfg.recurrentActivation ?? 'sigmoid');
  let init: string;
  // Keras → PyTorch gate blocks: LSTM (i, f, c, o) is PyTorch's (i, f, g, o); GRU (z, r, h) becomes (r, z, n).
  let order = [0];
  if (className === 'SimpleRNN') {
    if (act !== 'tanh' && act !== 'relu') throw new Untranslatable(`${name}: SimpleRNN with activation '${act}' (PyTorch's RNN has tanh or relu)`);
    init = `nn.RNN(${features}, ${units}, nonlinearity=${py(act)}, bias=${py(useBias)}, batch_first=True)`;
  } else if (className === 'LSTM') {
    if (act !== 'tanh' || rec !== 'sigmoid') throw new Untranslatable(`${name}: LSTM with activation '${act}' / recurrentActivation '${rec}' (PyTorch's LSTM is tanh / sigmoid)`);
    if (cfg.peephole) throw new Untranslatable(`${name}: LSTM with peepholes`);
    init = `nn.LSTM(${features}, ${units}, bias=${py(useBias)}, batch_first=True)`;
    order = [0, 1, 2, 3];
  } else {
    if (act !== 'tanh' || rec !== 'sigmoid') throw new Untranslatable(`${name}: GRU with activation '${act}' / recurrentActivation '${rec}' (PyTorch's GRU is tanh / sigmoid)`);
    if (cfg.resetAfter === false) throw new Untranslatable(`${name}: GRU with resetAfter: false (PyTorch's GRU applies the reset gate after the recurrent matmul)`);
    init = `nn.GRU(${features}, ${units}, bias=${py(useBias)}, batch_first=True)`;
    order = [1, 0, 2];
  }
  const toT = (k: Arr) => reorderBlocks(transpose2d(k), order);
  const fromT = (w: Arr) => transpose2d(reorderBlocks(w, order.map((_, i) => order.indexOf(i))));
  const vecTo = (b: Arr) => reorderBlocks({ data: b.data, shape: [b.data.length, 1] }, order);
  const vecFrom = (b: Arr) => {
    const r = reorderBlocks({ data: b.data, shape: [b.data.length, 1] }, order.map((_, i) => order.indexOf(i)));
    return { data: r.data, shape: [b.data.length] };
  };
  const gru = className === 'GRU';
  const outputs = cfg.returnState ? (className === 'LSTM' ? 3 : 2) : 1;
  return {
    modules: [['', init]],
    call: ([x], self, mask) => `run_rnn(${self}, ${x}, go_backwards=${py(Boolean(cfg.goBackwards))}, return_sequences=${py(Boolean(cfg.returnSequences))}, return_state=${py(Boolean(cfg.returnState))}${mask ? `, mask=${mask}` : ''})`,
    toTorch: (w) => {
      const out: [string, Arr][] = [['.weight_ih_l0', toT(w[0])], ['.weight_hh_l0', toT(w[1])]];
      if (!useBias) return out;
      const b = w[2];
      const [bi, bh] = gru ? [row(b, 0), row(b, 1)] : [b, zerosLike(b)];
      out.push(['.bias_ih_l0', { ...vecTo(bi), shape: [bi.data.length] }], ['.bias_hh_l0', { ...vecTo(bh), shape: [bh.data.length] }]);
      return out;
    },
    fromTorch: (get) => {
      const w = [fromT(get('.weight_ih_l0')), fromT(get('.weight_hh_l0'))];
      if (!useBias) return w;
      const bi = vecFrom(get('.bias_ih_l0'));
      const bh = vecFrom(get('.bias_hh_l0'));
      // PyTorch trains two biases; Soma's LSTM and SimpleRNN hold their sum (the same function).
      return [...w, gru ? stackRows([bi, bh]) : addArrays(bi, bh)];
    },
    outputs,
  };
}

const MERGE: Record<string, (xs: string[], cfg: Cfg) => string> = {
  Add: (xs) => xs.join(' + '),
  Subtract: (xs) => `${xs[0]} - ${xs[1]}`,
  Multiply: (xs) => xs.join(' * '),
  Average: (xs) => `(${xs.join(' + ')}) / ${xs.length}`,
  Maximum: (xs) => xs.slice(1).reduce((a, b) => `torch.maximum(${a}, ${b})`, xs[0]),
  Minimum: (xs) => xs.slice(1).reduce((a, b) => `torch.minimum(${a}, ${b})`, xs[0]),
  Concatenate: (xs, cfg) => `torch.cat([${xs.join(', ')}], dim=${Number(cfg.axis ?? -1)})`,
};

/** The translation of one layer; Untranslatable when PyTorch has no equivalent (collected by the caller). */
export function translate(layer: Layer): Translation {
  const cfg = layer.getConfig() as Cfg;
  const name = String(cfg.name);
  const shapes = layer.weights.map((w) => w.shape);
  switch (layer.className) {
    case 'InputLayer':
      return unary((x) => x);
    case 'Dense': {
      const [inF, units] = shapes[0];
      const useBias = cfg.useBias !== false;
      return { modules: [['', `nn.Linear(${inF}, ${units}, bias=${py(useBias)})`]], call: ([x], self) => activation(cfg.activation, `${self}(${x})`, name), ...kernelBias(useBias, transpose2d, transpose2d), outputs: 1 };
    }
    case 'Conv1D':
      return convolution(layer, cfg, 1, shapes[0]);
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'Conv2DTranspose':
      return convolution(layer, cfg, 2, shapes[0]);
    case 'MaxPooling2D':
      return pooling(cfg, 2, 'max');
    case 'AveragePooling2D':
      return pooling(cfg, 2, 'avg');
    case 'MaxPooling1D':
      return pooling(cfg, 1, 'max');
    case 'AveragePooling1D':
      return pooling(cfg, 1, 'avg');
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      if (cfg.dataFormat === 'channelsLast') throw new Untranslatable(`${name}: dataFormat 'channelsLast'`);
      const op = layer.className === 'GlobalMaxPooling2D' ? 'amax' : 'mean';
      return unary((x) => `${x}.${op}(dim=(2, 3)${cfg.keepDims ? ', keepdim=True' : ''})`);
    }
    case 'GlobalAveragePooling1D':
      return unary((x) => `${x}.mean(dim=${cfg.dataFormat === 'channelsLast' ? 1 : 2})`);
    case 'ZeroPadding2D': {
      const [[t, b], [l, r]] = cfg.padding as [[number, number], [number, number]];
      return unary((x) => `F.pad(${x}, (${l}, ${r}, ${t}, ${b}))`);
    }
    case 'UpSampling2D': {
      if (cfg.interpolation && cfg.interpolation !== 'nearest') throw new Untranslatable(`${name}: interpolation '${String(cfg.interpolation)}'`);
      const [h, w] = tuple(cfg.size, 2);
      return unary((x) => `F.interpolate(${x}, scale_factor=(${h}.0, ${w}.0), mode="nearest")`);
    }
    case 'BatchNormalization': {
      if (cfg.center !== cfg.scale) throw new Untranslatable(`${name}: batch normalization with center ${String(cfg.center)} but scale ${String(cfg.scale)} (PyTorch's affine is both or neither)`);
      const affine = cfg.center !== false;
      const c = shapes[affine ? 2 : 0][0];
      const axis = Number(cfg.axis ?? 1);
      const momentum = 1 - Number(cfg.momentum ?? 0.99);
      // One class for every rank: BatchNorm1d takes [N, C] and [N, C, L]; higher ranks are folded to [N, C, L].
      const init = `nn.BatchNorm1d(${c}, eps=${Number(cfg.epsilon ?? 1e-3)}, momentum=${momentum}, affine=${py(affine)})`;
      return {
        modules: [['', init]],
        call: ([x], self) => `batch_norm_any(${self}, ${x}, ${axis})`,
        toTorch: (w) => (affine ? [['.weight', w[0]], ['.bias', w[1]], ['.running_mean', w[2]], ['.running_var', w[3]]] : [['.running_mean', w[0]], ['.running_var', w[1]]]),
        fromTorch: (get) => (affine ? [get('.weight'), get('.bias'), get('.running_mean'), get('.running_var')] : [get('.running_mean'), get('.running_var')]),
        outputs: 1,
      };
    }
    case 'LayerNormalization': {
      const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
      if (axis.length !== 1 || Number(axis[0]) !== -1) throw new Untranslatable(`${name}: layer normalization over axis ${JSON.stringify(cfg.axis)} (PyTorch's LayerNorm normalizes the last axes; only -1 is translated)`);
      if (cfg.center !== cfg.scale || cfg.center === false) throw new Untranslatable(`${name}: layer normalization without both center and scale`);
      return {
        modules: [['', `nn.LayerNorm(${shapes[0][0]}, eps=${Number(cfg.epsilon ?? 1e-3)})`]],
        call: ([x], self) => `${self}(${x})`,
        toTorch: (w) => [['.weight', w[0]], ['.bias', w[1]]],
        fromTorch: (get) => [get('.weight'), get('.bias')],
        outputs: 1,
      };
    }
    case 'Embedding':
      return {
        modules: [['', `nn.Embedding(${shapes[0][0]}, ${shapes[0][1]})`]],
        call: ([x], self) => `${self}(${x}.long())`,
        toTorch: (w) => [['.weight', w[0]]],
        fromTorch: (get) => [get('.weight')],
        outputs: 1,
      };
    case 'Dropout':
      return { modules: [['', `nn.Dropout(${Number(cfg.rate)})`]], call: ([x], self) => `${self}(${x})`, ...noWeights, outputs: 1 };
    case 'GaussianNoise':
      return { modules: [['', `GaussianNoise(${Number(cfg.stddev)})`]], call: ([x], self) => `${self}(${x})`, ...noWeights, outputs: 1 };
    case 'GaussianDropout':
      return { modules: [['', `GaussianDropout(${Number(cfg.rate)})`]], call: ([x], self) => `${self}(${x})`, ...noWeights, outputs: 1 };
    case 'Flatten':
      return unary((x) => `torch.flatten(${x}, 1)`);
    case 'Reshape':
      return unary((x) => `${x}.reshape(${x}.shape[0], ${(cfg.targetShape as number[]).join(', ')})`);
    case 'Permute':
      return unary((x) => `${x}.permute(0, ${(cfg.dims as number[]).join(', ')})`);
    case 'RepeatVector':
      return unary((x) => `${x}.unsqueeze(1).expand(-1, ${Number(cfg.n)}, -1)`);
    case 'Activation':
      return unary((x) => activation(cfg.activation, x, name));
    case 'LeakyReLU':
      return unary((x) => `F.leaky_relu(${x}, ${Number(cfg.alpha ?? 0.3)})`);
    case 'PReLU':
      return {
        modules: [['', `PReLUWeights(${py(shapes[0])})`]],
        call: ([x], self) => `torch.where(${x} >= 0, ${x}, ${self}.weight * ${x})`,
        toTorch: (w) => [['.weight', w[0]]],
        fromTorch: (get) => [get('.weight')],
        outputs: 1,
      };
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return recurrent(cfg, layer.className, layer.weights);
    case 'Bidirectional': {
      const bi = layer as unknown as { forward: Layer; backward: Layer; mergeMode: string };
      const f = translate(bi.forward);
      const b = translate(bi.backward);
      const n = bi.forward.weights.length;
      const seq = Boolean((bi.forward.getConfig() as Cfg).returnSequences);
      const merge: Record<string, (a: string, c: string) => string> = {
        concat: (a, c) => `torch.cat([${a}, ${c}], dim=-1)`,
        sum: (a, c) => `${a} + ${c}`,
        mul: (a, c) => `${a} * ${c}`,
        ave: (a, c) => `(${a} + ${c}) / 2`,
      };
      return {
        modules: [...f.modules.map(([s, i]): [string, string] => [`_forward${s}`, i]), ...b.modules.map(([s, i]): [string, string] => [`_backward${s}`, i])],
        // The backward layer reads the sequence reversed; its sequence output is flipped back to line up (Keras).
        call: (xs, self, mask) => merge[bi.mergeMode](f.call(xs, `${self}_forward`, mask), seq ? `torch.flip(${b.call(xs, `${self}_backward`, mask)}, [1])` : b.call(xs, `${self}_backward`, mask)),
        toTorch: (w) => [...f.toTorch(w.slice(0, n)).map(([k, v]): [string, Arr] => [`_forward${k}`, v]), ...b.toTorch(w.slice(n)).map(([k, v]): [string, Arr] => [`_backward${k}`, v])],
        fromTorch: (get) => [...f.fromTorch((k) => get(`_forward${k}`)), ...b.fromTorch((k) => get(`_backward${k}`))],
        outputs: 1,
      };
    }
    case 'TimeDistributed': {
      const inner = translate((layer as unknown as { layer: Layer }).layer);
      return { ...inner, call: ([x], self) => `time_distributed(lambda y: ${inner.call(['y'], self)}, ${x})` };
    }
  }
  const merge = MERGE[layer.className];
  if (merge) return fn((xs) => merge(xs, cfg));
  throw new Untranslatable(`${name}: ${layer.className} has no PyTorch equivalent here`);
}
