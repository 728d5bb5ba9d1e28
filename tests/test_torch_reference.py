"""descent's optimizers and schedules against trajectories recorded from ``torch.optim`` 2.13.

Runs without PyTorch: ``tests/data/torch_reference.npz`` holds what PyTorch did on each
configuration (``scripts/record_torch_reference.py`` regenerates it).  The live comparison,
``tests/test_optimizers_torch.py``, still runs where torch is installed (CI).  Only the
public API is used: ``descent.<optimizer>(**kwargs)``, ``descent.schedules.*``,
``descent.chain``, ``descent.clip_by_global_norm``, ``descent.apply_updates``.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import descent
from descent import schedules

DATA = Path(__file__).parent / "data" / "torch_reference.npz"

with np.load(DATA) as _npz:
    REF = {k: _npz[k] for k in _npz.files}
META = json.loads(str(REF.pop("meta")))

# float64: the same arithmetic as torch up to rounding; float32: torch's fused kernels round
# differently, over 50 steps.
RTOL64, ATOL64 = 1e-12, 1e-13
RTOL32, ATOL32 = 2e-5, 2e-6


def _kwargs(kwargs):
    """JSON has no tuples: ``betas`` comes back as a list."""
    return {k: tuple(v) if k == "betas" else v for k, v in kwargs.items()}


def _schedule(spec):
    kwargs = {k: _schedule(v) if isinstance(v, dict) and "schedule" in v else v
              for k, v in spec["kwargs"].items()}
    return getattr(schedules, spec["schedule"])(**kwargs)


def _vector_grad(A, b):
    def grad(x):
        x64 = x.astype(np.float64)
        return (A @ x64 - b + 0.3 * np.sin(3.0 * x64)).astype(x.dtype)
    return grad


def _dict_grad(p, scale=1.0):
    return {"W": scale * (np.tanh(p["W"]) + 0.1 * p["W"] ** 2), "b": scale * (p["b"] - 1.0)}


def _run(opt, grad, x0, steps):
    x = x0.copy()
    state = opt.init(x)
    out = [x]
    for _ in range(steps):
        updates, state = opt.update(grad(x), state, x)
        x = descent.apply_updates(x, updates)
        out.append(x)
    return out


def _ids(cases):
    return [c["id"] for c in cases]


def test_reference_was_recorded_from_torch_2_13():
    assert META["torch_version"].startswith("2.13.0")


def test_reference_covers_every_named_optimizer_and_flag():
    named = {"sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw"}
    recorded = {c["optimizer"] for c in META["optimizers"]}
    assert named <= recorded
    assert all(callable(getattr(descent, name)) for name in recorded)
    flags = {(c["optimizer"], k) for c in META["optimizers"] for k, v in c["kwargs"].items() if v is True}
    assert {("sgd", "nesterov"), ("rmsprop", "centered"), ("adam", "amsgrad"), ("adamw", "amsgrad")} <= flags
    options = {(c["optimizer"], k) for c in META["optimizers"] for k in c["kwargs"]}
    assert {("sgd", "dampening"), ("sgd", "weight_decay"), ("adagrad", "lr_decay"),
            ("adagrad", "initial_accumulator_value"), ("rmsprop", "momentum"), ("adadelta", "rho"),
            ("adam", "betas"), ("adamw", "weight_decay")} <= options


@pytest.mark.parametrize("name", sorted(META["defaults"]))
def test_signature_names_and_defaults_are_torchs(name):
    import inspect
    theirs = {k: tuple(v) if isinstance(v, list) else v for k, v in META["defaults"][name].items()}
    ours = inspect.signature(getattr(descent, name)).parameters
    assert ours
    for pname, p in ours.items():
        if (name, pname) == ("adamw", "mask"):   # not in torch (parameter groups); None = torch's behaviour
            assert p.default is None
            continue
        assert pname in theirs, (name, pname)
        assert p.default == theirs[pname], (name, pname, p.default, theirs[pname])


@pytest.mark.parametrize("case", META["optimizers"], ids=_ids(META["optimizers"]))
def test_optimizer_float64_matches_torch_every_step(case):
    key = f"opt/{case['id']}"
    ref = REF[f"{key}/x64"]
    opt = getattr(descent, case["optimizer"])(**_kwargs(case["kwargs"]))
    mine = np.array(_run(opt, _vector_grad(REF[f"{key}/A"], REF[f"{key}/b"]), ref[0], case["steps64"]))
    assert mine.dtype == np.float64 and mine.shape == ref.shape
    np.testing.assert_allclose(mine, ref, rtol=RTOL64, atol=ATOL64)


@pytest.mark.parametrize("case", META["optimizers"], ids=_ids(META["optimizers"]))
def test_optimizer_float32_matches_torch(case):
    key = f"opt/{case['id']}"
    ref = REF[f"{key}/x32"]
    assert ref.dtype == np.float32
    opt = getattr(descent, case["optimizer"])(**_kwargs(case["kwargs"]))
    mine = np.array(_run(opt, _vector_grad(REF[f"{key}/A"], REF[f"{key}/b"]), ref[0], case["steps32"]))
    assert mine.dtype == np.float32, "no float64 upcast"
    np.testing.assert_allclose(mine, ref, rtol=RTOL32, atol=ATOL32)


@pytest.mark.parametrize("case", META["schedules"], ids=_ids(META["schedules"]))
def test_schedule_matches_torch_lr_scheduler(case):
    lrs = REF[f"sched/{case['id']}/lr"]
    sched = _schedule(case["spec"])
    mine = np.array([sched(k) for k in range(case["steps"])])
    np.testing.assert_allclose(mine, lrs, rtol=RTOL64, atol=0)


@pytest.mark.parametrize("case", META["schedules"], ids=_ids(META["schedules"]))
def test_schedule_inside_optimizer_matches_torch(case):
    key = f"sched/{case['id']}"
    ref = REF[f"{key}/x"]
    opt = getattr(descent, case["optimizer"])(lr=_schedule(case["spec"]), **_kwargs(case["kwargs"]))
    mine = np.array(_run(opt, _vector_grad(REF[f"{key}/A"], REF[f"{key}/b"]), ref[0], case["steps"]))
    np.testing.assert_allclose(mine[::case["stride"]], ref, rtol=RTOL64, atol=ATOL64)


def test_adam_on_a_dict_keeps_state_per_tensor():
    case = META["dict_adam"]
    params = {k: REF[f"dict_adam/{k}"][0].copy() for k in case["keys"]}
    opt = descent.adam(**case["kwargs"])
    state = opt.init(params)
    for k in range(1, case["steps"] + 1):
        updates, state = opt.update(_dict_grad(params), state, params)
        params = descent.apply_updates(params, updates)
        for name in case["keys"]:
            np.testing.assert_allclose(params[name], REF[f"dict_adam/{name}"][k], rtol=RTOL64, atol=ATOL64)


def test_clip_then_adamw_with_warmup_cosine_matches_torch():
    """The stranger's recipe: clip_grad_norm_(1) then AdamW under LinearLR → CosineAnnealingLR."""
    case = META["recipe"]
    params = {k: REF[f"recipe/{k}"][0].copy() for k in case["keys"]}
    opt = descent.chain(descent.clip_by_global_norm(case["max_norm"]),
                        descent.adamw(lr=_schedule(case["schedule"]), weight_decay=case["weight_decay"]))
    state = opt.init(params)
    for k in range(1, case["steps"] + 1):
        updates, state = opt.update(_dict_grad(params, case["grad_scale"]), state, params)
        params = descent.apply_updates(params, updates)
        for name in case["keys"]:
            np.testing.assert_allclose(params[name], REF[f"recipe/{name}"][k], rtol=RTOL64, atol=ATOL64)
    assert set(params) == set(case["keys"])


@pytest.mark.parametrize("case", META["clip"], ids=[f"max_norm={c['max_norm']}" for c in META["clip"]])
def test_clip_by_global_norm_matches_clip_grad_norm(case):
    grads = {k: REF[f"clip/grads/{k}"].copy() for k in case["keys"]}
    clip = descent.clip_by_global_norm(case["max_norm"])
    clipped, _ = clip.update(grads, clip.init(grads))
    for k in case["keys"]:
        np.testing.assert_allclose(clipped[k], REF[f"clip/{case['id']}/{k}"], rtol=1e-12, atol=0)
