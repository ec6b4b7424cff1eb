#!/usr/bin/python3
"""Writes the PyTorch golden files that tests/lua/bnpool_golden_spec.lua checks.

Run from the repository root with the Debian python that has torch:
    /usr/bin/python3 tests/gen_bnpool_golden.py tests/golden/bnpool

References are float64 computations on float32 inputs from a fixed seed,
stored as float32 .npy files. OUT/cases.lua lists the cases:

  { name=, module='BatchNorm2d', args={3, {momentum=0.3}}, weight=, bias=,
    steps={ {input=, grad_output=, output=, grad_input=, grad_weight=,
             grad_bias=}, <second training step> },
    running_mean=, running_var=,          -- after the two steps
    eval={ <one step in eval mode, same fields> } }
  { name=, module='MaxPool2d', args={3, {stride=2}}, input=, grad_output=,
    output=, grad_input= }

Each batch-norm step starts from zeroed gradients. Option names and 1-based
conventions are iddl's; the pooling options map one to one to PyTorch's.
"""
import itertools

import torch

from golden_util import Golden, f32

golden = Golden('tests/golden/bnpool', seed=2024)
save, cases = golden.save, golden.cases
nn = torch.nn


def bn_step(name, m, shape, scale, shift):
    """One forward + backward of m on a fresh input; returns the file names."""
    m.zero_grad()
    x = f32(*shape, scale=scale, shift=shift).requires_grad_(True)
    y = m(x)
    g = f32(*y.shape)
    y.backward(g)
    step = {'input': save(name + '_input', x), 'grad_output': save(name + '_gout', g),
            'output': save(name + '_output', y), 'grad_input': save(name + '_gin', x.grad)}
    if m.affine:
        step['grad_weight'] = save(name + '_gw', m.weight.grad)
        step['grad_bias'] = save(name + '_gb', m.bias.grad)
    return step


def bn_case(name, module, C, opts, shape):
    kw = dict(opts)
    m = getattr(nn, module)(C, **kw).double()
    case = {'name': name, 'module': module, 'args': [C, opts] if opts else [C]}
    if m.affine:
        with torch.no_grad():  # non-trivial parameters, exact in float32
            m.weight.copy_(f32(C, scale=0.5, shift=1.0))
            m.bias.copy_(f32(C))
        case['weight'] = save(name + '_weight', m.weight)
        case['bias'] = save(name + '_bias', m.bias)
    m.train()
    case['steps'] = [bn_step('%s_step%d' % (name, i + 1), m, shape, 2.0, 0.5 + i)
                     for i in range(2)]
    if m.track_running_stats:
        case['running_mean'] = save(name + '_running_mean', m.running_mean)
        case['running_var'] = save(name + '_running_var', m.running_var)
    m.eval()
    case['eval'] = bn_step(name + '_eval', m, shape, 1.5, 1.0)
    cases.append(case)


bn_case('bn2d', 'BatchNorm2d', 3, {}, (7, 3, 5, 7))
bn_case('bn2d_b1_8x8', 'BatchNorm2d', 5, {'momentum': 0.3, 'eps': 1e-3}, (1, 5, 8, 8))
bn_case('bn2d_noaffine', 'BatchNorm2d', 5, {'affine': False}, (7, 5, 8, 8))
bn_case('bn2d_notrack', 'BatchNorm2d', 3, {'track_running_stats': False}, (7, 3, 5, 7))
bn_case('bn2d_1x1', 'BatchNorm2d', 5, {}, (2, 5, 1, 1))
bn_case('bn1d_2d', 'BatchNorm1d', 5, {}, (7, 5))
bn_case('bn1d_2d_wide', 'BatchNorm1d', 70, {'momentum': 0.5}, (3, 70))
bn_case('bn1d_3d', 'BatchNorm1d', 3, {}, (7, 3, 8))
bn_case('bn1d_b1', 'BatchNorm1d', 5, {'eps': 0.01}, (1, 5, 7))


def pool_case(name, module, args, torch_module, shape):
    m = torch_module
    x = f32(*shape).requires_grad_(True)
    y = m(x)
    g = f32(*y.shape)
    y.backward(g)
    cases.append({'name': name, 'module': module, 'args': args,
                  'input': save(name + '_input', x), 'grad_output': save(name + '_gout', g),
                  'output': save(name + '_output', y), 'grad_input': save(name + '_gin', x.grad)})


SHAPES = [(7, 3, 5, 7), (1, 5, 8, 8), (7, 5, 8, 8), (1, 3, 5, 7)]
for i, (k, s, p, ceil) in enumerate(itertools.product((2, 3), (1, 2), (0, 1), (False, True))):
    shape = SHAPES[i % len(SHAPES)]
    opts = {'stride': s, 'padding': p, 'ceil_mode': ceil}
    tag = 'k%d_s%d_p%d%s' % (k, s, p, '_ceil' if ceil else '')
    pool_case('max_' + tag, 'MaxPool2d', [k, opts], nn.MaxPool2d(k, **opts), shape)
    avg = dict(opts, count_include_pad=(i % 2 == 0))
    pool_case('avg_' + tag + ('' if avg['count_include_pad'] else '_nopad'), 'AvgPool2d',
              [k, avg], nn.AvgPool2d(k, **avg), SHAPES[(i + 1) % len(SHAPES)])
pool_case('max_default_stride', 'MaxPool2d', [3], nn.MaxPool2d(3), (7, 3, 8, 8))
pool_case('max_dilation2', 'MaxPool2d', [3, {'stride': 1, 'padding': 1, 'dilation': 2}],
          nn.MaxPool2d(3, stride=1, padding=1, dilation=2), (7, 3, 5, 7))
pool_case('max_dilation_ceil', 'MaxPool2d',
          [2, {'stride': 2, 'padding': 1, 'dilation': [2, 1], 'ceil_mode': True}],
          nn.MaxPool2d(2, stride=2, padding=1, dilation=(2, 1), ceil_mode=True), (1, 5, 8, 8))
pool_case('max_rect', 'MaxPool2d', [[2, 3], {'stride': [1, 2], 'padding': [1, 0]}],
          nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 0)), (7, 3, 5, 7))
pool_case('max_3d_input', 'MaxPool2d', [2, {'stride': 1}], nn.MaxPool2d(2, stride=1), (5, 8, 8))
pool_case('avg_rect_ceil', 'AvgPool2d',
          [[3, 2], {'stride': [2, 1], 'padding': [1, 1], 'ceil_mode': True,
                    'count_include_pad': False}],
          nn.AvgPool2d((3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True,
                       count_include_pad=False), (7, 5, 8, 8))
pool_case('avg_3d_input', 'AvgPool2d', [3, {'stride': 2, 'padding': 1}],
          nn.AvgPool2d(3, stride=2, padding=1), (3, 5, 7))
# Wide rows: the interior columns go by vector blocks of 8 and 16 (with an
# overlapping last block), which the small planes above never reach.
WIDE = (2, 3, 11, 40)
for name, module, k, opts in (
        ('max_wide_k3_s1_p1', 'MaxPool2d', 3, {'stride': 1, 'padding': 1}),
        ('max_wide_k2_s2_ceil', 'MaxPool2d', 2, {'stride': 2, 'ceil_mode': True}),
        ('max_wide_k3_s2_p1_d2', 'MaxPool2d', 3, {'stride': 2, 'padding': 1, 'dilation': 2}),
        ('max_wide_k2_s3', 'MaxPool2d', 2, {'stride': 3}),
        ('avg_wide_k3_s2_p1_ceil_nopad', 'AvgPool2d', 3,
         {'stride': 2, 'padding': 1, 'ceil_mode': True, 'count_include_pad': False}),
        ('avg_wide_k2_s1', 'AvgPool2d', 2, {'stride': 1}),
        ('avg_wide_k3_s1_p1', 'AvgPool2d', 3, {'stride': 1, 'padding': 1})):
    pool_case(name, module, [k, opts], getattr(nn, module)(k, **opts), WIDE)
for out, shape in (((1, 1), (7, 3, 5, 7)), ((2, 3), (1, 5, 8, 8)), ((3, 4), (7, 3, 5, 7)),
                   ((5, 7), (1, 3, 5, 7)), ((6, 9), (7, 5, 5, 7)), ((3, 3), (5, 8, 8))):
    arg = out[0] if out[0] == out[1] else list(out)
    pool_case('adaptive_%dx%d_%s' % (out + ('x'.join(map(str, shape)),)), 'AdaptiveAvgPool2d',
              [arg], nn.AdaptiveAvgPool2d(out), shape)

golden.write('tests/gen_bnpool_golden.py')
