import type { FusedUpdateAttrs, KernelTensor } from '@soma/core';
import { sizeOf } from '@soma/core';
import type { ProgramRunner } from '../program.js';
import { bindingsMulti, f32Bits, groupsFor, perElement } from '../wgsl.js';

/**
 * An optimizer step of one parameter in one dispatch: the parameter and its slots are read once
 * and written once, instead of a dozen elementwise kernels and their intermediates. The
 * arithmetic follows the op-by-op update's order (same float32 results up to fused multiply-adds).
 */
export function fusedUpdate(r: ProgramRunner, inputs: readonly KernelTensor[], a: FusedUpdateAttrs): KernelTensor[] {
  const n = sizeOf(inputs[0].shape);
  const outs = inputs.filter((_, i) => i !== 1).map((t) => ({ shape: t.shape, dtype: t.dtype }));
  if (a.rule === 'adam') {
    const ams = a.amsgrad;
    // prm: [n, decay, l2, beta1, 1 - beta1, beta2, 1 - beta2, c2, epsilon, stepSize]
    const body = `  let th = in0[i] * prm_f(1);
  let g = select(in1[i], in1[i] + prm_f(2) * th, prm_f(2) != 0.0);
  let m = in2[i] * prm_f(3) + g * prm_f(4);
  let v = in3[i] * prm_f(5) + (g * g) * prm_f(6);
  out1[i] = m;
  out2[i] = v;
  ${ams ? 'let second = max(in4[i], v);\n  out3[i] = second;' : 'let second = v;'}
  let denom = sqrt(second) / prm_f(7) + prm_f(8);
  out0[i] = th - (m / denom) * prm_f(9);`;
    return r.runMulti({
      key: `fusedAdam${ams ? 'Ams' : ''}`,
      shader: () => `${bindingsMulti(inputs.map(() => 'f32'), outs.length)}${perElement(body)}`,
      workgroups: groupsFor(n),
      meta: [n, ...[a.decay, a.l2, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.c2, a.epsilon, a.stepSize].map(f32Bits)],
    }, inputs, outs);
  }
  // prm: [n, l2, momentum, 1 - dampening, lr]
  const next = a.first ? 'g' : 'in2[i] * prm_f(2) + g * prm_f(3)';
  const body = `  let th = in0[i];
  let g = ${a.l2 ? 'in1[i] + th * prm_f(1)' : 'in1[i]'};
  let b = ${next};
  out1[i] = b;
  let step = ${a.nesterov ? 'g + b * prm_f(2)' : 'b'};
  out0[i] = th - step * prm_f(4);`;
  return r.runMulti({
    key: `fusedSgd_${a.first ? 'f' : 'n'}${a.nesterov ? 'n' : ''}${a.l2 ? 'w' : ''}`,
    shader: () => `${bindingsMulti(inputs.map(() => 'f32'), outs.length)}${perElement(body)}`,
    workgroups: groupsFor(n),
    meta: [n, ...[a.l2, a.momentum, 1 - a.dampening, a.lr].map(f32Bits)],
  }, inputs, outs);
}
