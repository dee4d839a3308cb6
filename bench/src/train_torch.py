#!/usr/bin/env python3
"""Training throughput in PyTorch for the models of bench/src/train.mjs, built as @soma/zoo builds them:
CIFAR ResNet-20 (option-A shortcuts), DenseNet-BC-40 (growth 12), VGG-11 with the 32x32 classifier, and
a character LSTM language model. Adam, batch as given, cross-entropy from logits. Usage:
train_torch.py WORKLOAD THREADS; prints {"samplesPerSecond", "msPerStep", ...} as JSON."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class PaddedShortcut(nn.Module):
    def __init__(self, extra):
        super().__init__()
        self.extra = extra

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(planes)
        self.c2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(planes)
        self.short = PaddedShortcut(planes - cin) if stride != 1 or cin != planes else nn.Identity()

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + self.short(x))


def resnet20():
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for stage in range(3):
        planes = 16 * 2 ** stage
        for i in range(3):
            layers.append(BasicBlock(cin, planes, 2 if i == 0 and stage > 0 else 1))
            cin = planes
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


class DenseLayer(nn.Module):
    def __init__(self, cin, k):
        super().__init__()
        self.f = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, 4 * k, 1, bias=False),
                               nn.BatchNorm2d(4 * k), nn.ReLU(), nn.Conv2d(4 * k, k, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.f(x)], 1)


def densenet40(k=12):
    n = (40 - 4) // 6
    c = 2 * k
    layers = [nn.Conv2d(3, c, 3, padding=1, bias=False)]
    for b in range(3):
        for _ in range(n):
            layers.append(DenseLayer(c, k))
            c += k
        if b < 2:
            layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2)]
            c //= 2
    return nn.Sequential(*layers, nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10))


def vgg11():
    cfg = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']
    layers, c = [], 3
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
            c = v
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


class CharLstm(nn.Module):
    def __init__(self, vocab=64, emb=32, units=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, units, batch_first=True)
        self.out = nn.Linear(units, vocab)

    def forward(self, ids):
        return self.out(self.lstm(self.emb(ids))[0])


def main():
    workload = sys.argv[1]
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else torch.get_num_threads())
    torch.manual_seed(1)
    if workload == 'lstm':
        net, batch = CharLstm(), 32
        x = torch.randint(0, 64, (batch, 64))
        y = torch.randint(0, 64, (batch, 64))
        loss_of = lambda out: F.cross_entropy(out.reshape(-1, 64), y.reshape(-1))
    else:
        net, batch = {'resnet20': resnet20, 'densenet40': densenet40, 'vgg11': vgg11}[workload](), 64
        x = torch.randn(batch, 3, 32, 32)
        y = torch.randint(0, 10, (batch,))
        loss_of = lambda out: F.cross_entropy(out, y)
    net.train()
    opt = torch.optim.Adam(net.parameters())

    def step():
        opt.zero_grad()
        loss = loss_of(net(x))
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):
        step()
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < 6 and len(times) < 100):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    ms = times[len(times) // 2] * 1000
    print(json.dumps({'samplesPerSecond': batch * 1000 / ms, 'msPerStep': ms, 'steps': len(times),
                      'parameters': sum(p.numel() for p in net.parameters()), 'threads': torch.get_num_threads(), 'torch': torch.__version__}))


main()
