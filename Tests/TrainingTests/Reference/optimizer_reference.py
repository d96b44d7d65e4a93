"""Reference values for the optimizer and learning-rate schedule tests, computed with torch.optim.

Writes, next to this directory:

  ../Fixtures/optimizer_reference.json       parameter trajectories and learning-rate sequences
  ../Fixtures/torch-optimizer-state/*.safetensors
                                              optimizer states PyTorch saved mid-run, in the layout
                                              `Optimizer.stateDict()` uses (see `save_optimizer_state`)

Run: python3 optimizer_reference.py   (needs torch and safetensors; the tests never run it)

`python3 optimizer_reference.py --check-swift-state FILE NAME` goes the other way: it
loads a state Swift's `Optimizer.saveState(to:)` wrote for the state case NAME into
torch.optim (with `load_optimizer_state`) and continues the run.

Every optimizer case runs torch.optim in float64 on three parameters with the gradient

    grad = 2 * c * p + d      (the gradient of sum(c * p**2 + d * p))

set directly, so the Swift tests can set the same gradients bit for bit without
going through autograd. Cases cover every optimizer with a grid of its options,
parameter groups with their own learning rates, weight decays and other options
(where one parameter has no gradient at one step), and optimizers driven by
schedules. Schedule cases record each group's learning rate (and the momentum
or beta1 OneCycleLR cycles) after construction and after every step.
"""
import itertools
import json
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Fixtures")

PARAMETERS = [
    {"shape": [4], "start": [0.5, -1.0, 1.5, 2.0], "c": [1.0, 0.5, 2.0, 0.25], "d": [0.1, -0.2, 0.3, 0.0]},
    {"shape": [2, 3], "start": [0.25, -0.75, 1.25, -1.5, 0.8, 0.1],
     "c": [0.3, 1.5, 0.7, 0.05, 2.5, 1.0], "d": [-0.05, 0.4, 0.0, 0.2, -0.3, 0.15]},
    {"shape": [2], "start": [-0.4, 0.9], "c": [0.6, 0.9], "d": [0.25, -0.1]},
]
STEPS = 6
# In the parameter-group cases, parameter 2 has no gradient at step 3 (counting from 1).
SKIP = [[3, 2]]


def make_parameters():
    return [torch.tensor(p["start"], dtype=torch.float64).reshape(p["shape"]).requires_grad_() for p in PARAMETERS]


def set_gradients(params, step, skip):
    for i, p in enumerate(params):
        if [step, i] in skip:
            p.grad = None
            continue
        c = torch.tensor(PARAMETERS[i]["c"], dtype=torch.float64).reshape(p.shape)
        d = torch.tensor(PARAMETERS[i]["d"], dtype=torch.float64).reshape(p.shape)
        with torch.no_grad():
            p.grad = 2 * c * p + d


OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}

SCHEDULERS = {
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR,
    "LinearLR": torch.optim.lr_scheduler.LinearLR,
    "OneCycleLR": torch.optim.lr_scheduler.OneCycleLR,
    "ReduceLROnPlateau": torch.optim.lr_scheduler.ReduceLROnPlateau,
}


def make_optimizer(case, params):
    """The optimizer a case describes: one list of parameters, or groups naming parameters by index."""
    if case.get("groups") is None:
        return OPTIMIZERS[case["optimizer"]](params, **case["options"])
    groups = [dict({k: v for k, v in g.items() if k != "params"}, params=[params[i] for i in g["params"]])
              for g in case["groups"]]
    return OPTIMIZERS[case["optimizer"]](groups, **case["options"])


def describe(name, options):
    return f"{name}(" + ", ".join(f"{k}={v}" for k, v in options.items()) + ")"


# MARK: - Optimizer cases

def grid(**axes):
    keys = list(axes)
    for values in itertools.product(*(axes[k] for k in keys)):
        yield dict(zip(keys, values))


def option_grid():
    cases = []
    for o in grid(momentum=[0.0, 0.9], variant=["plain", "nesterov", "dampening"], weight_decay=[0.0, 0.01],
                  maximize=[False, True]):
        variant = o.pop("variant")
        if o["momentum"] == 0 and variant != "plain":
            continue
        options = dict(lr=0.1, **o)
        if variant == "nesterov":
            options["nesterov"] = True
        if variant == "dampening":
            options["dampening"] = 0.1
        cases.append(("SGD", options))
    # beta1 = 0.3 takes lerp's other form (weight 0.7 >= 0.5).
    for o in grid(betas=[(0.9, 0.999), (0.3, 0.99)], amsgrad=[False, True], weight_decay=[0.0, 0.1],
                  maximize=[False, True]):
        cases.append(("Adam", dict(lr=0.1, **o)))
    cases.append(("Adam", dict(lr=0.05, eps=0.1)))
    for o in grid(amsgrad=[False, True], weight_decay=[0.01, 0.1], maximize=[False, True]):
        cases.append(("AdamW", dict(lr=0.1, **o)))
    for o in grid(centered=[False, True], momentum=[0.0, 0.9], weight_decay=[0.0, 0.1], maximize=[False, True]):
        cases.append(("RMSprop", dict(lr=0.01, **o)))
    # alpha = 0.3 takes lerp's other form in the centered average.
    cases.append(("RMSprop", dict(lr=0.01, alpha=0.3, centered=True, eps=1e-3)))
    cases.append(("RMSprop", dict(lr=0.05, alpha=0.9, momentum=0.5)))
    for o in grid(lr_decay=[0.0, 0.1], weight_decay=[0.0, 0.1], initial_accumulator_value=[0.0, 0.5],
                  maximize=[False, True]):
        cases.append(("Adagrad", dict(lr=0.1, **o)))
    cases.append(("Adagrad", dict(lr=0.1, eps=0.01)))
    return [{"name": describe(name, options), "optimizer": name, "options": options} for name, options in cases]


GROUP_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9),
     [dict(params=[0, 1], lr=0.05, weight_decay=0.01), dict(params=[2], momentum=0.5, nesterov=True)]),
    ("Adam", dict(lr=0.1),
     [dict(params=[0, 1], weight_decay=0.1, amsgrad=True), dict(params=[2], lr=0.01, betas=(0.8, 0.9))]),
    ("AdamW", dict(lr=0.1),
     [dict(params=[0], weight_decay=0.0), dict(params=[1, 2], lr=0.05, maximize=True)]),
    ("RMSprop", dict(lr=0.01),
     [dict(params=[0, 1], alpha=0.9, centered=True), dict(params=[2], lr=0.001, momentum=0.5, weight_decay=0.1)]),
    ("Adagrad", dict(lr=0.1),
     [dict(params=[0, 1], lr_decay=0.1), dict(params=[2], lr=0.5, weight_decay=0.1, eps=1e-3)]),
]

SCHEDULED_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9), [dict(params=[0, 1]), dict(params=[2], lr=0.02)],
     [("StepLR", dict(step_size=2, gamma=0.5))]),
    ("Adam", dict(lr=0.1), [dict(params=[0, 1]), dict(params=[2])],
     [("OneCycleLR", dict(max_lr=[0.1, 0.05], total_steps=STEPS, anneal_strategy="linear", three_phase=True))]),
    ("RMSprop", dict(lr=0.01, momentum=0.9), None,
     [("OneCycleLR", dict(max_lr=0.01, total_steps=STEPS))]),
    ("AdamW", dict(lr=0.1), [dict(params=[0]), dict(params=[1, 2], lr=0.05)],
     [("LinearLR", dict(start_factor=0.25, total_iters=3)), ("CosineAnnealingLR", dict(T_max=STEPS, eta_min=0.001))]),
    ("Adagrad", dict(lr=0.1), None, [("CosineAnnealingLR", dict(T_max=3))]),
]


def run_optimizer_case(case):
    params = make_parameters()
    optimizer = make_optimizer(case, params)
    schedulers = [SCHEDULERS[s["scheduler"]](optimizer, **s["options"]) for s in case.get("schedulers", [])]
    trajectory = []
    for step in range(1, STEPS + 1):
        optimizer.zero_grad()
        set_gradients(params, step, case.get("skip", []))
        optimizer.step()
        for s in schedulers:
            s.step()
        trajectory.append([p.detach().reshape(-1).tolist() for p in params])
    case["trajectory"] = trajectory
    return case


def optimizer_cases():
    cases = option_grid()
    for name, options, groups in GROUP_CASES:
        cases.append({"name": describe(name, options) + " with groups " + json.dumps(groups), "optimizer": name,
                      "options": options, "groups": groups, "skip": SKIP})
    for name, options, groups, schedulers in SCHEDULED_CASES:
        label = " + ".join(describe(s, o) for s, o in schedulers)
        cases.append({"name": describe(name, options) + " with " + label, "optimizer": name, "options": options,
                      "groups": groups, "schedulers": [{"scheduler": s, "options": o} for s, o in schedulers]})
    return [run_optimizer_case(case) for case in cases]


# MARK: - Schedule cases

LOSSES = [1.0, 0.9, 0.9, 0.95, 0.91, 0.899, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75]
ACCURACIES = [0.5, 0.6, 0.6, 0.605, 0.61, 0.7, 0.7, 0.69, 0.7, 0.71, 0.72, 0.72, 0.72, 0.8, 0.8, 0.8]

SCHEDULE_CASES = [
    ([("StepLR", dict(step_size=3, gamma=0.5))], 12, "SGD", None),
    ([("StepLR", dict(step_size=1))], 5, "SGD", None),
    ([("CosineAnnealingLR", dict(T_max=5))], 17, "SGD", None),
    ([("CosineAnnealingLR", dict(T_max=4, eta_min=0.001))], 13, "SGD", None),
    ([("LinearLR", dict())], 8, "SGD", None),
    ([("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=4))], 7, "SGD", None),
    ([("OneCycleLR", dict(max_lr=0.5, total_steps=10))], 10, "SGD", None),
    ([("OneCycleLR", dict(max_lr=[0.5, 0.1], total_steps=12, pct_start=0.25, anneal_strategy="linear",
                          three_phase=True, base_momentum=[0.8, 0.85], max_momentum=0.9, div_factor=10.0,
                          final_div_factor=100.0))], 12, "SGD", None),
    ([("OneCycleLR", dict(max_lr=0.3, total_steps=8, cycle_momentum=False))], 8, "Adagrad", None),
    ([("OneCycleLR", dict(max_lr=0.01, epochs=2, steps_per_epoch=5))], 10, "Adam", None),
    ([("LinearLR", dict(start_factor=0.5, total_iters=4)), ("StepLR", dict(step_size=2, gamma=0.5))], 8, "SGD", None),
    ([("ReduceLROnPlateau", dict(patience=2))], len(LOSSES), "SGD", LOSSES),
    ([("ReduceLROnPlateau", dict(mode="max", threshold_mode="abs", threshold=0.01, factor=0.5, patience=1,
                                 cooldown=2, min_lr=[0.01, 0.001]))], len(ACCURACIES), "SGD", ACCURACIES),
    ([("ReduceLROnPlateau", dict(factor=0.5, patience=0, min_lr=0.03, eps=0.011))], len(LOSSES), "SGD", LOSSES),
    ([("ReduceLROnPlateau", dict(mode="max", patience=0, threshold=0.1))], len(ACCURACIES), "SGD", ACCURACIES),
    ([("ReduceLROnPlateau", dict(threshold_mode="abs", threshold=0.05, patience=1, cooldown=1))],
     len(LOSSES), "SGD", LOSSES),
]

SCHEDULE_OPTIMIZER_OPTIONS = {"SGD": dict(lr=0.1, momentum=0.9), "Adam": dict(lr=0.1), "Adagrad": dict(lr=0.1)}
SCHEDULE_GROUPS = [dict(params=[0, 1]), dict(params=[2], lr=0.02)]


def run_schedule_case(schedulers, steps, optimizer_name, metrics):
    case = {"name": " + ".join(describe(s, o) for s, o in schedulers), "optimizer": optimizer_name,
            "options": SCHEDULE_OPTIMIZER_OPTIONS[optimizer_name], "groups": SCHEDULE_GROUPS,
            "schedulers": [{"scheduler": s, "options": o} for s, o in schedulers], "steps": steps}
    params = make_parameters()
    optimizer = make_optimizer(case, params)
    made = [SCHEDULERS[s](optimizer, **o) for s, o in schedulers]

    def momenta():
        if optimizer_name == "Adam":
            return [g["betas"][0] for g in optimizer.param_groups]
        return [g["momentum"] for g in optimizer.param_groups] if "momentum" in optimizer.defaults else None

    rates, moments = [[g["lr"] for g in optimizer.param_groups]], [momenta()]
    for step in range(steps):
        optimizer.step()  # no gradients: nothing moves, but PyTorch sees the step before the schedule's
        for s in made:
            s.step(metrics[step]) if metrics is not None else s.step()
        rates.append([g["lr"] for g in optimizer.param_groups])
        moments.append(momenta())
        assert made[-1].get_last_lr() == rates[-1]
    case["metrics"] = metrics
    case["learningRates"] = rates
    case["momenta"] = moments if moments[0] is not None else None
    return case


# MARK: - Optimizer states PyTorch saved

def save_optimizer_state(optimizer, path):
    """PyTorch's optimizer state_dict in safetensors: tensors `state.<i>.<name>`, the groups in the metadata."""
    state = optimizer.state_dict()
    tensors = {f"state.{i}.{name}": value.contiguous()
               for i, entries in state["state"].items() for name, value in entries.items()}
    metadata = {"format": "pt", "optimizer": type(optimizer).__name__,
                "param_groups": json.dumps(state["param_groups"])}
    save_file(tensors, path, metadata=metadata)


def load_optimizer_state(optimizer, path):
    """The inverse of save_optimizer_state, for a file Swift's `Optimizer.saveState(to:)` wrote."""
    from safetensors import safe_open

    with safe_open(path, "pt") as f:
        groups = json.loads(f.metadata()["param_groups"])
        state = {}
        for key in f.keys():
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = f.get_tensor(key)
    optimizer.load_state_dict({"state": state, "param_groups": groups})


STATE_CASES = [
    ("sgd", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True), [dict(params=[0, 1]), dict(params=[2], lr=0.05)],
     ("StepLR", dict(step_size=2, gamma=0.5))),
    ("adam", "Adam", dict(lr=0.1), [dict(params=[0, 1], amsgrad=True), dict(params=[2], weight_decay=0.1)],
     ("OneCycleLR", dict(max_lr=0.1, total_steps=STEPS))),
    ("adamw", "AdamW", dict(lr=0.1), None, None),
    ("rmsprop", "RMSprop", dict(lr=0.01, centered=True, momentum=0.9), None, None),
    ("adagrad", "Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
     [dict(params=[0]), dict(params=[1, 2], lr=0.05)], None),
]
SAVED_AT = 3


def state_cases():
    directory = os.path.join(FIXTURES, "torch-optimizer-state")
    os.makedirs(directory, exist_ok=True)
    cases = []
    for file, name, options, groups, schedule in STATE_CASES:
        case = {"name": file, "file": file, "optimizer": name, "options": options, "groups": groups,
                "schedulers": [] if schedule is None else [{"scheduler": schedule[0], "options": schedule[1]}],
                "savedAt": SAVED_AT}
        params = make_parameters()
        optimizer = make_optimizer(case, params)
        scheduler = SCHEDULERS[schedule[0]](optimizer, **schedule[1]) if schedule else None
        trajectory = []
        for step in range(1, STEPS + 1):
            optimizer.zero_grad()
            set_gradients(params, step, [])
            optimizer.step()
            if scheduler:
                scheduler.step()
            if step == SAVED_AT:
                save_optimizer_state(optimizer, os.path.join(directory, file + ".safetensors"))
                case["parametersAtSave"] = [p.detach().reshape(-1).tolist() for p in params]
            elif step > SAVED_AT:
                trajectory.append([p.detach().reshape(-1).tolist() for p in params])
        case["trajectory"] = trajectory
        cases.append(case)
    return cases


def main():
    torch.set_default_dtype(torch.float32)  # PyTorch's default, which decides the dtype of `step`
    fixture = {
        "generator": "Tests/TrainingTests/Reference/optimizer_reference.py",
        "torch": torch.__version__,
        "steps": STEPS,
        "parameters": PARAMETERS,
        "optimizerCases": optimizer_cases(),
        "scheduleCases": [run_schedule_case(*c) for c in SCHEDULE_CASES],
        "stateCases": state_cases(),
    }
    path = os.path.join(FIXTURES, "optimizer_reference.json")
    with open(path, "w") as f:
        # One case per line, so a regenerated fixture diffs case by case.
        lines = []
        for key, value in fixture.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                value = "[\n" + ",\n".join("  " + json.dumps(v) for v in value) + "\n ]"
            else:
                value = json.dumps(value)
            lines.append(f" {json.dumps(key)}: {value}")
        f.write("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"wrote {len(fixture['optimizerCases'])} optimizer cases, {len(fixture['scheduleCases'])} schedule cases "
          f"and {len(fixture['stateCases'])} saved states to {os.path.relpath(path)}")


def check_swift_state(path, name):
    """Loads a state Swift saved for the state case `name` (after its `savedAt` steps) into
    torch.optim, continues the run and prints how far it lands from the fixture's run."""
    with open(os.path.join(FIXTURES, "optimizer_reference.json")) as f:
        case = next(c for c in json.load(f)["stateCases"] if c["name"] == name)
    params = make_parameters()
    with torch.no_grad():
        for p, values in zip(params, case["parametersAtSave"]):
            p.copy_(torch.tensor(values, dtype=torch.float64).reshape(p.shape))
    optimizer = make_optimizer(case, params)
    load_optimizer_state(optimizer, path)
    worst = 0.0
    for offset, expected in enumerate(case["trajectory"]):
        optimizer.zero_grad()
        set_gradients(params, case["savedAt"] + offset + 1, [])
        optimizer.step()
        if case["schedulers"] and offset > 0:
            break  # the schedule's later rates are not in the saved state
        for p, e in zip(params, expected):
            worst = max(worst, (p.detach().reshape(-1) - torch.tensor(e, dtype=torch.float64)).abs().max().item())
    print(f"{name}: PyTorch continues Swift's saved state to within {worst:.1e} of the fixture")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--check-swift-state":
        # python3 optimizer_reference.py --check-swift-state FILE NAME
        check_swift_state(sys.argv[2], sys.argv[3])
        sys.exit()
    main()
