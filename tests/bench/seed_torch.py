"""The seed's sparse layers in PyTorch, for the benchmark peers
(tests/bench/*_torch.py, bench_sparse_linear.lua): its 'fake BIBD' mask and
its masked linear function (a dense weight multiplied by a 0/1 mask in
forward and backward, so nothing is saved)."""
import math

import torch


def seed_mask(v, b):
    """The seed's generate_fake_bibd_mask(v, b) as a (b, v) float tensor: the
    lines of the q x q grid with q = ceil(sqrt(v)) (rows, columns, then the
    seed's transposed shifted grids), first v points kept, lines cycled over
    the b outputs."""
    q = math.ceil(math.sqrt(v))
    lines = [[q * m + j for j in range(q)] for m in range(q)]
    lines += [[m + q * n for n in range(q)] for m in range(q)]
    for k in range(1, q):
        for n in range(q):
            lines.append([(k * i + n) % q + q * i for i in range(q)])
    mask = torch.zeros(b, v)
    for o in range(b):
        for p in lines[o % len(lines)]:
            if p < v:
                mask[o, p] = 1
    return mask


class MaskedLinearFunction(torch.autograd.Function):
    """The seed's BibdLinearFunction: x @ (w * mask)^T, gradients masked."""

    @staticmethod
    def forward(ctx, x, weight, mask):
        ctx.save_for_backward(x, weight, mask)
        return x.mm((weight * mask).t())

    @staticmethod
    def backward(ctx, grad):
        x, weight, mask = ctx.saved_tensors
        return grad.mm(weight * mask), grad.t().mm(x) * mask, None
