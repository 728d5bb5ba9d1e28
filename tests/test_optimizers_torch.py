"""The named optimizers produce the same iterates as ``torch.optim``, step by step.

Needs the optional ``reference`` extra (``torch==2.13.0``, installed by ``.ci/run``);
skipped cleanly without it.
"""
import numpy as np
import pytest

import descent
from descent import schedules

torch = pytest.importorskip("torch")

STEPS = 300
N = 7


def _problem(seed=0, n=N):
    """A smooth non-quadratic gradient field: g(x) = A x - b + 0.3 sin(3x)."""
    rng = np.random.default_rng(seed)
    Q = rng.standard_normal((n, n))
    A = Q @ Q.T / n + np.diag(np.linspace(0.1, 3.0, n))
    b = rng.standard_normal(n)

    def grad(x):
        return A @ x - b + 0.3 * np.sin(3.0 * x)

    return grad, 30.0 * rng.standard_normal(n)


CASES = [
    ("sgd", dict(lr=0.05), dict(lr=0.05)),
    ("sgd", dict(lr=0.02, momentum=0.9), dict(lr=0.02, momentum=0.9)),
    ("sgd", dict(lr=0.02, momentum=0.8, dampening=0.5), dict(lr=0.02, momentum=0.8, dampening=0.5)),
    ("sgd", dict(lr=0.02, momentum=0.9, nesterov=True), dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("sgd", dict(lr=0.03, momentum=0.5, weight_decay=0.1, nesterov=True),
     dict(lr=0.03, momentum=0.5, weight_decay=0.1, nesterov=True)),
    ("adagrad", {}, {}),
    ("adagrad", dict(lr=0.3, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.2, eps=1e-6),
     dict(lr=0.3, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.2, eps=1e-6)),
    ("rmsprop", {}, {}),
    ("rmsprop", dict(lr=0.005, alpha=0.9, momentum=0.7), dict(lr=0.005, alpha=0.9, momentum=0.7)),
    ("rmsprop", dict(lr=0.003, centered=True, weight_decay=0.01, eps=1e-4),
     dict(lr=0.003, centered=True, weight_decay=0.01, eps=1e-4)),
    ("rmsprop", dict(lr=0.002, centered=True, momentum=0.5), dict(lr=0.002, centered=True, momentum=0.5)),
    ("adadelta", {}, {}),
    ("adadelta", dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.02),
     dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.02)),
    ("adam", {}, {}),
    ("adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01),
     dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)),
    ("adam", dict(lr=0.05, amsgrad=True), dict(lr=0.05, amsgrad=True)),
    ("adamw", {}, {}),
    ("adamw", dict(lr=0.05, weight_decay=0.1, amsgrad=True), dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
]

TORCH_CLASS = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adadelta": "Adadelta",
               "adam": "Adam", "adamw": "AdamW"}


def _run_descent(name, kwargs, grad, x0, steps=STEPS):
    opt = getattr(descent, name)(**kwargs)
    x = x0.copy()
    state = opt.init(x)
    out = [x]
    for _ in range(steps):
        u, state = opt.update(grad(x), state, x)
        x = descent.apply_updates(x, u)
        out.append(x)
    return np.array(out)


def _run_torch(name, kwargs, grad, x0, steps=STEPS, scheduler=None):
    p = torch.tensor(x0.copy(), requires_grad=True)
    opt = getattr(torch.optim, TORCH_CLASS[name])([p], **kwargs)
    sched = scheduler(opt) if scheduler else None
    out = [x0.copy()]
    for _ in range(steps):
        p.grad = torch.from_numpy(grad(p.detach().numpy().copy()))
        opt.step()
        if sched is not None:
            sched.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("name,ours,theirs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_same_iterates_as_torch(name, ours, theirs):
    grad, x0 = _problem(seed=len(str(ours)))
    mine = _run_descent(name, ours, grad, x0)
    ref = _run_torch(name, theirs, grad, x0)
    assert np.all(np.isfinite(ref))
    np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name,ours,theirs", [CASES[2], CASES[9], CASES[15], CASES[17]])
def test_same_iterates_as_torch_float32(name, ours, theirs):
    grad64, x0 = _problem(seed=3)
    x0 = x0.astype(np.float32)

    def grad(x):
        return grad64(x.astype(np.float64)).astype(np.float32)

    mine = _run_descent(name, ours, grad, x0, steps=50)
    ref = _run_torch(name, theirs, grad, x0, steps=50)
    assert mine.dtype == np.float32
    np.testing.assert_allclose(mine, ref, rtol=2e-5, atol=2e-6)


def test_dict_params_match_torch_per_tensor():
    rng = np.random.default_rng(1)
    params = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}

    def grads(p):
        return {"W": np.tanh(p["W"]) + 0.1 * p["W"] ** 2, "b": p["b"] - 1.0}

    opt = descent.adam(lr=0.01, weight_decay=0.01)
    state = opt.init(params)
    tp = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    topt = torch.optim.Adam(list(tp.values()), lr=0.01, weight_decay=0.01)
    for _ in range(100):
        g = grads(params)
        u, state = opt.update(g, state, params)
        params = descent.apply_updates(params, u)
        tg = grads({k: t.detach().numpy().copy() for k, t in tp.items()})
        for k in tp:
            tp[k].grad = torch.from_numpy(tg[k])
        topt.step()
    for k in params:
        np.testing.assert_allclose(params[k], tp[k].detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("ours,make_torch_sched", [
    (schedules.step_decay(0.1, 30, 0.5),
     lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=30, gamma=0.5)),
    (schedules.exponential_decay(0.1, 0.99),
     lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.99)),
    # Only up to T_max: beyond it torch's CosineAnnealingLR rises again (it is periodic),
    # while cosine_decay stays at its floor.
    (schedules.cosine_decay(0.1, 250, alpha=0.1),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=250, eta_min=0.01)),
])
def test_schedules_inside_optimizer_match_torch_schedulers(ours, make_torch_sched):
    grad, x0 = _problem(seed=5)
    mine = _run_descent("sgd", dict(lr=ours, momentum=0.9), grad, x0, steps=250)
    ref = _run_torch("sgd", dict(lr=0.1, momentum=0.9), grad, x0, steps=250, scheduler=make_torch_sched)
    np.testing.assert_allclose(mine, ref, rtol=1e-8, atol=1e-10)


def test_adagrad_lr_decay_with_schedule_matches_lambda_lr():
    grad, x0 = _problem(seed=6)
    lr = schedules.inverse_time_decay(0.2, 0.05)
    mine = _run_descent("adagrad", dict(lr=lr, lr_decay=0.01), grad, x0, steps=200)
    ref = _run_torch("adagrad", dict(lr=0.2, lr_decay=0.01), grad, x0, steps=200,
                     scheduler=lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda k: 1 / (1 + 0.05 * k)))
    np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0])
def test_clip_by_global_norm_matches_clip_grad_norm(max_norm):
    rng = np.random.default_rng(2)
    grads = {"a": rng.standard_normal((4, 5)), "b": 3 * rng.standard_normal(6)}
    clipped, _ = descent.clip_by_global_norm(max_norm).update(grads, None)
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    for t, key in zip(tensors, grads):
        np.testing.assert_allclose(clipped[key], t.grad.numpy(), rtol=1e-12)


#: Parameters torch.optim does not have (it uses parameter groups instead); their default
#: must leave the optimizer exactly torch's.
EXTRAS = {("adamw", "mask"): None}


def test_signature_defaults_match_torch():
    import inspect
    for name, cls in TORCH_CLASS.items():
        ours = inspect.signature(getattr(descent, name)).parameters
        theirs = inspect.signature(getattr(torch.optim, cls).__init__).parameters
        for pname, p in ours.items():
            if (name, pname) in EXTRAS:
                assert p.default == EXTRAS[name, pname]
                continue
            assert pname in theirs, (name, pname)
            assert p.default == theirs[pname].default, (name, pname, p.default, theirs[pname].default)
