"""Benchmark: which block size suits the elementwise rules (``descent._parallel.BLOCK``)?

A benchmark, not a test.  For each optimizer it times the in-place step
(``update_and_apply(..., donate=True)``, one thread) on 6,220,800 float32 values with the
block size set to 2^15 … 2^18 elements, interleaved with ``torch.optim`` (foreach=False,
one thread) when torch is installed, and prints the least disturbed (minimum) time of each
and its ratio to torch's.  Small blocks keep every array of a rule in the L2 cache; large
ones spread the Python cost per block (a dozen ufunc calls for Adam) over more elements.

Run with ``.venv/bin/python benchmarks/block_size.py [SGD Adam ...] [--rounds 15]``.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import descent
from descent import _parallel

N = 1920 * 1080 * 3
EXPONENTS = (15, 16, 17, 18)
CONFIGS = {
    "SGD": (lambda: descent.sgd(1e-3), "SGD", {"lr": 1e-3}),
    "momentum": (lambda: descent.sgd(1e-3, momentum=0.9), "SGD", {"lr": 1e-3, "momentum": 0.9}),
    "Nesterov": (lambda: descent.sgd(1e-3, momentum=0.9, nesterov=True), "SGD",
                 {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    "Adagrad": (lambda: descent.adagrad(1e-2), "Adagrad", {"lr": 1e-2}),
    "RMSProp": (lambda: descent.rmsprop(1e-3), "RMSprop", {"lr": 1e-3}),
    "Adadelta": (lambda: descent.adadelta(), "Adadelta", {}),
    "Adam": (lambda: descent.adam(1e-3), "Adam", {"lr": 1e-3}),
    "AdamW": (lambda: descent.adamw(1e-3), "AdamW", {"lr": 1e-3}),
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", default=list(CONFIGS))
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    previous_threads, previous_block = descent.set_num_threads(1), _parallel.BLOCK
    rng = np.random.default_rng(0)
    print(f"minimum ms per in-place step on one thread, {args.rounds} interleaved rounds"
          + ("; in brackets the ratio to torch" if torch else ""))
    try:
        for name in args.names:
            make, cls, kwargs = CONFIGS[name]
            grads = rng.standard_normal(N, dtype=np.float32)
            steps = {}
            for e in EXPONENTS:
                opt, box = make(), {"p": rng.standard_normal(N, dtype=np.float32)}
                box["s"] = opt.init(box["p"])

                def step(e=e, opt=opt, box=box):
                    _parallel.BLOCK = 1 << e
                    box["p"], box["s"] = descent.update_and_apply(opt, grads, box["s"], box["p"], donate=True)
                steps[f"2^{e}"] = step
            if torch is not None:
                p = torch.tensor(rng.standard_normal(N, dtype=np.float32), requires_grad=True)
                p.grad = torch.from_numpy(grads.copy())
                steps["torch"] = getattr(torch.optim, cls)([p], **kwargs, foreach=False).step
            times = {k: [] for k in steps}
            for _ in range(args.rounds + 2):
                for k, step in steps.items():
                    t0 = time.perf_counter()
                    step()
                    times[k].append(time.perf_counter() - t0)
            best = {k: min(t[2:]) * 1e3 for k, t in times.items()}       # the first two warm up
            ref = best.get("torch")
            print(f"{name:<9}" + "".join(f" {k}: {b:6.2f}" + (f" ({b / ref:.2f})" if ref else "")
                                        for k, b in best.items()))
    finally:
        descent.set_num_threads(previous_threads)
        _parallel.BLOCK = previous_block


if __name__ == "__main__":
    main()
