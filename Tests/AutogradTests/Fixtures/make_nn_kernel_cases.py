"""Generates nn_kernel_cases.json: PyTorch's values for the convolution and pooling
kernels (NNKernelTests), and PyTorch's verdict on shape rules.

Each case gives the inputs, the op's attributes (PyTorch's names), the outputs, an
upstream gradient and the gradient of sum(output * upstream) with respect to every
float input. `shape_rules` lists calls with PyTorch's output shape, or null where
PyTorch raises. Run: python3 make_nn_kernel_cases.py (writes beside this script).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
cases = []


def tensor(t):
    """JSON has no NaN or infinity: they are written as the strings "NaN", "Infinity", "-Infinity"."""
    data = t.detach().double().flatten().tolist()
    return {"shape": list(t.shape), "data": [v if math.isfinite(v) else str(v).replace("inf", "Infinity").replace("nan", "NaN")
                                             for v in data]}


def add(op, dtype, inputs, attrs, run, nan_at=None):
    """inputs: name -> shape (None for an absent optional input)."""
    values = {}
    for name, shape in inputs.items():
        if shape is None:
            values[name] = None
            continue
        t = torch.randn(*shape, dtype=torch.float64).to(dtype)
        if nan_at is not None and name == "input":
            t.view(-1)[nan_at] = float("nan")
        values[name] = t.requires_grad_(True)
    outputs = run(**values)
    if not isinstance(outputs, tuple):
        outputs = (outputs,)
    value = outputs[0]
    upstream = torch.randn(value.shape, dtype=torch.float64).to(dtype)
    present = [(n, t) for n, t in values.items() if t is not None]
    grads = torch.autograd.grad((value * upstream).sum(), [t for _, t in present], allow_unused=True)
    case = {
        "id": "nn-%03d" % len(cases), "op": op, "dtype": str(dtype).replace("torch.", ""),
        "inputs": {n: (tensor(t) if t is not None else None) for n, t in values.items()},
        "attrs": attrs,
        "output": tensor(value),
        "upstream": tensor(upstream),
        "grads": {n: tensor(g) for (n, _), g in zip(present, grads)},
    }
    if len(outputs) > 1:
        case["indices"] = {"shape": list(outputs[1].shape), "data": outputs[1].flatten().tolist()}
    cases.append(case)


def conv(op, x, w, b, stride, padding, dilation, groups):
    fn = {"conv1d": F.conv1d, "conv2d": F.conv2d}[op]
    for dtype in (torch.float64, torch.float32):
        add(op, dtype, {"input": x, "weight": w, "bias": b},
            {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups},
            lambda input, weight, bias: fn(input, weight, bias, stride, padding, dilation, groups))


def conv_t(x, w, b, stride, padding, output_padding, dilation, groups):
    for dtype in (torch.float64, torch.float32):
        add("conv_transpose2d", dtype, {"input": x, "weight": w, "bias": b},
            {"stride": stride, "padding": padding, "output_padding": output_padding, "dilation": dilation, "groups": groups},
            lambda input, weight, bias: F.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation))


def max_pool(x, k, s, p, d, ceil, nan_at=None):
    for dtype in (torch.float64, torch.float32):
        add("max_pool2d", dtype, {"input": x},
            {"kernel_size": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": ceil},
            lambda input: F.max_pool2d(input, k, s, p, d, ceil_mode=ceil, return_indices=True), nan_at)


def avg_pool(x, k, s, p, ceil, include):
    for dtype in (torch.float64, torch.float32):
        add("avg_pool2d", dtype, {"input": x},
            {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil, "count_include_pad": include},
            lambda input: F.avg_pool2d(input, k, s, p, ceil_mode=ceil, count_include_pad=include))


def adaptive(x, size):
    for dtype in (torch.float64, torch.float32):
        add("adaptive_avg_pool2d", dtype, {"input": x}, {"output_size": size},
            lambda input: F.adaptive_avg_pool2d(input, size))


conv("conv1d", [2, 3, 9], [4, 3, 3], [4], [1], [0], [1], 1)
conv("conv1d", [1, 4, 10], [6, 2, 3], None, [2], [1], [1], 2)
conv("conv1d", [3, 2, 11], [3, 2, 2], [3], [3], [2], [2], 1)
conv("conv2d", [2, 3, 6, 5], [4, 3, 3, 3], [4], [1, 1], [0, 0], [1, 1], 1)
conv("conv2d", [1, 4, 7, 7], [6, 2, 3, 2], None, [2, 1], [1, 0], [1, 1], 2)
conv("conv2d", [2, 2, 6, 6], [3, 2, 2, 2], [3], [1, 1], [2, 1], [2, 2], 1)
conv("conv2d", [3, 6, 5, 4], [6, 1, 3, 3], [6], [1, 2], [1, 1], [1, 1], 6)
conv("conv2d", [2, 8, 5, 5], [4, 8, 1, 1], [4], [1, 1], [0, 0], [1, 1], 1)
conv("conv2d", [2, 3, 9, 8], [5, 3, 1, 1], [5], [2, 3], [1, 0], [1, 1], 1)
conv("conv2d", [1, 8, 9, 8], [4, 2, 3, 5], [4], [2, 2], [1, 2], [2, 1], 4)
conv_t([1, 3, 4, 4], [3, 2, 3, 3], [2], [2, 2], [1, 1], [1, 1], [1, 1], 1)
conv_t([2, 4, 3, 5], [4, 1, 2, 2], None, [1, 2], [0, 1], [0, 0], [1, 1], 2)
conv_t([2, 2, 5, 4], [2, 3, 3, 2], [3], [3, 2], [2, 0], [1, 1], [2, 1], 1)
conv_t([1, 6, 3, 3], [6, 2, 1, 1], [6], [2, 2], [0, 0], [0, 1], [1, 1], 3)
conv_t([1, 2, 4, 4], [2, 2, 3, 3], None, [1, 1], [1, 1], [1, 1], [2, 2], 1)
max_pool([2, 3, 6, 6], [2, 2], [2, 2], [0, 0], [1, 1], False)
max_pool([1, 2, 7, 5], [3, 3], [2, 1], [1, 1], [1, 1], False)
max_pool([1, 1, 5, 5], [2, 2], [2, 2], [0, 0], [1, 1], True)
max_pool([1, 2, 9, 8], [3, 2], [2, 3], [1, 1], [2, 3], True)
max_pool([2, 2, 6, 7], [3, 3], [3, 3], [1, 1], [1, 1], True)
max_pool([1, 1, 4, 6], [2, 3], [], [0, 1], [1, 1], False, nan_at=7)
# Windows wholly in the padding: -inf, indexed at the first position past the padding, which
# here is the next row's first element, and the backward adds the gradient there. (Where that
# position lies outside the plane, PyTorch's backward writes out of bounds; not generated.)
max_pool([1, 1, 3, 1], [2, 2], [1, 1], [0, 1], [1, 2], False)
avg_pool([2, 3, 6, 6], [2, 2], [2, 2], [0, 0], False, True)
avg_pool([1, 2, 7, 5], [3, 3], [2, 1], [1, 1], False, True)
avg_pool([1, 1, 5, 5], [2, 2], [2, 2], [0, 0], True, True)
avg_pool([1, 2, 6, 6], [3, 3], [2, 2], [1, 1], True, True)
avg_pool([1, 2, 6, 6], [3, 3], [2, 2], [1, 1], True, False)
avg_pool([2, 1, 7, 7], [3, 2], [3, 3], [1, 1], True, True)
avg_pool([1, 2, 8, 7], [4, 3], [], [2, 1], False, False)
adaptive([2, 3, 6, 6], [1, 1])
adaptive([1, 2, 7, 5], [3, 2])
adaptive([1, 2, 5, 9], [4, 7])
adaptive([2, 1, 10, 3], [6, 3])

# Shape rules: [op, input shape, weight shape or null, bias shape or null, attrs] -> output shape, or null if PyTorch raises.
rules = []


def rule(op, x, w, b, attrs):
    try:
        if op in ("conv1d", "conv2d"):
            fn = F.conv1d if op == "conv1d" else F.conv2d
            out = fn(torch.zeros(x), torch.zeros(w), None if b is None else torch.zeros(b),
                     attrs["stride"], attrs["padding"], attrs["dilation"], attrs["groups"])
        elif op == "conv_transpose2d":
            out = F.conv_transpose2d(torch.zeros(x), torch.zeros(w), None if b is None else torch.zeros(b), attrs["stride"],
                                     attrs["padding"], attrs["output_padding"], attrs["groups"], attrs["dilation"])
        elif op == "max_pool2d":
            out = F.max_pool2d(torch.zeros(x), attrs["kernel_size"], attrs["stride"], attrs["padding"], attrs["dilation"],
                               ceil_mode=attrs["ceil_mode"])
        elif op == "avg_pool2d":
            out = F.avg_pool2d(torch.zeros(x), attrs["kernel_size"], attrs["stride"], attrs["padding"],
                               ceil_mode=attrs["ceil_mode"])
        else:
            out = F.adaptive_avg_pool2d(torch.zeros(x), attrs["output_size"])
        shape = list(out.shape)
    except (RuntimeError, ValueError):
        shape = None
    rules.append({"op": op, "input": x, "weight": w, "bias": b, "attrs": attrs, "output": shape})


def c(s, p, d, g):
    return {"stride": s, "padding": p, "dilation": d, "groups": g}


rule("conv2d", [2, 3, 6, 5], [4, 3, 3, 3], [4], c([1, 1], [0, 0], [1, 1], 1))
rule("conv2d", [3, 6, 5], [4, 3, 3, 3], None, c([1], [1], [1], 2))
rule("conv2d", [2, 5, 6, 5], [4, 3, 3, 3], None, c([1, 1], [0, 0], [1, 1], 1))
rule("conv2d", [2, 6, 6, 5], [3, 3, 3, 3], None, c([1, 1], [0, 0], [1, 1], 2))
rule("conv2d", [2, 3, 6, 5], [4, 3, 3, 3], [5], c([1, 1], [0, 0], [1, 1], 1))
rule("conv2d", [2, 3, 2, 5], [4, 3, 3, 3], None, c([1, 1], [0, 0], [1, 1], 1))
rule("conv2d", [2, 3, 2, 5], [4, 3, 3, 3], None, c([1, 1], [1, 0], [1, 1], 1))
rule("conv2d", [2, 3, 6, 6], [4, 3, 3, 3], None, c([1, 1], [0, 0], [3, 3], 1))
rule("conv2d", [2, 3, 6, 6], [4, 3, 3, 3], None, c([0, 1], [0, 0], [1, 1], 1))
rule("conv2d", [2, 3, 6, 6], [4, 3, 3, 3], None, c([1, 1], [-1, 0], [1, 1], 1))
rule("conv2d", [2, 3, 6, 6], [4, 3, 3, 3], None, c([1, 1, 1], [0, 0], [1, 1], 1))
rule("conv2d", [0, 3, 6, 6], [4, 3, 3, 3], None, c([2, 2], [1, 1], [1, 1], 1))
rule("conv2d", [1, 3, 0, 6], [4, 3, 1, 1], None, c([1, 1], [1, 1], [1, 1], 1))
rule("conv2d", [6, 6], [4, 3, 3, 3], None, c([1, 1], [0, 0], [1, 1], 1))
rule("conv1d", [2, 3, 9], [4, 3, 3], [4], c([2], [1], [2], 1))
rule("conv1d", [3, 9], [4, 3, 3], None, c([1], [0], [1], 1))
rule("conv1d", [2, 3, 9], [4, 3, 3], None, c([1, 1], [0], [1], 1))
rule("conv1d", [2, 3, 2], [4, 3, 3], None, c([1], [0], [1], 1))
rule("conv_transpose2d", [1, 3, 4, 4], [3, 2, 3, 3], [2], dict(c([2, 2], [1, 1], [1, 1], 1), output_padding=[1, 1]))
rule("conv_transpose2d", [1, 3, 4, 4], [3, 2, 3, 3], None, dict(c([1, 1], [0, 0], [1, 1], 1), output_padding=[1, 1]))
rule("conv_transpose2d", [1, 3, 4, 4], [3, 2, 3, 3], None, dict(c([1, 1], [0, 0], [2, 2], 1), output_padding=[1, 1]))
rule("conv_transpose2d", [1, 3, 1, 1], [3, 2, 1, 1], None, dict(c([1, 1], [1, 1], [1, 1], 1), output_padding=[0, 0]))
rule("conv_transpose2d", [1, 4, 4, 4], [3, 2, 3, 3], None, dict(c([1, 1], [0, 0], [1, 1], 1), output_padding=[0, 0]))
rule("conv_transpose2d", [2, 4, 3, 5], [4, 1, 2, 2], [2], dict(c([1, 2], [0, 1], [1, 1], 2), output_padding=[0, 1]))
rule("conv_transpose2d", [4, 3, 5], [4, 1, 2, 2], [3], dict(c([1, 2], [0, 1], [1, 1], 2), output_padding=[0, 0]))
for n in (1, 2, 4, 5, 6, 7, 8, 11):
    for k, s, p, d in ((2, 2, 0, 1), (3, 2, 1, 1), (3, 3, 1, 1), (2, 3, 1, 1), (3, 2, 1, 2), (1, 2, 0, 1), (4, 3, 2, 1)):
        for ceil in (False, True):
            rule("max_pool2d", [1, 1, n, n + 1], None, None,
                 {"kernel_size": [k, k], "stride": [s, s], "padding": [p, p], "dilation": [d, d], "ceil_mode": ceil})
            if d == 1:
                rule("avg_pool2d", [1, 1, n, n + 1], None, None,
                     {"kernel_size": [k, k], "stride": [s, s], "padding": [p, p], "ceil_mode": ceil})
rule("max_pool2d", [1, 1, 5, 5], None, None, {"kernel_size": [2], "stride": [], "padding": [0], "dilation": [1], "ceil_mode": False})
rule("max_pool2d", [1, 1, 5, 5], None, None, {"kernel_size": [2, 2], "stride": [0, 1], "padding": [0], "dilation": [1], "ceil_mode": False})
rule("max_pool2d", [1, 1, 5, 5], None, None, {"kernel_size": [2, 2, 2], "stride": [], "padding": [0], "dilation": [1], "ceil_mode": False})
rule("max_pool2d", [1, 0, 5, 5], None, None, {"kernel_size": [2], "stride": [], "padding": [0], "dilation": [1], "ceil_mode": False})
rule("max_pool2d", [0, 2, 5, 5], None, None, {"kernel_size": [2], "stride": [], "padding": [0], "dilation": [1], "ceil_mode": False})
rule("max_pool2d", [2, 5, 5], None, None, {"kernel_size": [2], "stride": [], "padding": [0], "dilation": [0], "ceil_mode": False})
rule("avg_pool2d", [1, 1, 5, 5], None, None, {"kernel_size": [3], "stride": [1], "padding": [2], "ceil_mode": False})
rule("adaptive_avg_pool2d", [1, 2, 5, 9], None, None, {"output_size": [4, 7]})
rule("adaptive_avg_pool2d", [2, 5, 9], None, None, {"output_size": [0, 3]})
rule("adaptive_avg_pool2d", [1, 2, 0, 9], None, None, {"output_size": [2, 3]})
rule("adaptive_avg_pool2d", [1, 2, 5, 9], None, None, {"output_size": [-1, 3]})
rule("adaptive_avg_pool2d", [1, 2, 5, 9], None, None, {"output_size": [2, 3, 4]})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn_kernel_cases.json")
with open(path, "w") as f:
    json.dump({"meta": {"generator": "PyTorch " + torch.__version__, "seed": 0,
                        "script": "Tests/AutogradTests/Fixtures/make_nn_kernel_cases.py"},
               "cases": cases, "shape_rules": rules}, f)
print("wrote", len(cases), "cases and", len(rules), "shape rules to", path)
