"""The seed's twelve-model MLP experiment in PyTorch, on the CPU, the way the
seed runs it: MLP / B-MLP / R-MLP x 3-1..3-4 on MNIST, 10 epochs each,
torch DataLoader (batch 32, shuffle), SGD lr 0.01 momentum 0.5, the sparse
layers as a dense weight multiplied by a 0/1 mask in forward and backward,
a test pass after every epoch. The peer of `iddl scripts/mlp.lua` for
tests/bench/bench_mlp_experiment.lua. Prints the total seconds last.

usage: /usr/bin/python3 tests/bench/mlp_experiment_torch.py DATA_DIR THREADS [EPOCHS]
"""
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from seed_torch import MaskedLinearFunction, seed_mask

HIDDEN = {"3-1": (16, 20), "3-2": (25, 30), "3-3": (36, 42), "3-4": (49, 56)}


def idx(path, offset):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def random_mask(v, b):
    """The seed's random mask: the entries of its 'paper' mask shuffled."""
    m = seed_mask(v, b).numpy().reshape(-1)
    np.random.shuffle(m)
    return m.reshape(b, v)


class MaskedLinear(nn.Module):
    def __init__(self, v, b, make_mask):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(b, v))
        nn.init.kaiming_normal_(self.weight, mode="fan_in")
        self.register_buffer("mask", torch.tensor(make_mask(v, b), dtype=torch.float32))

    def forward(self, x):
        return MaskedLinearFunction.apply(x, self.weight, self.mask)


def build(kind, size):
    h1, h2 = HIDDEN[size]
    if kind == "MLP":
        layers = [nn.Linear(784, h1), nn.Linear(h1, h2)]
    else:
        make = (lambda v, b: seed_mask(v, b).numpy()) if kind == "B-MLP" else random_mask
        layers = [MaskedLinear(784, h1, make), MaskedLinear(h1, h2, make)]
    return nn.Sequential(layers[0], nn.ReLU(), layers[1], nn.ReLU(), nn.Linear(h2, 10),
                         nn.LogSoftmax(dim=1))


def main():
    data, threads = sys.argv[1], int(sys.argv[2])
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    np.random.seed(1)

    def dataset(prefix, n):
        x = idx(f"{data}/{prefix}-images-idx3-ubyte", 16).reshape(n, 784)
        y = idx(f"{data}/{prefix}-labels-idx1-ubyte", 8)
        return torch.utils.data.TensorDataset(
            torch.tensor(x, dtype=torch.float32) / 255, torch.tensor(y, dtype=torch.long))

    train = torch.utils.data.DataLoader(dataset("train", 60000), batch_size=32, shuffle=True)
    test = torch.utils.data.DataLoader(dataset("t10k", 10000), batch_size=1000)
    t0 = time.perf_counter()
    for kind in ("MLP", "B-MLP", "R-MLP"):
        for size in HIDDEN:
            model = build(kind, size)
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
            t1 = time.perf_counter()
            for _ in range(epochs):
                model.train()
                for xb, yb in train:
                    opt.zero_grad()
                    F.nll_loss(model(xb), yb).backward()
                    opt.step()
                model.eval()
                correct = 0
                with torch.no_grad():
                    for xb, yb in test:
                        correct += (model(xb).argmax(1) == yb).sum().item()
            print(f"{kind}-{size}: acc {correct / 10000:.4f}, {time.perf_counter() - t1:.1f} s",
                  file=sys.stderr, flush=True)
    print(time.perf_counter() - t0)


main()
