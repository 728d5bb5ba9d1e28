"""Benchmark: time per optimizer step on one 1080p RGB image's worth of parameters.

A benchmark, not a test: it reports figures and asserts nothing about speed.  For SGD,
momentum, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam and AdamW it times one step of the
``descent`` optimizer on a float32 vector of 1920·1080·3 = 6,220,800 elements, in three
ways, each on one thread:

* *two calls* — ``update`` then ``apply_updates`` (the optax pattern: the update is
  written out as an array, then added);
* *fused* — :func:`descent.update_and_apply` (bit for bit the same step, the update added
  to the parameters block by block while in cache; parameters and state stay values);
* *in place* — ``update_and_apply(..., donate=True)``: parameters and moments overwritten,
  as ``torch.optim`` does;

and ``optimizer.step()`` of the same ``torch.optim`` optimizer on the same vector: with
``foreach=False`` on one thread (torch's plain per-tensor loop, the like-for-like
contender) and with torch's defaults (its default thread count and ``foreach`` choice),
against which the in-place step on descent's default thread count is compared.

The contenders are timed *interleaved* (one step of each in turn, ``--rounds`` times), so a
change in the machine's load hits all of them alike; the table shows the ratio of medians,
and the ratio of minima (the least disturbed steps) for the in-place step.  It also checks
that no float64 upcast happened (parameters, updates and state stay float32).

Run with ``make bench`` (torch is optional: without it only the descent times are shown),
or ``python benchmarks/step_time.py --rounds 30 --only Adam``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import descent

N = 1920 * 1080 * 3

CONFIGS = {
    "SGD": (lambda: descent.sgd(1e-3), "SGD", dict(lr=1e-3)),
    "momentum": (lambda: descent.sgd(1e-3, momentum=0.9), "SGD", dict(lr=1e-3, momentum=0.9)),
    "Nesterov": (lambda: descent.sgd(1e-3, momentum=0.9, nesterov=True), "SGD",
                 dict(lr=1e-3, momentum=0.9, nesterov=True)),
    "Adagrad": (lambda: descent.adagrad(1e-2), "Adagrad", dict(lr=1e-2)),
    "RMSProp": (lambda: descent.rmsprop(1e-3), "RMSprop", dict(lr=1e-3)),
    "Adadelta": (lambda: descent.adadelta(), "Adadelta", dict()),
    "Adam": (lambda: descent.adam(1e-3), "Adam", dict(lr=1e-3)),
    "AdamW": (lambda: descent.adamw(1e-3), "AdamW", dict(lr=1e-3)),
}


def _state_leaves(state):
    if isinstance(state, np.ndarray):
        yield state
    elif isinstance(state, dict):
        for value in state.values():
            yield from _state_leaves(value)
    elif isinstance(state, tuple):
        for value in state:
            yield from _state_leaves(value)


MODES = ("two calls", "fused", "in place")


def descent_stepper(make, mode: str, threads=None):
    """One step of the descent optimizer in ``mode`` (``threads`` set around it, restored afterwards)."""
    rng = np.random.default_rng(0)
    params = rng.standard_normal(N, dtype=np.float32)
    grads = rng.standard_normal(N, dtype=np.float32)
    opt = make()
    box = {"p": params, "s": opt.init(params)}

    def step():
        previous = descent.set_num_threads(threads) if threads is not None else None
        try:
            if mode == "two calls":
                updates, box["s"] = opt.update(grads, box["s"], box["p"])
                box["p"] = descent.apply_updates(box["p"], updates)
                assert updates.dtype == np.float32, "float64 upcast"
            else:
                box["p"], box["s"] = descent.update_and_apply(opt, grads, box["s"], box["p"],
                                                              donate=mode == "in place")
        finally:
            if previous is not None:
                descent.set_num_threads(previous)
        assert box["p"].dtype == np.float32, "float64 upcast"

    def check_state():
        assert all(leaf.dtype == np.float32 for leaf in _state_leaves(box["s"])), "float64 state"

    return step, check_state


def torch_stepper(cls_name, kwargs, threads, foreach):
    import torch

    rng = np.random.default_rng(0)
    p = torch.tensor(rng.standard_normal(N, dtype=np.float32), requires_grad=True)
    p.grad = torch.from_numpy(rng.standard_normal(N, dtype=np.float32))
    extra = {} if foreach is None else {"foreach": foreach}
    opt = getattr(torch.optim, cls_name)([p], **kwargs, **extra)
    default = torch.get_num_threads()

    def step():
        torch.set_num_threads(threads)
        try:
            opt.step()
        finally:
            torch.set_num_threads(default)

    return step


def interleaved(steppers: dict, rounds: int, warmup: int = 3) -> dict:
    """Time one call of each stepper in turn, ``rounds`` times; seconds per contender."""
    for _ in range(warmup):
        for step in steppers.values():
            step()
    times = {name: [] for name in steppers}
    for _ in range(rounds):
        for name, step in steppers.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="steps timed per contender")
    parser.add_argument("--only", nargs="*", default=None, help="optimizer names, e.g. SGD Adam")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        torch = None
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"parameters: {N:,} float32 ({N * 4 / 2**20:.1f} MiB); {args.rounds} interleaved rounds; "
          f"load average {load:.1f} on {os.cpu_count()} CPUs")
    if torch is not None:
        print(f"torch {torch.__version__} ({torch.get_num_threads()} threads by default); "
              f"numpy {np.__version__}")
    threads = descent.num_threads()
    print(f"descent uses {threads} threads for large arrays by default")
    print("median ms per step, one thread unless marked.  t1T: torch foreach=False on one thread;")
    print("in place*: descent in place on its default threads, t*: torch with its defaults")
    cols = ["two calls", "fused", "in place", "in place*", "t1T", "t*"]
    head = f"{'optimizer':<9} " + " ".join(f"{c:>9}" for c in cols)
    if torch is not None:
        head += f" {'2calls/t1T':>10} {'fused/t1T':>9} {'inpl/t1T':>8} {'min':>5} {'inpl*/t*':>8}"
    print(head)
    for name, (make, cls_name, kwargs) in CONFIGS.items():
        if args.only and name not in args.only:
            continue
        steppers, checks = {}, []
        for mode in MODES:
            steppers[mode], check = descent_stepper(make, mode, threads=1)
            checks.append(check)
        steppers["in place*"], check = descent_stepper(make, "in place")
        checks.append(check)
        if torch is not None:
            steppers["t1T"] = torch_stepper(cls_name, kwargs, 1, foreach=False)
            steppers["t*"] = torch_stepper(cls_name, kwargs, torch.get_num_threads(), foreach=None)
        times = interleaved(steppers, args.rounds)
        for check in checks:
            check()
        med = {k: statistics.median(t) * 1e3 for k, t in times.items()}
        low = {k: min(t) * 1e3 for k, t in times.items()}
        line = f"{name:<9} " + " ".join(f"{med[c]:9.1f}" for c in cols if c in med)
        if torch is not None:
            line += (f" {med['two calls'] / med['t1T']:10.2f} {med['fused'] / med['t1T']:9.2f}"
                     f" {med['in place'] / med['t1T']:8.2f} {low['in place'] / low['t1T']:5.2f}"
                     f" {med['in place*'] / med['t*']:8.2f}")
        print(line)
    if torch is not None and (not args.only or "SGD" in args.only):
        floor(args.rounds)


def floor(rounds: int) -> None:
    """What bounds any NumPy SGD: one ufunc over the same memory against torch's one axpy kernel."""
    import torch

    rng = np.random.default_rng(1)
    p, g = rng.standard_normal(N, dtype=np.float32), rng.standard_normal(N, dtype=np.float32)
    tp, tg = torch.from_numpy(p.copy()), torch.from_numpy(g.copy())
    default = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        times = interleaved({"numpy p += g": lambda: np.add(p, g, out=p),
                             "torch p.add_(g, alpha)": lambda: tp.add_(tg, alpha=-1e-3)}, rounds)
    finally:
        torch.set_num_threads(default)
    med = {k: statistics.median(t) * 1e3 for k, t in times.items()}
    a, b = med["numpy p += g"], med["torch p.add_(g, alpha)"]
    print(f"floor of a NumPy SGD step (one thread): one ufunc, p += g, {a:.1f} ms against torch's "
          f"one axpy kernel {b:.1f} ms: {a / b:.2f}x (SGD needs two ufuncs, g*lr then p + that)")


if __name__ == "__main__":
    main()
