import type { DType } from '../dtype.js';
import type { HostCompute } from '../engine/engine.js';
import type { KernelName } from '../kernels/index.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';

/** A dimension: a size, or the name of a symbolic size (such as 'batch') fixed when the graph runs. */
export type Dim = number | string;

/**
 * A symbolic dimension as trace writes it — a name ('batch') or 'name*scale+offset' ('batch*2+1')
 * — as its parts, or null if it is not one.
 */
export function parseDim(d: string): { readonly name: string; readonly scale: number; readonly offset: number } | null {
  const m = /^([A-Za-z_]\w*)(?:\*(-?\d+))?(?:\+(-?\d+))?$/.exec(d);
  return m ? { name: m[1], scale: Number(m[2] ?? 1), offset: Number(m[3] ?? 0) } : null;
}

/** A value of the graph: a graph input, a node's output, a constant or a variable. */
export interface ValueInfo {
  readonly id: number;
  readonly shape: readonly Dim[];
  readonly dtype: DType;
  /** Inputs' names, variables' names; absent for intermediates. */
  readonly name?: string;
}

/**
 * A node: one kernel call (name, ONNX-named attributes, input and output value ids), or one of the
 * two non-kernel steps eager code takes — 'reshape' (a view: same storage, new shape) and 'assign'
 * (a variable takes a value; inputs are [variable, value], no output).
 */
export interface GraphNode {
  readonly op: KernelName | 'reshape' | 'assign';
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Value ids; null where the kernel's optional input (conv2d's bias) was absent. */
  readonly inputs: readonly (number | null)[];
  readonly outputs: readonly number[];
}

/**
 * An attribute entry that follows a symbolic dimension: attrs[key][index] (or attrs[key] itself when
 * index is null) equals base + scale · (dim − example), as measured by tracing twice.
 */
export interface SymbolicAttr {
  readonly node: number;
  readonly key: string;
  readonly index: number | null;
  readonly dim: string;
  readonly example: number;
  readonly base: number;
  readonly scale: number;
}

/**
 * A host input computed from the symbolic sizes alone, described so that an exporter can compute
 * it inside the graph: a count (base + scale · (size − example), a mean's n) or a tensor filled
 * with one value whose shape follows the sizes (a recurrent layer's zero initial state).
 */
export type DerivedInput =
  | { readonly kind: 'count'; readonly dim: string; readonly example: number; readonly base: number; readonly scale: number }
  | { readonly kind: 'fill'; readonly value: number };

/**
 * The IR: a straight-line program of kernel calls, small enough to print and to translate (ONNX
 * export, whole-graph execution in a backend). Constants are tensors the graph holds; variables
 * are referenced, so running a traced training step updates the real weights.
 */
export class Graph {
  constructor(
    readonly inputs: readonly ValueInfo[],
    readonly outputs: readonly ValueInfo[],
    readonly nodes: readonly GraphNode[],
    /** Every value by id (inputs, node outputs, constants, variables). */
    readonly values: ReadonlyMap<number, ValueInfo>,
    readonly constants: ReadonlyMap<number, Tensor>,
    readonly variables: ReadonlyMap<number, Variable>,
    readonly symbolicAttrs: readonly SymbolicAttr[] = [],
    /**
     * Inputs computed on the host at every run (random draws, an optimizer's per-step scalars),
     * by value id. They come after the caller's inputs in `inputs`.
     */
    readonly hostInputs: ReadonlyMap<number, HostCompute> = new Map(),
    /** The host inputs that follow from the sizes alone, by value id, described. */
    readonly derivedInputs: ReadonlyMap<number, DerivedInput> = new Map(),
  ) {}

  /** How many runs computed the host inputs (the `run` number passed to them). */
  runs = 0;

  /** The inputs a caller passes: `inputs` without the host-computed ones. */
  get callerInputs(): readonly ValueInfo[] {
    return this.hostInputs.size ? this.inputs.filter((v) => !this.hostInputs.has(v.id)) : this.inputs;
  }

  /** A text listing in the spirit of ONNX's printable graph form. */
  toString(): string {
    const name = (id: number | null): string => {
      if (id === null) return '_';
      if (this.hostInputs.has(id)) return `%host_${id}`;
      if (this.variables.has(id)) return `@${this.variables.get(id)!.name}`;
      if (this.constants.has(id)) return `#${id}`;
      const v = this.values.get(id);
      return v?.name ? `%${v.name}` : `%${id}`;
    };
    const type = (id: number): string => {
      const v = this.values.get(id)!;
      return `${v.dtype}[${v.shape.join(',')}]`;
    };
    const attrs = (a: Readonly<Record<string, unknown>>): string => {
      const entries = Object.entries(a);
      return entries.length ? ` {${entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}` : '';
    };
    const lines = [`graph(${this.inputs.map((v) => `${name(v.id)}: ${type(v.id)}`).join(', ')}) -> (${this.outputs.map((v) => `${name(v.id)}: ${type(v.id)}`).join(', ')})`];
    for (const n of this.nodes) {
      const lhs = n.outputs.length ? `${n.outputs.map((o) => `${name(o)}: ${type(o)}`).join(', ')} = ` : '';
      lines.push(`  ${lhs}${n.op}(${n.inputs.map(name).join(', ')})${attrs(n.attrs)}`);
    }
    for (const [id] of this.constants) lines.push(`  const ${name(id)}: ${type(id)}`);
    for (const [id] of this.variables) lines.push(`  var ${name(id)}: ${type(id)}`);
    return lines.join('\n');
  }

  /** Frees the constants the graph holds (variables belong to their owners). */
  dispose(): void {
    for (const t of this.constants.values()) t.dispose();
  }
}
