"""Format-2 reference cases (see the reference README) for the ops the engine
itself runs: to, clone, sum_to_size, fill, copy, as_strided, as_strided_scatter.

Run with PyTorch installed: python3 make_engine_cases.py (writes engine_cases.json beside this script).
"""
import json
import os

import torch
from torch.func import jvp

torch.manual_seed(20261201)
cases = []


def values(t):
    return {"shape": list(t.shape), "dtype": str(t.dtype).split(".")[1],
            "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def case(op, fn, inputs, attrs, differentiable):
    """inputs: tensors; differentiable: per input, whether it gets a gradient and a tangent."""
    leaves = [x.clone().requires_grad_(d) for x, d in zip(inputs, differentiable)]
    out = fn(*leaves)
    u = torch.randn(out.shape, dtype=out.dtype)
    wrt = [l for l, d in zip(leaves, differentiable) if d]
    grads = iter(torch.autograd.grad([out], wrt, [u], allow_unused=True))
    grad_values = []
    for x, d in zip(inputs, differentiable):
        if not d:
            grad_values.append(None)
            continue
        g = next(grads)
        grad_values.append(values(g if g is not None else torch.zeros_like(x)))
    tangents = [torch.randn(x.shape, dtype=x.dtype) if d else None for x, d in zip(inputs, differentiable)]
    primal_indices = [i for i, d in enumerate(differentiable) if d]

    def f(*primals):
        args = list(inputs)
        for i, p in zip(primal_indices, primals):
            args[i] = p
        return fn(*args)

    _, jv = jvp(f, tuple(inputs[i] for i in primal_indices), tuple(tangents[i] for i in primal_indices))
    cases.append({"id": f"e-{len(cases):04d}", "op": op, "kind": "vjp", "dtype": str(inputs[0].dtype).split(".")[1],
                  "inputs": [values(x) for x in inputs], "attrs": attrs, "outputs": [values(out)],
                  "upstreams": [values(u)], "grads": grad_values,
                  "tangents": [values(t) if t is not None else None for t in tangents], "jvps": [values(jv)]})


def scatter_through_view(a, s):
    out = a.clone()
    out.as_strided((2, 3), (5, 2), 6).copy_(s)
    return out


for dtype in (torch.float64, torch.float32):
    other = torch.float32 if dtype == torch.float64 else torch.float64
    x = torch.randn(2, 3, dtype=dtype)
    case("to", lambda a: a.to(other), [x], {"dtype": str(other).split(".")[1]}, [True])
    case("clone", lambda a: a.clone(), [torch.randn(3, 4, dtype=dtype)], {}, [True])
    case("clone", lambda a: a.clone(), [torch.randn([], dtype=dtype)], {}, [True])
    case("sum_to_size", lambda a: a.sum_to_size(3, 1), [torch.randn(2, 3, 4, dtype=dtype)], {"size": [3, 1]}, [True])
    case("sum_to_size", lambda a: a.sum_to_size(4), [torch.randn(2, 4, dtype=dtype)], {"size": [4]}, [True])
    case("fill", lambda a: torch.fill(a, 2.5), [torch.randn(2, 3, dtype=dtype)], {"value": 2.5}, [True])
    case("copy", lambda a, s: a.clone().copy_(s), [torch.randn(2, 3, dtype=dtype), torch.randn(3, dtype=dtype)],
         {}, [True, True])
    base = torch.randn(4, 5, dtype=dtype)
    geometry = {"size": [2, 3], "stride": [5, 2], "storage_offset": 6, "base_stride": [5, 1], "base_offset": 0}
    case("as_strided", lambda a: torch.as_strided(a, (2, 3), (5, 2), 6), [base], geometry, [True])
    # An overlapping window: the adjoint of a read adds up.
    overlapping = {"size": [3, 3], "stride": [1, 1], "storage_offset": 2, "base_stride": [5, 1], "base_offset": 0}
    case("as_strided", lambda a: torch.as_strided(a, (3, 3), (1, 1), 2), [base], overlapping, [True])
    # Written as a copy into a strided view of a clone (PyTorch's CopySlices): torch.as_strided_scatter's
    # own gradient for the input is, in PyTorch 2.15, the window's instead of everything outside it.
    case("as_strided_scatter", scatter_through_view,
         [torch.randn(4, 5, dtype=dtype), torch.randn(2, 3, dtype=dtype)], dict(geometry, accumulate=False), [True, True])

json.dump({"meta": {"generator": "PyTorch " + torch.__version__, "format": 2, "seeds": "fixed",
                    "script": "Tests/AutogradTests/Fixtures/make_engine_cases.py"}, "cases": cases},
          open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "engine_cases.json"), "w"))
print(len(cases))
