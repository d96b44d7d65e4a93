#!/usr/bin/env python3
"""Runs the Swift suite and the PyTorch script on the same machine and prints both columns with the ratio.

Usage: python3 Tools/bench/compare.py [--quick] [--python PYTHON]
(PYTHON must be able to `import torch`; without it only the Swift column is printed.)
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIGITS = os.path.join(ROOT, "Tools", "train-digits", "DigitsExample", "Resources", "digits.csv.gz")

# Figures where a bigger number is better; for the others (times, bytes) smaller is better.
HIGHER_IS_BETTER = ("gflops", "GBps", "acc", "ratio")


def run_json(cmd):
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("{"):])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--python", default=os.environ.get("PYTHON", sys.executable))
    args = parser.parse_args()
    quick = ["--quick"] if args.quick else []
    subprocess.run(["swift", "build", "-c", "release", "--product", "bench"], cwd=ROOT, check=True)
    swift = run_json([os.path.join(ROOT, ".build", "release", "bench"), "--json"] + quick)
    torch = {}
    has_torch = subprocess.run([args.python, "-c", "import torch"], capture_output=True).returncode == 0
    if has_torch:
        extra = ["--digits", DIGITS] if os.path.exists(DIGITS) else []
        torch = run_json([args.python, os.path.join(ROOT, "Tools", "bench", "pytorch_bench.py")] + quick + extra)
    print(f"{'figure':28} {'swift-autograd':>15} {'PyTorch':>12} {'ratio':>8}  better")
    for key in sorted(swift):
        s = swift[key]
        t = torch.get(key)
        if isinstance(t, (int, float)) and t:
            ratio = s / t
            better = any(h in key for h in HIGHER_IS_BETTER)
            verdict = "swift" if (ratio > 1) == better else "torch"
            print(f"{key:28} {s:15.3f} {t:12.3f} {ratio:8.3f}  {verdict}")
        else:
            print(f"{key:28} {s:15.3f} {'-':>12} {'-':>8}")
    if has_torch:
        print(f"PyTorch {torch.get('torch_version')}, {torch.get('threads')} threads")
    else:
        print("PyTorch not importable by", args.python, "- only the Swift column is shown")


if __name__ == "__main__":
    main()
