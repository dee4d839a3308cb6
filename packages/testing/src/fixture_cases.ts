import type { DType } from '@soma/core';
import * as ops from '@soma/core';
import type { Tensor } from '@soma/core';
import fixtures from './fixtures/torch_ops.json';

/** One PyTorch-generated case (see packages/core/scripts/make_fixtures.py). */
export interface FixtureTensor {
  shape: number[];
  dtype: DType;
  data: (number | boolean | string | null)[];
}

/**
 * One PyTorch-generated case: the op, its attributes, inputs, expected outputs and gradients, and
 * its tolerance.
 */
export interface FixtureCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  outputs: FixtureTensor[];
  weights?: FixtureTensor[];
  grads?: Record<string, FixtureTensor>;
  tol?: { rtol: number; atol: number };
}

/** The PyTorch-generated cases (inputs, attributes, outputs and gradients), as data. */
export const fixtureCases: FixtureCase[] = (fixtures as unknown as { cases: FixtureCase[] }).cases;
export const fixtureGenerator: string = (fixtures as unknown as { generator: string }).generator;
/** First uint32 outputs of Soma's PRNG per seed, from an independent Python implementation. */
export const prngReference: Record<string, number[]> = (fixtures as unknown as { prng: Record<string, number[]> }).prng;

/** A fixture's named input tensors. */
export type Inputs = Record<string, Tensor>;
/** A fixture's attributes (ONNX/PyTorch names). */
export type Attrs = Record<string, unknown>;
/** Runs one PyTorch fixture op on Soma: its inputs and attributes in, its outputs out. */
export type Runner = (i: Inputs, a: Attrs) => Tensor | Tensor[];

const num = (a: Attrs, k: string): number => a[k] as number;
const opt = <T>(a: Attrs, k: string): T | undefined => a[k] as T | undefined;

const unary = (f: (x: Tensor) => Tensor): Runner => (i) => f(i.x);
const binary = (f: (a: Tensor, b: Tensor) => Tensor): Runner => (i) => f(i.a, i.b);
type Reducer = (x: Tensor, axis?: number | number[], keepDims?: boolean) => Tensor;
const reduction = (f: Reducer): Runner => (i, a) => f(i.x, opt(a, 'axis'), opt(a, 'keepDims'));

/** How each fixture op is called in Soma. Attribute names are Soma's own option names. */
export const FIXTURE_RUNNERS: Record<string, Runner> = {
  neg: unary(ops.neg), abs: unary(ops.abs), sign: unary(ops.sign), exp: unary(ops.exp), expm1: unary(ops.expm1),
  log: unary(ops.log), log1p: unary(ops.log1p), sqrt: unary(ops.sqrt), rsqrt: unary(ops.rsqrt), square: unary(ops.square),
  reciprocal: unary(ops.reciprocal), sin: unary(ops.sin), cos: unary(ops.cos), tan: unary(ops.tan), asin: unary(ops.asin),
  acos: unary(ops.acos), atan: unary(ops.atan), sinh: unary(ops.sinh), cosh: unary(ops.cosh), tanh: unary(ops.tanh),
  erf: unary(ops.erf), floor: unary(ops.floor), ceil: unary(ops.ceil), round: unary(ops.round), sigmoid: unary(ops.sigmoid),
  relu: unary(ops.relu), relu6: unary(ops.relu6), elu: unary(ops.elu), selu: unary(ops.selu), gelu: unary(ops.gelu),
  softplus: unary(ops.softplus), step: unary(ops.step), logicalNot: unary(ops.logicalNot),
  leakyRelu: (i, a) => ops.leakyRelu(i.x, num(a, 'alpha')),
  prelu: (i) => ops.prelu(i.x, i.alpha),
  clip: (i, a) => ops.clip(i.x, num(a, 'min'), num(a, 'max')),
  cast: (i, a) => ops.cast(i.x, a.dtype as DType),
  add: binary(ops.add), sub: binary(ops.sub), mul: binary(ops.mul), div: binary(ops.div), pow: binary(ops.pow),
  maximum: binary(ops.maximum), minimum: binary(ops.minimum), mod: binary(ops.mod), floorDiv: binary(ops.floorDiv),
  atan2: binary(ops.atan2), equal: binary(ops.equal), notEqual: binary(ops.notEqual), less: binary(ops.less),
  lessEqual: binary(ops.lessEqual), greater: binary(ops.greater), greaterEqual: binary(ops.greaterEqual),
  logicalAnd: binary(ops.logicalAnd), logicalOr: binary(ops.logicalOr),
  where: (i) => ops.where(i.condition, i.a, i.b),
  sum: reduction(ops.sum), mean: reduction(ops.mean), prod: reduction(ops.prod), max: reduction(ops.max), min: reduction(ops.min),
  argMax: (i, a) => ops.argMax(i.x, opt(a, 'axis')),
  argMin: (i, a) => ops.argMin(i.x, opt(a, 'axis')),
  variance: (i, a) => ops.variance(i.x, opt(a, 'axis'), opt(a, 'keepDims'), opt(a, 'correction')),
  logSumExp: reduction(ops.logSumExp),
  softmax: (i, a) => ops.softmax(i.x, opt(a, 'axis')),
  logSoftmax: (i, a) => ops.logSoftmax(i.x, opt(a, 'axis')),
  matmul: (i, a) => ops.matmul(i.a, i.b, { transposeA: opt(a, 'transposeA'), transposeB: opt(a, 'transposeB') }),
  reshape: (i, a) => ops.reshape(i.x, a.shape as number[]),
  transpose: (i, a) => ops.transpose(i.x, opt(a, 'perm')),
  expandDims: (i, a) => ops.expandDims(i.x, opt(a, 'axis')),
  squeeze: (i, a) => ops.squeeze(i.x, opt(a, 'axis')),
  flatten: (i, a) => ops.flatten(i.x, opt(a, 'startDim'), opt(a, 'endDim')),
  concat: (i, a) => ops.concat(Object.values(i), opt(a, 'axis')),
  stack: (i, a) => ops.stack(Object.values(i), opt(a, 'axis')),
  split: (i, a) => ops.split(i.x, a.sizes as number | number[], opt(a, 'axis')),
  slice: (i, a) => ops.slice(i.x, a.begin as number[], opt(a, 'size')),
  stridedSlice: (i, a) => ops.stridedSlice(i.x, a.begin as number[], a.end as number[], opt(a, 'strides')),
  pad: (i, a) => ops.pad(i.x, a.paddings as [number, number][], opt(a, 'value')),
  tile: (i, a) => ops.tile(i.x, a.reps as number[]),
  gather: (i, a) => ops.gather(i.x, i.indices, opt(a, 'axis')),
  scatterAdd: (i, a) => ops.scatterAdd(i.x, i.indices, i.updates, opt(a, 'axis')),
  oneHot: (i, a) => ops.oneHot(i.indices, num(a, 'depth')),
  conv2d: (i, a) => ops.conv2d(i.x, i.w, { ...a, bias: i.bias }),
  conv1d: (i, a) => ops.conv1d(i.x, i.w, { ...a, bias: i.bias }),
  conv2dTranspose: (i, a) => ops.conv2dTranspose(i.x, i.w, { ...a, bias: i.bias }),
  maxPool2d: (i, a) => ops.maxPool2d(i.x, a as unknown as ops.Pool2dOptions),
  avgPool2d: (i, a) => ops.avgPool2d(i.x, a as unknown as ops.AvgPool2dOptions),
  globalAvgPool2d: unary(ops.globalAvgPool2d),
  globalMaxPool2d: unary(ops.globalMaxPool2d),
  batchNorm: (i, a) => ops.batchNorm(i.x, i.mean, i.variance, { weight: i.weight, bias: i.bias, epsilon: opt(a, 'epsilon') }),
  fusedBatchNorm: (i, a) => ops.fused.batchNorm(i.x, { weight: i.weight, bias: i.bias, epsilon: opt(a, 'epsilon'), axis: opt(a, 'axis') })[0],
  fusedBatchNormStats: (i, a) => ops.fused.batchNorm(i.x, { axis: opt(a, 'axis') }).slice(1),
};

/** Input transforms some fixtures ask for (applied inside the differentiated function, as in the generator). */
export function prepareInputs(c: FixtureCase, inputs: Inputs): Inputs {
  const scale = c.attrs.scaleInput as number | undefined;
  const shift = c.attrs.shiftInput as number | undefined;
  const mask = c.attrs.zeroMask as number[][] | undefined;
  if (scale === undefined && shift === undefined && mask === undefined) return inputs;
  let x = inputs.x;
  if (scale !== undefined) x = ops.mul(x, scale);
  if (shift !== undefined) x = ops.add(x, shift);
  if (mask !== undefined) x = ops.mul(x, ops.tensor(mask, undefined, x.dtype));
  return { ...inputs, x };
}

/** Attributes that are fixture instructions rather than op options. */
export function opAttrs(c: FixtureCase): Attrs {
  const { scaleInput: _s, zeroMask: _z, ...rest } = c.attrs;
  return rest;
}
