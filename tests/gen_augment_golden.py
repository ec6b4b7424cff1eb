#!/usr/bin/python3
"""Writes the PyTorch golden files of the normalisation that
tests/lua/cifar_spec.lua checks bit for bit.

Run from the repository root with the Debian python that has torch:
    /usr/bin/python3 tests/gen_augment_golden.py tests/golden/augment

pixels.npy (2, 3, 16, 16) holds every pixel value 0..255 once per channel
(sample 1 ascending, sample 2 descending). The references follow the code
of torchvision's ToTensor (byte image .to(float32).div(255)) and Normalize
(tensor.sub_(mean).div_(std), mean and std as float32 (C, 1, 1) tensors);
torchvision itself is not needed for those three operations:
  cifar10.npy          with CIFAR-10's mean / std (the seed's constants)
  fashion_mnist32.npy  channel 1 only, with Fashion-MNIST-32's constants
"""
import os
import sys

import numpy as np
import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else 'tests/golden/augment'
os.makedirs(OUT, exist_ok=True)

ramp = torch.arange(256, dtype=torch.uint8).view(16, 16)
pixels = torch.stack([ramp.expand(3, 16, 16), ramp.flip(0).flip(1).expand(3, 16, 16)])


def normalize(img, mean, std):
    x = img.to(torch.float32).div(255)
    mean = torch.as_tensor(mean, dtype=torch.float32).view(-1, 1, 1)
    std = torch.as_tensor(std, dtype=torch.float32).view(-1, 1, 1)
    return x.sub_(mean).div_(std)


np.save(os.path.join(OUT, 'pixels.npy'), pixels.to(torch.float32).numpy())
np.save(os.path.join(OUT, 'cifar10.npy'),
        normalize(pixels, [0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010]).numpy())
np.save(os.path.join(OUT, 'fashion_mnist32.npy'),
        normalize(pixels[:, :1], [0.2190], [0.3318]).numpy())
