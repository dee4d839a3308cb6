import { getEngine } from '../engine/engine.js';
import { fail } from '../errors.js';
import type { Tape } from '../engine/tape.js';
import { isTensor, type Tensor, type TensorLike } from '../tensor.js';
import type { Variable } from '../variable.js';
import { convertToTensor } from '../ops/convert.js';
import { gradientsOf } from './backprop.js';

/** Frees tensors this module made from the caller's JS values (never the caller's own tensors). */
function releaseConverted(pairs: [Tensor | undefined, unknown][]): void {
  for (const [t, given] of pairs) if (t && t !== given) t.dispose();
}

const asFloat = (op: string, x: TensorLike): Tensor => convertToTensor(x, op, 'x', 'float32');

/** df/dx for f: Tensor → Tensor. With a non-scalar result, `dy` weights it (default: ones, i.e. the gradient of the sum). */
export function grad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => Tensor {
  return (xLike, dyLike) => {
    const x = asFloat('grad', xLike);
    const dy = dyLike === undefined ? undefined : convertToTensor(dyLike, 'grad', 'dy', 'float32');
    const r = gradientsOf('grad', () => f(x), [x], dy, false, undefined, false).grads[0];
    releaseConverted([[x, xLike], [dy, dyLike]]);
    return r;
  };
}

/** Gradients of f with respect to each of its tensor arguments. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: readonly TensorLike[], dy?: TensorLike) => Tensor[] {
  return (xsLike, dyLike) => {
    if (!Array.isArray(xsLike)) fail('grads', 'xs must be an array of tensors');
    const xs = xsLike.map((x) => asFloat('grads', x));
    const dy = dyLike === undefined ? undefined : convertToTensor(dyLike, 'grads', 'dy', 'float32');
    const r = gradientsOf('grads', () => f(...xs), xs, dy, false, undefined, false).grads;
    releaseConverted([...xs.map((x, i): [Tensor, unknown] => [x, xsLike[i]]), [dy, dyLike]]);
    return r;
  };
}

/** Like grad, but returns f(x) too: `valueAndGrad(f)(x)` gives `{ value, grad }`. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => { value: Tensor; grad: Tensor } {
  return (xLike, dyLike) => {
    const x = asFloat('grad', xLike);
    const dy = dyLike === undefined ? undefined : convertToTensor(dyLike, 'grad', 'dy', 'float32');
    const r = gradientsOf('grad', () => f(x), [x], dy, false);
    releaseConverted([[x, xLike], [dy, dyLike]]);
    return { value: r.value, grad: r.grads[0] };
  };
}

/** Like grads, but returns f(...xs) too: `valueAndGrads(f)(xs)` gives `{ value, grads }`. */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: readonly TensorLike[], dy?: TensorLike) => { value: Tensor; grads: Tensor[] } {
  return (xsLike, dyLike) => {
    if (!Array.isArray(xsLike)) fail('grads', 'xs must be an array of tensors');
    const xs = xsLike.map((x) => asFloat('grads', x));
    const dy = dyLike === undefined ? undefined : convertToTensor(dyLike, 'grads', 'dy', 'float32');
    const r = gradientsOf('grads', () => f(...xs), xs, dy, false);
    releaseConverted([...xs.map((x, i): [Tensor, unknown] => [x, xsLike[i]]), [dy, dyLike]]);
    return { value: r.value, grads: r.grads };
  };
}

/**
 * Gradients of a scalar loss with respect to variables: the given ones, or every trainable variable
 * the function touched. `grads` and `variables` are keyed by variable name.
 */
export function variableGrads(
  f: () => Tensor, varList?: readonly Variable[],
): { value: Tensor; grads: Record<string, Tensor>; variables: Record<string, Variable> } {
  if (varList) for (const v of varList) if (!isTensor(v) || !v.isVariable()) fail('variableGrads', 'varList must hold only Variables');
  const touched = (tape: Tape): Tensor[] => {
    const seen = new Set<Tensor>();
    for (const node of tape.nodes) for (const t of node.inputs) if (t.isTrainableVariable()) seen.add(t);
    return [...seen];
  };
  const r = varList
    ? gradientsOf('variableGrads', f, varList, undefined, false)
    : gradientsOf('variableGrads', f, [], undefined, true, touched);
  const grads: Record<string, Tensor> = {};
  const variables: Record<string, Variable> = {};
  try {
    if (r.value.size !== 1) fail('variableGrads', `the loss must be a scalar, got shape [${r.value.shape.join(',')}]`);
    r.sources.forEach((t, i) => {
      const v = t as Variable;
      if (variables[v.name] && variables[v.name] !== v) fail('variableGrads', `two different variables are named '${v.name}'; give them distinct names`);
      variables[v.name] = v;
      grads[v.name] = r.grads[i];
    });
  } catch (err) {
    for (const g of r.grads) g.dispose();
    r.value.dispose();
    throw err;
  }
  return { value: r.value, grads, variables };
}

/**
 * What the function given to `customGrad` returns: its value and the rule giving the inputs'
 * gradients.
 */
export interface CustomGradResult {
  value: Tensor;
  /** Gradient of the inputs given dy (one tensor, or one per input) and the tensors passed to save(). */
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
}

/** Keeps tensors for a custom gradient: what gradFunc receives as `saved`. */
export type SaveFn = (tensors: Tensor[]) => void;

/**
 * A function with a gradient you define (tf.customGrad): `f` returns `{ value, gradFunc }`, where
 * gradFunc maps the output gradient to one gradient per input; `save` keeps tensors for it.
 */
export function customGrad(f: (x: Tensor, save: SaveFn) => CustomGradResult): (x: TensorLike) => Tensor;
export function customGrad(f: (a: Tensor, b: Tensor, save: SaveFn) => CustomGradResult): (a: TensorLike, b: TensorLike) => Tensor;
export function customGrad(f: (a: Tensor, b: Tensor, c: Tensor, save: SaveFn) => CustomGradResult): (a: TensorLike, b: TensorLike, c: TensorLike) => Tensor;
export function customGrad(f: (...args: never[]) => CustomGradResult): (...xs: TensorLike[]) => Tensor {
  const call = f as unknown as (...args: unknown[]) => CustomGradResult;
  return (...xsLike: TensorLike[]) => {
    const e = getEngine();
    const xs = xsLike.map((x, i) => convertToTensor(x, 'customGrad', `x${i}`));
    let saved: Tensor[] = [];
    const save = (ts: Tensor[]): void => {
      saved = ts;
    };
    e.startScope();
    let result: CustomGradResult;
    try {
      result = e.pauseRecording(() => call(...xs, save));
      if (!result || !result.value || typeof result.gradFunc !== 'function') fail('customGrad', 'f must return { value, gradFunc }');
    } catch (err) {
      e.endScope(new Set());
      throw err;
    }
    e.endScope(new Set([result.value, ...saved]));
    const { value, gradFunc } = result;
    e.record('customGrad', xs, [value], ([dy]) => {
      const g = gradFunc(dy, saved);
      const list = Array.isArray(g) ? g : [g];
      if (list.length !== xs.length) fail('customGrad', `gradFunc returned ${list.length} gradients for ${xs.length} inputs`);
      return list;
    }, saved);
    return value;
  };
}
