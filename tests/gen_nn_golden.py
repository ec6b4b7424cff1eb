#!/usr/bin/python3
"""Writes the PyTorch golden files that tests/lua/nn_golden_spec.lua checks.

Run from the repository root with the Debian python that has torch:
    /usr/bin/python3 tests/gen_nn_golden.py tests/golden/nn

Each module case runs forward and backward in float64 on float32 inputs from
a fixed seed (so the reference is more exact than what it checks) and stores,
as float32 .npy files: the input, the parameters, a gradOutput, the output,
the gradient of the input and of each parameter. Each criterion case stores
input, target (1-based classes as float32), optional weights, the loss and
the gradient of the input. OUT/cases.lua lists the cases:

  { name=, module='Linear', args={5, 3, {bias=false}}, input=, grad_output=,
    params={weight=, bias=}, output=, grad_input=, grads={gradWeight=, ...} }
  { name=, criterion='ClassNLLCriterion', opts={reduction=, weight=file},
    input=, target=, sample_weight=, loss=<number>, grad_input= }

Per-sample weights have no PyTorch equivalent; their reference is the
documented rule computed from reduction='none': sum(w_i l_i) / sum(w_i)
(MSE: / (D * sum(w_i))).
"""
import torch

from golden_util import Golden, f32

golden = Golden('tests/golden/nn', seed=1234)
save, cases = golden.save, golden.cases


def module_case(name, module, args, torch_module, shape):
    m = torch_module.double()
    x = f32(*shape).requires_grad_(True)
    with torch.no_grad():  # parameters rounded to float32 as stored
        for p in m.parameters():
            p.copy_(p.to(torch.float32).to(torch.float64))
    y = m(x)
    g = f32(*y.shape)
    y.backward(g)
    case = {'name': name, 'module': module, 'args': args,
            'input': save(name + '_input', x), 'grad_output': save(name + '_gout', g),
            'output': save(name + '_output', y), 'grad_input': save(name + '_gin', x.grad),
            'params': {}, 'grads': {}}
    for pname, p in m.named_parameters():
        case['params'][pname] = save('%s_%s' % (name, pname), p)
        gname = 'grad' + pname[0].upper() + pname[1:]
        case['grads'][gname] = save('%s_%s' % (name, gname), p.grad)
    cases.append(case)


nn = torch.nn
module_case('linear', 'Linear', [5, 3], nn.Linear(5, 3), (4, 5))
module_case('linear_nobias', 'Linear', [6, 2, {'bias': False}],
            nn.Linear(6, 2, bias=False), (3, 6))
module_case('linear_3d', 'Linear', [4, 3], nn.Linear(4, 3), (2, 3, 4))
module_case('relu', 'ReLU', [], nn.ReLU(), (4, 5))
module_case('leaky_relu', 'LeakyReLU', [0.2], nn.LeakyReLU(0.2), (4, 5))
module_case('tanh', 'Tanh', [], nn.Tanh(), (3, 4))
module_case('sigmoid', 'Sigmoid', [], nn.Sigmoid(), (3, 4))
module_case('softmax', 'Softmax', [], nn.Softmax(dim=-1), (3, 7))
module_case('log_softmax', 'LogSoftmax', [], nn.LogSoftmax(dim=-1), (2, 3, 5))
module_case('flatten', 'Flatten', [], nn.Flatten(), (2, 3, 2, 2))


def criterion_case(name, criterion, reduction, shape, class_weight=False,
                   sample_weight=False):
    n, c = shape
    x = f32(n, c).requires_grad_(True)
    case = {'name': name, 'criterion': criterion, 'opts': {'reduction': reduction},
            'input': save(name + '_input', x)}
    if criterion == 'MSECriterion':
        target = f32(n, c)
        case['target'] = save(name + '_target', target)
        per_elem = nn.functional.mse_loss(x, target, reduction='none')
        per_sample = per_elem.sum(1)
        norm = c
    else:
        cls = torch.randint(0, c, (n,))
        case['target'] = save(name + '_target', (cls + 1).to(torch.float64))
        w = None
        if class_weight:
            w = torch.rand(c, dtype=torch.float64).to(torch.float32).to(torch.float64) + 0.5
            case['opts']['weight'] = save(name + '_class_weight', w)
        logp = x if criterion == 'ClassNLLCriterion' else torch.log_softmax(x, 1)
        per_sample = nn.functional.nll_loss(logp, cls, weight=w, reduction='none')
        norm = 1.0
    if sample_weight:
        sw = (torch.rand(n, dtype=torch.float64) * 2).to(torch.float32).to(torch.float64)
        case['sample_weight'] = save(name + '_sample_weight', sw)
        total = (sw * per_sample).sum()
        if reduction == 'mean':
            eff = sw * (w[cls] if criterion != 'MSECriterion' and class_weight else 1.0)
            total = total / (eff.sum() * norm)
        loss = total
    elif criterion == 'MSECriterion':
        loss = nn.functional.mse_loss(x, target, reduction=reduction)
    else:
        f = nn.functional.nll_loss if criterion == 'ClassNLLCriterion' else nn.functional.cross_entropy
        loss = f(x, cls, weight=w, reduction=reduction)
    loss.backward()
    case['loss'] = float(loss)
    case['grad_input'] = save(name + '_gin', x.grad)
    cases.append(case)


for crit in ('ClassNLLCriterion', 'CrossEntropyCriterion'):
    short = 'nll' if crit == 'ClassNLLCriterion' else 'ce'
    criterion_case(short + '_mean', crit, 'mean', (5, 4))
    criterion_case(short + '_sum', crit, 'sum', (5, 4))
    criterion_case(short + '_class_weight', crit, 'mean', (6, 3), class_weight=True)
    criterion_case(short + '_sample_weight', crit, 'mean', (6, 3), sample_weight=True)
    criterion_case(short + '_both_weights', crit, 'mean', (6, 3), class_weight=True,
                   sample_weight=True)
criterion_case('mse_mean', 'MSECriterion', 'mean', (4, 3))
criterion_case('mse_sum', 'MSECriterion', 'sum', (4, 3))
criterion_case('mse_sample_weight', 'MSECriterion', 'mean', (4, 3), sample_weight=True)

golden.write('tests/gen_nn_golden.py')
