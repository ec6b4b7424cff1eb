"""Golden values for the optimizer and LR-schedule specs (optim_spec.lua).

Runs a few steps of torch.optim.SGD / Adam / AdamW (PyTorch 1.13) on fixed
parameter and gradient sequences, and the lr sequences of StepLR,
MultiStepLR and CosineAnnealingLR, and writes them as JSON:

    /usr/bin/python3 tests/gen_optim_golden.py tests/golden/optim

Float32 values are written as the exact decimal of each float (Python's
repr of the double holding it), so iddl.tensor(list) rebuilds them bit for bit.
"""
import json
import os

import torch

from golden_util import out_dir

STEPS = 5
SHAPES = [(3, 4), (4,)]

OPTIMIZERS = [
    ("sgd_plain", "SGD", dict(lr=0.1)),
    ("sgd_momentum", "SGD", dict(lr=0.05, momentum=0.9)),
    ("sgd_dampening", "SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("sgd_nesterov", "SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("sgd_weight_decay", "SGD", dict(lr=0.01, momentum=0.5, weight_decay=0.1)),
    ("adam", "Adam", dict(lr=0.01)),
    ("adam_weight_decay", "Adam", dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.1)),
    ("adam_amsgrad", "Adam", dict(lr=0.01, amsgrad=True)),
    ("adamw", "AdamW", dict(lr=0.01, weight_decay=0.05)),
    ("adamw_amsgrad", "AdamW", dict(lr=0.03, eps=1e-6, amsgrad=True)),
]

SCHEDULERS = [
    ("step", "StepLR", dict(step_size=3, gamma=0.5), 12),
    ("multistep", "MultiStepLR", dict(milestones=[2, 5, 6], gamma=0.1), 10),
    ("multistep_repeat", "MultiStepLR", dict(milestones=[3, 3, 7], gamma=0.5), 10),
    ("cosine", "CosineAnnealingLR", dict(T_max=10, eta_min=0.001), 25),
    ("cosine_zero_min", "CosineAnnealingLR", dict(T_max=7), 14),
]


def optimizer_case(name, kind, opts, gen):
    params = [torch.randn(s, generator=gen) for s in SHAPES]
    init = [p.clone() for p in params]
    # gradients whose scale shrinks and grows, so amsgrad's max matters
    scales = [1.0, 0.2, 3.0, 0.05, 1.5]
    grads = [[torch.randn(s, generator=gen) * scales[k] for s in SHAPES]
             for k in range(STEPS)]
    ps = [torch.nn.Parameter(p.clone()) for p in params]
    opt = getattr(torch.optim, kind)(ps, **opts)
    after = []
    for k in range(STEPS):
        for p, g in zip(ps, grads[k]):
            p.grad = g.clone()
        opt.step()
        after.append([p.detach().clone().tolist() for p in ps])
    o = dict(opts)
    if "betas" in o:
        o["betas"] = list(o["betas"])
    return {
        "name": name, "kind": kind, "opts": o,
        "params": [p.tolist() for p in init],
        "grads": [[g.tolist() for g in step] for step in grads],
        "expected": after,
    }


def scheduler_case(name, kind, opts, epochs):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = getattr(torch.optim.lr_scheduler, kind)(opt, **opts)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return {"name": name, "kind": kind, "opts": opts, "base_lr": 0.1, "lrs": lrs}


def main():
    out = out_dir("tests/golden/optim")
    gen = torch.Generator().manual_seed(1234)
    doc = {
        "torch": torch.__version__,
        "optimizers": [optimizer_case(*c, gen) for c in OPTIMIZERS],
        "schedulers": [scheduler_case(*c) for c in SCHEDULERS],
    }
    path = os.path.join(out, "optim_cases.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=0)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
