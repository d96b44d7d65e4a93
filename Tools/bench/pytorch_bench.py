#!/usr/bin/env python3
"""The benchmark workloads of Tools/bench, in PyTorch eager, printing the same JSON keys.

Usage: python3 Tools/bench/pytorch_bench.py [--quick] [--threads N] [--digits PATH] [--only W13 W14 ...]

W16 starts two processes of its own (torch.multiprocessing, gloo on 127.0.0.1), each with one thread.
"""
import argparse
import gzip
import json
import resource
import statistics
import time

import torch


def median_time(fn, runs, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(runs, 1)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fastest_time(fn, runs, warmup=1):
    """The fastest of `runs` timings: on a loaded machine, the run least disturbed by other work."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(max(runs, 1)):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def w1(runs):
    x = torch.tensor([1.0], requires_grad=True)

    def chain():
        y = x
        for i in range(100):
            y = y * 1.0001 if i % 2 == 0 else y + 0.0001
        return y.sum()

    fwd = median_time(lambda: chain(), runs * 10)
    both = median_time(lambda: chain().backward(), runs * 10)
    return {"W1_fwd_us_per_op": fwd / 100 * 1e6, "W1_fwd_bwd_us_per_op": both / 100 * 1e6}


def w2(runs):
    g = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(128, 784, generator=g)
    y = torch.randint(0, 10, (128,), generator=g)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    figures = {"W2_ms_per_step": median_time(step, runs * 4, warmup=3) * 1e3}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    figures["W2_ms_per_step_1_thread"] = median_time(step, runs * 4, warmup=3) * 1e3
    torch.set_num_threads(threads)
    return figures


def w3(runs):
    out = {}
    for n, dtype, key in [(256, torch.float32, "W3_f32_256_gflops"), (512, torch.float32, "W3_f32_512_gflops"),
                          (1024, torch.float32, "W3_f32_1024_gflops"), (512, torch.float64, "W3_f64_512_gflops")]:
        a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
        t = median_time(lambda: torch.matmul(a, b), 3 if n >= 1024 else 7)
        out[key] = 2 * n ** 3 / t / 1e9
    return out


def w4(runs):
    n = 4 << 20
    x = torch.randn(n)
    a = torch.randn(n, requires_grad=True)
    b = torch.randn(n, requires_grad=True)

    def fwd():
        with torch.no_grad():
            (x * a + b).sum()

    def both():
        (x * a + b).sum().backward()
        a.grad = None
        b.grad = None

    f = median_time(fwd, runs)
    big = torch.randn(16 << 20)
    dst = torch.empty_like(big)
    copy = median_time(lambda: dst.copy_(big), runs)
    return {"W4_fwd_ms": f * 1e3, "W4_fwd_bwd_ms": median_time(both, runs) * 1e3, "W4_fwd_GBps": 7 * 4 * n / f / 1e9,
            "copy_GBps": 2 * 4 * big.numel() / copy / 1e9}


def w5(quick):
    count = 100_000 if quick else 1_000_000
    before = rss_bytes()
    start = time.perf_counter()
    x = torch.tensor([1.0], requires_grad=True)
    y = x
    for i in range(count):
        y = y * 1.000001 if i % 2 == 0 else y + 0.000001
    per_node = (rss_bytes() - before) / count
    y.backward()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"W5_1m_s": seconds * 1_000_000 / count, "W5_bytes_per_node": per_node, "W5_peak_rss_MB": peak / 1e6}


def w6(quick):
    xs = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    ys = torch.tensor([[2.0], [4.0], [6.0], [8.0]])
    w = torch.tensor([[1.5]], requires_grad=True)
    b = torch.tensor([[0.5]], requires_grad=True)
    steps = 2_000 if quick else 10_000
    rss1000 = 0
    start = time.perf_counter()
    for step in range(1, steps + 1):
        loss = ((xs @ w + b - ys) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.01 * w.grad
            b -= 0.01 * b.grad
            w.grad.zero_()
            b.grad.zero_()
        if step == 1000:
            rss1000 = rss_bytes()
    seconds = time.perf_counter() - start
    return {"W6_us_per_step": seconds / steps * 1e6, "W6_rss_growth_MB": (rss_bytes() - rss1000) / 1e6}


def w13(runs):
    parts = [torch.randn(1 << 20, requires_grad=True) for _ in range(4)]
    upstream = torch.randn(4 << 20)

    def fwd():
        with torch.no_grad():
            torch.cat(parts)

    def both():
        torch.cat(parts).backward(upstream)
        for p in parts:
            p.grad = None

    return {"W13_cat_ms": median_time(both, runs) * 1e3, "W13_cat_fwd_ms": median_time(fwd, runs) * 1e3}


def w14(runs):
    x = torch.randn(2048, 2048, requires_grad=True)
    upstream = torch.randn(2048, 1024)

    def fwd():
        with torch.no_grad():
            x[:, 1::2].contiguous()

    def both():
        x[:, 1::2].contiguous().backward(upstream)
        x.grad = None

    return {"W14_strided_copy_ms": median_time(both, runs) * 1e3,
            "W14_strided_copy_fwd_ms": median_time(fwd, runs) * 1e3}


def w7(path, epochs):
    """train-digits' defaults: MLP 64-128-10, Adam 1e-3, batch 32, 1,437/360 split after a seeded shuffle."""
    with gzip.open(path, "rt") as f:
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    data = torch.tensor(rows)
    g = torch.Generator().manual_seed(0)
    order = torch.randperm(len(rows), generator=g)
    data = data[order]
    x, y = data[:, :64] / 16.0, data[:, 64].long()
    xtr, ytr, xte, yte = x[:1437], y[:1437], x[1437:], y[1437:]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(xtr), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xtr[idx]), ytr[idx]).backward()
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    return {"W7_train_s": seconds, "W7_test_acc": acc}


def w10(runs):
    """One Adam step of train-digits --model cnn's CNN on a batch of 32 1x8x8 images."""
    g = torch.Generator().manual_seed(10)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(32, 1, 8, 8, generator=g)
    y = torch.randint(0, 10, (32,), generator=g)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return {"W10_cnn_step_ms": median_time(step, runs * 4, warmup=3) * 1e3}


def w15(quick):
    """logsumexp over the last dim of 4096x1024 float32, forward and forward + backward: the fastest of several runs."""
    g = torch.Generator().manual_seed(15)
    x = torch.randn(4096, 1024, generator=g, requires_grad=True)
    upstream = torch.randn(4096, generator=g)

    def fwd():
        with torch.no_grad():
            torch.logsumexp(x, dim=-1)

    def both():
        torch.logsumexp(x, dim=-1).backward(upstream)
        x.grad = None

    runs = 3 if quick else 20
    return {"W15_logsumexp_fwd_ms": fastest_time(fwd, runs) * 1e3, "W15_logsumexp_ms": fastest_time(both, runs) * 1e3}


def _w16_rank(rank, world, port, runs, results):
    """One rank of W16: W2's MLP under DistributedDataParallel (gloo), 1 thread, 256 / world rows."""
    import os
    import torch.distributed as dist
    torch.set_num_threads(1)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(0)
    model = torch.nn.parallel.DistributedDataParallel(
        torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(16 + rank)
    rows = 256 // world
    x = torch.randn(rows, 784, generator=g)
    y = torch.randint(0, 10, (rows,), generator=g)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    times = []
    for _ in range(runs):
        dist.barrier()
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    # The slowest rank's median: a step is done when every rank is.
    median = torch.tensor([statistics.median(times)])
    dist.all_reduce(median, op=dist.ReduceOp.MAX)
    if rank == 0:
        results.put(median.item())
    dist.destroy_process_group()


def w16(quick):
    """W2's MLP on a global batch of 256: DistributedDataParallel (gloo) on 2 processes x 1 thread
    against 1 process x 1 thread."""
    import socket
    import torch.multiprocessing as mp
    runs = 12 if quick else 100
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(16)
    x = torch.randn(256, 784, generator=g)
    y = torch.randint(0, 10, (256,), generator=g)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    single = median_time(step, runs, warmup=5)
    torch.set_num_threads(threads)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = mp.get_context("spawn")
    results = ctx.SimpleQueue()
    mp.start_processes(_w16_rank, args=(2, port, runs, results), nprocs=2, join=True, start_method="spawn")
    ddp = results.get()
    return {"W16_single_ms": single * 1e3, "W16_ddp_2rank_ms": ddp * 1e3, "W16_ddp_per_single": ddp / single}


def w9(runs):
    """conv2d forward and backward alone: batch 32, 16 -> 32 channels, 32x32, 3x3, padding 1, with bias."""
    g = torch.Generator().manual_seed(9)
    x = torch.randn(32, 16, 32, 32, generator=g, requires_grad=True)
    weight = (torch.randn(32, 16, 3, 3, generator=g) * 0.1).requires_grad_()
    bias = torch.zeros(32, requires_grad=True)
    upstream = torch.randn(32, 32, 32, 32, generator=g)

    def step():
        torch.nn.functional.conv2d(x, weight, bias, padding=1).backward(upstream)
        x.grad = weight.grad = bias.grad = None

    return {"W9_conv2d_fwd_bwd_ms": median_time(step, runs * 2, warmup=2) * 1e3}


def w12(runs):
    """torch.func.jvp of W2's loss with respect to the MLP's four parameters (784-256-10, batch 128)."""
    g = torch.Generator().manual_seed(0)
    shapes = [(256, 784), (256,), (10, 256), (10,)]
    params = tuple(torch.randn(s, generator=g) * 0.05 for s in shapes)
    tangents = tuple(torch.randn(s, generator=g) for s in shapes)
    x = torch.randn(128, 784, generator=g)
    y = torch.randint(0, 10, (128,), generator=g)

    def loss(w1, b1, w2, b2):
        hidden = torch.relu(torch.nn.functional.linear(x, w1, b1))
        return torch.nn.functional.cross_entropy(torch.nn.functional.linear(hidden, w2, b2), y)

    return {"W12_jvp_mlp_ms": median_time(lambda: torch.func.jvp(loss, params, tangents), runs * 4, warmup=3) * 1e3}


def w11(runs):
    """One Adam step (lr 1e-3) of nn.TransformerEncoderLayer(128, 4, batch_first=True) with its other defaults
    (feed-forward 2048, dropout 0.1, post-norm, relu), in training mode, on a batch of 8 sequences of 64,
    float32: the MSE against a random target."""
    torch.manual_seed(11)
    g = torch.Generator().manual_seed(11)
    layer = torch.nn.TransformerEncoderLayer(128, 4, batch_first=True)
    layer.train()
    opt = torch.optim.Adam(layer.parameters(), lr=1e-3)
    x = torch.randn(8, 64, 128, generator=g)
    target = torch.randn(8, 64, 128, generator=g)

    def step():
        opt.zero_grad()
        torch.nn.functional.mse_loss(layer(x), target).backward()
        opt.step()

    return {"W11_encoder_step_ms": median_time(step, runs * 2, warmup=3) * 1e3}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--digits", help="path to digits.csv.gz for W7")
    parser.add_argument("--only", nargs="*", default=[], help="run only these workloads (W1, W13, ...), as bench --only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    runs = 3 if args.quick else 15
    workloads = [
        ("W1", lambda: w1(runs)), ("W2", lambda: w2(runs)), ("W3", lambda: w3(runs)), ("W4", lambda: w4(runs)),
        ("W6", lambda: w6(args.quick)), ("W9", lambda: w9(runs)), ("W12", lambda: w12(runs)), ("W13", lambda: w13(runs)), ("W14", lambda: w14(runs)),
        ("W15", lambda: w15(args.quick)), ("W10", lambda: w10(runs)), ("W16", lambda: w16(args.quick)),
        ("W7", lambda: w7(args.digits, 3 if args.quick else 30) if args.digits else {}),
        ("W5", lambda: w5(args.quick)),
        ("W11", lambda: w11(runs)),
    ]
    figures = {}
    for name, run in workloads:
        if not args.only or name in args.only:
            figures.update(run())
    figures["threads"] = args.threads
    figures["torch_version"] = torch.__version__
    print(json.dumps(figures, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
