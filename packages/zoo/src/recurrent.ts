import * as soma from '@soma/core';
import { layers, sequential, type Layer, type Sequential } from '@soma/layers';
import { modelOptions, positiveInt } from './options.js';
import { CHAR_LSTM_GETTYSBURG, CHAR_LSTM_VOCABULARY } from './weights/char_lstm_gettysburg.js';
import { loadShippedWeights } from './weights/shipped.js';

/** The recurrent cell a zoo model uses: 'lstm' or 'gru'. */
export type RecurrentCell = 'lstm' | 'gru';

interface StackOptions {
  units: number;
  /** How many recurrent layers, stacked. */
  layers: number;
  cell: RecurrentCell;
  bidirectional: boolean;
  /** Dropout between the recurrent layers and before the output. */
  dropout: number;
}

/** Stacked recurrent layers; all but the last return sequences (the last too when `sequences`). */
function recurrentStack(fn: string, o: StackOptions, sequences: boolean, inputShape?: readonly number[]): Layer[] {
  positiveInt(fn, 'units', o.units);
  positiveInt(fn, 'layers', o.layers);
  if (o.cell !== 'lstm' && o.cell !== 'gru') throw new Error(`${fn}: cell must be 'lstm' or 'gru', got ${JSON.stringify(o.cell)}`);
  const out: Layer[] = [];
  for (let i = 0; i < o.layers; i++) {
    const returnSequences = sequences || i < o.layers - 1;
    const shape = i === 0 && inputShape && !o.bidirectional ? { inputShape } : {};
    const cell = o.cell === 'lstm' ? layers.lstm({ units: o.units, returnSequences, ...shape }) : layers.gru({ units: o.units, returnSequences, ...shape });
    out.push(o.bidirectional ? layers.bidirectional({ layer: cell, ...(i === 0 && inputShape ? { inputShape } : {}) }) : cell);
    if (o.dropout > 0) out.push(layers.dropout({ rate: o.dropout }));
  }
  return out;
}

/**
 * Options of `lstmClassifier`: vocabulary, embedding size, sequence length, classes, and the
 * recurrent stack (units, layers, cell, bidirectional, dropout).
 */
export interface LstmClassifierOptions extends StackOptions {
  vocabSize: number;
  embeddingDim: number;
  /** Length of the (padded) input sequences. */
  sequenceLength: number;
  /** 1: a sigmoid output (binary, e.g. sentiment); more: softmax over the classes. */
  numClasses: number;
  name: string;
}

/**
 * Text classification: token ids [batch, sequenceLength] (0 = padding, masked) → embedding →
 * stacked LSTM (or GRU, optionally bidirectional) → dense. Train with binaryCrossentropy for
 * numClasses 1, sparseCategoricalCrossentropy otherwise.
 */
export function lstmClassifier(options?: Partial<LstmClassifierOptions>): Sequential {
  const o = modelOptions<LstmClassifierOptions>('lstmClassifier', options, {
    vocabSize: 10000, embeddingDim: 64, sequenceLength: 100, units: 64, layers: 1, cell: 'lstm', bidirectional: false, dropout: 0, numClasses: 1, name: 'lstm_classifier',
  });
  positiveInt('lstmClassifier', 'vocabSize', o.vocabSize);
  positiveInt('lstmClassifier', 'numClasses', o.numClasses);
  return sequential({
    name: o.name,
    layers: [
      layers.embedding({ inputDim: o.vocabSize, outputDim: positiveInt('lstmClassifier', 'embeddingDim', o.embeddingDim), maskZero: true, inputLength: positiveInt('lstmClassifier', 'sequenceLength', o.sequenceLength) }),
      ...recurrentStack('lstmClassifier', o, false),
      layers.dense({ units: o.numClasses, activation: o.numClasses === 1 ? 'sigmoid' : 'softmax' }),
    ],
  });
}

/** Options of `lstmRegressor`: input shape [steps, features], outputs, and the recurrent stack. */
export interface LstmRegressorOptions extends StackOptions {
  /** [timeSteps, features] of one sequence. */
  inputShape: [number, number];
  /** Values predicted per sequence (1: the next value of a series). */
  outputs: number;
  name: string;
}

/** Sequence to value (time series): [batch, steps, features] → stacked LSTM/GRU → dense(outputs). Train with meanSquaredError. */
export function lstmRegressor(options?: Partial<LstmRegressorOptions>): Sequential {
  const o = modelOptions<LstmRegressorOptions>('lstmRegressor', options, {
    inputShape: [20, 1], units: 32, layers: 1, cell: 'lstm', bidirectional: false, dropout: 0, outputs: 1, name: 'lstm_regressor',
  });
  const [steps, features] = o.inputShape;
  positiveInt('lstmRegressor', 'inputShape[0]', steps);
  positiveInt('lstmRegressor', 'inputShape[1]', features);
  return sequential({
    name: o.name,
    layers: [...recurrentStack('lstmRegressor', o, false, o.inputShape), layers.dense({ units: positiveInt('lstmRegressor', 'outputs', o.outputs) })],
  });
}

/**
 * Options of `lstmLanguageModel`: the vocabulary (its characters), embedding size, pretrained
 * weights, and the recurrent stack.
 */
export interface LanguageModelOptions extends StackOptions {
  /** The characters the model reads and writes, one per id (ids start at 0). */
  vocabulary: string;
  embeddingDim: number;
  /**
   * Weights shipped in this package, trained on the public-domain text it also ships
   * (GETTYSBURG_ADDRESS) by scripts/train_char_lstm.mjs; vocabulary and layout are then fixed.
   */
  pretrained: boolean;
  name: string;
}

/** The layout of the shipped character model (lstmLanguageModel({ pretrained: true })). */
export const CHAR_LSTM_ARCHITECTURE = { embeddingDim: 16, units: 96, layers: 1, cell: 'lstm' } as const;

/** Options of text generation: length, temperature and seed. */
export interface GenerateOptions {
  /** Characters to add (default 100). */
  length?: number;
  /** Sampling temperature: below 1 sharper, above 1 more random; 0 picks the likeliest. */
  temperature?: number;
  seed?: number;
}

/** A character-level language model with its vocabulary and a sampler. */
export type LanguageModel = Sequential & {
  readonly vocabulary: string;
  /** Text ids [batch, time] for a string (every character must be in the vocabulary). */
  encode(text: string): soma.Tensor;
  /** `prefix` followed by `length` sampled characters (one awaited readback per character, so it runs on GPU backends). */
  generate(prefix: string, options?: GenerateOptions): Promise<string>;
};

/**
 * Character-level language model: ids [batch, time] → embedding → stacked LSTM (returning every
 * step) → logits over the vocabulary at every step. Train on (text[0..n−1], text[1..n]) with
 * losses.sparseCategoricalCrossentropy({ fromLogits: true }); `generate` samples from it.
 */
export function lstmLanguageModel(options?: Partial<LanguageModelOptions>): LanguageModel {
  const o = modelOptions<LanguageModelOptions>('lstmLanguageModel', options, {
    vocabulary: '', embeddingDim: 32, units: 128, layers: 1, cell: 'lstm', bidirectional: false, dropout: 0, pretrained: false, name: 'char_lstm',
  });
  if (o.pretrained) {
    const given = options ?? {};
    const fixed = ['vocabulary', 'embeddingDim', 'units', 'layers', 'cell', 'bidirectional'].filter((k) => k in given);
    if (fixed.length) throw new Error(`lstmLanguageModel: the pretrained model has its own ${fixed.join(', ')}; leave them out`);
    Object.assign(o, CHAR_LSTM_ARCHITECTURE, { vocabulary: CHAR_LSTM_VOCABULARY });
  }
  const chars = [...o.vocabulary];
  if (chars.length < 2 || new Set(chars).size !== chars.length) throw new Error(`lstmLanguageModel: vocabulary must hold at least 2 distinct characters, got ${JSON.stringify(o.vocabulary)}`);
  if (o.bidirectional) throw new Error('lstmLanguageModel: a language model reads left to right; bidirectional is not possible');
  const index = new Map(chars.map((c, i) => [c, i]));
  const net = sequential({
    name: o.name,
    layers: [
      layers.embedding({ inputDim: chars.length, outputDim: positiveInt('lstmLanguageModel', 'embeddingDim', o.embeddingDim) }),
      ...recurrentStack('lstmLanguageModel', o, true),
      layers.dense({ units: chars.length }),
    ],
  });
  const encode = (text: string): soma.Tensor => {
    const ids = [...text].map((c, i) => {
      const id = index.get(c);
      if (id === undefined) throw new Error(`lstmLanguageModel: character ${JSON.stringify(c)} at position ${i} is not in the vocabulary`);
      return id;
    });
    return soma.tensor(ids, [1, ids.length], 'int32');
  };
  // One readback per character, awaited (GPU backends read only asynchronously). The prefix runs
  // through the layers once; then each character is one step of the recurrent layers from the
  // states the previous step left, so generating n characters costs n steps, not n² (predict would
  // also compile a graph for every length).
  const stepThrough = (ids: soma.Tensor, states: Map<InstanceType<typeof layers.RNN>, soma.Tensor[]>): soma.Tensor => {
    let h = ids;
    for (const layer of net.layers) {
      if (layer instanceof layers.RNN) {
        const [out, ...next] = layer.callWithState(h, states.get(layer));
        soma.dispose(states.get(layer) ?? []);
        states.set(layer, next.map((t) => soma.keep(t)));
        h = out;
      } else {
        h = layer.apply(h, { training: false }) as soma.Tensor;
      }
    }
    return h;
  };
  const generate = async (prefix: string, g: GenerateOptions = {}): Promise<string> => {
    soma.checkOptions('generate', g, ['length', 'temperature', 'seed']);
    const length = soma.checkNumber('generate', 'length', g.length ?? 100, { integer: true, min: 0 });
    const temperature = soma.checkNumber('generate', 'temperature', g.temperature ?? 1, { min: 0 });
    if (!prefix) throw new Error('generate: the prefix must hold at least one character');
    const rng = new soma.Prng(g.seed ?? soma.nextRandomSeed());
    let text = prefix;
    encode(text).dispose(); // a character outside the vocabulary fails before any work
    if (!net.outputs.length) soma.tidy(() => void net.predict(encode(chars[0])));
    const states = new Map<InstanceType<typeof layers.RNN>, soma.Tensor[]>();
    let input = text;
    try {
      for (let i = 0; i < length; i++) {
        const fed = input;
        const next = soma.tidy(() => {
          const logits = stepThrough(encode(fed), states).slice([0, [...fed].length - 1, 0], [1, 1, -1]).reshape([-1]);
          return soma.keep(temperature === 0 ? logits.argMax() : logits.div(temperature).softmax());
        });
        const probs = await next.data();
        next.dispose();
        let k = 0;
        if (temperature === 0) k = probs[0];
        else {
          let u = rng.nextFloat();
          while (k < probs.length - 1 && u >= probs[k]) u -= probs[k++];
        }
        text += chars[k];
        input = chars[k];
      }
    } finally {
      for (const s of states.values()) soma.dispose(s);
    }
    return text;
  };
  const lm = Object.assign(net, { vocabulary: o.vocabulary, encode, generate }) as LanguageModel;
  if (o.pretrained) {
    soma.tidy(() => void net.predict(encode(chars[0])));
    loadShippedWeights(net, CHAR_LSTM_GETTYSBURG, 'lstmLanguageModel');
  }
  return lm;
}
