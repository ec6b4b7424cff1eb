"""One MNIST training epoch of MLP-3-4 in PyTorch, the way the seed trains it
(torch DataLoader, batch 32, shuffle, SGD lr 0.01 momentum 0.5, cross
entropy), for tests/bench/bench_mlp_epoch.lua. Prints the epoch's seconds.

usage: /usr/bin/python3 tests/bench/mlp_epoch_torch.py DATA_DIR THREADS
"""
import sys
import time

import numpy as np
import torch
from torch import nn


def idx(path, offset):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main():
    data, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x = idx(f"{data}/train-images-idx3-ubyte", 16).reshape(-1, 784)
    y = idx(f"{data}/train-labels-idx1-ubyte", 8)
    dataset = torch.utils.data.TensorDataset(
        torch.tensor(x, dtype=torch.float32) / 255, torch.tensor(y, dtype=torch.long))
    loader = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(784, 49), nn.ReLU(), nn.Linear(49, 56),
                          nn.ReLU(), nn.Linear(56, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for xb, yb in loader:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
    print(time.perf_counter() - t0)


main()
