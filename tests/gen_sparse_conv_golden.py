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
the seed's generate_fake_bibd_mask(cin, cout) (tests/golden_util.py)
restricted to the first cin/groups columns, as the seed's grouped layers
do, so the spec also checks iddl.nn.BibdConv2d's mask. OUT/cases.lua lists
the cases:

  { name=, cin=, cout=, k={kh, kw}, opts={stride=, padding=, dilation=,
    groups=, bias=}, method='paper' | nil, mask=, weight=, bias_value=,
    input=, grad_output=, output=, grad_input=, grad_weight=, grad_bias= }
"""
import numpy as np
import torch
import torch.nn.functional as F

from golden_util import Golden, f32, seed_mask

golden = Golden('tests/golden/sparse_conv', seed=2468)
save, cases = golden.save, golden.cases
rng = np.random.default_rng(2468)


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

golden.write('tests/gen_sparse_conv_golden.py')
