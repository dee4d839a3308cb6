import { fail, fmtShape } from '../errors.js';
import type { Conv2dAttrs, FusedActivation } from '../kernels/index.js';
import { registerDefaultBody } from '../kernels/registry.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { conv2d as plainConv2d, conv2dGrads, prepareConv2d, type Conv2dOptions } from './conv.js';
import { convertToTensor } from './convert.js';
import { matmul as plainMatmul } from './matmul.js';
import { compositeOp, runKernel } from './op_util.js';
import * as u from './unary.js';

/**
 * Options of `fused.conv2d`: conv2d's, plus the bias and the activation applied in the same kernel.
 */
export interface FusedConv2dOptions extends Conv2dOptions {
  /** Applied to conv + bias in the same kernel where the backend can (default 'linear'). */
  activation?: FusedActivation;
}

/**
 * Options of `fused.matmul`: matmul's, plus the bias and the activation applied in the same kernel.
 */
export interface FusedMatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /** Added along the last axis: [n]. */
  bias?: TensorLike;
  activation?: FusedActivation;
}

const ACTIVATIONS: readonly FusedActivation[] = ['linear', 'relu', 'tanh', 'sigmoid'];

function activationOf(op: string, a: FusedActivation | undefined): FusedActivation {
  const act = a ?? 'linear';
  if (!ACTIVATIONS.includes(act)) fail(op, `activation must be one of ${ACTIVATIONS.join(', ')}, got '${act}'`);
  return act;
}

function activate(y: Tensor, act: FusedActivation): Tensor {
  return act === 'linear' ? y : u[act](y);
}

/**
 * dy through the activation, from its output y: the same expressions as the activation ops'
 * own gradients (relu's x > 0 is y > 0), so fused and unfused training give the same numbers.
 */
function throughActivation(act: FusedActivation, y: Tensor, dy: Tensor): Tensor {
  if (act === 'relu') return dy.mul(y.step());
  if (act === 'tanh') return dy.mul(y.square().neg().add(1));
  if (act === 'sigmoid') return dy.mul(y.mul(y.neg().add(1)));
  return dy;
}

// Default bodies of the optional fused kernels: the plain kernels, then the activation.
registerDefaultBody('conv2dActivated', ([x, w, bias], { activation, strides, pads, dilations, group }) => {
  const attrs: Conv2dAttrs = { strides, pads, dilations, group };
  return activate(runKernel('conv2d', bias ? [x, w, bias] : [x, w], attrs), activation);
});
registerDefaultBody('matmulActivated', ([a, b, bias], { transA, transB, activation }) => {
  const y = runKernel('matmul', [a, b], { transA, transB });
  return activate(bias ? y.add(bias) : y, activation);
});

/**
 * conv2d (+ bias) followed by an activation — tf.fused.conv2d's job, in NCHW: one kernel where the
 * backend has it (the cpu backend: the activation runs on the fresh output while it is in
 * cache), otherwise the plain ops. Gradients come from the output, with no pre-activation tensor kept.
 */
export function conv2d(xLike: TensorLike, wLike: TensorLike, options: FusedConv2dOptions = {}): Tensor {
  checkOptions('fused.conv2d', options, ['stride', 'padding', 'dilation', 'groups', 'bias', 'activation']);
  const { activation, ...convOptions } = options;
  const act = activationOf('fused.conv2d', activation);
  const { x, w, bias, attrs } = prepareConv2d('fused.conv2d', xLike, wLike, convOptions);
  const inputs = bias ? [x, w, bias] : [x, w];
  if (act === 'linear') return plainConv2d(x, w, convOptions);
  return compositeOp('fusedConv2d', inputs, () => runKernel('conv2dActivated', [x, w, bias ?? undefined], { ...attrs, activation: act }),
    ([dy], node, needed) => conv2dGrads(x, w, bias, attrs, throughActivation(act, node.outputs[0], dy), needed));
}

/**
 * a·b (+ bias along the last axis) followed by an activation — tf.fused.matMul's job — for a
 * 2-D b and an a of rank ≥ 2 (leading axes flattened, as a Dense layer applies): one kernel where
 * the backend has it, otherwise the plain ops.
 */
export function matmul(aLike: TensorLike, bLike: TensorLike, options: FusedMatmulOptions = {}): Tensor {
  checkOptions('fused.matmul', options, ['transposeA', 'transposeB', 'bias', 'activation']);
  const { transposeA = false, transposeB = false } = options;
  const act = activationOf('fused.matmul', options.activation);
  const a = convertToTensor(aLike, 'fused.matmul', 'a', 'float32');
  const b = convertToTensor(bLike, 'fused.matmul', 'b', 'float32');
  const bias = options.bias === undefined ? null : convertToTensor(options.bias, 'fused.matmul', 'bias', 'float32');
  const n = b.rank === 2 ? b.shape[transposeB ? 0 : 1] : NaN;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== n)) fail('fused.matmul', `bias must be [${n}] (the product's last axis), got ${fmtShape(bias.shape)}`);
  const plain = (): Tensor => {
    const y = plainMatmul(a, b, { transposeA, transposeB });
    return activate(bias ? y.add(bias) : y, act);
  };
  const simple = a.rank >= 2 && b.rank === 2 && !transposeA && a.dtype === 'float32' && b.dtype === 'float32' && a.shape[a.rank - 1] === b.shape[transposeB ? 1 : 0];
  if (!simple || (act === 'linear' && !bias)) return plain();
  const k = a.shape[a.rank - 1];
  const a2 = a.reshape([-1, k]);
  const y = compositeOp('fusedMatmul', bias ? [a2, b, bias] : [a2, b], () => runKernel(
    'matmulActivated', [a2.reshape([1, -1, k]), b.reshape([1, ...b.shape]), bias ?? undefined], { transA: false, transB: transposeB, activation: act },
  ).reshape([-1, n]), ([dy], node, needed) => {
    const dz = throughActivation(act, node.outputs[0], dy);
    return [
      needed[0] ? plainMatmul(dz, b, { transposeB: !transposeB }) : null,
      needed[1] ? (transposeB ? plainMatmul(dz, a2, { transposeA: true }) : plainMatmul(a2, dz, { transposeA: true })) : null,
      ...(bias ? [needed[2] ? dz.sum(0) : null] : []),
    ];
  });
  return y.reshape([...a.shape.slice(0, -1), n]);
}
