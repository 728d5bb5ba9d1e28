"""Record ``torch.optim`` reference trajectories for ``tests/test_torch_reference.py``.

The live comparison, ``tests/test_optimizers_torch.py``, needs PyTorch and skips without it
(a newcomer's ``make test``).  This script runs the same configurations through PyTorch once
and stores what PyTorch did, so that the comparison runs everywhere against committed data:

* every named optimizer (``SGD``, ``Adagrad``, ``RMSprop``, ``Adadelta``, ``Adam``, ``AdamW``)
  with its options and quirks (dampening, Nesterov, L2 weight decay, ``lr_decay``,
  ``initial_accumulator_value``, centred RMSProp with momentum, AMSGrad, decoupled decay),
  float64 over 200 steps and float32 over 50 steps, on a smooth non-quadratic gradient field;
* Adam on a dict of two parameter tensors (per-tensor state);
* the ``lr_scheduler`` schedules that have a counterpart in :mod:`descent.schedules`
  (``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR``, ``MultiStepLR``, ``LinearLR``,
  ``LambdaLR``, ``SequentialLR`` for warm-up + cosine): the learning rate of every step and
  the iterates (every 5th) of an optimizer driven by it;
* the stranger's recipe: ``clip_grad_norm_(·, 1)`` then ``AdamW`` with linear warm-up and
  cosine decay, on a dict of parameters;
* ``torch.nn.utils.clip_grad_norm_`` on a few gradients;
* the defaults of the optimizers' signatures.

The gradient fields are computed with NumPy from the iterate (PyTorch only steps), and their
matrices and starting points are stored with the trajectories, so the test does not depend on
the random generator.  Regenerate with ``torch==2.13.0`` installed::

    .venv/bin/python -m pip install -q -c requirements.lock torch==2.13.0
    .venv/bin/python scripts/record_torch_reference.py           # writes tests/data/torch_reference.npz
    .venv/bin/python scripts/record_torch_reference.py --check   # recomputes, compares with the file
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_reference.npz"
TORCH_VERSION = "2.13.0"

N = 7            # parameters of the vector problems
STEPS64 = 200    # float64 steps per optimizer configuration
STEPS32 = 50     # float32 steps
SCHEDULE_STEPS = 250
SCHEDULE_STRIDE = 5  # schedule runs store every learning rate but only every 5th iterate (size)

TORCH_CLASS = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adadelta": "Adadelta",
               "adam": "Adam", "adamw": "AdamW"}

# (optimizer, keyword arguments): the same names and values for descent and torch.optim.
OPTIMIZER_CASES = [
    ("sgd", dict(lr=0.05)),
    ("sgd", dict(lr=0.02, momentum=0.9)),
    ("sgd", dict(lr=0.02, momentum=0.8, dampening=0.5)),
    ("sgd", dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("sgd", dict(lr=0.03, momentum=0.5, weight_decay=0.1, nesterov=True)),
    ("sgd", dict(lr=0.04, weight_decay=0.2)),
    ("sgd", dict(lr=0.02, momentum=0.7, dampening=0.3, weight_decay=0.05)),
    ("adagrad", dict()),
    ("adagrad", dict(lr=0.3, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.2, eps=1e-6)),
    ("adagrad", dict(lr=0.5, lr_decay=0.05)),
    ("rmsprop", dict()),
    ("rmsprop", dict(lr=0.005, alpha=0.9, momentum=0.7)),
    ("rmsprop", dict(lr=0.003, centered=True, weight_decay=0.01, eps=1e-4)),
    ("rmsprop", dict(lr=0.002, centered=True, momentum=0.5)),
    ("rmsprop", dict(lr=0.004, alpha=0.95, eps=1e-6, weight_decay=0.02, momentum=0.3, centered=True)),
    ("adadelta", dict()),
    ("adadelta", dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.02)),
    ("adam", dict()),
    ("adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)),
    ("adam", dict(lr=0.05, amsgrad=True)),
    ("adam", dict(lr=0.03, betas=(0.5, 0.9), weight_decay=0.05, amsgrad=True)),
    ("adamw", dict()),
    ("adamw", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("adamw", dict(lr=0.02, betas=(0.85, 0.95), eps=1e-7, weight_decay=0.3)),
]

# Schedules: (id, descent schedule spec, torch scheduler factory, optimizer, optimizer kwargs).
# A spec is {"schedule": name in descent.schedules, "kwargs": {...}} where a kwarg that is itself
# a spec (e.g. linear_warmup's ``after``) is built first.  torch's optimizer starts at the
# base value (the peak for a warm-up, whose LinearLR factor starts below 1).
SCHEDULE_CASES = [
    ("step", {"schedule": "step_decay", "kwargs": dict(init_value=0.1, step_size=30, gamma=0.5)},
     lambda lr_s, o: lr_s.StepLR(o, step_size=30, gamma=0.5), "sgd", dict(momentum=0.9)),
    ("exponential", {"schedule": "exponential_decay", "kwargs": dict(init_value=0.1, gamma=0.99)},
     lambda lr_s, o: lr_s.ExponentialLR(o, gamma=0.99), "sgd", dict(momentum=0.9)),
    # Only up to T_max: beyond it CosineAnnealingLR rises again (it is periodic), while
    # cosine_decay stays at its floor.
    ("cosine", {"schedule": "cosine_decay", "kwargs": dict(init_value=0.1, decay_steps=250, alpha=0.1)},
     lambda lr_s, o: lr_s.CosineAnnealingLR(o, T_max=250, eta_min=0.01), "sgd", dict(momentum=0.9)),
    ("piecewise", {"schedule": "piecewise_constant",
                   "kwargs": dict(boundaries=[50, 120, 200], values=[0.1, 0.1 * 0.3, 0.1 * 0.3 ** 2, 0.1 * 0.3 ** 3])},
     lambda lr_s, o: lr_s.MultiStepLR(o, milestones=[50, 120, 200], gamma=0.3), "sgd", dict(momentum=0.9)),
    ("warmup", {"schedule": "linear_warmup", "kwargs": dict(peak_value=0.1, warmup_steps=40, init_value=0.1 * 0.25)},
     lambda lr_s, o: lr_s.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=40), "sgd", dict(momentum=0.9)),
    ("inverse_time", {"schedule": "inverse_time_decay", "kwargs": dict(init_value=0.1, decay_rate=0.05)},
     lambda lr_s, o: lr_s.LambdaLR(o, lambda k: 1 / (1 + 0.05 * k)), "sgd", dict(momentum=0.9)),
    ("warmup_cosine",
     {"schedule": "linear_warmup",
      "kwargs": dict(peak_value=0.05, warmup_steps=30, init_value=0.05 * 0.1,
                     after={"schedule": "cosine_decay", "kwargs": dict(init_value=0.05, decay_steps=220, alpha=0.02)})},
     lambda lr_s, o: lr_s.SequentialLR(o, [lr_s.LinearLR(o, start_factor=0.1, total_iters=30),
                                           lr_s.CosineAnnealingLR(o, T_max=220, eta_min=0.05 * 0.02)],
                                       milestones=[30]),
     "adam", dict(weight_decay=0.01)),
    # Adagrad's own lr_decay composed with a scheduler (both divide the learning rate).
    ("adagrad_lr_decay_inverse_time", {"schedule": "inverse_time_decay", "kwargs": dict(init_value=0.2, decay_rate=0.05)},
     lambda lr_s, o: lr_s.LambdaLR(o, lambda k: 1 / (1 + 0.05 * k)), "adagrad", dict(lr_decay=0.01)),
    ("adamw_cosine", {"schedule": "cosine_decay", "kwargs": dict(init_value=0.05, decay_steps=250)},
     lambda lr_s, o: lr_s.CosineAnnealingLR(o, T_max=250), "adamw", dict(weight_decay=0.1)),
]

CLIP_NORMS = [0.5, 3.0, 100.0]


def problem(seed: int, n: int = N):
    """A, b, x0 of the gradient field g(x) = A x - b + 0.3 sin(3x) (A symmetric positive definite)."""
    rng = np.random.default_rng(seed)
    Q = rng.standard_normal((n, n))
    A = Q @ Q.T / n + np.diag(np.linspace(0.1, 3.0, n))
    b = rng.standard_normal(n)
    return A, b, 30.0 * rng.standard_normal(n)


def vector_grad(A, b, x):
    """The gradient field of :func:`problem`, computed in float64 and returned in x's dtype."""
    x64 = np.asarray(x, dtype=np.float64)
    return (A @ x64 - b + 0.3 * np.sin(3.0 * x64)).astype(np.asarray(x).dtype)


def dict_problem(seed: int):
    rng = np.random.default_rng(seed)
    return {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}


def dict_grad(p):
    """A gradient field on {"W": (3, 4), "b": (4,)}, elementwise and non-linear."""
    return {"W": np.tanh(p["W"]) + 0.1 * p["W"] ** 2, "b": p["b"] - 1.0}


def build_schedule(spec, schedules):
    """A descent schedule from a spec (used by the test; here only to find the value at k = 0)."""
    kwargs = {k: build_schedule(v, schedules) if isinstance(v, dict) and "schedule" in v else v
              for k, v in spec["kwargs"].items()}
    return getattr(schedules, spec["schedule"])(**kwargs)


def _base_lr(spec) -> float:
    """torch's ``lr`` for a schedule: the value its scheduler's factors multiply (warm-up: the peak)."""
    kw = spec["kwargs"]
    if "peak_value" in kw:
        return float(kw["peak_value"])
    return float(kw.get("init_value", kw.get("values", [None])[0]))


def _jsonable(kwargs):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()}


def run_torch(torch, name, kwargs, A, b, x0, steps, scheduler=None):
    """Iterates of torch.optim.<name> on the vector field; and the lr used at each step."""
    dtype = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[x0.dtype]
    p = torch.tensor(x0.copy(), dtype=dtype, requires_grad=True)
    opt = getattr(torch.optim, TORCH_CLASS[name])([p], **kwargs)
    sched = scheduler(torch.optim.lr_scheduler, opt) if scheduler else None
    xs, lrs = [x0.copy()], []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        p.grad = torch.from_numpy(vector_grad(A, b, p.detach().numpy().copy()))
        opt.step()
        if sched is not None:
            sched.step()
        xs.append(p.detach().numpy().copy())
    return np.array(xs), np.array(lrs)


def record(torch) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    meta: dict = {"torch_version": torch.__version__, "numpy_version": np.__version__,
                  "n": N, "optimizers": [], "schedules": [], "clip": [], "dict_adam": None,
                  "recipe": None}

    for i, (name, kwargs) in enumerate(OPTIMIZER_CASES):
        A, b, x0 = problem(seed=100 + i)
        case = f"{name}-{i}"
        arrays[f"opt/{case}/A"], arrays[f"opt/{case}/b"] = A, b
        arrays[f"opt/{case}/x64"], _ = run_torch(torch, name, kwargs, A, b, x0, STEPS64)
        arrays[f"opt/{case}/x32"], _ = run_torch(torch, name, kwargs, A, b, x0.astype(np.float32), STEPS32)
        meta["optimizers"].append({"id": case, "optimizer": name, "kwargs": _jsonable(kwargs),
                                   "steps64": STEPS64, "steps32": STEPS32})

    for i, (case, spec, make_sched, name, kwargs) in enumerate(SCHEDULE_CASES):
        A, b, x0 = problem(seed=200 + i)
        xs, lrs = run_torch(torch, name, dict(kwargs, lr=_base_lr(spec)), A, b, x0, SCHEDULE_STEPS,
                            scheduler=make_sched)
        arrays[f"sched/{case}/A"], arrays[f"sched/{case}/b"] = A, b
        arrays[f"sched/{case}/x"], arrays[f"sched/{case}/lr"] = xs[::SCHEDULE_STRIDE], lrs
        meta["schedules"].append({"id": case, "spec": spec, "optimizer": name, "kwargs": _jsonable(kwargs),
                                  "steps": SCHEDULE_STEPS, "stride": SCHEDULE_STRIDE})

    # Adam on a dict of two tensors: state is per tensor.
    params = dict_problem(seed=1)
    tp = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    topt = torch.optim.Adam(list(tp.values()), lr=0.01, weight_decay=0.01)
    hist = {k: [v.copy()] for k, v in params.items()}
    for _ in range(100):
        g = dict_grad({k: t.detach().numpy().copy() for k, t in tp.items()})
        for k in tp:
            tp[k].grad = torch.from_numpy(g[k])
        topt.step()
        for k in tp:
            hist[k].append(tp[k].detach().numpy().copy())
    for k in hist:
        arrays[f"dict_adam/{k}"] = np.array(hist[k])
    meta["dict_adam"] = {"optimizer": "adam", "kwargs": dict(lr=0.01, weight_decay=0.01), "steps": 100,
                         "keys": list(hist)}

    # The stranger's recipe: clip to global norm 1, then AdamW with warm-up + cosine, on a dict.
    warm, total, peak, floor = 20, 150, 0.05, 0.01
    params = {k: 3.0 * v for k, v in dict_problem(seed=2).items()}
    tp = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    topt = torch.optim.AdamW(list(tp.values()), lr=peak, weight_decay=0.05)
    lr_s = torch.optim.lr_scheduler
    sched = lr_s.SequentialLR(topt, [lr_s.LinearLR(topt, start_factor=0.1, total_iters=warm),
                                     lr_s.CosineAnnealingLR(topt, T_max=total - warm, eta_min=peak * floor)],
                              milestones=[warm])
    hist = {k: [v.copy()] for k, v in params.items()}
    for _ in range(total):
        g = dict_grad({k: t.detach().numpy().copy() for k, t in tp.items()})
        for k in tp:
            tp[k].grad = torch.from_numpy(5.0 * g[k])
        torch.nn.utils.clip_grad_norm_(list(tp.values()), 1.0)
        topt.step()
        sched.step()
        for k in tp:
            hist[k].append(tp[k].detach().numpy().copy())
    for k in hist:
        arrays[f"recipe/{k}"] = np.array(hist[k])
    meta["recipe"] = {"max_norm": 1.0, "grad_scale": 5.0, "weight_decay": 0.05, "steps": total,
                      "schedule": {"schedule": "linear_warmup",
                                   "kwargs": dict(peak_value=peak, warmup_steps=warm, init_value=peak * 0.1,
                                                  after={"schedule": "cosine_decay",
                                                         "kwargs": dict(init_value=peak, decay_steps=total - warm,
                                                                        alpha=floor)})},
                      "keys": list(hist)}

    # clip_grad_norm_ on a dict of gradients.
    rng = np.random.default_rng(2)
    grads = {"a": rng.standard_normal((4, 5)), "b": 3 * rng.standard_normal(6)}
    for k, g in grads.items():
        arrays[f"clip/grads/{k}"] = g
    for i, max_norm in enumerate(CLIP_NORMS):
        tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads.values()]
        for t, g in zip(tensors, grads.values()):
            t.grad = torch.from_numpy(g.copy())
        torch.nn.utils.clip_grad_norm_(tensors, max_norm)
        for t, k in zip(tensors, grads):
            arrays[f"clip/{i}/{k}"] = t.grad.numpy().copy()
        meta["clip"].append({"id": str(i), "max_norm": max_norm, "keys": list(grads)})

    # The signatures' defaults (descent's named optimizers take torch's names and defaults).
    import inspect
    meta["defaults"] = {}
    for name, cls in TORCH_CLASS.items():
        params = inspect.signature(getattr(torch.optim, cls).__init__).parameters
        meta["defaults"][name] = {
            k: list(p.default) if isinstance(p.default, tuple) else p.default
            for k, p in params.items()
            if k not in ("self", "params") and p.default is not inspect.Parameter.empty
            and isinstance(p.default, (bool, int, float, tuple, type(None)))}

    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    return arrays


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true",
                        help="recompute and compare with the stored file instead of writing it")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("needs torch: .venv/bin/python -m pip install -c requirements.lock torch==2.13.0", file=sys.stderr)
        return 2
    if not torch.__version__.startswith(TORCH_VERSION):
        print(f"the reference is torch {TORCH_VERSION}, found {torch.__version__}", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    arrays = record(torch)
    if args.check:
        with np.load(args.out) as stored:
            bad = sorted(set(stored.files) ^ set(arrays))
            bad += [k for k in arrays if k in stored.files and k != "meta"
                    and not np.array_equal(stored[k], arrays[k])]
            old, new = json.loads(str(stored["meta"])), json.loads(str(arrays["meta"]))
            bad += [f"meta[{k!r}]" for k in sorted(set(old) | set(new))
                    if k != "numpy_version" and old.get(k) != new.get(k)]
        if bad:
            print(f"{args.out} differs from a fresh recording in: {', '.join(bad)}", file=sys.stderr)
            return 1
        print(f"{args.out}: {len(arrays)} arrays, identical to a fresh recording")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, {len(arrays)} arrays)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
