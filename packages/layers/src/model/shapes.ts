/** A Keras shape: the batch dimension (and sometimes others) may be unknown until data arrives. */
export type LayerShape = readonly (number | null)[];

export function fmt(shape: LayerShape): string {
  return `[${shape.map((d) => (d === null ? '*' : String(d))).join(', ')}]`;
}

/** Whether a concrete or symbolic shape fits an expected one (null matches anything). */
export function compatible(expected: LayerShape, actual: LayerShape): boolean {
  return expected.length === actual.length && expected.every((d, i) => d === null || actual[i] === null || d === actual[i]);
}

export function productOf(dims: LayerShape, what: string): number {
  return dims.reduce<number>((a, d) => {
    if (d === null) throw new Error(`${what}: needs fully known dimensions, got ${fmt(dims)}`);
    return a * d;
  }, 1);
}
