import type { BinaryOp, ElementwiseChain, KernelTensor, UnaryOp } from '@soma/core';
import { sizeOf } from '@soma/core';
import type { ProgramRunner } from '../program.js';
import { bindings, f32Bits, groupsFor, perElement } from '../wgsl.js';
import { BINARY_F32, broadcastIndexing, MATH_LIB, UNARY_F32 } from './elementwise.js';

/** Leaves room for the output, the metadata and the error flags within the 8 storage bindings every adapter offers. */
const MAX_INPUTS = 5;

/**
 * A chain of elementwise kernels from a graph as one shader: each step is a WGSL expression of the
 * earlier steps and the (broadcast) inputs, kept in registers, so the chain reads its inputs once
 * and writes one tensor. Numeric attributes travel in the metadata, so chains that differ only in
 * them share a pipeline.
 */
export function fusedElementwise(r: ProgramRunner, inputs: readonly KernelTensor[], chain: ElementwiseChain): KernelTensor | null {
  if (inputs.length > MAX_INPUTS) return null;
  const ix = broadcastIndexing(inputs, chain.shape);
  const meta = [...ix.meta];
  const param = (x: number): string => {
    meta.push(f32Bits(x));
    return `prm_f(${meta.length - 1})`;
  };
  const arg = (a: number): string => (a >= 0 ? `s${a}` : `in${-a - 1}[i${-a - 1}]`);
  const lines: string[] = [];
  const keyParts: string[] = [];
  chain.steps.forEach((step, k) => {
    const a = step.args.map(arg);
    let expr: string;
    if (step.kernel === 'unary') {
      const op = step.attrs.op as Exclude<UnaryOp, 'logicalNot'>;
      expr = UNARY_F32[op];
      keyParts.push(`u${op}`);
    } else if (step.kernel === 'binary') {
      const op = step.attrs.op as BinaryOp;
      expr = BINARY_F32[op]('x', 'y');
      keyParts.push(`b${op}`);
    } else if (step.kernel === 'leakyRelu') {
      expr = `select(${param(step.attrs.alpha as number)} * x, x, x > 0.0 || is_nan(x))`;
      keyParts.push('lr');
    } else {
      const lo = param(step.attrs.min as number);
      const hi = param(step.attrs.max as number);
      expr = `select(select(select(x, ${hi}, x > ${hi}), ${lo}, x < ${lo}), x, is_nan(x))`;
      keyParts.push('cl');
    }
    keyParts.push(step.args.join(','));
    lines.push(`  var s${k}: f32;\n  { let x = ${a[0]};${a.length > 1 ? ` let y = ${a[1]};` : ''} s${k} = ${expr}; }`);
  });
  lines.push(`  out[i] = s${chain.steps.length - 1};`);
  const n = sizeOf(chain.shape);
  return r.run({
    key: `fused_${inputs.length}_${ix.key}_${keyParts.join('|')}`,
    shader: () => `${bindings(inputs.map(() => 'f32'), 'f32')}${MATH_LIB}${perElement(`${ix.code}\n${lines.join('\n')}`)}`,
    workgroups: groupsFor(n),
    meta,
  }, inputs, chain.shape, 'float32');
}
