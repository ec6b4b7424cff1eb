#!/usr/bin/python3
"""Writes the PyTorch golden files that tests/lua/nn_conv_spec.lua checks.

Run from the repository root with the Debian python that has torch:
    /usr/bin/python3 tests/gen_conv_golden.py tests/golden/conv

Each case runs torch.nn.Conv2d forward and backward in float64 on float32
inputs from a fixed seed (so the reference is more exact than what it checks)
and stores, as float32 .npy files: the input, weight, bias, a gradOutput, the
output and the gradients of the input, weight and bias. OUT/cases.lua lists
the cases:

  { name=, args={cin, cout, k, {stride=, padding=, dilation=, groups=,
    bias=}}, input=, grad_output=, params={weight=, bias=}, output=,
    grad_input=, grads={gradWeight=, gradBias=} }

The shapes are odd on purpose: 9x7 images, batch 1 and 7, strides 1 and 2,
paddings 0/1/2, groups 1/2/4, kernels 1/3/5 and non-square ones, dilation 2,
one unbatched (C, H, W) input, small images that the kernels batch, and
a 32-channel 4x4 layer (the automatic plan runs it on Winograd).
"""
import torch

from golden_util import Golden, f32

golden = Golden('tests/golden/conv', seed=4321)
save, cases = golden.save, golden.cases


def case(name, cin, cout, k, shape, stride=1, padding=0, dilation=1, groups=1,
         bias=True):
    m = torch.nn.Conv2d(cin, cout, k, stride=stride, padding=padding,
                        dilation=dilation, groups=groups, bias=bias).double()
    with torch.no_grad():  # parameters rounded to float32 as stored
        for p in m.parameters():
            p.copy_(p.to(torch.float32).to(torch.float64))
    x = f32(*shape).requires_grad_(True)
    y = m(x)
    g = f32(*y.shape)
    y.backward(g)
    opts = {'stride': stride, 'padding': padding, 'dilation': dilation,
            'groups': groups, 'bias': bias}
    c = {'name': name, 'args': [cin, cout, k, opts],
         'input': save(name + '_input', x), 'grad_output': save(name + '_gout', g),
         'output': save(name + '_output', y), 'grad_input': save(name + '_gin', x.grad),
         'params': {'weight': save(name + '_weight', m.weight)},
         'grads': {'gradWeight': save(name + '_gradWeight', m.weight.grad)}}
    if bias:
        c['params']['bias'] = save(name + '_bias', m.bias)
        c['grads']['gradBias'] = save(name + '_gradBias', m.bias.grad)
    cases.append(c)


case('k3_s1_p1', 3, 4, 3, (7, 3, 9, 7), padding=1)
case('k3_s2_p1_g2_b1', 4, 6, 3, (1, 4, 9, 7), stride=2, padding=1, groups=2)
case('k5_s1_p2_nobias', 2, 3, 5, (7, 2, 9, 7), padding=2, bias=False)
case('k1_s1_p0', 5, 3, 1, (7, 5, 9, 7))
case('k1_s1_p0_b1', 5, 3, 1, (1, 5, 9, 7))
case('k1_s2_p0_b1', 4, 6, 1, (1, 4, 9, 7), stride=2)
case('k1_s1_p0_g4', 8, 4, 1, (7, 8, 9, 7), groups=4)
case('k3_s1_p0_g4', 8, 4, 3, (7, 8, 9, 7), groups=4)
case('k3_s2_p2', 3, 5, 3, (7, 3, 9, 7), stride=2, padding=2)
case('k3x1_s2x1_p1x0_g2', 4, 6, [3, 1], (7, 4, 9, 7), stride=[2, 1],
     padding=[1, 0], groups=2)
case('k1x3_s1x2_p0x2', 3, 2, [1, 3], (1, 3, 9, 7), stride=[1, 2],
     padding=[0, 2])
case('k3_d2_p2_g2_b1', 6, 4, 3, (1, 6, 9, 7), padding=2, dilation=2, groups=2)
case('k3_d2_p1', 2, 3, 3, (7, 2, 9, 7), padding=1, dilation=2)
case('small_4x4_g2', 8, 6, 3, (7, 8, 4, 4), padding=1, groups=2)
case('small_2x2_s2', 4, 8, 3, (7, 4, 3, 3), stride=2, padding=1)
case('unbatched', 3, 4, 3, (3, 9, 7), padding=1)
case('k3_s1_p2_g2', 4, 6, 3, (7, 4, 9, 7), padding=2, groups=2)
case('k3_s1_p1_32ch_4x4', 32, 32, 3, (3, 32, 4, 4), padding=1, bias=False)

golden.write('tests/gen_conv_golden.py')
