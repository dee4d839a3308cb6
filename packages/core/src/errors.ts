/** The error every op throws for bad input: the message starts with the op's name. */
export class SomaError extends Error {
  constructor(readonly op: string, detail: string) {
    super(`${op}: ${detail}`);
    this.name = 'SomaError';
  }
}

export function fail(op: string, detail: string): never {
  throw new SomaError(op, detail);
}

export function assert(cond: unknown, op: string, detail: () => string): asserts cond {
  if (!cond) fail(op, detail());
}

/** Formats a shape the way error messages print it: [2,3]. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
