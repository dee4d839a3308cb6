import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

/** What a dataset element may be: tensors, numbers, strings, and arrays/objects of them. */
export type Element = Tensor | number | string | boolean | null | readonly Element[] | { readonly [key: string]: Element };

/**
 * The type of a batch of elements of type T, as stackElements builds it: tensors, numbers,
 * booleans and arrays of numbers stack into one tensor; strings (and nulls) stay lists; other
 * arrays and objects are batched field by field. Untyped elements stay Element.
 */
export type Batched<T> = [Element] extends [T] ? Element
  : T extends Tensor | number | boolean | readonly number[] ? Tensor
  : T extends string | null ? T[]
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Batched<T[K]> }
  : T extends object ? { -readonly [K in keyof T]: Batched<T[K]> }
  : Element;

const isPlainObject = (x: unknown): x is Record<string, Element> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !soma.isTensor(x) && !ArrayBuffer.isView(x);

/**
 * Stacks a list of same-structured elements into one batch: tensors along a new axis 0, numbers
 * and booleans into 1-D tensors, arrays and objects field by field. Strings stay arrays.
 */
export function stackElements(items: readonly Element[], op = 'batch'): Element {
  const first = items[0];
  if (soma.isTensor(first)) {
    for (const [i, t] of items.entries()) {
      if (!soma.isTensor(t) || t.shape.join() !== first.shape.join()) {
        throw new Error(`${op}: element ${i} has shape [${soma.isTensor(t) ? t.shape.join(', ') : typeof t}] but element 0 has [${first.shape.join(', ')}]`);
      }
    }
    return soma.stack(items as Tensor[]);
  }
  if (typeof first === 'number') return soma.tensor(items as number[]);
  if (typeof first === 'boolean') return soma.tensor(items as boolean[]);
  if (typeof first === 'string' || first === null) return items as Element[];
  if (Array.isArray(first)) {
    // An array of plain numbers is a feature vector: batch it into a matrix.
    if (first.every((v) => typeof v === 'number')) return soma.tensor(items as number[][]);
    return first.map((_, k) => stackElements(items.map((it) => (it as readonly Element[])[k]), op));
  }
  if (isPlainObject(first)) {
    // fromEntries defines each key as an own property: a CSV column named '__proto__' stays a field.
    return Object.fromEntries(Object.keys(first).map((key) => [key, stackElements(items.map((it) => {
      if (!isPlainObject(it) || !Object.prototype.hasOwnProperty.call(it, key)) throw new Error(`${op}: elements differ in structure (missing '${key}')`);
      return it[key];
    }), op)]));
  }
  throw new Error(`${op}: cannot batch elements of type ${typeof first}`);
}

/** Inverse of stackElements: splits a batch along axis 0 into its elements. */
export function unstackElement(batch: Element, op = 'unbatch'): Element[] {
  if (soma.isTensor(batch)) return soma.unstack(batch, 0);
  if (Array.isArray(batch)) {
    if (batch.length === 0) return [];
    if (batch.every((v) => typeof v === 'string' || v === null)) return [...batch];
    const parts = batch.map((b) => unstackElement(b, op));
    return parts[0].map((_, i) => parts.map((p) => p[i]));
  }
  if (isPlainObject(batch)) {
    const keys = Object.keys(batch);
    const parts = keys.map((k) => unstackElement(batch[k], op));
    const n = parts[0]?.length ?? 0;
    if (parts.some((p) => p.length !== n)) throw new Error(`${op}: fields have different batch sizes`);
    return Array.from({ length: n }, (_, i) => Object.fromEntries(keys.map((k, j) => [k, parts[j][i]])));
  }
  throw new Error(`${op}: cannot unbatch a ${typeof batch}`);
}

/** Frees every tensor inside an element. */
export function disposeElement(e: Element): void {
  soma.dispose(e);
}
