import { arithmeticType, upcastType, type DType } from '../dtype.js';
import type { BinaryOp } from '../kernels/index.js';
import { broadcastShapes } from '../shape.js';
import { isTensor, type Tensor, type TensorLike } from '../tensor.js';
import { cast } from './cast.js';
import { where } from './select.js';
import { convertToTensor } from './convert.js';
import { record, runKernel, sumToShape } from './op_util.js';

type Grad = (a: Tensor, b: Tensor, y: Tensor, dy: Tensor) => [Tensor | null, Tensor | null];

/** How the operands' common dtype becomes the compute dtype. */
type TypeRule = 'arithmetic' | 'float' | 'compare' | 'logical';

interface BinarySpec {
  readonly types: TypeRule;
  readonly grad: Grad | null;
}

/** Gradient of maximum/minimum: the winner takes dy; ties split it evenly, as PyTorch does. */
const extremumGrad = (winnerA: (a: Tensor, b: Tensor) => Tensor): Grad => (a, b, _y, dy) => {
  const tie = a.equal(b);
  const half = dy.mul(0.5);
  const aWins = winnerA(a, b);
  return [where(tie, half, where(aWins, dy, 0)), where(tie, half, where(aWins, 0, dy))];
};

const BINARY: Record<BinaryOp, BinarySpec> = {
  add: { types: 'arithmetic', grad: (_a, _b, _y, dy) => [dy, dy] },
  sub: { types: 'arithmetic', grad: (_a, _b, _y, dy) => [dy, dy.neg()] },
  mul: { types: 'arithmetic', grad: (a, b, _y, dy) => [dy.mul(b), dy.mul(a)] },
  div: { types: 'float', grad: (a, b, _y, dy) => [dy.div(b), dy.mul(a).div(b.square()).neg()] },
  pow: {
    types: 'arithmetic',
    grad: (a, b, y, dy) => {
      const da = dy.mul(b).mul(a.pow(b.sub(1)));
      // d/db a^b = a^b·ln(a), defined for a > 0 only (PyTorch also gives 0 elsewhere).
      const positive = a.greater(0);
      const db = where(positive, dy.mul(y).mul(where(positive, a, 1).log()), 0);
      return [da, db];
    },
  },
  maximum: { types: 'arithmetic', grad: extremumGrad((a, b) => a.greater(b)) },
  minimum: { types: 'arithmetic', grad: extremumGrad((a, b) => a.less(b)) },
  mod: { types: 'arithmetic', grad: (a, b, _y, dy) => [dy, dy.mul(a.floorDiv(b)).neg()] },
  floorDiv: { types: 'arithmetic', grad: null },
  atan2: {
    types: 'float',
    grad: (a, b, _y, dy) => {
      const r2 = a.square().add(b.square());
      return [dy.mul(b).div(r2), dy.mul(a).div(r2).neg()];
    },
  },
  equal: { types: 'compare', grad: null },
  notEqual: { types: 'compare', grad: null },
  less: { types: 'compare', grad: null },
  lessEqual: { types: 'compare', grad: null },
  greater: { types: 'compare', grad: null },
  greaterEqual: { types: 'compare', grad: null },
  logicalAnd: { types: 'logical', grad: null },
  logicalOr: { types: 'logical', grad: null },
};

/**
 * dtype of a JS scalar next to a tensor: it adopts the tensor's dtype unless it would lose
 * information (1.5 next to int32 gives float32), like PyTorch's "weak" Python scalars.
 */
function scalarType(v: number | boolean, other: DType): DType {
  if (typeof v === 'boolean') return other;
  if (Number.isInteger(v)) return other === 'bool' ? 'int32' : other;
  return 'float32';
}

function computeType(rule: TypeRule, common: DType): DType {
  switch (rule) {
    case 'arithmetic':
      return arithmeticType(common);
    case 'float':
      return 'float32';
    case 'compare':
      return common;
    case 'logical':
      return 'bool';
  }
}

/** Applies one broadcasting binary function, with the dtype rule and gradient from the table. */
export function binaryOp(op: BinaryOp, aLike: TensorLike, bLike: TensorLike): Tensor {
  const spec = BINARY[op];
  const aIsScalar = typeof aLike === 'number' || typeof aLike === 'boolean';
  const bIsScalar = typeof bLike === 'number' || typeof bLike === 'boolean';
  let a0: Tensor;
  let b0: Tensor;
  if (aIsScalar && isTensor(bLike)) {
    b0 = convertToTensor(bLike, op, 'b');
    a0 = convertToTensor(aLike, op, 'a', scalarType(aLike, b0.dtype));
  } else if (bIsScalar && isTensor(aLike)) {
    a0 = convertToTensor(aLike, op, 'a');
    b0 = convertToTensor(bLike, op, 'b', scalarType(bLike, a0.dtype));
  } else {
    a0 = convertToTensor(aLike, op, 'a');
    b0 = convertToTensor(bLike, op, 'b');
  }
  broadcastShapes(op, a0.shape, b0.shape); // validates before any kernel runs
  const dtype = computeType(spec.types, upcastType(a0.dtype, b0.dtype));
  const a = a0.dtype === dtype ? a0 : cast(a0, dtype);
  const b = b0.dtype === dtype ? b0 : cast(b0, dtype);
  const y = runKernel('binary', [a, b], { op });
  const grad = spec.grad;
  if (grad) {
    record(op, [a, b], [y], ([dy]) => {
      const [da, db] = grad(a, b, y, dy);
      return [da && sumToShape(da, a.shape), db && sumToShape(db, b.shape)];
    });
  }
  return y;
}

const def = (op: BinaryOp) => (a: TensorLike, b: TensorLike): Tensor => binaryOp(op, a, b);

export const add = def('add');
export const sub = def('sub');
export const mul = def('mul');
/** True division: integer operands give float32, like PyTorch's `/`. */
export const div = def('div');
export const pow = def('pow');
export const maximum = def('maximum');
export const minimum = def('minimum');
/** Remainder with the sign of the divisor (Python's %, torch.remainder). */
export const mod = def('mod');
/** Floor of the quotient (Python's //). */
export const floorDiv = def('floorDiv');
export const atan2 = def('atan2');
export const equal = def('equal');
export const notEqual = def('notEqual');
export const less = def('less');
export const lessEqual = def('lessEqual');
export const greater = def('greater');
export const greaterEqual = def('greaterEqual');
export const logicalAnd = def('logicalAnd');
export const logicalOr = def('logicalOr');
