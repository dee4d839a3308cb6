#!/usr/bin/env python3
"""LeNet-5 training throughput in PyTorch, the same model and step as bench/src/lenet.mjs (batch 64, Adam,
cross-entropy from logits). Prints samples per second as JSON. Used by bench/src/native.mjs when
/usr/bin/python3 has torch (Debian's python3-torch)."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
torch.manual_seed(1)
net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
                    nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))
opt = torch.optim.Adam(net.parameters())
x = torch.randn(64, 1, 28, 28)
y = torch.randint(0, 10, (64,))


def step():
    opt.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(5):
    step()
times = []
start = time.perf_counter()
while len(times) < 5 or (time.perf_counter() - start < 3 and len(times) < 200):
    t0 = time.perf_counter()
    step()
    times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({'samplesPerSecond': 64 / times[len(times) // 2], 'threads': torch.get_num_threads(), 'torch': torch.__version__}))
