/**
 * The public ops. Each is wrapped by `scoped` so that whatever it allocates internally is freed when
 * it returns; internal code calls the unwrapped functions from the op files.
 */
import { scoped as s } from './op_util.js';
import * as u from './unary.js';
import * as b from './binary.js';
import * as r from './reduce.js';
import * as sel from './select.js';
import * as cr from './creation.js';
import * as rnd from './random.js';
import * as rs from './reshape.js';
import * as sl from './slice.js';
import * as pt from './pad_tile.js';
import * as g from './gather.js';
import * as tk from './take.js';
import * as c3 from './conv3d.js';
import * as cc from './concat.js';
import * as mm from './matmul.js';
import * as sm from './softmax.js';
import * as cv from './conv.js';
import * as pl from './pool.js';
import * as nm from './normalization.js';
import * as mv from './move.js';
import { cast as castOp } from './cast.js';
import { stopGradient as stopGradientOp } from './stop_gradient.js';
import { transpose as tr } from './transpose.js';

export type { MatmulOptions } from './matmul.js';
export type { Conv2dOptions, Conv1dOptions, Conv2dTransposeOptions } from './conv.js';
export type { Pool2dOptions, AvgPool2dOptions } from './pool.js';
export type { Padding, Pair } from './conv_util.js';
/** The output length of a convolution or pooling window along one axis (PyTorch's ceil-mode rule), for backends and exporters. */
export { outLength } from './conv_util.js';
export type { BatchNormOptions, DropoutOptions } from './normalization.js';
export type { OneHotOptions } from './creation.js';
export type { RandomOptions } from './random.js';

// creation (no scope needed: they allocate exactly their result)
export const { tensor, scalar, fill, zeros, ones, zerosLike, onesLike, arange, linspace, eye } = cr;
export const oneHot = s(cr.oneHot);
export const { randomUniform, randomNormal, truncatedNormal, bernoulli } = rnd;

// elementwise
export const neg = s(u.neg), abs = s(u.abs), sign = s(u.sign), exp = s(u.exp), expm1 = s(u.expm1);
export const log = s(u.log), log1p = s(u.log1p), sqrt = s(u.sqrt), rsqrt = s(u.rsqrt), square = s(u.square);
export const reciprocal = s(u.reciprocal), sin = s(u.sin), cos = s(u.cos), tan = s(u.tan), asin = s(u.asin);
export const acos = s(u.acos), atan = s(u.atan), sinh = s(u.sinh), cosh = s(u.cosh), tanh = s(u.tanh);
export const erf = s(u.erf), floor = s(u.floor), ceil = s(u.ceil), round = s(u.round);
export const sigmoid = s(u.sigmoid), relu = s(u.relu), relu6 = s(u.relu6), elu = s(u.elu), selu = s(u.selu);
export const gelu = s(u.gelu), softplus = s(u.softplus), step = s(u.step), logicalNot = s(u.logicalNot);
export const add = s(b.add), sub = s(b.sub), mul = s(b.mul), div = s(b.div), pow = s(b.pow);
export const maximum = s(b.maximum), minimum = s(b.minimum), mod = s(b.mod), floorDiv = s(b.floorDiv), atan2 = s(b.atan2);
export const equal = s(b.equal), notEqual = s(b.notEqual), less = s(b.less), lessEqual = s(b.lessEqual);
export const greater = s(b.greater), greaterEqual = s(b.greaterEqual), logicalAnd = s(b.logicalAnd), logicalOr = s(b.logicalOr);
export const where = s(sel.where), clip = s(sel.clip), leakyRelu = s(sel.leakyRelu), prelu = s(sel.prelu);
export const cast = s(castOp);
export const stopGradient = s(stopGradientOp);

// reductions
export const sum = s(r.sum), mean = s(r.mean), prod = s(r.prod), max = s(r.max), min = s(r.min);
export const any = s(r.any), all = s(r.all), variance = s(r.variance), logSumExp = s(r.logSumExp);
export const argMax = s(r.argMax), argMin = s(r.argMin), broadcastTo = s(r.broadcastTo);
export const softmax = s(sm.softmax), logSoftmax = s(sm.logSoftmax);

// shapes and indexing
export const reshape = s(rs.reshape), expandDims = s(rs.expandDims), squeeze = s(rs.squeeze), flatten = s(rs.flatten);
export const transpose = s(tr);
export const slice = s(sl.slice), stridedSlice = s(sl.stridedSlice), split = s(sl.split);
export const pad = s(pt.pad), tile = s(pt.tile), gather = s(g.gather), scatterAdd = s(g.scatterAdd);
export const takeAlongAxis = s(tk.takeAlongAxis), topK = s(tk.topK);
export const conv3d = s(c3.conv3d), maxPool3d = s(c3.maxPool3d), avgPool3d = s(c3.avgPool3d);
export type { Conv3dOptions, Pool3dOptions, Padding3d, Triple } from './conv3d.js';
export type { TopKOptions } from './take.js';
export const concat = s(cc.concat), stack = s(cc.stack), unstack = s(cc.unstack);

// neural-network ops
export const matmul = s(mm.matmul);
export const conv1d = s(cv.conv1d), conv2d = s(cv.conv2d), conv2dTranspose = s(cv.conv2dTranspose);
export const maxPool2d = s(pl.maxPool2d), avgPool2d = s(pl.avgPool2d);
export const globalAvgPool2d = s(pl.globalAvgPool2d), globalMaxPool2d = s(pl.globalMaxPool2d);
export const batchNorm = s(nm.batchNorm), dropout = s(nm.dropout);

// moving between backends
export const toBackend = s(mv.toBackend), clone = s(mv.clone);
