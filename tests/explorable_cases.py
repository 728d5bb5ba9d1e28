"""Golden cases for the explorables' JavaScript, computed with the package.

``cases()`` returns ``(cases, expected)``: ``cases`` is JSON for ``tests/js/run_engine.js``
(or the same engine in the browser), ``expected`` the package's answer for each.  Every
optimizer, landscape, schedule and theory function the explorables use appears here.
"""
from __future__ import annotations

import math

import numpy as np

import descent
from descent import optimizers as O
from descent import schedules as S
from descent.book import explorable as X
from descent.book import momentum_theory as MT
from descent.book import noisy
from descent.runner import minimize
from descent.second_order import newton

RTOL = 1e-9


def _adam_without_bias_correction(land, x0, steps, lr, b1, b2, eps=1e-8):
    """The one rule the package has no named optimizer for, written out in NumPy."""
    x, m, v = np.array(x0, float), np.zeros(2), np.zeros(2)
    xs = [x.copy()]
    for _ in range(steps):
        g = land.grad(x)
        m = m * b1 + g * (1 - b1)
        v = v * b2 + (g * g) * (1 - b2)
        x = x + (m / (np.sqrt(v) + eps)) * -lr
        xs.append(x.copy())
    return np.array(xs)


#: (label, landscape, landscape params, package optimizer, JS optimizer name, JS hyper-params, x0, steps)
def _runs():
    quad = {"kappa": 10.0, "angle": 0.3}
    quad50 = {"kappa": 50.0, "angle": 0.0}
    yield "gd quadratic", "quadratic", quad, O.sgd(lr=0.15), "sgd", {"lr": 0.15}, [-2.5, 1.5], 500
    yield "gd diverging", "quadratic", quad, O.sgd(lr=0.21), "sgd", {"lr": 0.21}, [-2.5, 1.5], 120
    yield "heavy ball", "quadratic", quad50, O.sgd(lr=0.02, momentum=0.7), "sgd", {"lr": 0.02, "momentum": 0.7}, [-2.5, 1.5], 500
    yield "nesterov", "quadratic", quad50, O.sgd(lr=0.02, momentum=0.7, nesterov=True), "sgd", {"lr": 0.02, "momentum": 0.7, "nesterov": True}, [-2.5, 1.5], 500
    yield "gd rosenbrock", "rosenbrock", {}, O.sgd(lr=1e-3), "sgd", {"lr": 1e-3}, [-1.2, 1.0], 500
    yield "momentum rosenbrock", "rosenbrock", {}, O.sgd(lr=1e-3, momentum=0.9), "sgd", {"lr": 1e-3, "momentum": 0.9}, [-1.2, 1.0], 500
    yield "adagrad", "quadratic", {"kappa": 100.0, "angle": 0.0}, O.adagrad(lr=0.1), "adagrad", {"lr": 0.1}, [-2.5, 1.5], 500
    yield "adagrad rotated", "quadratic", {"kappa": 100.0, "angle": 0.6}, O.adagrad(lr=0.1), "adagrad", {"lr": 0.1}, [-2.5, 1.5], 500
    yield "rmsprop", "quadratic", {"kappa": 100.0, "angle": 0.6}, O.rmsprop(lr=0.01, alpha=0.9), "rmsprop", {"lr": 0.01, "alpha": 0.9}, [-2.5, 1.5], 500
    yield "rmsprop momentum", "beale", {}, O.rmsprop(lr=1e-3, momentum=0.5), "rmsprop", {"lr": 1e-3, "momentum": 0.5}, [1.0, 1.5], 500
    yield "adam quadratic", "quadratic", {"kappa": 10.0, "angle": 0.0}, O.adam(lr=0.1), "adam", {"lr": 0.1}, [-2.5, 1.5], 1500
    yield "adam large step", "quadratic", {"kappa": 10.0, "angle": 0.0}, O.adam(lr=0.5, betas=(0.9, 0.99)), "adam", {"lr": 0.5, "b1": 0.9, "b2": 0.99}, [-2.5, 1.5], 1500
    yield "adam rosenbrock", "rosenbrock", {}, O.adam(lr=0.02), "adam", {"lr": 0.02}, [-1.2, 1.0], 1500
    yield "adam beale", "beale", {}, O.adam(lr=0.05, betas=(0.5, 0.999)), "adam", {"lr": 0.05, "b1": 0.5, "b2": 0.999}, [1.0, 1.5], 1000
    yield "adamw", "quadratic", quad, O.adamw(lr=0.05), "adamw", {"lr": 0.05}, [-2.5, 1.5], 500
    yield "adam himmelblau", "himmelblau", {}, O.adam(lr=0.05), "adam", {"lr": 0.05}, [-0.5, 0.5], 500
    yield "gd saddle", "saddle", {}, O.sgd(lr=0.05), "sgd", {"lr": 0.05}, [1.5, 0.01], 60
    cos = S.cosine_decay(0.1, 300, 0.05)
    yield "sgd cosine", "quadratic", {"kappa": 10.0, "angle": 0.0}, O.sgd(lr=cos), "sgd", {"schedule": {"name": "cosine_decay", "lr": 0.1, "decay_steps": 300, "alpha": 0.05}}, [2.0, 1.0], 300
    warm = S.linear_warmup(0.1, 30, S.cosine_decay(0.1, 270, 0.05))
    yield "sgd warmup cosine", "quadratic", {"kappa": 10.0, "angle": 0.0}, O.sgd(lr=warm), "sgd", {"schedule": {"name": "warmup_cosine", "lr": 0.1, "decay_steps": 270, "alpha": 0.05, "warmup_steps": 30, "init_value": 0.0}}, [2.0, 1.0], 300


def predictable_horizon(xs, bumped, threshold: float = 1e-12) -> int:
    """How many iterates round-off cannot change: the package against itself from a start 1 ulp away.

    Some runs the explorables show are chaotic — RMSProp oscillating at a constant step, Adam
    after a large step has lost convergence — and amplify a difference in the last bit of
    the start (or of any operation) exponentially.  No two float64 implementations agree on
    such a run beyond the point where the package disagrees *with itself* started one ulp
    away; the comparison stops there, and the tests require that point to be late.
    """
    n = min(len(xs), len(bumped))
    for k in range(n):
        if relative_error(bumped[k : k + 1], xs[k : k + 1]) > threshold:
            return k
    return n


def cases():
    cs, expected = [], []
    rng = np.random.default_rng(20261203)
    # landscapes: value, gradient and Hessian against descent.landscapes
    for name, params in [("quadratic", {"kappa": 10.0, "angle": 0.0}), ("quadratic", {"kappa": 37.0, "angle": 0.7}),
                         ("rosenbrock", {}), ("beale", {}), ("himmelblau", {}), ("saddle", {})]:
        land = X.package_landscape(name, **params)
        pts = rng.uniform(-2.0, 2.0, size=(25, 2))
        cs.append({"what": "landscape", "landscape": name, "params": params, "points": pts.tolist()})
        expected.append([{"f": float(land.f(p)), "grad": land.grad(p).tolist(),
                          "hess": [land.hess(p)[0, 0], land.hess(p)[0, 1], land.hess(p)[1, 1]]} for p in pts])
    # first-order runs against descent.runner.minimize
    for label, name, params, opt, jsname, hyper, x0, steps in _runs():
        land = X.package_landscape(name, **params)
        t = minimize(opt, land, np.array(x0, float), steps)
        bumped = minimize(opt, land, np.nextafter(np.array(x0, float), np.inf), steps)
        cs.append({"what": "run", "label": label, "landscape": name, "params": params, "optimizer": jsname,
                   "hyper": hyper, "x0": x0, "steps": steps, "tol": None})
        expected.append({"xs": t.iterates.tolist(), "diverged": bool(t.diverged),
                         "horizon": predictable_horizon(t.iterates, bumped.iterates)})
    # Adam without bias correction (reference written out in NumPy)
    land = X.package_landscape("quadratic", kappa=10.0, angle=0.0)
    cs.append({"what": "run", "label": "adam no bias correction", "landscape": "quadratic",
               "params": {"kappa": 10.0, "angle": 0.0}, "optimizer": "adam",
               "hyper": {"lr": 0.1, "b1": 0.9, "b2": 0.999, "bias_correction": False},
               "x0": [-2.5, 1.5], "steps": 500, "tol": None})
    expected.append({"xs": _adam_without_bias_correction(land, [-2.5, 1.5], 500, 0.1, 0.9, 0.999).tolist(),
                     "diverged": False})
    # noisy SGD with the noise given (the page draws its own)
    noise = (0.5 * rng.standard_normal((201, 2))).tolist()   # the runner also evaluates at the last iterate
    land = X.package_landscape("quadratic", kappa=10.0, angle=0.0)
    it = iter(noise)
    t = minimize(O.sgd(lr=0.05), lambda x: land.grad(x) + np.array(next(it)), np.array([2.0, 1.0]), 200)
    cs.append({"what": "run", "label": "noisy sgd", "landscape": "quadratic", "params": {"kappa": 10.0, "angle": 0.0},
               "optimizer": "sgd", "hyper": {"lr": 0.05}, "x0": [2.0, 1.0], "steps": 200, "tol": None, "noise": noise})
    expected.append({"xs": t.iterates.tolist(), "diverged": False})
    # Newton: plain, damped, saddle-free
    for label, name, x0, damping, sf in [("newton himmelblau", "himmelblau", [-0.5, 0.5], 0.0, False),
                                        ("newton rosenbrock", "rosenbrock", [-1.2, 1.0], 0.0, False),
                                        ("damped newton", "himmelblau", [-0.5, 0.5], 2.0, False),
                                        ("saddle-free himmelblau", "himmelblau", [-0.5, 0.5], 0.0, True),
                                        ("saddle-free saddle", "saddle", [1.5, 0.5], 0.1, True),
                                        ("newton saddle", "saddle", [1.5, 0.5], 0.0, False),
                                        ("newton beale", "beale", [1.0, 1.5], 0.0, False)]:
        land = X.package_landscape(name)
        t = newton(land, np.array(x0, float), 20, damping=damping, saddle_free=sf, tol=1e-8)
        cs.append({"what": "newton", "label": label, "landscape": name, "params": {}, "x0": x0, "steps": 20,
                   "tol": 1e-8, "damping": damping, "saddle_free": sf})
        expected.append({"xs": t.iterates.tolist(), "steps": t.steps, "converged": bool(t.converged)})
    # schedules
    ks = list(range(0, 400, 7)) + [399, 1000]
    for name, hyper, sched in [
        ("constant", {"lr": 0.1}, S.constant(0.1)),
        ("step_decay", {"lr": 0.1, "step_size": 100, "gamma": 0.5}, S.step_decay(0.1, 100, 0.5)),
        ("exponential_decay", {"lr": 0.1, "gamma": 0.99}, S.exponential_decay(0.1, 0.99)),
        ("inverse_time_decay", {"lr": 0.1, "decay_rate": 0.05}, S.inverse_time_decay(0.1, 0.05)),
        ("cosine_decay", {"lr": 0.1, "decay_steps": 300, "alpha": 0.05}, S.cosine_decay(0.1, 300, 0.05)),
        ("warmup_cosine", {"lr": 0.1, "decay_steps": 270, "alpha": 0.05, "warmup_steps": 30, "init_value": 0.0},
         S.linear_warmup(0.1, 30, S.cosine_decay(0.1, 270, 0.05))),
    ]:
        cs.append({"what": "schedule", "name": name, "hyper": hyper, "ks": ks})
        expected.append([sched(k) for k in ks])
    # theory: rates, Polyak, exact expected loss, noise floor
    eig = [1.0, 50.0]
    alphas = list(np.linspace(0.001, 0.08, 40))
    betas = list(np.linspace(0.0, 0.98, 40))
    for method, nesterov in (("heavy_ball", False), ("nesterov", True)):
        cs.append({"what": "rate", "alphas": alphas, "betas": betas, "eigenvalues": eig, "nesterov": nesterov})
        expected.append([float(MT.worst_case_rate(a, b, eig, method)) for a, b in zip(alphas, betas)])
    cs.append({"what": "rate", "alphas": alphas, "betas": [0.0] * len(alphas), "eigenvalues": eig, "nesterov": None})
    expected.append([max(abs(1 - a * lam) for lam in eig) for a in alphas])
    for lo, hi in ((1.0, 25.0), (1.0, 50.0), (0.5, 1000.0)):
        q = MT.nesterov_parameters(lo, hi)
        cs.append({"what": "nesterov_best", "lo": lo, "hi": hi})
        expected.append([q.alpha, q.beta, q.rate])
    p = MT.polyak_parameters(1.0, 50.0)
    cs.append({"what": "polyak", "lo": 1.0, "hi": 50.0})
    expected.append([p.alpha, p.beta, p.rate])
    land = X.package_landscape("quadratic", kappa=10.0, angle=0.0)
    cs.append({"what": "expected", "lr": 0.05, "eigenvalues": [1.0, 10.0], "e0": [2.0, 1.0], "steps": 300, "sigma": 0.5})
    expected.append(noisy.expected_loss(0.05, land, np.array([2.0, 1.0]), 300, 0.5).tolist())
    cs.append({"what": "expected", "schedule": {"name": "cosine_decay", "lr": 0.1, "decay_steps": 300, "alpha": 0.05},
               "eigenvalues": [1.0, 10.0], "e0": [2.0, 1.0], "steps": 300, "sigma": 0.5})
    expected.append(noisy.expected_loss(S.cosine_decay(0.1, 300, 0.05), land, np.array([2.0, 1.0]), 300, 0.5).tolist())
    cs.append({"what": "floor", "lr": 0.05, "eigenvalues": [1.0, 10.0], "sigma": 0.5})
    expected.append(noisy.noise_floor(0.05, [1.0, 10.0], 0.5))
    mats = rng.normal(size=(30, 3)).tolist() + [[2.0, 0.0, -2.0], [1.0, 0.0, 1.0], [0.0, 1e-300, 0.0]]
    cs.append({"what": "eig", "matrices": mats})
    expected.append([np.linalg.eigvalsh(np.array([[a, b], [b, c]])).tolist() for a, b, c in mats])
    return cs, expected


def relative_error(got, want) -> float:
    """Largest relative difference, row by row: max_k |got_k − want_k|∞ / |want_k|∞.

    Rows are iterates (or single numbers); a row whose size is below 1e-12 of the largest row
    is compared against that floor instead (an iterate that lands on 0 has no relative error).
    Infinite where the shapes or the finiteness pattern differ.
    """
    g, w = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if g.shape != w.shape:
        return math.inf
    if not np.array_equal(np.isfinite(w), np.isfinite(g)):
        return math.inf
    if w.size == 0 or not np.isfinite(w).any():
        return 0.0
    g2 = np.where(np.isfinite(w), g, 0.0).reshape(len(w), -1) if w.ndim else g.reshape(1, 1)
    w2 = np.where(np.isfinite(w), w, 0.0).reshape(len(w), -1) if w.ndim else w.reshape(1, 1)
    size = np.max(np.abs(w2), axis=1)
    floor = max(float(np.max(size)) * 1e-12, 1e-300)
    return float(np.max(np.max(np.abs(g2 - w2), axis=1) / np.maximum(size, floor)))


def compare(case, got, want) -> float:
    """The relative error of one case (trajectories compared over the package's length)."""
    what = case["what"]
    if what == "landscape":
        return max(max(relative_error(g["f"], w["f"]), relative_error(g["grad"], w["grad"]),
                       relative_error(g["hess"], w["hess"])) for g, w in zip(got, want))
    if what in ("run", "newton"):
        xs_w = np.asarray(want["xs"], float)
        xs_g = np.asarray(got["xs"], float)
        if what == "newton" and (got["steps"] != want["steps"] or got["converged"] != want["converged"]):
            return math.inf
        if "horizon" in want:                     # chaotic runs: only what round-off cannot change
            xs_w, xs_g = xs_w[: want["horizon"]], xs_g[: want["horizon"]]
        if want.get("diverged"):                  # compare up to the escape
            n = min(len(xs_w), len(xs_g))
            fin = np.all(np.isfinite(xs_w[:n]), axis=1) & (np.max(np.abs(xs_w[:n]), axis=1) < 1e100)
            return relative_error(xs_g[:n][fin], xs_w[:n][fin])
        return relative_error(xs_g, xs_w)
    return relative_error(got, want)


__all__ = ["cases", "compare", "relative_error", "RTOL", "descent"]
