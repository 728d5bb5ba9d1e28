"""Benchmark: per-step overhead of :func:`descent.minimize` on 2-D problems.

A benchmark, not a test: it reports figures and asserts nothing about speed.  For each
problem it times ``minimize(sgd(lr), problem, x0, STEPS)`` and two hand-written NumPy loops
doing the same arithmetic:

* *bare*: ``g = problem.grad(x); x = x - lr * g`` and keep ``x`` — the least a loop can do;
* *bare + record*: the same plus ``problem.f(x)`` and ``‖g‖`` at every iterate, which is
  what a :class:`~descent.trajectory.Trajectory` holds.

It prints microseconds per step and the ratios
runner / bare and runner / (bare + record).  The machine is shared, so the
times are CPU times of this process (:func:`time.process_time`, which other processes'
load hardly disturbs) and the minimum — the least disturbed run — is reported.  Run with
``.venv/bin/python benchmarks/runner_overhead.py``; to measure another checkout of the
package (e.g. the one before a change) put its ``code/`` first on ``PYTHONPATH``.
"""
from __future__ import annotations

import time

import numpy as np

import descent
from descent import landscapes as L

STEPS = 1000
REPEATS = 25


def _best_us_per_step(*fns) -> list[float]:
    """Best time per step of each of ``fns``, timed in turn ``REPEATS`` times (interleaved, so
    that a change in the machine's load hits all of them alike)."""
    for fn in fns:
        fn()                                        # warm-up
    best = [float("inf")] * len(fns)
    for _ in range(REPEATS):
        for i, fn in enumerate(fns):
            t0 = time.process_time()
            fn()
            best[i] = min(best[i], time.process_time() - t0)
    return [1e6 * b / STEPS for b in best]


def bare(problem, x0, lr):
    x = np.array(x0, dtype=float)
    xs = [x]
    for _ in range(STEPS):
        g = problem.grad(x)
        x = x - lr * g
        xs.append(x)
    return np.stack(xs)


def bare_recorded(problem, x0, lr):
    x = np.array(x0, dtype=float)
    xs, fs, gs = [x], [float(problem.f(x))], []
    g = problem.grad(x)
    gs.append(float(np.linalg.norm(g)))
    for _ in range(STEPS):
        x = x - lr * g
        g = problem.grad(x)
        xs.append(x)
        fs.append(float(problem.f(x)))
        gs.append(float(np.linalg.norm(g)))
    return np.stack(xs), np.array(fs), np.array(gs)


CASES = {
    "Rosenbrock, SGD lr=1e-4": (L.Rosenbrock(), np.array([-1.5, 2.0]), 1e-4),
    "ill-conditioned quadratic, SGD lr=0.05": (L.IllConditionedQuadratic(10.0), np.array([3.0, 1.0]), 0.05),
}


def main() -> None:
    print(f"descent {descent.__version__}: µs per step over {STEPS} steps (best of {REPEATS})")
    print(f"{'problem':42s} {'bare':>8s} {'bare+rec':>9s} {'runner':>8s} {'÷bare':>7s} {'÷bare+rec':>10s}")
    for name, (problem, x0, lr) in CASES.items():
        opt = descent.sgd(lr)
        t_bare, t_rec, t_run = _best_us_per_step(lambda: bare(problem, x0, lr),
                                                 lambda: bare_recorded(problem, x0, lr),
                                                 lambda: descent.minimize(opt, problem, x0, STEPS))
        print(f"{name:42s} {t_bare:8.1f} {t_rec:9.1f} {t_run:8.1f} {t_run / t_bare:7.2f} {t_run / t_rec:10.2f}")
    problem, x0, lr = CASES["Rosenbrock, SGD lr=1e-4"]
    run = descent.minimize(descent.sgd(lr), problem, x0, STEPS)
    assert np.array_equal(run.iterates, bare(problem, x0, lr)), "runner and bare loop disagree"


if __name__ == "__main__":
    main()
