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
    }
    results = {}
    with torch.no_grad():
        for case in req["cases"]:
            make = makers.get(case["kind"])
            if make is None:
                results[case["id"]] = {"error": f"bench_torch.py has no kind '{case['kind']}'"}
                continue
            try:
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
