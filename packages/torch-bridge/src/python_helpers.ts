/**
 * The Python written at the top of every generated model.py: the few computations Soma's layers
 * define and PyTorch's modules lack (TF-style 'same' padding, pooling that does not count padded
 * cells, masked recurrences, batch norm on any axis), and safetensors I/O that uses the
 * `safetensors` package when it is installed and a reader/writer of the same format otherwise.
 */
export const PYTHON_HELPERS = String.raw`import json
import math
import os
import struct

import torch
import torch.nn.functional as F
from torch import nn

try:  # the safetensors package when installed; the format is simple enough to read without it
    from safetensors.torch import load_file as _st_load, save_file as _st_save
except ImportError:
    _st_load = _st_save = None

_ST_DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}


def read_safetensors(path):
    """Every tensor of a .safetensors file, by name."""
    if _st_load is not None:
        return _st_load(path)
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dtype = _ST_DTYPES[info["dtype"]]
        flat = torch.frombuffer(bytearray(data[a:b]), dtype=dtype) if b > a else torch.empty(0, dtype=dtype)
        out[name] = flat.reshape(info["shape"]).clone()
    return out


def write_safetensors(tensors, path, metadata=None):
    """Writes tensors as .safetensors (beside, then renamed: a crash never leaves half a file)."""
    tmp = path + ".tmp"
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    if _st_save is not None:
        _st_save(tensors, tmp, metadata=metadata)
    else:
        names = {v: k for k, v in _ST_DTYPES.items()}
        header, chunks, offset = {}, [], 0
        for name, t in tensors.items():
            raw = t.numpy().tobytes()
            header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
            chunks.append(raw)
            offset += len(raw)
        if metadata:
            header["__metadata__"] = metadata
        h = json.dumps(header).encode()
        h += b" " * (-len(h) % 8)
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(h)))
            f.write(h)
            for c in chunks:
                f.write(c)
    os.replace(tmp, path)


def load_weights(model, path):
    """Loads a state_dict saved as safetensors; only batch norm's step counters may be absent."""
    missing, unexpected = model.load_state_dict(read_safetensors(path), strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"{path}: weights do not fit the model (missing {missing}, unexpected {unexpected})")
    return model


def _same_pads(sizes, kernel, stride, dilation):
    """F.pad's argument for TF/ONNX SAME_UPPER padding of the trailing dims (the odd cell at the end)."""
    pads = []
    for size, k, s, d in reversed(list(zip(sizes, kernel, stride, dilation))):
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        pads += [total // 2, total - total // 2]
    return pads


def same_pad(x, kernel, stride, dilation, value=0.0):
    return F.pad(x, _same_pads(x.shape[-len(kernel):], kernel, stride, dilation), value=value)


def same_transpose_crop(y, in_sizes, kernel, stride, dilation):
    """A transposed convolution with padding 'same': output = input * stride, cropped as Soma does."""
    for i, (size, k, s, d) in enumerate(zip(in_sizes, kernel, stride, dilation)):
        before = (d * (k - 1) + 1 - s) // 2
        y = y.narrow(2 + i, before, size * s)
    return y


def max_pool_same(x, kernel, stride):
    pool = F.max_pool1d if len(kernel) == 1 else F.max_pool2d
    return pool(same_pad(x, kernel, stride, (1,) * len(kernel), value=-math.inf), kernel, stride)


def avg_pool_same(x, kernel, stride):
    """Average over the window's real cells only (padded cells are not counted), as Keras does."""
    pool = F.avg_pool1d if len(kernel) == 1 else F.avg_pool2d
    ones = torch.ones_like(x[:1, :1])
    ones_padded = same_pad(ones, kernel, stride, (1,) * len(kernel))
    return pool(same_pad(x, kernel, stride, (1,) * len(kernel)), kernel, stride) / pool(ones_padded, kernel, stride)


def batch_norm_any(bn, x, axis):
    """Batch norm over feature axis axis of any rank: BatchNorm1d on [N, C, rest]."""
    axis = axis + x.dim() if axis < 0 else axis
    y = x.movedim(axis, 1)
    shape = y.shape
    y = bn(y.reshape(shape[0], shape[1], -1) if y.dim() > 3 else y)
    return y.reshape(shape).movedim(1, axis)


def time_distributed(f, x):
    b, t = x.shape[:2]
    y = f(x.reshape(b * t, *x.shape[2:]))
    return y.reshape(b, t, *y.shape[1:])


def _cell(rnn, x, h, c):
    """One step of rnn (nn.RNN, nn.LSTM or nn.GRU, one layer) from its own weights."""
    gi = F.linear(x, rnn.weight_ih_l0, rnn.bias_ih_l0 if rnn.bias else None)
    gh = F.linear(h, rnn.weight_hh_l0, rnn.bias_hh_l0 if rnn.bias else None)
    if isinstance(rnn, nn.LSTM):
        i, f, g, o = (gi + gh).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
    if isinstance(rnn, nn.GRU):
        ir, iz, i_n = gi.chunk(3, 1)
        hr, hz, h_n = gh.chunk(3, 1)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        n = torch.tanh(i_n + r * h_n)
        return (1 - z) * n + z * h, None
    act = torch.tanh if rnn.nonlinearity == "tanh" else torch.relu
    return act(gi + gh), None


def run_rnn(rnn, x, go_backwards=False, return_sequences=False, return_state=False, mask=None):
    """A Keras-style recurrent layer on [batch, time, features]: last output or the sequence,
    optionally its final states; masked steps (mask False) keep the previous state, as Soma's do."""
    if mask is None:
        y, state = rnn(torch.flip(x, [1]) if go_backwards else x)
        states = state if isinstance(state, tuple) else (state,)
        states = tuple(s[0] for s in states)
    else:
        b, t = x.shape[:2]
        h = x.new_zeros(b, rnn.hidden_size)
        c = x.new_zeros(b, rnn.hidden_size) if isinstance(rnn, nn.LSTM) else None
        outs = []
        for step in (reversed(range(t)) if go_backwards else range(t)):
            h2, c2 = _cell(rnn, x[:, step], h, c)
            m = mask[:, step].unsqueeze(1)
            h = torch.where(m, h2, h)
            c = torch.where(m, c2, c) if c is not None else None
            outs.append(h)
        y = torch.stack(outs, 1)
        states = (h, c) if c is not None else (h,)
    out = y if return_sequences else states[0]
    return (out,) + states if return_state else out


class PReLUWeights(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(shape))


class GaussianNoise(nn.Module):
    """Adds N(0, stddev²) noise in training; the identity in evaluation."""

    def __init__(self, stddev):
        super().__init__()
        self.stddev = stddev

    def forward(self, x):
        return x + torch.randn_like(x) * self.stddev if self.training else x


class GaussianDropout(nn.Module):
    """Multiplies by N(1, rate / (1 - rate)) noise in training; the identity in evaluation."""

    def __init__(self, rate):
        super().__init__()
        self.rate = rate

    def forward(self, x):
        if not self.training or self.rate == 0:
            return x
        return x * (1 + torch.randn_like(x) * math.sqrt(self.rate / (1 - self.rate)))
`;
