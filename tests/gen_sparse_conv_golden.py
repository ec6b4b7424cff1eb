#!/usr/bin/python3
"""Writes the PyTorch golden files that tests/lua/sparse_conv_golden_spec.lua
checks.

Run from the repository root with the Debian python that has torch:
    /usr/bin/python3 tests/gen_sparse_conv_golden.py tests/golden/sparse_conv

The reference is the seed's masked convolution: F.conv2d with the dense
weight (cout, cin/groups, kh, kw) multiplied by the mask (cout, cin/groups)
broadcast over the kernel, whose weight gradient is therefore masked too.
It runs in float64 on float32 inputs from a fixed seed. Each case stores,
as float32 .npy files: the mask, the dense weight (zero outside the mask, as
set_dense_weight wants), the bias, the input, a gradOutput, the output, and
the gradients of the input, the dense weight and the bias. 'paper' masks are
the seed's generate_fake_bibd_mask(cin, cout) (tests/gen_sparse_golden.py)
restricted to the first cin/groups columns, as the seed's grouped layers
do, so the spec also checks iddl.nn.BibdConv2d's mask. OUT/cases.lua lists
the cases:

  { name=, cin=, cout=, k={kh, kw}, opts={stride=, padding=, dilation=,
    groups=, bias=}, method='paper' | nil, mask=, weight=, bias_value=,
    input=, grad_output=, output=, grad_input=, grad_weight=, grad_bias= }
"""
import os
import sys

import math

import numpy as np
import torch
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else 'tests/golden/sparse_conv'
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(2468)
rng = np.random.default_rng(2468)
cases = []


def save(name, t):
    if isinstance(t, torch.Tensor):
        t = t.detach().to(torch.float64).numpy()
    np.save(os.path.join(OUT, name + '.npy'), np.asarray(t, dtype=np.float32))
    return name + '.npy'


def f32(*shape):
    """Random float32 values, returned as float64 for the computation."""
    return torch.randn(*shape).to(torch.float32).to(torch.float64)


def lua(v):
    if v is None:
        return 'nil'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, str):
        return "'" + v + "'"
    if isinstance(v, (list, tuple)):
        return '{' + ', '.join(lua(x) for x in v) + '}'
    if isinstance(v, dict):
        return '{' + ', '.join('%s = %s' % (k, lua(x)) for k, x in v.items()
                               if x is not None) + '}'
    raise TypeError(v)


def seed_mask(v, b):
    """The seed's (b, v) 'fake BIBD' mask (as in tests/gen_sparse_golden.py):
    the lines of the q x q grid with q = ceil(sqrt(v)) (rows, columns, then
    the seed's transposed shifted grids), first v points kept, lines cycled
    over the b outputs."""
    q = math.ceil(math.sqrt(v))
    lines = [[q * m + j for j in range(q)] for m in range(q)]
    lines += [[m + q * n for n in range(q)] for m in range(q)]
    for k in range(1, q):
        for n in range(q):
            lines.append([(k * i + n) % q + q * i for i in range(q)])
    mask = np.zeros((b, v))
    for o in range(b):
        for p in lines[o % len(lines)]:
            if p < v:
                mask[o, p] = 1
    return mask


def case(name, cin, cout, k, shape, mask, method=None, stride=(1, 1),
         padding=(0, 0), dilation=(1, 1), groups=1, bias=False):
    mask_t = torch.from_numpy(mask).to(torch.float64)
    w = torch.empty(cout, cin // groups, *k)
    torch.nn.init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')
    w = (w.to(torch.float64) * mask_t[:, :, None, None]).requires_grad_(True)
    b = f32(cout).requires_grad_(True) if bias else None
    x = f32(*shape).requires_grad_(True)
    y = F.conv2d(x, w * mask_t[:, :, None, None], b, stride, padding, dilation,
                 groups)
    g = f32(*y.shape)
    y.backward(g)
    cases.append({
        'name': name, 'cin': cin, 'cout': cout, 'k': list(k),
        'opts': {'stride': list(stride), 'padding': list(padding),
                 'dilation': list(dilation), 'groups': groups, 'bias': bias},
        'method': method, 'mask': save(name + '_mask', mask),
        'weight': save(name + '_weight', w),
        'bias_value': save(name + '_bias', b) if bias else None,
        'input': save(name + '_input', x), 'grad_output': save(name + '_gout', g),
        'output': save(name + '_output', y), 'grad_input': save(name + '_gin', x.grad),
        'grad_weight': save(name + '_gweight', w.grad),
        'grad_bias': save(name + '_gbias', b.grad) if bias else None,
    })


case('paper_8to12_3x3_pad1', 8, 12, (3, 3), (2, 8, 5, 6), seed_mask(8, 12),
     method='paper', padding=(1, 1))
case('paper_16to8_groups2_stride2', 16, 8, (3, 3), (3, 16, 7, 5),
     seed_mask(16, 8)[:, :8], method='paper', stride=(2, 2), padding=(1, 1),
     groups=2)
random_mask = (rng.random((6, 4)) < 0.5).astype(np.float64)
random_mask[2, :] = 0      # a dead output
case('random_4to6_1x1_bias', 4, 6, (1, 1), (2, 4, 3, 3), random_mask, bias=True)
random_mask = (rng.random((6, 5)) < 0.5).astype(np.float64)
random_mask[0, 0] = 1
case('random_5to6_3x2_dilated', 5, 6, (3, 2), (1, 5, 7, 6), random_mask,
     stride=(2, 1), padding=(1, 0), dilation=(2, 1), bias=True)

with open(os.path.join(OUT, 'cases.lua'), 'w') as f:
    f.write('-- generated by tests/gen_sparse_conv_golden.py (PyTorch %s); do not edit\n'
            % torch.__version__)
    f.write('return {\n')
    for c in cases:
        f.write('  ' + lua(c) + ',\n')
    f.write('}\n')
print('%d cases written to %s' % (len(cases), OUT))
