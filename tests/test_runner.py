"""The runner: closed forms for GD on quadratics, stopping rules, divergence, batching."""
import time
import warnings

import numpy as np
import pytest

from descent.landscapes import Himmelblau, IllConditionedQuadratic, MonkeySaddle, Quadratic, Rosenbrock
from descent.runner import BatchTrajectory, minimize, minimize_many
from descent.trajectory import Trajectory
from descent.transforms import chain, clip_by_global_norm, scale, scale_by_adam, trace


def gd(alpha):
    return chain(scale(-alpha))


def momentum(alpha, mu):
    return chain(trace(mu), scale(-alpha))


def _spd(n, seed):
    M = np.random.default_rng(seed).normal(size=(n, n))
    return M @ M.T / n + np.eye(n)


# --- minimize -------------------------------------------------------------------

def test_gd_on_quadratic_matches_closed_form():
    A = _spd(3, 0)
    Q = Quadratic(A)
    alpha, x0, steps = 0.3, np.array([1.0, -2.0, 0.5]), 40
    t = minimize(gd(alpha), Q, x0, steps)
    assert isinstance(t, Trajectory)
    M = np.eye(3) - alpha * A
    expected = np.array([np.linalg.matrix_power(M, k) @ x0 for k in range(steps + 1)])
    np.testing.assert_allclose(t.iterates, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(t.losses, [0.5 * x @ A @ x for x in expected], rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(t.grad_norms, np.linalg.norm(expected @ A, axis=1), rtol=1e-12, atol=1e-16)
    assert (t.n_gev, t.n_fev, t.n_hev) == (steps + 1, steps + 1, 0)
    assert not t.diverged and not t.converged and t.steps == steps


def test_gd_on_shifted_ill_conditioned_quadratic_closed_form():
    Q = IllConditionedQuadratic(20.0, angle=0.3, center=(1.0, 2.0))
    alpha, x0 = 1.9 / Q.lambda_max, np.array([-3.0, 4.0])
    t = minimize(gd(alpha), Q, x0, 25)
    M = np.eye(2) - alpha * Q.A
    for k, x in enumerate(t.iterates):
        np.testing.assert_allclose(x - Q.center, np.linalg.matrix_power(M, k) @ (x0 - Q.center),
                                   rtol=1e-10, atol=1e-12)


def test_heavy_ball_matches_its_recursion():
    Q = IllConditionedQuadratic(10.0)
    alpha, mu, x0 = 0.05, 0.8, np.array([2.0, 1.0])
    t = minimize(momentum(alpha, mu), Q, x0, 30)
    x, b = x0.copy(), np.zeros(2)
    for k in range(30):
        g = Q.A @ x
        b = g if k == 0 else mu * b + g
        x = x - alpha * b
        np.testing.assert_allclose(t.iterates[k + 1], x, rtol=1e-12, atol=1e-15)


def test_tol_stops_at_the_first_small_gradient():
    A = np.diag([1.0, 4.0])
    alpha, x0, tol = 0.1, np.array([1.0, 1.0]), 1e-3
    t = minimize(gd(alpha), Quadratic(A), x0, 1000, tol=tol)
    norms = [np.linalg.norm(A @ (np.diag([0.9, 0.6]) ** k) @ x0) for k in range(1000)]
    first = next(k for k, g in enumerate(norms) if g <= tol)
    assert t.converged and not t.diverged and t.steps == first
    assert t.grad_norms[-1] <= tol < t.grad_norms[-2]
    assert "converged" in t.message


def test_tol_at_the_minimum_takes_no_step():
    t = minimize(gd(0.1), Rosenbrock(), [1.0, 1.0], 10, tol=0.0)
    assert t.converged and t.steps == 0 and t.n_gev == 1


def test_divergence_is_reported_without_warnings():
    Q = IllConditionedQuadratic(10.0)            # lambda_max = 10, alpha = 1: |1 - 10| = 9 per step
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = minimize(gd(1.0), Q, [1.0, 1.0], 100_000)
        huge = minimize(gd(1e308), Q, [1.0, 1.0], 10)      # overflows to inf in one step
        cubic = minimize(gd(0.1), MonkeySaddle(), [-0.5, 0.0], 10_000)
    for run in (t, huge, cubic):
        assert run.diverged and not run.converged
        assert "diverged" in run.message
        assert np.all(np.isfinite(run.iterates)) and np.all(np.isfinite(run.losses))
        assert np.all(np.isfinite(run.grad_norms))
    assert t.steps < 200 and np.abs(t.x).max() <= 1e150
    assert huge.steps == 0 and "non-finite iterate" in huge.message
    assert cubic.steps < 100


def test_escape_radius_and_non_finite_gradient_count_as_divergence():
    Q = IllConditionedQuadratic(10.0)
    t = minimize(gd(1.0), Q, [1.0, 1.0], 1000, escape_radius=1e3)
    assert t.diverged and "escape_radius" in t.message and np.abs(t.x).max() <= 1e3
    assert np.abs(t.x - 1.0 * Q.grad(t.x)).max() > 1e3          # the rejected step

    def grad_with_a_pole(x):           # gradient of |x|^2/2 that blows up beyond |x| = 2
        return np.where(np.abs(x) < 2, x, np.inf)

    t = minimize(gd(-0.5), grad_with_a_pole, [1.0], 10)      # ascent: 1, 1.5, 2.25 -> inf gradient
    assert t.diverged and "non-finite gradient" in t.message
    np.testing.assert_allclose(t.iterates[:, 0], [1.0, 1.5])

    class InfiniteLoss:
        dim = 1

        def f(self, x):
            return np.inf if abs(x[0]) > 1.2 else 0.5 * x[0] ** 2

        def grad(self, x):
            return x

    t = minimize(gd(-0.5), InfiniteLoss(), [1.0], 10)
    assert t.diverged and "non-finite loss" in t.message and t.steps == 0


def test_gradient_noise_is_reproducible_and_has_the_right_scale():
    Q = Himmelblau()
    kw = dict(grad_noise=0.5, seed=123)
    a = minimize(gd(0.01), Q, [0.0, 0.0], 50, **kw)
    b = minimize(gd(0.01), Q, [0.0, 0.0], 50, **kw)
    c = minimize(gd(0.01), Q, [0.0, 0.0], 50, grad_noise=0.5, seed=124)
    np.testing.assert_array_equal(a.iterates, b.iterates)
    assert not np.allclose(a.iterates, c.iterates)
    clean = [minimize(gd(0.01), Q, [0.0, 0.0], 50, seed=s).iterates for s in (1, 2)]
    np.testing.assert_array_equal(clean[0], clean[1])
    # Zero gradient, step -1: x1 - x0 = -sigma * xi, so its sample std estimates sigma.
    n, sigma = 20_000, 0.3
    t = minimize(gd(1.0), lambda x: np.zeros_like(x), np.zeros(n), 1, grad_noise=sigma, seed=0)
    step = t.iterates[1] - t.iterates[0]
    assert np.std(step) == pytest.approx(sigma, rel=0.03) and abs(np.mean(step)) < 0.01
    assert t.grad_norms[1] == 0.0                       # the recorded norm is the true gradient's


def test_dtype_is_kept():
    Q = IllConditionedQuadratic(5.0)
    t32 = minimize(gd(0.1), Q, np.array([1.0, 2.0], dtype=np.float32), 20)
    assert t32.iterates.dtype == np.float32
    t64 = minimize(gd(0.1), Q, [1.0, 2.0], 20)
    np.testing.assert_allclose(t32.iterates, t64.iterates, rtol=1e-5, atol=1e-6)
    assert minimize(gd(0.1), Q, np.array([1, 2]), 3).iterates.dtype == np.float64


def test_plain_gradient_callable_has_nan_losses():
    t = minimize(gd(0.5), lambda x: 2 * x, [4.0], 3)
    np.testing.assert_allclose(t.iterates[:, 0], [4.0, 0.0, 0.0, 0.0])
    assert np.all(np.isnan(t.losses)) and t.n_fev == 0 and t.n_gev == 4


def test_callback_sees_every_iterate_and_can_stop():
    seen = []
    t = minimize(gd(0.01), Himmelblau(), [0.0, 0.0], 20, callback=lambda k, x: seen.append((k, x)))
    assert [k for k, _ in seen] == list(range(1, 21))
    np.testing.assert_array_equal(np.array([x for _, x in seen]), t.iterates[1:])
    t = minimize(gd(0.01), Himmelblau(), [0.0, 0.0], 20, callback=lambda k, x: k == 5)
    assert t.steps == 5 and "callback" in t.message and not t.converged


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(x0=[[1.0, 2.0]]), ValueError, r"x0 must be a non-empty 1-D array"),
    (dict(x0=[1.0, np.nan]), ValueError, "x0 must be finite"),
    (dict(x0=[1.0, 2.0, 3.0]), ValueError, "x0 must have 2 coordinates"),
    (dict(x0=["a", "b"]), TypeError, "x0 must be a real numeric array"),
    (dict(x0=[]), ValueError, "x0 must be a non-empty"),
    (dict(steps=-1), ValueError, "steps must be a non-negative integer"),
    (dict(steps=1.5), TypeError, "steps must be an integer"),
    (dict(tol=-1.0), ValueError, "tol must be >= 0"),
    (dict(grad_noise=-0.1), ValueError, "grad_noise must be >= 0"),
    (dict(escape_radius=0.0), ValueError, "escape_radius must be > 0"),
    (dict(callback=3), TypeError, "callback must be callable"),
    (dict(optimizer=lambda g: g), TypeError, "optimizer must be a descent.transforms.GradientTransformation"),
    (dict(problem=42), TypeError, "problem must have a .grad method"),
    (dict(problem=lambda x: x[:1]), ValueError, r"gradient returned shape \(1,\)"),
    (dict(problem=lambda x: np.full_like(x, np.nan)), ValueError, "not finite"),
])
def test_minimize_rejects_bad_input(kwargs, exc, match):
    args = dict(optimizer=gd(0.1), problem=Himmelblau(), x0=[0.0, 0.0], steps=5)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        minimize(args.pop("optimizer"), args.pop("problem"), args.pop("x0"), args.pop("steps"), **args)


# --- minimize_many ------------------------------------------------------------------

@pytest.mark.parametrize("optimizer, problem, steps", [
    (gd(0.01), Himmelblau(), 60),
    (momentum(0.002, 0.9), Rosenbrock(), 80),
    (chain(scale_by_adam(), scale(-0.1)), Himmelblau(), 40),
    (gd(0.3), IllConditionedQuadratic(12.0, angle=0.5), 400),   # |1 - 0.3*12|^k passes 1e150 near k = 360
])
def test_minimize_many_equals_a_loop_of_minimize(optimizer, problem, steps, rng):
    x0s = rng.uniform(-3, 3, size=(6, 2))
    x0s[0] = problem.minima[0]                                          # one start already converged
    many = minimize_many(optimizer, problem, x0s, steps, tol=1e-9)
    assert isinstance(many, BatchTrajectory)
    assert many.iterates.shape == (steps + 1, 6, 2) and many.losses.shape == (steps + 1, 6)
    for i, x0 in enumerate(x0s):
        one = minimize(optimizer, problem, x0, steps, tol=1e-9)
        k = one.steps
        assert many.n_steps[i] == k
        assert many.diverged[i] == one.diverged and many.converged[i] == one.converged
        np.testing.assert_allclose(many.iterates[:k + 1, i], one.iterates, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(many.losses[:k + 1, i], one.losses, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(many.grad_norms[:k + 1, i], one.grad_norms, rtol=1e-9, atol=1e-12)
        # frozen afterwards
        assert np.all(many.iterates[k:, i] == many.iterates[k, i])
        np.testing.assert_array_equal(many.final[i], many.iterates[-1, i])
        np.testing.assert_allclose(many.trajectory(i).iterates, one.iterates, rtol=1e-9, atol=1e-12)
    assert many.converged[0] and many.n_steps[0] == 0
    if isinstance(problem, IllConditionedQuadratic):
        assert many.diverged[1:].all()


def test_minimize_many_divergent_runs_are_frozen_and_finite():
    Q = IllConditionedQuadratic(10.0)
    x0s = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])     # only the steep direction diverges
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = minimize_many(gd(0.25), Q, x0s, 2000)
    np.testing.assert_array_equal(r.diverged, [False, True, True])
    for arr in (r.iterates, r.losses, r.grad_norms):
        assert np.all(np.isfinite(arr))
    assert r.n_steps[0] == 2000 and r.n_steps[1] < 2000
    np.testing.assert_allclose(r.iterates[:, 0, 0], 0.75 ** np.arange(2001))
    assert "2 diverged" in r.message


def test_minimize_many_keeps_dtype_and_can_skip_iterates():
    Q = IllConditionedQuadratic(4.0)
    x0s = np.ones((5, 2), dtype=np.float32)
    r = minimize_many(gd(0.1), Q, x0s, 10)
    assert r.iterates.dtype == np.float32 and r.final.dtype == np.float32
    slim = minimize_many(gd(0.1), Q, x0s, 10, keep_iterates=False)
    assert slim.iterates is None
    np.testing.assert_array_equal(slim.final, r.final)
    np.testing.assert_array_equal(slim.losses, r.losses)
    with pytest.raises(ValueError, match="keep_iterates"):
        slim.trajectory(0)


def test_minimize_many_noise_is_reproducible():
    Q = Himmelblau()
    x0s = np.zeros((4, 2))
    a = minimize_many(gd(0.01), Q, x0s, 30, grad_noise=1.0, seed=7)
    b = minimize_many(gd(0.01), Q, x0s, 30, grad_noise=1.0, seed=7)
    np.testing.assert_array_equal(a.iterates, b.iterates)
    assert not np.allclose(a.iterates[:, 0], a.iterates[:, 1])        # independent noise per run


def test_minimize_many_refuses_coupling_transforms():
    Q = IllConditionedQuadratic(4.0)
    x0s = np.ones((3, 2))
    with pytest.raises(ValueError, match="couples the independent runs"):
        minimize_many(chain(clip_by_global_norm(1.0), scale(-0.1)), Q, x0s, 5)
    r = minimize_many(chain(clip_by_global_norm(1.0), scale(-0.1)), Q, x0s, 5, check_elementwise=False)
    assert r.iterates.shape == (6, 3, 2)


def test_minimize_many_is_fast():
    Q = IllConditionedQuadratic(10.0)
    x0s = np.random.default_rng(0).normal(size=(10_000, 2))
    start = time.perf_counter()
    r = minimize_many(momentum(0.05, 0.9), Q, x0s, 500)
    elapsed = time.perf_counter() - start
    assert r.iterates.shape == (501, 10_000, 2) and not r.diverged.any()
    assert elapsed < 5.0, f"10,000 starts x 500 steps took {elapsed:.2f} s"


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(x0s=[1.0, 2.0]), ValueError, r"x0s must be a non-empty 2-D array of shape \(B, n\)"),
    (dict(x0s=[[1.0, 2.0, 3.0]]), ValueError, "x0s must have 2 coordinates"),
    (dict(x0s=[[1.0, np.inf]]), ValueError, "x0s must be finite"),
    (dict(steps=-2), ValueError, "steps"),
    (dict(problem=lambda x: np.where(x[0] > 0, np.inf, x)), ValueError, r"not finite at x0s\[0\]"),
])
def test_minimize_many_rejects_bad_input(kwargs, exc, match):
    args = dict(optimizer=gd(0.1), problem=Himmelblau(), x0s=[[1.0, 0.0], [-1.0, 0.0]], steps=5)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        minimize_many(args.pop("optimizer"), args.pop("problem"), args.pop("x0s"), args.pop("steps"), **args)


# --- memory: only what is used ---------------------------------------------------

def test_minimize_memory_grows_with_the_steps_taken_not_the_budget():
    import tracemalloc

    from descent.optimizers import sgd
    n = 100_000
    Q = Quadratic(np.diag(np.linspace(1.0, 2.0, 5)))      # small problem for the exact check below
    big = np.ones(n)
    tracemalloc.start()
    t = minimize(sgd(lr=0.5), lambda x: x, big, 100_000, tol=1e-3)   # f = |x|^2 / 2: converges fast
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert t.converged and t.steps < 100
    assert peak < 4 * (t.steps + 1) * n * 8                # tens of MB, not 74.5 GiB
    # and the grown record is the same as a short budget's
    short = minimize(sgd(lr=0.1), Q, np.ones(5), 30)
    long = minimize(sgd(lr=0.1), Q, np.ones(5), 10_000_000, tol=float(short.grad_norms[-1]))
    np.testing.assert_array_equal(long.iterates, short.iterates)


def test_minimize_can_keep_only_the_last_iterate():
    Q = Quadratic(_spd(3, 1))
    full = minimize(gd(0.1), Q, np.ones(3), 50)
    slim = minimize(gd(0.1), Q, np.ones(3), 50, keep_iterates=False)
    assert slim.iterates.shape == (1, 3) and slim.steps == full.steps == 50
    np.testing.assert_array_equal(slim.x, full.x)
    np.testing.assert_array_equal(slim.losses, full.losses)
    with pytest.raises(TypeError, match="keep_iterates"):
        minimize(gd(0.1), Q, np.ones(3), 5, keep_iterates="no")


# --- per-run hyper-parameters ------------------------------------------------------

from descent import optimizers as O  # noqa: E402


@pytest.mark.parametrize("factory, hp", [
    (O.sgd, {"lr": [0.01, 0.05, 0.1, 0.3]}),
    (O.sgd, {"lr": [0.01, 0.05, 0.1, 0.3], "momentum": 0.9, "nesterov": True}),
    (O.adam, {"lr": [1e-3, 1e-2, 0.1, 0.5], "weight_decay": 0.01}),
    (O.adam, {"lr": 0.05, "betas": (0.8, 0.99)}),                  # a tuple is one shared value
    (O.adam, {"lr": 0.05, "betas": [(0.9, 0.999), (0.8, 0.99), (0.5, 0.9), (0.0, 0.5)]}),
    (O.adamw, {"lr": [1e-3, 1e-2, 0.1, 0.5]}),
    (O.rmsprop, {"lr": [1e-3, 1e-2, 0.1, 0.5], "momentum": 0.5, "centered": True}),
    (O.adagrad, {"lr": [1e-3, 1e-2, 0.1, 0.5]}),
    (O.adagrad, {"lr": [1e-3, 1e-2, 0.1, 0.5], "lr_decay": 0.01}),
    (O.adadelta, {"lr": [0.5, 1.0, 2.0, 4.0]}),
    (O.sgd, {"lr": 0.05, "momentum": [0.0, 0.5, 0.9, 0.99]}),
    (O.sgd, {"lr": [0.01, 0.05, 0.01, 0.05], "momentum": [0.0, 0.0, 0.9, 0.9]}),
])
def test_per_run_hyperparams_equal_separate_runs_bit_for_bit(factory, hp):
    P = Rosenbrock()
    x0s = np.array([[-1.5, 2.0], [0.0, 0.0], [1.2, 1.0], [-0.5, 0.5]])
    batch = minimize_many(factory, P, x0s, 60, hyperparams=hp)
    for j in range(4):
        kw = {k: (val[j] if isinstance(val, list) else val) for k, val in hp.items()}
        one = minimize(factory(**kw), P, x0s[j], 60)
        if one.diverged:
            assert batch.diverged[j]
            continue
        np.testing.assert_array_equal(batch.iterates[:, j], one.iterates)
        np.testing.assert_array_equal(batch.losses[:, j], one.losses)
    assert set(batch.hyperparams) == set(hp)
    assert batch.trajectory(1).extra == {k: (val[1] if isinstance(val, list) else val) for k, val in hp.items()}


def test_per_run_hyperparams_one_start_for_all_runs_and_partial_and_lambda():
    import functools

    Q = IllConditionedQuadratic(10.0)
    lrs = np.linspace(0.01, 0.25, 9)
    x0 = np.array([3.0, 1.0])
    a = minimize_many(O.sgd, Q, x0, 80, hyperparams={"lr": lrs})
    b = minimize_many(functools.partial(O.sgd, momentum=0.5), Q, x0, 80, hyperparams={"lr": lrs})
    c = minimize_many(lambda lr: chain(scale(-lr)), Q, x0, 80, hyperparams={"lr": lrs})
    assert a.n_runs == 9 and np.array_equal(a.iterates[0], np.tile(x0, (9, 1)))
    np.testing.assert_array_equal(a.iterates, c.iterates)
    for j, lr in enumerate(lrs):
        np.testing.assert_array_equal(b.iterates[:, j], minimize(O.sgd(lr, momentum=0.5), Q, x0, 80).iterates)
    # a schedule per run (not a number): one optimizer per value
    from descent import schedules
    scheds = [schedules.exponential_decay(0.1, 0.99), schedules.constant_schedule(0.05)] \
        if hasattr(schedules, "constant_schedule") else [schedules.exponential_decay(0.1, 0.99)] * 2
    s = minimize_many(O.sgd, Q, x0, 30, hyperparams={"lr": scheds})
    np.testing.assert_array_equal(s.iterates[:, 0], minimize(O.sgd(scheds[0]), Q, x0, 30).iterates)


def test_per_run_hyperparams_freeze_diverging_runs_only():
    Q = IllConditionedQuadratic(10.0)            # lambda_max = 10: GD diverges for lr > 0.2
    lrs = np.array([0.05, 0.15, 0.25, 0.5])
    b = minimize_many(O.sgd, Q, np.array([3.0, 1.0]), 1000, hyperparams={"lr": lrs})
    np.testing.assert_array_equal(b.diverged, lrs > 0.2)
    assert np.all(np.isfinite(b.final))


@pytest.mark.parametrize("args, kwargs, exc, match", [
    ((O.sgd(0.1),), {"hyperparams": {"lr": [0.1, 0.2]}}, TypeError, "factory"),
    ((O.sgd,), {}, TypeError, "GradientTransformation"),
    ((O.sgd,), {"hyperparams": {}}, TypeError, "non-empty dict"),
    ((O.sgd,), {"hyperparams": [0.1, 0.2]}, TypeError, "non-empty dict"),
    ((O.sgd,), {"hyperparams": {"lr": [0.1, 0.2], "momentum": [0.0, 0.5, 0.9]}}, ValueError, "momentum"),
    ((O.sgd,), {"hyperparams": {"lr": [0.1, 0.2, 0.3]}, "x0s": np.zeros((2, 2))}, ValueError, "one per run"),
    ((O.sgd,), {"hyperparams": {"lr": [0.1, -0.2]}}, ValueError, "lr"),
    ((O.sgd,), {"hyperparams": {"learning_rate": [0.1, 0.2]}}, TypeError, "learning_rate"),
    ((O.sgd,), {"hyperparams": {"lr": np.zeros((2, 2))}}, ValueError, "1-D"),
    ((lambda lr: 3,), {"hyperparams": {"lr": [0.1, 0.2]}}, TypeError, "returning a GradientTransformation"),
    ((lambda lr: clip_by_global_norm(1.0),), {"hyperparams": {"lr": [0.1, 0.1]}}, ValueError, "couples"),
])
def test_per_run_hyperparams_reject_bad_input(args, kwargs, exc, match):
    kwargs = dict(kwargs)
    x0s = kwargs.pop("x0s", np.array([1.0, 1.0]))
    with pytest.raises(exc, match=match):
        minimize_many(args[0], IllConditionedQuadratic(10.0), x0s, 5, **kwargs)


def test_runner_calls_value_and_grad_once_per_step_when_the_problem_has_it():
    calls = {"f": 0, "grad": 0, "value_and_grad": 0}
    Q = Quadratic(_spd(2, 3))

    class Net:                          # a problem whose loss and gradient come from one pass
        dim = 2

        def f(self, x):
            calls["f"] += 1
            return Q.f(x)

        def grad(self, x):
            calls["grad"] += 1
            return Q.grad(x)

        def value_and_grad(self, x):
            calls["value_and_grad"] += 1
            return Q.f(x), Q.grad(x)

    t = minimize(gd(0.1), Net(), np.ones(2), 20)
    assert calls == {"f": 0, "grad": 0, "value_and_grad": 21} and (t.n_fev, t.n_gev) == (21, 21)
    np.testing.assert_array_equal(t.losses, minimize(gd(0.1), Q, np.ones(2), 20).losses)
    b = minimize_many(gd(0.1), Net(), np.ones((3, 2)), 10)
    assert calls["value_and_grad"] == 21 + 11 and calls["grad"] == 0
    assert b.n_gev == 11


def test_own_factory_can_declare_lr_as_its_last_factor():
    from descent.transforms import scale_by_learning_rate, scale_by_rms

    def make(lr):
        return chain(scale_by_rms(0.9), scale_by_learning_rate(lr))

    P = Rosenbrock()
    lrs = [1e-3, 1e-2, 0.1]
    calls = []

    def counted(lr):
        calls.append(lr)
        return make(lr)

    grouped = minimize_many(counted, P, np.array([-1.5, 2.0]), 50, hyperparams={"lr": lrs})
    assert sorted(calls) == sorted(lrs)                   # one optimizer per value
    calls.clear()
    counted.lr_is_last_factor = True
    vectorised = minimize_many(counted, P, np.array([-1.5, 2.0]), 50, hyperparams={"lr": lrs})
    assert calls == [1.0]                                 # one optimizer, lr applied per column
    np.testing.assert_array_equal(vectorised.iterates, grouped.iterates)
