#!/usr/bin/env python3
"""PyTorch (CPU) reference timings for Torchlet's benchmark (bench/src/libs/pytorch.ts runs this).

Reads one JSON request on stdin:
    {"cases": [{"id": "matmul-1024", "kind": "matmul", "params": {"n": 1024}}, ...],
     "timing": {"warmup": 2, "minReps": 5, "slowMinReps": 3, "slowMs": 1000, "maxReps": 30, "budgetMs": 1500},
     "threads": 1}
and prints one JSON answer on stdout:
    {"info": {...}, "results": {"matmul-1024": {"samples": [ms, ...]}, ...}}
or {"unavailable": "why"} when torch cannot be imported. Progress goes to stderr.
Timing follows bench/src/harness.ts: warm-up, then as many reps as fit the budget, within bounds.
Kinds: matmul, conv2d_* (under torch.no_grad()), and convnet_{step,fwd,fwd_nograd,fwdbwd} (LeNet-5 /
the CIFAR tutorial net from bench/src/models/convnet.ts; autograd on, except convnet_fwd_nograd).
"""

import gc
import json
import math
import re
import sys
import time


def reps_for(one_ms, t):
    lo = t["slowMinReps"] if one_ms > t["slowMs"] else t["minReps"]
    return max(lo, min(t["maxReps"], math.ceil(t["budgetMs"] / max(one_ms, 1e-3))))


def measure(fn, t):
    last = 0.0
    for _ in range(max(1, t["warmup"])):
        t0 = time.perf_counter()
        fn()
        last = (time.perf_counter() - t0) * 1e3
    n = reps_for(last, t)
    gc.collect()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return samples


def make_matmul(torch, p):
    n = p["n"]
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    return lambda: torch.matmul(a, b)


def make_conv(torch, p, part):
    import torch.nn.functional as F

    n, c, h, w, o, k, pad = (p[key] for key in ("n", "c", "h", "w", "o", "k", "pad"))
    x = torch.randn(n, c, h, w)
    wt = torch.randn(o, c, k, k)
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    dy = torch.randn(n, o, oh, ow)
    conv_bwd = torch.ops.aten.convolution_backward

    def grads(mask):
        return conv_bwd(dy, x, wt, None, [1, 1], [pad, pad], [1, 1], False, [0, 0], 1, mask)

    def fwdbwd():
        y = F.conv2d(x, wt, None, 1, pad)
        gx, gw, _ = grads([True, True, False])
        return y, gx, gw

    return {
        "fwd": lambda: F.conv2d(x, wt, None, 1, pad),
        "bwd_input": lambda: grads([True, False, False]),
        "bwd_weight": lambda: grads([False, True, False]),
        "fwdbwd": fwdbwd,
    }[part]


def make_convnet(torch, p, part):
    """LeNet-5 / the CIFAR tutorial net from bench/src/models/convnet.ts's pyParams: conv-relu-pool twice,
    then fc-relu-fc-relu-fc, cross-entropy, SGD(lr=0.01, momentum=0.9), on one fixed batch."""
    import torch.nn as nn
    import torch.nn.functional as F

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(p["c"], p["c1"], p["k1"], padding=p["p1"])
            self.conv2 = nn.Conv2d(p["c1"], p["c2"], p["k2"], padding=p["p2"])
            h, w = p["h"], p["w"]
            for k, pad in ((p["k1"], p["p1"]), (p["k2"], p["p2"])):
                h, w = (h + 2 * pad - k + 1) // 2, (w + 2 * pad - k + 1) // 2
            self.fc1 = nn.Linear(p["c2"] * h * w, p["f1"])
            self.fc2 = nn.Linear(p["f1"], p["f2"])
            self.fc3 = nn.Linear(p["f2"], p["f3"])

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    net = ConvNet()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    b = p["batch"]
    x = torch.rand(b, p["c"], p["h"], p["w"]) * 2 - 1
    y = torch.arange(b) * 7 % p["f3"]

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    def fwd():
        F.cross_entropy(net(x), y)

    def fwdbwd():
        net.zero_grad()
        F.cross_entropy(net(x), y).backward()

    return {"step": step, "fwd": fwd, "fwd_nograd": fwd, "fwdbwd": fwdbwd}[part]


# Kinds that run with autograd on (everything else runs under torch.no_grad()).
GRAD_KINDS = {"convnet_step", "convnet_fwd", "convnet_fwdbwd"}


def _config_field(pattern):
    import torch

    m = re.search(pattern, torch.__config__.show())
    return m.group(1) if m else None


def main():
    req = json.load(sys.stdin)
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means "no PyTorch column"
        print(json.dumps({"unavailable": f"import torch failed: {e}"}))
        return
    torch.set_num_threads(int(req.get("threads", 1)))
    torch.manual_seed(0)
    info = {
        "version": torch.__version__,
        "num_threads": torch.get_num_threads(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "blas": _config_field(r"BLAS_INFO=([^,\s]+)"),
        "cpu_capability": _config_field(r"CPU capability usage: (\S+)"),
        "python": sys.version.split()[0],
    }
    makers = {
        "matmul": lambda p: make_matmul(torch, p),
        "conv2d_fwd": lambda p: make_conv(torch, p, "fwd"),
        "conv2d_bwd_input": lambda p: make_conv(torch, p, "bwd_input"),
        "conv2d_bwd_weight": lambda p: make_conv(torch, p, "bwd_weight"),
        "conv2d_fwdbwd": lambda p: make_conv(torch, p, "fwdbwd"),
        "convnet_step": lambda p: make_convnet(torch, p, "step"),
        "convnet_fwd": lambda p: make_convnet(torch, p, "fwd"),
        "convnet_fwd_nograd": lambda p: make_convnet(torch, p, "fwd_nograd"),
        "convnet_fwdbwd": lambda p: make_convnet(torch, p, "fwdbwd"),
    }
    results = {}
    for case in req["cases"]:
        make = makers.get(case["kind"])
        if make is None:
            results[case["id"]] = {"error": f"bench_torch.py has no kind '{case['kind']}'"}
            continue
        try:
            with torch.set_grad_enabled(case["kind"] in GRAD_KINDS):
                samples = measure(make(case["params"]), req["timing"])
            results[case["id"]] = {"samples": samples}
            med = sorted(samples)[len(samples) // 2]
            print(f"  pytorch     {case['id']:<18} {med:10.2f} ms", file=sys.stderr, flush=True)
        except Exception as e:  # noqa: BLE001 - report and go on with the other cases
            results[case["id"]] = {"error": f"{type(e).__name__}: {e}"}
        gc.collect()
    print(json.dumps({"info": info, "results": results}))


if __name__ == "__main__":
    main()
