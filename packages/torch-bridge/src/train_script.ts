/**
 * train.py of an exported project: PyTorch training with the loss, optimizer, learning-rate
 * schedule and clipping the Soma model was compiled with (read from training.json), on one
 * process or under torchrun with DistributedDataParallel (nccl on GPUs, gloo on CPUs) and a
 * DistributedSampler; checkpoints as safetensors. The losses are Soma's (probabilities clipped to
 * [1e-7, 1 − 1e-7], as Keras does; fromLogits and labelSmoothing as configured).
 */
export const TRAIN_SCRIPT = String.raw`"""Trains the exported model with PyTorch: one process, or many with torchrun.

    python train.py --data DATA --epochs 5 --batch-size 64
    torchrun --nproc_per_node=4 train.py --data DATA --epochs 5 --batch-size 256

--batch-size is the global batch: each of N processes takes batch-size / N rows of it, and
DistributedDataParallel averages their gradients, so N processes take the same steps as one.
DATA is a directory holding x.npy and y.npy (what Soma's exportTorch / soma export --torch --data
write, read through memory maps), an .npz with arrays x and y, a CSV file, or Parquet files (a
file, a directory or a list; these need pyarrow). For CSV and Parquet, --label names the label
column and --columns the features (default: all others).
The loss, optimizer, learning-rate schedule and gradient clipping are the Soma model's
(training.json). Weights are written as safetensors in PyTorch layouts: OUT/weights.safetensors
at the end and OUT/epoch-N.safetensors after each epoch; Soma's loadTorchWeights (or
soma import --torch) reads them back into the Soma model.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import build_model, write_safetensors  # noqa: E402

with open(os.path.join(HERE, "training.json")) as f:
    TRAINING = json.load(f)

EPSILON = 1e-7


class ArrayDataset(Dataset):
    """Rows of two arrays (memory-mapped .npy files are read one row at a time)."""

    def __init__(self, x, y):
        if len(x) != len(y):
            raise ValueError(f"features have {len(x)} rows but labels {len(y)}")
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.from_numpy(np.array(self.x[i], dtype=np.float32)), torch.from_numpy(np.array(self.y[i], dtype=np.float32))


def _table_columns(names, label, columns):
    if label not in names:
        raise ValueError(f"no column named '{label}' (columns: {', '.join(names)})")
    features = columns.split(",") if columns else [n for n in names if n != label]
    missing = [c for c in features if c not in names]
    if missing:
        raise ValueError(f"no column named {missing} (columns: {', '.join(names)})")
    return features


def load_data(path, label, columns):
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "x.npy")):
        return ArrayDataset(np.load(os.path.join(path, "x.npy"), mmap_mode="r"), np.load(os.path.join(path, "y.npy"), mmap_mode="r"))
    if path.endswith(".npz"):
        arrays = np.load(path)
        return ArrayDataset(arrays["x"], arrays["y"])
    if path.endswith(".csv"):
        if not label:
            raise ValueError("a CSV file needs --label")
        with open(path) as f:
            names = f.readline().strip().split(",")
        features = _table_columns(names, label, columns)
        table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)
        return ArrayDataset(table[:, [names.index(c) for c in features]], table[:, names.index(label)])
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise SystemExit(f"{path}: reading Parquet needs pyarrow (pip install pyarrow), or convert it to x.npy/y.npy with Soma (exportTorch's data option, soma export --torch DIR --data FILE)")
    table = pq.read_table(path)
    if not label:
        raise ValueError("Parquet data needs --label")
    features = _table_columns(table.column_names, label, columns)
    x = np.stack([np.stack(table.column(c).to_numpy(zero_copy_only=False)).reshape(table.num_rows, -1) for c in features], 1).reshape(table.num_rows, -1)
    return ArrayDataset(x.astype(np.float32), table.column(label).to_numpy().astype(np.float32))


def _clipped(p):
    return p.clamp(EPSILON, 1 - EPSILON)


def make_loss(spec):
    """Soma's loss named in training.json, with its options (fromLogits, labelSmoothing, delta)."""
    name, o = (spec, {}) if isinstance(spec, str) else (spec["name"], spec.get("options", {}))
    logits, smoothing = o.get("fromLogits", False), o.get("labelSmoothing", 0.0)

    def sparse_categorical_crossentropy(p, y):
        ids = y.long().reshape(*p.shape[:-1], 1)
        logp = torch.log_softmax(p, -1) if logits else torch.log(_clipped(p))
        return -logp.gather(-1, ids).mean()

    def categorical_crossentropy(p, y):
        y = y.reshape(p.shape)
        if smoothing:
            y = y * (1 - smoothing) + smoothing / p.shape[-1]
        logp = torch.log_softmax(p, -1) if logits else torch.log(_clipped(p / p.sum(-1, keepdim=True)))
        return -(y * logp).sum(-1).mean()

    def binary_crossentropy(p, y):
        y = y.reshape(p.shape)
        if smoothing:
            y = y * (1 - smoothing) + 0.5 * smoothing
        if logits:
            return (p.clamp(min=0) - p * y + torch.log1p(torch.exp(-p.abs()))).mean()
        q = _clipped(p)
        return -(y * torch.log(q) + (1 - y) * torch.log(1 - q)).mean()

    def huber(p, y):
        d = o.get("delta", 1.0)
        e = (p - y.reshape(p.shape)).abs()
        return torch.where(e <= d, 0.5 * e * e, d * e - 0.5 * d * d).mean()

    mse = lambda p, y: ((p - y.reshape(p.shape)) ** 2).mean()  # noqa: E731
    mae = lambda p, y: (p - y.reshape(p.shape)).abs().mean()  # noqa: E731
    table = {
        "sparseCategoricalCrossentropy": sparse_categorical_crossentropy,
        "categoricalCrossentropy": categorical_crossentropy,
        "binaryCrossentropy": binary_crossentropy,
        "huber": huber,
        "meanSquaredError": mse,
        "mse": mse,
        "meanAbsoluteError": mae,
        "mae": mae,
    }
    if name not in table:
        raise SystemExit(f"the model was compiled with loss {name!r}, which train.py does not implement (it knows {', '.join(table)})")
    return table[name]


def make_optimizer(params, config):
    name, o = config["name"], config.get("options", {})
    lr = o.get("learningRate")
    lr = lr if isinstance(lr, (int, float)) else None
    betas = (o.get("beta1", 0.9), o.get("beta2", 0.999))
    wd = o.get("weightDecay", 0.0)
    optim = torch.optim
    if name == "adam":
        return optim.Adam(params, lr=lr or 0.001, betas=betas, eps=o.get("epsilon", 1e-8), amsgrad=o.get("amsgrad", False), weight_decay=wd)
    if name == "adamw":
        return optim.AdamW(params, lr=lr or 0.001, betas=betas, eps=o.get("epsilon", 1e-8), amsgrad=o.get("amsgrad", False), weight_decay=o.get("weightDecay", 0.01))
    if name == "sgd":
        return optim.SGD(params, lr=lr or 0.01, momentum=o.get("momentum", 0.0), dampening=o.get("dampening", 0.0), nesterov=o.get("nesterov", False), weight_decay=wd)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr or 0.01, alpha=o.get("rho", 0.99), eps=o.get("epsilon", 1e-8), momentum=o.get("momentum", 0.0), centered=o.get("centered", False))
    if name == "adagrad":
        return optim.Adagrad(params, lr=lr or 0.01, lr_decay=o.get("lrDecay", 0.0), initial_accumulator_value=o.get("initialAccumulatorValue", 0.0), eps=o.get("epsilon", 1e-10))
    if name == "adadelta":
        return optim.Adadelta(params, lr=lr or 1.0, rho=o.get("rho", 0.9), eps=o.get("epsilon", 1e-6))
    if name == "adamax":
        return optim.Adamax(params, lr=lr or 0.002, betas=betas, eps=o.get("epsilon", 1e-8))
    if name == "nadam":
        return optim.NAdam(params, lr=lr or 0.002, betas=betas, eps=o.get("epsilon", 1e-8), momentum_decay=o.get("momentumDecay", 0.004))
    raise SystemExit(f"optimizer '{name}' has no PyTorch counterpart in this script")


def schedule(config):
    """The learning rate at step t (steps taken so far), when the optimizer was given a schedule."""
    lr = config.get("options", {}).get("learningRate")
    if not isinstance(lr, dict):
        return None
    kind, c = lr["schedule"], lr["config"]
    if kind == "constant":
        return lambda t: c["learningRate"]
    if kind == "exponentialDecay":
        return lambda t: c["initialLearningRate"] * c["decayRate"] ** ((t // c["decaySteps"]) if c.get("staircase") else t / c["decaySteps"])
    if kind == "inverseTimeDecay":
        return lambda t: c["initialLearningRate"] / (1 + c["decayRate"] * ((t // c["decaySteps"]) if c.get("staircase") else t / c["decaySteps"]))
    if kind == "inverseSqrt":
        w = c.get("warmupSteps", 0)
        return lambda t: c["initialLearningRate"] * (t + 1) / w if t < w else c["initialLearningRate"] / math.sqrt(t - w + 1)
    if kind == "piecewiseConstant":
        return lambda t: c["values"][sum(1 for b in c["boundaries"] if t >= b)]
    if kind == "cosineDecay":
        lr0, peak, w, a, n = c["initialLearningRate"], c.get("warmupTarget", c["initialLearningRate"]), c.get("warmupSteps", 0), c.get("alpha", 0), c["decaySteps"]
        return lambda t: lr0 + (peak - lr0) * t / w if t < w else peak * (a + (1 - a) * (1 + math.cos(math.pi * min(t - w, n) / n)) / 2)
    raise SystemExit(f"learning-rate schedule '{kind}' has no counterpart in this script")


def float_state(model):
    """The weights (float tensors), without batch norm's step counters, which Soma does not keep."""
    return {k: v.float() for k, v in model.state_dict().items() if v.is_floating_point()}


def clip(model, options):
    params = [p for p in model.parameters() if p.grad is not None]
    if "clipValue" in options:
        torch.nn.utils.clip_grad_value_(params, options["clipValue"])
    if "clipNorm" in options:
        for p in params:
            torch.nn.utils.clip_grad_norm_([p], options["clipNorm"])
    if "globalClipNorm" in options:
        torch.nn.utils.clip_grad_norm_(params, options["globalClipNorm"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--label", help="the label column (CSV, Parquet)")
    parser.add_argument("--columns", help="feature columns, comma-separated (CSV, Parquet; default: all but the label)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=TRAINING.get("batchSize", 32), help="the global batch, split over the processes")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: whole epochs)")
    parser.add_argument("--no-shuffle", action="store_true", help="keep the data's order (shuffling is seeded otherwise)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "checkpoints"))
    parser.add_argument("--save-every-rank", action="store_true", help="also write each process's final weights (checks that DDP kept them identical)")
    args = parser.parse_args()

    if len(TRAINING["inputs"]) != 1 or len(TRAINING["outputs"]) != 1:
        raise SystemExit("train.py trains models of one input and one output; train others from model.py with your own loop")
    if not TRAINING.get("loss"):
        raise SystemExit("training.json names no loss: compile the Soma model with one of Soma's losses before exporting it")
    loss_fn = make_loss(TRAINING["loss"])

    world = int(os.environ.get("WORLD_SIZE", "1"))
    distributed = world > 1
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
        rank = dist.get_rank()
        device = torch.device("cuda", local) if backend == "nccl" else torch.device("cpu")
        if device.type == "cuda":
            torch.cuda.set_device(device)
    else:
        rank = 0
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must divide among {world} processes")

    torch.manual_seed(args.seed)
    model = build_model().to(device)
    net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None) if distributed else model
    data = load_data(args.data, args.label, args.columns)
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=not args.no_shuffle, seed=args.seed) if distributed else None
    order = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(data, batch_size=args.batch_size // world, sampler=sampler, shuffle=(sampler is None and not args.no_shuffle), generator=order)
    options = TRAINING["optimizer"].get("options", {})
    optimizer = make_optimizer(net.parameters(), TRAINING["optimizer"])
    lr_at = schedule(TRAINING["optimizer"])
    os.makedirs(args.out, exist_ok=True)
    step = 0
    for epoch in range(args.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        net.train()
        total, batches = 0.0, 0
        for x, y in loader:
            if args.max_steps and step >= args.max_steps:
                break
            if lr_at is not None:
                for group in optimizer.param_groups:
                    group["lr"] = lr_at(step)
            optimizer.zero_grad()
            loss = loss_fn(net(x.to(device)), y.to(device))
            loss.backward()
            clip(model, options)
            optimizer.step()
            total += loss.item()
            batches += 1
            step += 1
        if rank == 0:
            print(f"epoch {epoch + 1}/{args.epochs}: loss {total / max(batches, 1):.6f} ({batches} steps per process, {world} process{'es' if world > 1 else ''})", flush=True)
            write_safetensors(float_state(model), os.path.join(args.out, f"epoch-{epoch + 1}.safetensors"), {"epoch": str(epoch + 1), "steps": str(step)})
    if rank == 0:
        write_safetensors(float_state(model), os.path.join(args.out, "weights.safetensors"), {"epochs": str(args.epochs), "steps": str(step), "processes": str(world)})
    if args.save_every_rank:
        write_safetensors(float_state(model), os.path.join(args.out, f"weights.rank{rank}.safetensors"))
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
