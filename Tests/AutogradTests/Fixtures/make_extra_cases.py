"""Reference cases, in the format of autograd_cases.json, for built-in ops that file does not cover (erf).

Run with PyTorch installed: python3 make_extra_cases.py (writes extra_cases.json beside this script).
"""
import json
import os

import torch

torch.manual_seed(20261127)
cases = []
def case(op, fn, shapes, dtype, idx):
    inputs = [torch.randn(s, dtype=dtype) * 1.5 for s in shapes]
    leaves = [t.clone().requires_grad_(True) for t in inputs]
    out = fn(*leaves)
    u = torch.randn(out.shape, dtype=dtype)
    grads = torch.autograd.grad([out], leaves, [u])
    t = lambda x: {"shape": list(x.shape), "data": x.detach().reshape(-1).tolist()}
    cases.append({"id": f"x-{idx:04d}", "op": op, "kind": "vjp", "dtype": str(dtype).split(".")[1],
                  "inputs": [t(x) for x in inputs], "attrs": {}, "output": t(out), "upstream": t(u), "grads": [t(g) for g in grads]})
i = 0
for dtype in (torch.float64, torch.float32):
    for shape in ([], [5], [2, 3], [2, 3, 4]):
        case("erf", torch.erf, [shape], dtype, i); i += 1
# hvp for erf
x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
u = torch.randn(2, 3, dtype=torch.float64); v = torch.randn(2, 3, dtype=torch.float64)
g, = torch.autograd.grad([torch.erf(x)], [x], [u], create_graph=True)
h, = torch.autograd.grad([(g * v).sum()], [x])
t = lambda y: {"shape": list(y.shape), "data": y.detach().reshape(-1).tolist()}
cases.append({"id": f"x-{i:04d}", "op": "erf", "kind": "hvp", "dtype": "float64", "inputs": [t(x)], "attrs": {},
              "upstream": t(u), "direction": [t(v)], "hvp": [t(h)]})
json.dump({"meta": {"generator": "PyTorch " + torch.__version__, "seeds": "fixed", "script": "Tests/AutogradTests/Fixtures/make_extra_cases.py"}, "cases": cases},
          open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "extra_cases.json"), "w"))
print(len(cases))
