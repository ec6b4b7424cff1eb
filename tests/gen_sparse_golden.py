#!/usr/bin/python3
"""Writes the PyTorch golden files that tests/lua/sparse_golden_spec.lua checks.

Run from the repository root with the Debian python that has torch:
    /usr/bin/python3 tests/gen_sparse_golden.py tests/golden/sparse

The reference is the seed's masked dense layer: an autograd Function whose
forward is input @ (weight * mask)^T and whose backward returns
grad_output @ (weight * mask) for the input and (grad_output^T @ input) * mask
for the weight (plus PyTorch's bias gradient when there is a bias). It runs in
float64 on float32 inputs from a fixed seed. Each case stores, as float32
.npy files: the mask, the dense weight (zero outside the mask, as
set_dense_weight wants; the seed's values there never matter), the bias, the
input, a gradOutput, the output, the gradient of the input, of the dense
weight and of the bias. 'paper' masks are the seed's generate_fake_bibd_mask,
(tests/golden_util.py), so the spec also checks iddl.bibd.mask(v, b, 'paper').
OUT/cases.lua lists the cases:

  { name=, in_features=, out_features=, method='paper' | nil, bias=,
    mask=, weight=, bias_value=, input=, grad_output=, output=, grad_input=,
    grad_weight=, grad_bias= }
"""

import numpy as np
import torch

from golden_util import Golden, f32, seed_mask

golden = Golden('tests/golden/sparse', seed=4321)
save, cases = golden.save, golden.cases
rng = np.random.default_rng(4321)



class MaskedLinear(torch.autograd.Function):
    """The seed's BibdLinearFunction: masks the weight and its gradient."""

    @staticmethod
    def forward(ctx, x, weight, mask):
        ctx.save_for_backward(x, weight, mask)
        return x.mm((weight * mask).t())

    @staticmethod
    def backward(ctx, g):
        x, weight, mask = ctx.saved_tensors
        return g.mm(weight * mask), g.t().mm(x) * mask, None


def case(name, mask, shape, method=None, bias=False):
    out_f, in_f = mask.shape
    mask_t = torch.from_numpy(mask).to(torch.float64)
    w = torch.empty(out_f, in_f)
    torch.nn.init.kaiming_normal_(w, mode='fan_in')          # as the seed
    w = (w.to(torch.float64) * mask_t).requires_grad_(True)
    b = f32(out_f).requires_grad_(True) if bias else None
    x = f32(*shape).requires_grad_(True)
    y = MaskedLinear.apply(x.reshape(-1, in_f), w, mask_t)
    if b is not None:
        y = y + b
    y = y.reshape(*shape[:-1], out_f)
    g = f32(*y.shape)
    y.backward(g)
    cases.append({
        'name': name, 'in_features': in_f, 'out_features': out_f,
        'method': method, 'bias': bias, 'mask': save(name + '_mask', mask),
        'weight': save(name + '_weight', w),
        'bias_value': save(name + '_bias', b) if bias else None,
        'input': save(name + '_input', x), 'grad_output': save(name + '_gout', g),
        'output': save(name + '_output', y), 'grad_input': save(name + '_gin', x.grad),
        'grad_weight': save(name + '_gweight', w.grad),
        'grad_bias': save(name + '_gbias', b.grad) if bias else None,
    })


case('paper_50x30', seed_mask(50, 30), (4, 50), method='paper')
case('paper_16x20', seed_mask(16, 20), (5, 16), method='paper')
random_mask = (rng.random((12, 20)) < 0.3).astype(np.float64)
random_mask[4, :] = 0      # a dead output
random_mask[:, 7] = 0      # an unused input
case('random_20x12_bias_3d', random_mask, (2, 3, 20), bias=True)

golden.write('tests/gen_sparse_golden.py')
