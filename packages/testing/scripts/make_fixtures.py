#!/usr/bin/env python3
"""Generates the conformance suite's reference values with PyTorch (offline; CI only reads the JSON).

Run with Debian's python3-torch:  /usr/bin/python3 packages/core/scripts/make_fixtures.py
Each case stores its inputs, the attributes passed to Soma (Soma's option names), PyTorch's output,
and PyTorch's gradient of sum(output * w) for a fixed random w with respect to each float input.
"""
import json, math, os
import torch
import torch.nn.functional as F

torch.manual_seed(0)
gen = torch.Generator().manual_seed(1234)
CASES = []


def inp(shape, kind='normal'):
    if kind == 'normal':
        return torch.randn(shape, generator=gen, dtype=torch.float64)
    if kind == 'positive':
        return torch.rand(shape, generator=gen, dtype=torch.float64) * 2 + 0.2
    if kind == 'unit':
        return torch.rand(shape, generator=gen, dtype=torch.float64) * 1.8 - 0.9
    if kind == 'nonzero':  # away from 0 so kinks (relu, abs, step) are not probed numerically
        x = torch.randn(shape, generator=gen, dtype=torch.float64)
        return torch.where(x.abs() < 0.1, x.sign() * 0.3 + x, x)
    if kind == 'halves':  # values on a 0.5 grid: ties for comparisons and rounding
        return torch.randint(-6, 7, shape, generator=gen).double() / 2
    if kind == 'distinct':  # well-separated values, so max-like ops have no near-ties for central differences
        n = math.prod(shape)
        return ((torch.randperm(n, generator=gen).double() - n / 2) * 0.05).reshape(shape)
    if kind == 'bool':
        return torch.randint(0, 2, shape, generator=gen).bool()
    if kind.startswith('int'):  # intN: integers in [0, N)
        return torch.randint(0, int(kind[3:]), shape, generator=gen).int()
    if kind.startswith('sint'):  # sintN: integers in [-N, N] without 0
        n = int(kind[4:])
        v = torch.randint(1, n + 1, shape, generator=gen).int()
        s = torch.randint(0, 2, shape, generator=gen).int() * 2 - 1
        return v * s
    raise ValueError(kind)


def dtype_name(t):
    return {torch.float64: 'float32', torch.float32: 'float32', torch.int32: 'int32', torch.int64: 'int32', torch.bool: 'bool'}[t.dtype]


def enc(t):
    t = t.detach()
    d = dtype_name(t)
    flat = t.reshape(-1).tolist()
    if d == 'bool':
        flat = [bool(v) for v in flat]
    elif d == 'int32':
        flat = [int(v) for v in flat]
    else:
        # 9 significant digits round-trip float32 exactly and keep the file small.
        flat = [None if math.isnan(v) else (float('%.9g' % v) if math.isfinite(v) else ('inf' if v > 0 else '-inf')) for v in flat]
    return {'shape': list(t.shape), 'dtype': d, 'data': flat}


def case(name, op, inputs, fn, attrs=None, grad=True, tol=None):
    """inputs: name -> (shape, kind); fn: the PyTorch computation on those tensors (float64)."""
    ts = {k: inp(s, kind) for k, (s, kind) in inputs.items()}
    for t in ts.values():
        if t.is_floating_point():
            t.requires_grad_(True)
    out = fn(*ts.values())
    entry = {'name': name, 'op': op, 'attrs': attrs or {}, 'inputs': {k: enc(v) for k, v in ts.items()}}
    outs = out if isinstance(out, (list, tuple)) else [out]
    entry['outputs'] = [enc(o) for o in outs]
    floats = [k for k, v in ts.items() if v.is_floating_point()]
    if grad and floats and all(o.is_floating_point() for o in outs):
        ws = [torch.randn(o.shape, generator=gen, dtype=torch.float64) for o in outs]
        loss = sum((o * w).sum() for o, w in zip(outs, ws))
        if loss.requires_grad:
            gs = torch.autograd.grad(loss, [ts[k] for k in floats], allow_unused=True)
        else:  # piecewise-constant functions (step): the gradient is zero
            gs = [None] * len(floats)
        entry['weights'] = [enc(w) for w in ws]
        entry['grads'] = {k: enc(g if g is not None else torch.zeros_like(ts[k])) for k, g in zip(floats, gs)}
    if tol:
        entry['tol'] = tol
    CASES.append(entry)


# ---- elementwise, one input ------------------------------------------------------------------
S = (2, 3, 4)
for name, kind, fn in [
    ('neg', 'normal', torch.neg), ('abs', 'nonzero', torch.abs), ('sign', 'nonzero', torch.sign),
    ('exp', 'normal', torch.exp), ('expm1', 'normal', torch.expm1), ('log', 'positive', torch.log),
    ('log1p', 'positive', torch.log1p), ('sqrt', 'positive', torch.sqrt), ('rsqrt', 'positive', torch.rsqrt),
    ('square', 'normal', torch.square), ('reciprocal', 'positive', torch.reciprocal),
    ('sin', 'normal', torch.sin), ('cos', 'normal', torch.cos), ('tan', 'unit', torch.tan),
    ('asin', 'unit', torch.asin), ('acos', 'unit', torch.acos), ('atan', 'normal', torch.atan),
    ('sinh', 'normal', torch.sinh), ('cosh', 'normal', torch.cosh), ('tanh', 'normal', torch.tanh),
    ('erf', 'normal', torch.erf), ('floor', 'normal', torch.floor), ('ceil', 'normal', torch.ceil),
    ('round', 'halves', torch.round), ('sigmoid', 'normal', torch.sigmoid), ('relu', 'nonzero', F.relu),
    ('relu6', 'nonzero', lambda x: F.relu6(x * 4)), ('elu', 'nonzero', F.elu), ('selu', 'nonzero', F.selu),
    ('gelu', 'normal', F.gelu), ('softplus', 'normal', F.softplus),
    ('step', 'nonzero', lambda x: (x > 0).double()),
]:
    pre = (lambda x: x * 4) if name == 'relu6' else None
    case(f'{name}', name, {'x': (S, kind)}, (lambda fn: lambda x: fn(x))(fn) if pre is None else (lambda x: F.relu6(x * 4)),
         attrs={'scaleInput': 4} if pre else None)
case('leakyRelu', 'leakyRelu', {'x': (S, 'nonzero')}, lambda x: F.leaky_relu(x, 0.2), {'alpha': 0.2})
case('prelu per-channel', 'prelu', {'x': ((2, 3, 4), 'nonzero'), 'alpha': ((3, 1), 'unit')}, lambda x, alpha: torch.where(x > 0, x, x * alpha))
case('clip', 'clip', {'x': (S, 'nonzero')}, lambda x: torch.clamp(x, -0.5, 0.7), {'min': -0.5, 'max': 0.7})
case('neg int32', 'neg', {'x': (S, 'sint5')}, torch.neg)
case('abs int32', 'abs', {'x': (S, 'sint5')}, torch.abs)
case('logicalNot', 'logicalNot', {'x': (S, 'bool')}, torch.logical_not)
case('cast float->int32', 'cast', {'x': (S, 'normal')}, lambda x: (x * 3).int(), {'dtype': 'int32', 'scaleInput': 3})
case('cast int32->float32', 'cast', {'x': (S, 'sint5')}, lambda x: x.double(), {'dtype': 'float32'})
case('cast float->bool', 'cast', {'x': (S, 'halves')}, lambda x: x.bool(), {'dtype': 'bool'})

# ---- elementwise, two inputs (with broadcasting) -------------------------------------------------
for name, ka, kb, fn in [
    ('add', 'normal', 'normal', torch.add), ('sub', 'normal', 'normal', torch.sub),
    ('mul', 'normal', 'normal', torch.mul), ('div', 'normal', 'positive', torch.div),
    ('pow', 'positive', 'normal', torch.pow), ('maximum', 'normal', 'normal', torch.maximum),
    ('minimum', 'normal', 'normal', torch.minimum), ('mod', 'normal', 'positive', torch.remainder),
    ('atan2', 'normal', 'normal', torch.atan2),
]:
    case(f'{name} same shape', name, {'a': (S, ka), 'b': (S, kb)}, fn)
    case(f'{name} broadcast [2,3,4]x[3,1]', name, {'a': (S, ka), 'b': ((3, 1), kb)}, fn)
    case(f'{name} broadcast [4]x[2,1,1]', name, {'a': ((4,), ka), 'b': ((2, 1, 1), kb)}, fn)
    case(f'{name} with scalar tensor', name, {'a': (S, ka), 'b': ((), kb)}, fn)
case('floorDiv', 'floorDiv', {'a': (S, 'normal'), 'b': (S, 'positive')}, lambda a, b: torch.div(a, b, rounding_mode='floor'))
case('floorDiv int32', 'floorDiv', {'a': (S, 'sint9'), 'b': (S, 'sint3')}, lambda a, b: torch.div(a, b, rounding_mode='floor'))
case('mod int32', 'mod', {'a': (S, 'sint9'), 'b': (S, 'sint3')}, torch.remainder)
case('add int32', 'add', {'a': (S, 'sint9'), 'b': ((4,), 'sint3')}, torch.add)
case('mul int32', 'mul', {'a': (S, 'sint9'), 'b': ((4,), 'sint3')}, torch.mul)
case('div int32 is true division', 'div', {'a': (S, 'sint9'), 'b': ((4,), 'sint3')}, lambda a, b: a.double() / b.double())
case('maximum ties split the gradient', 'maximum', {'a': (S, 'halves'), 'b': (S, 'halves')}, torch.maximum)
for name, fn in [('equal', torch.eq), ('notEqual', torch.ne), ('less', torch.lt), ('lessEqual', torch.le),
                 ('greater', torch.gt), ('greaterEqual', torch.ge)]:
    case(name, name, {'a': (S, 'halves'), 'b': ((3, 1), 'halves')}, fn)
    case(f'{name} int32', name, {'a': (S, 'sint3'), 'b': ((4,), 'sint3')}, fn)
case('logicalAnd', 'logicalAnd', {'a': (S, 'bool'), 'b': ((4,), 'bool')}, torch.logical_and)
case('logicalOr', 'logicalOr', {'a': (S, 'bool'), 'b': ((4,), 'bool')}, torch.logical_or)
case('where', 'where', {'condition': (S, 'bool'), 'a': (S, 'normal'), 'b': ((3, 1), 'normal')}, torch.where)
case('where broadcast condition', 'where', {'condition': ((4,), 'bool'), 'a': ((3, 1), 'normal'), 'b': ((), 'normal')}, torch.where)

# ---- reductions -----------------------------------------------------------------------------------
X = (2, 3, 4)
for name, fn in [('sum', torch.sum), ('mean', torch.mean), ('prod', torch.prod)]:
    case(f'{name} all', name, {'x': (X, 'unit')}, lambda x, fn=fn: fn(x))
    case(f'{name} axis 1', name, {'x': (X, 'unit')}, lambda x, fn=fn: fn(x, 1), {'axis': 1})
    case(f'{name} axis -1 keepDims', name, {'x': (X, 'unit')}, lambda x, fn=fn: fn(x, -1, keepdim=True), {'axis': -1, 'keepDims': True})
for name in ['sum', 'mean']:
    case(f'{name} axes [0,2]', name, {'x': (X, 'normal')}, lambda x, name=name: getattr(torch, name)(x, (0, 2)), {'axis': [0, 2]})
case('prod with a zero', 'prod', {'x': ((2, 3), 'normal')}, lambda x: torch.prod(x * torch.tensor([[1., 0, 1], [1, 1, 1]], dtype=torch.float64), 1),
     {'axis': 1, 'zeroMask': [[1, 0, 1], [1, 1, 1]]})
case('sum int32', 'sum', {'x': (X, 'sint5')}, lambda x: torch.sum(x, 1).int(), {'axis': 1})
case('sum bool counts', 'sum', {'x': (X, 'bool')}, lambda x: torch.sum(x, 2).int(), {'axis': 2})
for name, fn in [('max', torch.amax), ('min', torch.amin)]:
    case(f'{name} all', name, {'x': (X, 'distinct')}, lambda x, fn=fn: fn(x, (0, 1, 2)))
    case(f'{name} axis 1', name, {'x': (X, 'distinct')}, lambda x, fn=fn: fn(x, 1), {'axis': 1})
    case(f'{name} axes [0,2] keepDims', name, {'x': (X, 'distinct')}, lambda x, fn=fn: fn(x, (0, 2), keepdim=True), {'axis': [0, 2], 'keepDims': True})
for name, fn in [('argMax', torch.argmax), ('argMin', torch.argmin)]:
    case(f'{name} axis 1', name, {'x': (X, 'normal')}, lambda x, fn=fn: fn(x, 1).int(), {'axis': 1})
    case(f'{name} flattened', name, {'x': (X, 'normal')}, lambda x, fn=fn: fn(x).int())
case('variance axis 1', 'variance', {'x': (X, 'normal')}, lambda x: torch.var(x, 1, unbiased=False), {'axis': 1})
case('variance unbiased', 'variance', {'x': (X, 'normal')}, lambda x: torch.var(x, (0, 2), unbiased=True, keepdim=True), {'axis': [0, 2], 'keepDims': True, 'correction': 1})
case('logSumExp axis -1', 'logSumExp', {'x': (X, 'normal')}, lambda x: torch.logsumexp(x, -1), {'axis': -1})
case('logSumExp large values', 'logSumExp', {'x': (X, 'normal')}, lambda x: torch.logsumexp(x * 100, 1), {'axis': 1, 'scaleInput': 100})
case('softmax', 'softmax', {'x': (X, 'normal')}, lambda x: torch.softmax(x, -1))
case('softmax axis 1', 'softmax', {'x': (X, 'normal')}, lambda x: torch.softmax(x, 1), {'axis': 1})
case('logSoftmax', 'logSoftmax', {'x': (X, 'normal')}, lambda x: torch.log_softmax(x, -1))

# ---- matmul -------------------------------------------------------------------------------------
case('matmul 2d', 'matmul', {'a': ((3, 5), 'normal'), 'b': ((5, 4), 'normal')}, torch.matmul)
case('matmul 2d odd sizes', 'matmul', {'a': ((7, 13), 'normal'), 'b': ((13, 9), 'normal')}, torch.matmul)
case('matmul transposeA', 'matmul', {'a': ((5, 3), 'normal'), 'b': ((5, 4), 'normal')}, lambda a, b: a.t() @ b, {'transposeA': True})
case('matmul transposeB', 'matmul', {'a': ((3, 5), 'normal'), 'b': ((4, 5), 'normal')}, lambda a, b: a @ b.t(), {'transposeB': True})
case('matmul both transposed', 'matmul', {'a': ((5, 3), 'normal'), 'b': ((4, 5), 'normal')}, lambda a, b: a.t() @ b.t(), {'transposeA': True, 'transposeB': True})
case('matmul batched', 'matmul', {'a': ((2, 3, 5), 'normal'), 'b': ((2, 5, 4), 'normal')}, torch.matmul)
case('matmul batch broadcast', 'matmul', {'a': ((2, 1, 3, 5), 'normal'), 'b': ((3, 5, 4), 'normal')}, torch.matmul)
case('matmul shared b', 'matmul', {'a': ((2, 3, 5), 'normal'), 'b': ((5, 4), 'normal')}, torch.matmul)
case('matmul vector-matrix', 'matmul', {'a': ((5,), 'normal'), 'b': ((5, 4), 'normal')}, torch.matmul)
case('matmul matrix-vector', 'matmul', {'a': ((3, 5), 'normal'), 'b': ((5,), 'normal')}, torch.matmul)
case('matmul dot', 'matmul', {'a': ((5,), 'normal'), 'b': ((5,), 'normal')}, torch.matmul)
case('matmul 33x65x17 (edge tiles)', 'matmul', {'a': ((33, 65), 'normal'), 'b': ((65, 17), 'normal')}, torch.matmul)

# ---- shapes and indexing --------------------------------------------------------------------------
case('reshape', 'reshape', {'x': (X, 'normal')}, lambda x: x.reshape(4, -1), {'shape': [4, -1]})
case('transpose', 'transpose', {'x': (X, 'normal')}, lambda x: x.permute(2, 0, 1), {'perm': [2, 0, 1]})
case('transpose default reverses', 'transpose', {'x': (X, 'normal')}, lambda x: x.permute(2, 1, 0))
case('transpose 2d', 'transpose', {'x': ((37, 41), 'normal')}, lambda x: x.t(), {'perm': [1, 0]})
case('expandDims', 'expandDims', {'x': (X, 'normal')}, lambda x: x.unsqueeze(1), {'axis': 1})
case('squeeze', 'squeeze', {'x': ((2, 1, 3, 1), 'normal')}, lambda x: x.squeeze())
case('squeeze axis', 'squeeze', {'x': ((2, 1, 3, 1), 'normal')}, lambda x: x.squeeze(3), {'axis': 3})
case('flatten', 'flatten', {'x': (X, 'normal')}, lambda x: x.flatten())
case('flatten from 1', 'flatten', {'x': ((2, 3, 2, 2), 'normal')}, lambda x: x.flatten(1), {'startDim': 1})
case('concat axis 1', 'concat', {'a': ((2, 3, 4), 'normal'), 'b': ((2, 2, 4), 'normal'), 'c': ((2, 1, 4), 'normal')},
     lambda a, b, c: torch.cat([a, b, c], 1), {'axis': 1})
case('concat axis -1', 'concat', {'a': ((2, 3), 'normal'), 'b': ((2, 5), 'normal')}, lambda a, b: torch.cat([a, b], -1), {'axis': -1})
case('stack axis 1', 'stack', {'a': ((2, 3), 'normal'), 'b': ((2, 3), 'normal')}, lambda a, b: torch.stack([a, b], 1), {'axis': 1})
case('split sizes', 'split', {'x': ((2, 6), 'normal')}, lambda x: torch.split(x, [1, 2, 3], 1), {'sizes': [1, 2, 3], 'axis': 1})
case('split equal', 'split', {'x': ((4, 3), 'normal')}, lambda x: torch.split(x, 2, 0), {'sizes': 2, 'axis': 0})
case('slice', 'slice', {'x': ((4, 5, 6), 'normal')}, lambda x: x[1:3, :, 2:5], {'begin': [1, 0, 2], 'size': [2, -1, 3]})
case('stridedSlice steps', 'stridedSlice', {'x': ((5, 7), 'normal')}, lambda x: x[0:5:2, 1:7:3], {'begin': [0, 1], 'end': [5, 7], 'strides': [2, 3]})
case('stridedSlice negative step', 'stridedSlice', {'x': ((5, 7), 'normal')}, lambda x: torch.flip(x, [1])[:, 0:6:2],
     {'begin': [0, -1], 'end': [5, 0], 'strides': [1, -2]})
case('pad', 'pad', {'x': ((2, 3), 'normal')}, lambda x: F.pad(x, (2, 1, 1, 0), value=0.5), {'paddings': [[1, 0], [2, 1]], 'value': 0.5})
case('pad 4d', 'pad', {'x': ((1, 2, 3, 3), 'normal')}, lambda x: F.pad(x, (1, 1, 2, 0)), {'paddings': [[0, 0], [0, 0], [2, 0], [1, 1]]})
case('tile', 'tile', {'x': ((2, 3), 'normal')}, lambda x: x.repeat(2, 3), {'reps': [2, 3]})
case('tile 3d', 'tile', {'x': ((2, 1, 3), 'normal')}, lambda x: x.repeat(1, 4, 2), {'reps': [1, 4, 2]})
case('gather axis 0', 'gather', {'x': ((5, 3), 'normal'), 'indices': ((4,), 'int5')}, lambda x, indices: x[indices.long()], {'axis': 0})
case('gather axis 1, 2-d indices', 'gather', {'x': ((2, 5, 3), 'normal'), 'indices': ((2, 3), 'int5')},
     lambda x, indices: x[:, indices.long()], {'axis': 1})
case('gather repeated indices accumulate', 'gather', {'x': ((3, 2), 'normal'), 'indices': ((6,), 'int2')}, lambda x, indices: x[indices.long()], {'axis': 0})
case('scatterAdd', 'scatterAdd', {'x': ((5, 3), 'normal'), 'indices': ((4,), 'int5'), 'updates': ((4, 3), 'normal')},
     lambda x, indices, updates: x.index_add(0, indices.long(), updates), {'axis': 0})
case('scatterAdd axis 1', 'scatterAdd', {'x': ((2, 4), 'normal'), 'indices': ((6,), 'int4'), 'updates': ((2, 6), 'normal')},
     lambda x, indices, updates: x.index_add(1, indices.long(), updates), {'axis': 1})
case('oneHot', 'oneHot', {'indices': ((2, 3), 'int4')}, lambda indices: F.one_hot(indices.long(), 5).double(), {'depth': 5})

# ---- convolution and pooling ---------------------------------------------------------------------
def conv_case(name, xs, ws, bias=False, torch_kw=None, attrs=None, pads=None):
    torch_kw = torch_kw or {}
    inputs = {'x': (xs, 'normal'), 'w': (ws, 'normal')}
    if bias:
        inputs['bias'] = ((ws[0],), 'normal')
    def fn(x, w, bias=None):
        if pads is not None:  # explicit asymmetric pads [t, l, b, r]
            x = F.pad(x, (pads[1], pads[3], pads[0], pads[2]))
        return F.conv2d(x, w, bias, **torch_kw)
    case(name, 'conv2d', inputs, fn, attrs or {}, tol={'rtol': 1e-4, 'atol': 1e-4})

conv_case('conv2d 3x3', (2, 3, 6, 6), (4, 3, 3, 3))
conv_case('conv2d padding 1 with bias', (2, 3, 5, 5), (4, 3, 3, 3), bias=True, torch_kw={'padding': 1}, attrs={'padding': 1})
conv_case('conv2d stride 2', (1, 2, 7, 7), (3, 2, 3, 3), torch_kw={'stride': 2, 'padding': 1}, attrs={'stride': 2, 'padding': 1})
conv_case('conv2d same', (1, 2, 6, 5), (3, 2, 4, 3), torch_kw={'padding': 'same'}, attrs={'padding': 'same'})
conv_case('conv2d valid 5x5', (2, 1, 9, 9), (2, 1, 5, 5), attrs={'padding': 'valid'})
conv_case('conv2d dilation 2', (1, 2, 9, 9), (2, 2, 3, 3), torch_kw={'dilation': 2, 'padding': 2}, attrs={'dilation': 2, 'padding': 2})
conv_case('conv2d groups 2', (2, 4, 5, 5), (6, 2, 3, 3), torch_kw={'groups': 2, 'padding': 1}, attrs={'groups': 2, 'padding': 1})
conv_case('conv2d depthwise', (1, 3, 5, 5), (3, 1, 3, 3), torch_kw={'groups': 3}, attrs={'groups': 3})
conv_case('conv2d 1x1', (2, 4, 3, 3), (5, 4, 1, 1))
conv_case('conv2d asymmetric pads', (1, 2, 5, 6), (2, 2, 3, 3), attrs={'padding': [1, 0, 2, 1]}, pads=[1, 0, 2, 1])
conv_case('conv2d rectangular stride', (1, 1, 8, 7), (2, 1, 2, 3), torch_kw={'stride': (2, 1)}, attrs={'stride': [2, 1]})
case('conv1d', 'conv1d', {'x': ((2, 3, 10), 'normal'), 'w': ((4, 3, 3), 'normal'), 'bias': ((4,), 'normal')},
     lambda x, w, bias: F.conv1d(x, w, bias, stride=2, padding=1), {'stride': 2, 'padding': 1}, tol={'rtol': 1e-4, 'atol': 1e-4})
case('conv1d dilation groups', 'conv1d', {'x': ((1, 4, 9), 'normal'), 'w': ((2, 2, 3), 'normal')},
     lambda x, w: F.conv1d(x, w, dilation=2, groups=2), {'dilation': 2, 'groups': 2}, tol={'rtol': 1e-4, 'atol': 1e-4})
case('conv2dTranspose', 'conv2dTranspose', {'x': ((2, 3, 4, 4), 'normal'), 'w': ((3, 2, 3, 3), 'normal')},
     lambda x, w: F.conv_transpose2d(x, w), {}, tol={'rtol': 1e-4, 'atol': 1e-4})
case('conv2dTranspose stride 2 padding 1 outputPadding 1 bias', 'conv2dTranspose',
     {'x': ((1, 2, 3, 3), 'normal'), 'w': ((2, 3, 3, 3), 'normal'), 'bias': ((3,), 'normal')},
     lambda x, w, bias: F.conv_transpose2d(x, w, bias, stride=2, padding=1, output_padding=1),
     {'stride': 2, 'padding': 1, 'outputPadding': 1}, tol={'rtol': 1e-4, 'atol': 1e-4})
case('conv2dTranspose groups dilation', 'conv2dTranspose', {'x': ((1, 4, 3, 3), 'normal'), 'w': ((4, 1, 2, 2), 'normal')},
     lambda x, w: F.conv_transpose2d(x, w, groups=2, dilation=2), {'groups': 2, 'dilation': 2}, tol={'rtol': 1e-4, 'atol': 1e-4})
for name, fn, attrs in [
    ('maxPool2d 2x2', lambda x: F.max_pool2d(x, 2), {'kernelSize': 2}),
    ('maxPool2d 3x3 stride 2 padding 1', lambda x: F.max_pool2d(x, 3, 2, 1), {'kernelSize': 3, 'stride': 2, 'padding': 1}),
    ('maxPool2d ceilMode', lambda x: F.max_pool2d(x, 2, 2, ceil_mode=True), {'kernelSize': 2, 'stride': 2, 'ceilMode': True}),
    ('maxPool2d dilation', lambda x: F.max_pool2d(x, 2, 1, dilation=2), {'kernelSize': 2, 'stride': 1, 'dilation': 2}),
]:
    case(name, 'maxPool2d', {'x': ((2, 2, 7, 7), 'distinct')}, fn, attrs)
for name, fn, attrs in [
    ('avgPool2d 2x2', lambda x: F.avg_pool2d(x, 2), {'kernelSize': 2}),
    ('avgPool2d 3x3 stride 2 padding 1', lambda x: F.avg_pool2d(x, 3, 2, 1), {'kernelSize': 3, 'stride': 2, 'padding': 1}),
    ('avgPool2d padding excluded', lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
     {'kernelSize': 3, 'stride': 2, 'padding': 1, 'countIncludePad': False}),
    ('avgPool2d ceilMode', lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), {'kernelSize': 3, 'stride': 2, 'padding': 1, 'ceilMode': True}),
    ('avgPool2d rectangular', lambda x: F.avg_pool2d(x, (2, 3), (1, 2)), {'kernelSize': [2, 3], 'stride': [1, 2]}),
]:
    case(name, 'avgPool2d', {'x': ((2, 2, 6, 6), 'normal')}, fn, attrs)
case('globalAvgPool2d', 'globalAvgPool2d', {'x': ((2, 3, 4, 5), 'normal')}, lambda x: F.adaptive_avg_pool2d(x, 1))
case('globalMaxPool2d', 'globalMaxPool2d', {'x': ((2, 3, 4, 5), 'distinct')}, lambda x: F.adaptive_max_pool2d(x, 1))
def bn_eval(x, mean, var, weight, bias, eps):
    # F.batch_norm refuses gradients for running statistics; its eval formula written out lets
    # autograd differentiate all five inputs. Checked against F.batch_norm itself here.
    shape = [1, -1] + [1] * (x.dim() - 2)
    y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    if weight is not None:
        y = y * weight.reshape(shape) + bias.reshape(shape)
    ref = F.batch_norm(x.detach(), mean.detach(), var.detach(), None if weight is None else weight.detach(),
                       None if bias is None else bias.detach(), False, 0.1, eps)
    assert torch.allclose(y.detach(), ref)
    return y


case('batchNorm', 'batchNorm', {'x': ((2, 3, 4, 4), 'normal'), 'mean': ((3,), 'normal'), 'variance': ((3,), 'positive'),
                                 'weight': ((3,), 'normal'), 'bias': ((3,), 'normal')},
     lambda x, mean, variance, weight, bias: bn_eval(x, mean, variance, weight, bias, 1e-3), {'epsilon': 1e-3})
case('batchNorm 2d input', 'batchNorm', {'x': ((4, 3), 'normal'), 'mean': ((3,), 'normal'), 'variance': ((3,), 'positive')},
     lambda x, mean, variance: bn_eval(x, mean, variance, None, None, 1e-5), {})

# Training-mode batch norm (fused.batchNorm): y with its gradients, and the batch statistics
# (PyTorch's running-stat update is (1 − momentum)·old + momentum·batch: momentum 1 from zeros and
# ones gives the batch mean and the unbiased variance; the biased one is ×(n − 1)/n).
def bn_train(x, weight, bias, eps, channels_last=False):
    t = x.movedim(-1, 1) if channels_last else x
    y = F.batch_norm(t, None, None, weight, bias, True, 0.1, eps)
    return y.movedim(1, -1) if channels_last else y


def bn_stats(x, channels_last=False):
    t = (x.movedim(-1, 1) if channels_last else x).detach()
    c = t.shape[1]
    mean, var = torch.zeros(c, dtype=t.dtype), torch.ones(c, dtype=t.dtype)
    F.batch_norm(t, mean, var, None, None, True, 1.0, 1e-5)
    n = t.numel() // c
    return [mean, var * (n - 1) / n]


case('fused batchNorm training NCHW', 'fusedBatchNorm', {'x': ((4, 3, 6, 5), 'normal'), 'weight': ((3,), 'normal'), 'bias': ((3,), 'normal')},
     lambda x, weight, bias: bn_train(x * 3 + 2, weight, bias, 1e-3), {'epsilon': 1e-3, 'scaleInput': 3, 'shiftInput': 2})
case('fused batchNorm training [batch, features]', 'fusedBatchNorm', {'x': ((6, 4), 'normal')},
     lambda x: bn_train(x, None, None, 1e-5), {})
case('fused batchNorm training channels-last', 'fusedBatchNorm', {'x': ((3, 4, 5, 2), 'normal'), 'weight': ((2,), 'normal'), 'bias': ((2,), 'normal')},
     lambda x, weight, bias: bn_train(x, weight, bias, 1e-5, True), {'axis': -1})
case('fused batchNorm statistics', 'fusedBatchNormStats', {'x': ((4, 3, 6, 5), 'normal')}, lambda x: bn_stats(x), {}, grad=False)
case('fused batchNorm statistics channels-last', 'fusedBatchNormStats', {'x': ((3, 4, 5, 2), 'normal')}, lambda x: bn_stats(x, True), {'axis': -1}, grad=False)


def xoshiro_reference(seed, count):
    """Soma's PRNG written independently from its TypeScript: splitmix32 seeding, then xoshiro128**."""
    M = 0xFFFFFFFF
    x = (seed & M) ^ ((seed // 0x100000000) & M)
    state = []
    for _ in range(4):
        x = (x + 0x9E3779B9) & M
        z = x
        z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M
        state.append((z ^ (z >> 16)) & M)
    s0, s1, s2, s3 = state
    rotl = lambda v, k: ((v << k) | (v >> (32 - k))) & M
    out = []
    for _ in range(count):
        out.append((rotl((s1 * 5) & M, 7) * 9) & M)
        t = (s1 << 9) & M
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = rotl(s3, 11)
    return out


PRNG = {str(seed): xoshiro_reference(seed, 8) for seed in (0, 1, 42, 2**32 + 5)}

out = os.path.join(os.path.dirname(__file__), '..', 'src', 'fixtures', 'torch_ops.json')
with open(out, 'w') as f:
    json.dump({'generator': f'PyTorch {torch.__version__}, make_fixtures.py', 'cases': CASES, 'prng': PRNG}, f, separators=(',', ':'))
print(f'wrote {len(CASES)} cases to {os.path.normpath(out)} ({os.path.getsize(out)} bytes)')
