"""Benchmark: time per optimizer step on one 1080p RGB image's worth of parameters.

A benchmark, not a test: it reports figures and asserts nothing about speed.  For SGD,
momentum, RMSProp and Adam it times one ``update`` + ``apply_updates`` of the ``descent``
optimizer on a float32 vector of 1920·1080·3 = 6,220,800 elements, and ``optimizer.step()``
of the same ``torch.optim`` optimizer on the same vector (with torch's default threads and
with one thread), and prints the ratios.  It also
checks that no float64 upcast happened (parameters, updates and state stay float32).

Run with ``make bench`` (torch is optional: without it only the descent times are shown).
"""
from __future__ import annotations

import statistics
import time

import numpy as np

import descent

N = 1920 * 1080 * 3
REPEATS = 15

CONFIGS = {
    "SGD": (lambda: descent.sgd(1e-3), "SGD", dict(lr=1e-3)),
    "momentum": (lambda: descent.sgd(1e-3, momentum=0.9), "SGD", dict(lr=1e-3, momentum=0.9)),
    "RMSProp": (lambda: descent.rmsprop(1e-3), "RMSprop", dict(lr=1e-3)),
    "Adam": (lambda: descent.adam(1e-3), "Adam", dict(lr=1e-3)),
}


def _median_seconds(step, repeats=REPEATS, warmup=3):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_descent(make):
    rng = np.random.default_rng(0)
    params = rng.standard_normal(N, dtype=np.float32)
    grads = rng.standard_normal(N, dtype=np.float32)
    opt = make()
    box = {"p": params, "s": opt.init(params)}

    def step():
        updates, box["s"] = opt.update(grads, box["s"], box["p"])
        box["p"] = descent.apply_updates(box["p"], updates)
        assert updates.dtype == np.float32 and box["p"].dtype == np.float32, "float64 upcast"

    return _median_seconds(step)


def time_torch(cls_name, kwargs, threads=None):
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    p = torch.tensor(rng.standard_normal(N, dtype=np.float32), requires_grad=True)
    p.grad = torch.from_numpy(rng.standard_normal(N, dtype=np.float32))
    opt = getattr(torch.optim, cls_name)([p], **kwargs)
    return _median_seconds(opt.step)


def main():
    try:
        import torch
    except ImportError:
        torch = None
    print(f"parameters: {N:,} float32 ({N * 4 / 2**20:.1f} MiB); median of {REPEATS} steps")
    if torch is not None:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}")
    from descent._parallel import num_threads

    default_threads = torch.get_num_threads() if torch is not None else None
    print(f"descent uses {num_threads()} threads for large arrays")
    print(f"{'optimizer':<10} {'descent (ms)':>13} {'torch (ms)':>11} {'ratio':>7}"
          f" {'torch 1 thread (ms)':>20} {'ratio':>7}")
    for name, (make, cls_name, kwargs) in CONFIGS.items():
        ours = time_descent(make)
        if torch is None:
            print(f"{name:<10} {ours * 1e3:13.1f} {'-':>11} {'-':>7}")
            continue
        theirs = time_torch(cls_name, kwargs, default_threads)
        single = time_torch(cls_name, kwargs, 1)
        torch.set_num_threads(default_threads)
        print(f"{name:<10} {ours * 1e3:13.1f} {theirs * 1e3:11.1f} {ours / theirs:7.2f}"
              f" {single * 1e3:20.1f} {ours / single:7.2f}")


if __name__ == "__main__":
    main()
