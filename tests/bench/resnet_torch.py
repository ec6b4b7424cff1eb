"""One model of tests/bench/bench_resnet.lua in PyTorch, the way the seed
writes it: the CIFAR ResNet-18 (3x3 stem, no max-pool, BasicBlocks, 1x1
shortcuts, 4x4 average pool, linear), its B-ResNet-18 as the seed does it (a
dense convolution with weight * mask, the mask being the seed's
generate_fake_bibd_mask(cin, cout)), or the grouped ResNet-18. Times a
training step (forward, cross-entropy, backward, SGD step) and an inference
pass at batch 128 on 3x32x32 (1 warm-up + REPS timed, the mean), and prints
one line: train_seconds infer_seconds peak_rss_kib.

usage: /usr/bin/python3 tests/bench/resnet_torch.py MODEL THREADS [REPS]
       MODEL = dense | bibd | groupsG
"""
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

from seed_torch import seed_mask



class MaskedConv2d(nn.Conv2d):
    """The seed's BibdConv2d: a dense convolution of weight * mask."""

    def __init__(self, cin, cout, k, stride, padding):
        super().__init__(cin, cout, k, stride, padding, bias=False)
        nn.init.kaiming_normal_(self.weight, mode='fan_out', nonlinearity='relu')
        self.register_buffer('mask', seed_mask(cin, cout)[:, :, None, None])

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, None, self.stride, self.padding)


def block_conv(kind, cin, cout, stride):
    if kind == 'bibd':
        return MaskedConv2d(cin, cout, 3, stride, 1)
    groups = int(kind[6:]) if kind.startswith('groups') else 1
    return nn.Conv2d(cin, cout, 3, stride, 1, groups=groups, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, kind, cin, planes, stride):
        super().__init__()
        self.conv1 = block_conv(kind, cin, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = block_conv(kind, planes, planes, 1)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        layers, cin = [], 64
        for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            for s in (stride, 1):
                layers.append(BasicBlock(kind, cin, planes, s))
                cin = planes
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(512, 10)

    def forward(self, x):
        out = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.linear(torch.flatten(F.avg_pool2d(out, 4), 1))


def peak_kib():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return 0


def main():
    kind, threads = sys.argv[1], int(sys.argv[2])
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = ResNet18(kind)
    x, y = torch.randn(128, 3, 32, 32), torch.randint(0, 10, (128,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)

    def train():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    def infer():
        with torch.no_grad():
            model(x)

    def timed(f):
        f()
        t0 = time.perf_counter()
        for _ in range(reps):
            f()
        return (time.perf_counter() - t0) / reps

    model.train()
    t_train = timed(train)
    model.eval()
    t_infer = timed(infer)
    print(t_train, t_infer, peak_kib())


main()
