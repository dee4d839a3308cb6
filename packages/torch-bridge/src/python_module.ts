import type { Layer, LayersModel } from '@soma/layers';
import { translate, Untranslatable, type Translation } from './layer_translators.js';
import { PYTHON_HELPERS } from './python_helpers.js';

/** One layer of the model, translated, with its module attribute name. */
export interface TranslatedLayer {
  layer: Layer;
  attr: string;
  t: Translation;
}

/** The model as PyTorch: the module's source and, per layer, how its weights move. */
export interface TorchModule {
  source: string;
  layers: TranslatedLayer[];
  inputNames: string[];
  outputNames: string[];
}

const PY_RESERVED = new Set(['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'self', 'training', 'forward', 'torch', 'nn', 'F', 'math', 'x']);

/** Layers whose output keeps its input's [batch, time] mask (the rest drop it; recurrences consume it). */
const PASSES_MASK = new Set(['Dropout', 'GaussianNoise', 'GaussianDropout', 'Activation', 'LeakyReLU', 'TimeDistributed']);

/** A Python identifier from a layer name, unique in `used`. */
function identifier(name: string, used: Set<string>): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(id)) id = `l_${id}`;
  if (PY_RESERVED.has(id)) id = `l_${id}`;
  let unique = id;
  for (let k = 2; used.has(unique); k++) unique = `${id}_${k}`;
  used.add(unique);
  return unique;
}

interface SavedNode {
  inputs: [string, number, number][];
  list: boolean;
  args: Record<string, unknown>;
}

/**
 * model.py for a @soma/layers model: the helpers, then `class <Name>(nn.Module)` whose
 * `__init__` builds one PyTorch module per layer (attributes named after the layers) and whose
 * `forward` follows the model's graph. Every layer without a PyTorch equivalent is listed in one
 * error.
 */
export function torchModule(model: LayersModel): TorchModule {
  const used = new Set<string>();
  const problems: string[] = [];
  const translated: TranslatedLayer[] = [];
  for (const layer of model.layers) {
    try {
      translated.push({ layer, attr: identifier(layer.name, used), t: translate(layer) });
    } catch (e) {
      if (!(e instanceof Untranslatable)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length) throw new Error(`exportTorch: ${problems.length} layer(s) of '${model.name}' have no PyTorch equivalent:\n  ${problems.join('\n  ')}`);

  const config = model.getConfig() as { layers: { className: string; config: { name: string }; inboundNodes?: SavedNode[] }[]; inputLayers?: [string, number, number][]; outputLayers?: [string, number, number][] };
  const byName = new Map(translated.map((l) => [l.layer.name, l]));
  const init: string[] = [];
  for (const { attr, t } of translated) for (const [suffix, expr] of t.modules) init.push(`        self.${attr}${suffix} = ${expr}`);

  const body: string[] = [];
  const masks = new Map<string, string>();
  const maskOf = (v: string): string | undefined => masks.get(v);
  // One statement per layer call; value names are <attr>_<node>.
  const emit = (l: TranslatedLayer, node: number, inputs: string[]): string => {
    const out = `${l.attr}_${node}`;
    const mask = inputs.length === 1 ? maskOf(inputs[0]) : undefined;
    body.push(`        ${out} = ${l.t.call(inputs, `self.${l.attr}`, mask)}`);
    const cfg = l.layer.getConfig() as Record<string, unknown>;
    if (l.layer.className === 'Embedding' && cfg.maskZero) {
      body.push(`        ${out}_mask = ${inputs[0]} != 0`);
      masks.set(out, `${out}_mask`);
    } else if (mask && (PASSES_MASK.has(l.layer.className) || (/^(SimpleRNN|LSTM|GRU)$/.test(l.layer.className) && cfg.returnSequences && !cfg.returnState) || (l.layer.className === 'Bidirectional' && (cfg.layer as { config: { returnSequences?: boolean } }).config.returnSequences))) {
      masks.set(out, mask);
    }
    return out;
  };

  let inputNames: string[];
  let outputs: string[];
  const pyInputs = new Set<string>();
  if (!config.inputLayers) {
    // Sequential: one input, a chain.
    const first = translated[0]?.layer.className === 'InputLayer' ? 1 : 0;
    inputNames = [model.inputs[0]?.sourceLayer.name ?? 'input'];
    let v = 'x';
    for (const l of translated.slice(first)) v = emit(l, 0, [v]);
    outputs = [v];
  } else {
    const ref = ([name, node, index]: [string, number, number]): string => {
      const l = byName.get(name)!;
      if (l.layer.className === 'InputLayer') return l.attr;
      const v = `${l.attr}_${node}`;
      return l.t.outputs > 1 ? `${v}[${index}]` : v;
    };
    inputNames = config.inputLayers.map(([name]) => name);
    for (const [name] of config.inputLayers) pyInputs.add(byName.get(name)!.attr);
    for (const saved of config.layers) {
      const l = byName.get(saved.config.name)!;
      if (l.layer.className === 'InputLayer') continue;
      (saved.inboundNodes ?? []).forEach((node, k) => {
        const extra = Object.keys(node.args ?? {}).filter((a) => a !== 'training');
        if (extra.length) throw new Error(`exportTorch: layer '${l.layer.name}' is called with ${extra.join(', ')}, which the generated module does not pass`);
        emit(l, k, node.inputs.map(ref));
      });
    }
    outputs = config.outputLayers!.map(ref);
  }
  const args = config.inputLayers ? [...pyInputs] : ['x'];
  const className = identifier(model.name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase()), new Set());
  const source = `"""PyTorch module generated by Soma's exportTorch from the @soma/layers model '${model.name}'.

Build it with build_model(), which loads weights.safetensors (PyTorch layouts) beside this file.
Inputs: ${inputNames.join(', ')} (batch first, as in Soma). Outputs: ${outputs.length === 1 ? 'one tensor' : `a tuple of ${outputs.length}`}.
"""
${PYTHON_HELPERS}

class ${className}(nn.Module):
    input_names = ${JSON.stringify(inputNames)}

    def __init__(self):
        super().__init__()
${init.length ? init.join('\n') : '        pass'}

    def forward(self, ${args.join(', ')}):
${body.join('\n')}
        return ${outputs.length === 1 ? outputs[0] : `(${outputs.join(', ')})`}


Model = ${className}


def build_model(weights=os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights.safetensors")):
    """The module with the exported weights loaded (weights=None: freshly initialized)."""
    model = ${className}()
    if weights:
        load_weights(model, weights)
    return model
`;
  return { source, layers: translated, inputNames, outputNames: model.outputs.map((o) => o.sourceLayer.name) };
}
