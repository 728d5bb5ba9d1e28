"""Tests for descent.second_order (Newton, DFP, BFGS, L-BFGS) and descent.line_search."""
from __future__ import annotations

import contextlib
import time
import types

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize, rosen, rosen_der, rosen_hess

from descent.line_search import LineSearchResult, wolfe_line_search
from descent.second_order import (
    bfgs,
    bfgs_inverse_update,
    dfp,
    dfp_inverse_update,
    lbfgs,
    newton,
    two_loop_direction,
)
from descent.trajectory import Trajectory

try:  # comes with scikit-learn; BLAS threads only slow down these small (n <= 100) problems
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None


def single_blas_thread():
    """Timing-stable context: one BLAS thread (oversubscribed cores make SciPy's BFGS 10x slower)."""
    return threadpool_limits(limits=1) if threadpool_limits else contextlib.nullcontext()

# ----------------------------------------------------------------------------------------------
# Test problems
# ----------------------------------------------------------------------------------------------

ROSEN = types.SimpleNamespace(f=rosen, grad=rosen_der, hess=rosen_hess)

_BEALE_C = np.array([1.5, 2.25, 2.625])
_K = np.arange(1, 4)


def beale_f(v):
    """Beale (1958): sum_k (c_k - x + x y^k)^2, minimum 0 at (3, 1/2)."""
    x, y = v
    r = _BEALE_C - x + x * y**_K
    return float(r @ r)


def beale_grad(v):
    x, y = v
    r = _BEALE_C - x + x * y**_K
    return np.array([2.0 * r @ (y**_K - 1.0), 2.0 * r @ (x * _K * y ** (_K - 1))])


BEALE = types.SimpleNamespace(f=beale_f, grad=beale_grad)


class Quadratic:
    """f(x) = 1/2 x'Ax - b'x, with gradient Ax - b and Hessian A."""

    def __init__(self, A, b):
        self.A = np.asarray(A, dtype=float)
        self.b = np.asarray(b, dtype=float)

    def f(self, x):
        return 0.5 * x @ self.A @ x - self.b @ x

    def grad(self, x):
        return self.A @ x - self.b

    def hess(self, x):
        return self.A.copy()


SADDLE = Quadratic(np.diag([2.0, -2.0]), np.zeros(2))  # f = x^2 - y^2


class Counting:
    """Wraps a problem and counts calls, to check the trajectory's n_fev / n_gev / n_hev."""

    def __init__(self, problem):
        self.problem = problem
        self.calls = {"f": 0, "grad": 0, "hess": 0}

    def f(self, x):
        self.calls["f"] += 1
        return self.problem.f(x)

    def grad(self, x):
        self.calls["grad"] += 1
        return self.problem.grad(x)

    def hess(self, x):
        self.calls["hess"] += 1
        return self.problem.hess(x)


def random_spd(rng, n, cond=10.0):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    M = (Q * np.geomspace(1.0, cond, n)) @ Q.T
    return 0.5 * (M + M.T)  # exactly symmetric


def test_beale_gradient_matches_finite_differences(rng):
    for _ in range(5):
        v = rng.uniform(-2, 2, size=2)
        h = 1e-6
        fd = [(beale_f(v + h * e) - beale_f(v - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(beale_grad(v), fd, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# Wolfe line search
# ----------------------------------------------------------------------------------------------


def assert_strong_wolfe(f, grad, x, p, res, c1=1e-4, c2=0.9):
    assert isinstance(res, LineSearchResult)
    assert res.success, res.message
    a = res.alpha
    np.testing.assert_array_equal(res.x, x + a * p)
    assert res.f == f(x + a * p)
    np.testing.assert_array_equal(res.g, grad(x + a * p))
    slope0 = grad(x) @ p
    assert res.f <= f(x) + c1 * a * slope0  # sufficient decrease
    assert abs(res.g @ p) <= c2 * abs(slope0)  # strong curvature condition


@pytest.mark.parametrize("alpha0", [1e-8, 1e-3, 1.0, 1e3])
@pytest.mark.parametrize("c2", [0.9, 0.1])
def test_wolfe_step_satisfies_both_conditions(rng, alpha0, c2):
    # Steepest descent and Newton directions on Rosenbrock, from several random points;
    # tiny alpha0 exercises the doubling of Algorithm 3.5, huge alpha0 the zoom of Algorithm 3.6.
    for _ in range(5):
        x = rng.uniform(-2, 2, size=4)
        for p in (-rosen_der(x), -np.linalg.solve(rosen_hess(x) + 1e3 * np.eye(4), rosen_der(x))):
            res = wolfe_line_search(rosen, rosen_der, x, p, alpha0=alpha0, c2=c2)
            assert_strong_wolfe(rosen, rosen_der, x, p, res, c2=c2)


def test_wolfe_exact_on_quadratic_accepts_unit_newton_step(rng):
    q = Quadratic(random_spd(rng, 5), rng.standard_normal(5))
    x = rng.standard_normal(5)
    p = -np.linalg.solve(q.A, q.grad(x))
    res = wolfe_line_search(q.f, q.grad, x, p)
    assert res.success and res.alpha == 1.0
    assert (res.n_fev, res.n_gev) == (2, 2)  # f(x), grad(x), then one trial step


def test_wolfe_known_values_save_evaluations(rng):
    x = np.array([-1.2, 1.0])
    p = -rosen_der(x)
    cold = wolfe_line_search(rosen, rosen_der, x, p, alpha0=1e-3)
    warm = wolfe_line_search(rosen, rosen_der, x, p, f0=rosen(x), g0=rosen_der(x), alpha0=1e-3)
    assert cold.alpha == warm.alpha
    assert (cold.n_fev - warm.n_fev, cold.n_gev - warm.n_gev) == (1, 1)


def test_wolfe_handles_overflow_without_warnings():
    # exp overflows for large trial steps: those are treated as "too far", not as errors.
    f = lambda x: float(np.sum(np.exp(x) - 2.0 * x))  # noqa: E731  minimum at log 2
    g = lambda x: np.exp(x) - 2.0  # noqa: E731
    x = np.zeros(3)
    p = -g(x)
    res = wolfe_line_search(f, g, x, p, alpha0=1e4)
    assert_strong_wolfe(f, g, x, p, res)


def test_wolfe_failure_is_a_result_not_an_exception():
    linear = lambda x: float(np.sum(x))  # noqa: E731  unbounded below
    ones = lambda x: np.ones_like(x)  # noqa: E731
    x = np.zeros(2)
    res = wolfe_line_search(linear, ones, x, -np.ones(2), alpha_max=100.0)
    assert not res.success
    assert res.alpha is None and res.x is None and res.f is None and res.g is None
    assert "unbounded" in res.message
    res = wolfe_line_search(linear, ones, x, -np.ones(2), max_iter=3)
    assert not res.success and "max_iter=3" in res.message
    assert res.n_fev == 1 + 3


def test_wolfe_rejects_non_descent_and_bad_arguments():
    x = np.array([-1.2, 1.0])
    g = rosen_der(x)
    with pytest.raises(ValueError, match="descent direction"):
        wolfe_line_search(rosen, rosen_der, x, g)
    with pytest.raises(ValueError, match="descent direction"):
        wolfe_line_search(rosen, rosen_der, x, np.array([g[1], -g[0]]) * 0.0)
    with pytest.raises(ValueError, match="c1 and c2"):
        wolfe_line_search(rosen, rosen_der, x, -g, c1=0.5, c2=0.4)
    with pytest.raises(ValueError, match="alpha0"):
        wolfe_line_search(rosen, rosen_der, x, -g, alpha0=0.0)
    with pytest.raises(ValueError, match="p must have the shape"):
        wolfe_line_search(rosen, rosen_der, x, -np.ones(3))
    with pytest.raises(ValueError, match="p must be finite"):
        wolfe_line_search(rosen, rosen_der, x, np.array([np.nan, 1.0]))
    with pytest.raises(TypeError, match="max_iter"):
        wolfe_line_search(rosen, rosen_der, x, -g, max_iter=2.5)


# ----------------------------------------------------------------------------------------------
# Newton
# ----------------------------------------------------------------------------------------------


def test_newton_solves_a_quadratic_in_one_step(rng):
    q = Quadratic(random_spd(rng, 6, cond=1e4), rng.standard_normal(6))
    tr = newton(q, rng.standard_normal(6))
    assert isinstance(tr, Trajectory)
    assert tr.converged and tr.steps == 1
    np.testing.assert_allclose(tr.x, np.linalg.solve(q.A, q.b), rtol=1e-9)
    assert tr.n_hev == 1


def test_newton_damping_is_the_levenberg_step(rng):
    q = Quadratic(random_spd(rng, 4), rng.standard_normal(4))
    x0 = rng.standard_normal(4)
    tr = newton(q, x0, steps=1, damping=2.5)
    expected = x0 - np.linalg.solve(q.A + 2.5 * np.eye(4), q.grad(x0))
    np.testing.assert_allclose(tr.iterates[1], expected, rtol=1e-12)
    # saddle-free on a positive definite Hessian is plain Newton
    sf = newton(q, x0, steps=1, damping=2.5, saddle_free=True)
    np.testing.assert_allclose(sf.iterates[1], expected, rtol=1e-10)


def test_plain_newton_jumps_to_the_saddle():
    tr = newton(SADDLE, np.array([1.0, 0.5]))
    assert tr.steps == 1
    np.testing.assert_array_equal(tr.x, [0.0, 0.0])
    # "converged" only means a zero gradient: this stationary point is a saddle, not a minimum
    assert tr.converged and tr.grad_norms[-1] == 0.0
    assert np.any(np.linalg.eigvalsh(SADDLE.hess(tr.x)) < 0)


def test_saddle_free_newton_escapes_along_negative_curvature():
    tr = newton(SADDLE, np.array([1.0, 0.5]), steps=5, saddle_free=True)
    assert not tr.converged and tr.steps == 5
    # |H| = 2I, so the step is -g/2: x (positive curvature) is solved at once, y doubles
    np.testing.assert_array_equal(tr.iterates[1], [0.0, 1.0])
    np.testing.assert_array_equal(tr.iterates[:, 0], [1.0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(tr.iterates[:, 1], 0.5 * 2.0 ** np.arange(6))
    assert np.all(np.diff(tr.losses) < 0)  # always downhill
    distance = np.linalg.norm(tr.iterates, axis=1)  # to the saddle (0, 0)
    assert np.all(np.diff(distance[1:]) > 0) and distance[-1] > 10 * distance[0]


def test_newton_with_line_search_refuses_an_uphill_direction():
    # at (0.5, 1) the Newton direction (-0.5, -1) points uphill on x^2 - y^2
    tr = newton(SADDLE, np.array([0.5, 1.0]), line_search=True)
    assert not tr.converged and tr.steps == 0
    assert "not a descent direction" in tr.message


@pytest.mark.parametrize("saddle_free", [False, True])
def test_newton_singular_hessian_gives_a_message_not_a_traceback(saddle_free):
    # f = x^2 in two variables: H = diag(2, 0) is singular
    flat = Quadratic(np.diag([2.0, 0.0]), np.zeros(2))
    tr = newton(flat, np.array([1.0, 1.0]), saddle_free=saddle_free)
    assert not tr.converged and not tr.diverged and tr.steps == 0
    assert "singular" in tr.message and "damping" in tr.message
    # damping repairs it
    tr = newton(flat, np.array([1.0, 1.0]), damping=1e-3, saddle_free=saddle_free)
    assert tr.converged and abs(tr.x[0]) < 1e-8


def test_newton_divergence_is_reported():
    # f = sqrt(1 + x^2): Newton maps x to -x^3, so from 2 it goes to -8, then 512 where f is inf
    class Sqrt:
        def f(self, x):
            return np.inf if abs(x[0]) > 100 else float(np.sqrt(1 + x[0] ** 2))

        def grad(self, x):
            return x / np.sqrt(1 + x**2)

        def hess(self, x):
            return np.array([[(1 + x[0] ** 2) ** -1.5]])

    tr = newton(Sqrt(), np.array([2.0]))
    assert tr.diverged and not tr.converged
    np.testing.assert_allclose(tr.iterates[:, 0], [2.0, -8.0])
    assert np.all(np.isfinite(tr.losses))


def test_newton_on_rosenbrock_beats_quasi_newton_in_steps():
    x0 = np.array([-1.2, 1.0])
    for line_search in (False, True):
        tr = newton(ROSEN, x0, line_search=line_search)
        assert tr.converged
        np.testing.assert_allclose(tr.x, [1.0, 1.0], atol=1e-10)
    assert newton(ROSEN, x0).steps < bfgs(ROSEN, x0).steps


def test_trajectory_bookkeeping_matches_the_problem():
    for method in (newton, bfgs, dfp, lbfgs):
        problem = Counting(ROSEN)
        tr = method(problem, np.array([-1.2, 1.0]), 30)
        assert tr.iterates.shape == (tr.steps + 1, 2)
        np.testing.assert_array_equal(tr.losses, [rosen(x) for x in tr.iterates])
        np.testing.assert_allclose(tr.grad_norms, [np.linalg.norm(rosen_der(x)) for x in tr.iterates])
        assert (tr.n_fev, tr.n_gev, tr.n_hev) == (
            problem.calls["f"], problem.calls["grad"], problem.calls["hess"]
        )
        assert np.all(np.diff(tr.losses) <= 0) or method is newton  # line searches descend


# ----------------------------------------------------------------------------------------------
# Quasi-Newton updates
# ----------------------------------------------------------------------------------------------


def random_pair(rng, n):
    """A step s and gradient change y with y's > 0 (y = A s for a random SPD A, plus noise)."""
    s = rng.standard_normal(n)
    y = random_spd(rng, n, cond=100.0) @ s + 0.1 * rng.standard_normal(n)
    if y @ s <= 0:
        y = -y
    return s, y


@pytest.mark.parametrize("update", [bfgs_inverse_update, dfp_inverse_update])
def test_updates_satisfy_secant_and_stay_spd(rng, update):
    for trial in range(50):
        n = 1 + trial % 7
        H = random_spd(rng, n, cond=50.0)
        s, y = random_pair(rng, n)
        H1 = update(H, s, y)
        np.testing.assert_allclose(H1 @ y, s, rtol=1e-9, atol=1e-12)  # secant condition
        np.testing.assert_array_equal(H1, H1.T)  # exactly symmetric
        assert np.linalg.eigvalsh(H1).min() > 0  # positive definite


def test_updates_agree_with_the_direct_hessian_formulas(rng):
    # Independent check: H-updates are the inverses of the B-updates,
    # BFGS (N&W 6.19) B+ = B - Bss'B/s'Bs + yy'/y's and DFP (N&W 6.13)
    # B+ = (I - g ys')B(I - g sy') + g yy', g = 1/y's.
    for n in (2, 5):
        H = random_spd(rng, n)
        B = np.linalg.inv(H)
        s, y = random_pair(rng, n)
        Bs = B @ s
        B_bfgs = B - np.outer(Bs, Bs) / (s @ Bs) + np.outer(y, y) / (y @ s)
        np.testing.assert_allclose(bfgs_inverse_update(H, s, y), np.linalg.inv(B_bfgs), rtol=1e-8)
        gam = 1.0 / (y @ s)
        E = np.eye(n) - gam * np.outer(y, s)
        B_dfp = E @ B @ E.T + gam * np.outer(y, y)
        np.testing.assert_allclose(dfp_inverse_update(H, s, y), np.linalg.inv(B_dfp), rtol=1e-8)


@pytest.mark.parametrize("update", [bfgs_inverse_update, dfp_inverse_update])
def test_updates_secant_condition_symbolically(update):
    a, b, c, s1, s2, y1, y2 = sp.symbols("a b c s1 s2 y1 y2")
    H = sp.Matrix([[a, b], [b, c]])
    s = sp.Matrix([s1, s2])
    y = sp.Matrix([y1, y2])
    H1 = update(H, s, y)
    assert (H1 * y - s).applyfunc(sp.cancel) == sp.zeros(2, 1)
    assert (H1 - H1.T).applyfunc(sp.cancel) == sp.zeros(2, 2)


@pytest.mark.parametrize("update", [bfgs_inverse_update, dfp_inverse_update])
def test_updates_reject_bad_input(update):
    H = np.eye(2)
    s = np.array([1.0, 0.0])
    with pytest.raises(ValueError, match="curvature condition"):
        update(H, s, np.array([-1.0, 0.0]))
    with pytest.raises(ValueError, match="curvature condition"):
        update(H, s, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="H must have shape"):
        update(np.eye(3), s, s)
    with pytest.raises(ValueError, match="y must have the shape"):
        update(H, s, np.ones(3))
    with pytest.raises(ValueError, match="s must be finite"):
        update(H, np.array([np.inf, 0.0]), s)


# ----------------------------------------------------------------------------------------------
# Two-loop recursion
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("m", [1, 3, 8])
def test_two_loop_equals_explicit_bfgs_matrix(rng, m):
    n = 7
    pairs = [random_pair(rng, n) for _ in range(m)]
    S = [p[0] for p in pairs]
    Y = [p[1] for p in pairs]
    gamma = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1])
    H = gamma * np.eye(n)
    for s, y in zip(S, Y):  # oldest first
        H = bfgs_inverse_update(H, s, y)
    for _ in range(3):
        g = rng.standard_normal(n)
        np.testing.assert_allclose(two_loop_direction(g, S, Y), -H @ g, rtol=1e-10, atol=1e-12)
        # arrays of shape (m, n) work as well as lists
        np.testing.assert_allclose(two_loop_direction(g, np.array(S), np.array(Y)), -H @ g, rtol=1e-10)


def test_two_loop_edge_cases_and_errors(rng):
    g = rng.standard_normal(4)
    np.testing.assert_array_equal(two_loop_direction(g, [], []), -g)
    s, y = random_pair(rng, 4)
    with pytest.raises(ValueError, match="same length"):
        two_loop_direction(g, [s], [])
    with pytest.raises(ValueError, match="curvature"):
        two_loop_direction(g, [s], [-y])
    with pytest.raises(ValueError, match="shape of g"):
        two_loop_direction(g, [np.ones(3)], [np.ones(3)])
    with pytest.raises(ValueError, match="g must be a non-empty 1-D"):
        two_loop_direction(np.ones((2, 2)), [], [])
    assert two_loop_direction(g.astype(np.float32), [s], [y]).dtype == np.float32


# ----------------------------------------------------------------------------------------------
# Quasi-Newton minimisers against SciPy
# ----------------------------------------------------------------------------------------------

CASES = {
    "rosen2": (ROSEN, np.array([-1.2, 1.0]), np.ones(2)),
    "rosen10": (ROSEN, np.zeros(10), np.ones(10)),
    "rosen100": (ROSEN, np.zeros(100), np.ones(100)),
    "beale": (BEALE, np.array([1.0, 1.0]), np.array([3.0, 0.5])),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("method, scipy_method", [(bfgs, "BFGS"), (lbfgs, "L-BFGS-B")])
def test_quasi_newton_matches_scipy(case, method, scipy_method):
    problem, x0, x_star = CASES[case]
    options = {"gtol": 1e-8, "maxiter": 5000}
    if scipy_method == "L-BFGS-B":
        options.update(ftol=1e-15, maxcor=10)
    with single_blas_thread():
        ref = minimize(problem.f, x0, jac=problem.grad, method=scipy_method, options=options)
        start = time.perf_counter()
        tr = method(problem, x0, 5000, tol=1e-8)
        elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{method.__name__} took {elapsed:.2f} s on {case}"  # 100-D: ~0.3 s
    assert tr.converged, tr.message
    np.testing.assert_allclose(tr.x, ref.x, atol=1e-5)
    np.testing.assert_allclose(tr.x, x_star, atol=1e-6)
    assert tr.steps <= 3 * ref.nit + 10
    assert ref.nit <= 3 * tr.steps + 10
    # strong Wolfe steps make every curvature pair y's positive: no update was skipped
    assert tr.extra["skipped_updates"] == []
    S = np.diff(tr.iterates, axis=0)
    Yg = np.diff([problem.grad(x) for x in tr.iterates], axis=0)
    assert np.all(np.einsum("ij,ij->i", S, Yg) > 0)


@pytest.mark.parametrize("case", ["rosen2", "beale"])
def test_dfp_converges_but_slower_than_bfgs(case):
    problem, x0, x_star = CASES[case]
    tr = dfp(problem, x0, 5000)
    assert tr.converged, tr.message
    np.testing.assert_allclose(tr.x, x_star, atol=1e-6)
    assert tr.steps >= bfgs(problem, x0).steps


def test_bfgs_with_the_true_inverse_hessian_takes_one_step(rng):
    q = Quadratic(random_spd(rng, 5, cond=1e3), rng.standard_normal(5))
    tr = bfgs(q, rng.standard_normal(5), H0=np.linalg.inv(q.A))
    assert tr.converged and tr.steps == 1
    np.testing.assert_allclose(tr.x, np.linalg.solve(q.A, q.b), rtol=1e-8)


def test_lbfgs_memory_and_m():
    tr = lbfgs(ROSEN, np.zeros(100), 5, m=7)
    assert tr.extra["memory_floats"] == 2 * 7 * 100
    assert tr.steps == 5 and not tr.converged and "step limit" in tr.message
    # m = 1 still converges, just more slowly
    assert lbfgs(ROSEN, np.array([-1.2, 1.0]), 2000, m=1).converged


@pytest.mark.parametrize("method", [bfgs, dfp, lbfgs])
def test_unbounded_problem_stops_with_a_message(method):
    linear = types.SimpleNamespace(f=lambda x: float(np.sum(x)), grad=lambda x: np.ones_like(x))
    tr = method(linear, np.zeros(3), 100)
    assert not tr.converged and tr.diverged and "unbounded below" in tr.message


@pytest.mark.parametrize("method", [newton, bfgs, dfp, lbfgs])
def test_dtypes_and_zero_steps(method):
    tr = method(ROSEN, np.array([-1.2, 1.0], dtype=np.float32), 200, tol=1e-3)
    assert tr.iterates.dtype == np.float32 and tr.converged
    np.testing.assert_allclose(tr.x, [1.0, 1.0], atol=1e-2)
    tr = method(ROSEN, [0, 0], 0)
    assert tr.iterates.dtype == np.float64 and tr.steps == 0 and "step limit" in tr.message
    tr = method(ROSEN, np.ones(3), 10)
    assert tr.converged and tr.steps == 0


@pytest.mark.parametrize("method", [newton, bfgs, dfp, lbfgs])
def test_bad_inputs_raise(method):
    with pytest.raises(ValueError, match="x0"):
        method(ROSEN, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="x0"):
        method(ROSEN, np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match="x0"):
        method(ROSEN, np.array([]))
    with pytest.raises(TypeError, match="x0"):
        method(ROSEN, np.array(["a", "b"]))
    with pytest.raises(ValueError, match="steps"):
        method(ROSEN, np.zeros(2), -1)
    with pytest.raises(TypeError, match="steps"):
        method(ROSEN, np.zeros(2), 2.5)
    with pytest.raises(ValueError, match="tol"):
        method(ROSEN, np.zeros(2), tol=-1.0)
    with pytest.raises(TypeError, match="problem"):
        method(types.SimpleNamespace(f=rosen), np.zeros(2))
    bad_grad = types.SimpleNamespace(f=rosen, grad=lambda x: np.zeros(3), hess=rosen_hess)
    with pytest.raises(ValueError, match="problem.grad"):
        method(bad_grad, np.zeros(2))


def test_method_specific_bad_inputs():
    with pytest.raises(ValueError, match="damping"):
        newton(ROSEN, np.zeros(2), damping=-1.0)
    with pytest.raises(TypeError, match="problem must have a callable .hess"):
        newton(BEALE, np.zeros(2))
    with pytest.raises(ValueError, match="problem.hess"):
        newton(types.SimpleNamespace(f=rosen, grad=rosen_der, hess=lambda x: np.eye(3)), np.zeros(2))
    with pytest.raises(ValueError, match="m must be a positive integer"):
        lbfgs(ROSEN, np.zeros(2), m=0)
    with pytest.raises(TypeError, match="m must be an integer"):
        lbfgs(ROSEN, np.zeros(2), m=2.0)
    with pytest.raises(ValueError, match="H0 must be positive definite"):
        bfgs(ROSEN, np.zeros(2), H0=np.diag([1.0, -1.0]))
    with pytest.raises(ValueError, match="H0 must be symmetric"):
        bfgs(ROSEN, np.zeros(2), H0=np.array([[1.0, 0.5], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="H0 must have shape"):
        bfgs(ROSEN, np.zeros(2), H0=np.eye(3))


# --- issue 10/11 input rows ----------------------------------------------------------

from descent.landscapes import Quadratic, Rosenbrock, Saddle  # noqa: E402
from descent.line_search import wolfe_line_search  # noqa: E402


@pytest.mark.parametrize("method", [newton, bfgs, dfp, lbfgs])
def test_tol_none_runs_every_step_like_minimize(method):
    tr = method(Rosenbrock(), np.array([-1.2, 1.0]), 15, tol=None)
    assert tr.steps == 15 and not tr.converged and "step limit" in tr.message
    # at an exact stationary point a run without tol stops with a message, not an error
    at_min = method(Quadratic(np.eye(2)), np.zeros(2), 5, tol=None)
    assert not at_min.converged and not at_min.diverged
    np.testing.assert_array_equal(at_min.x, np.zeros(2))


@pytest.mark.parametrize("method", [newton, bfgs, dfp, lbfgs])
def test_x0_of_the_wrong_size_is_named(method):
    with pytest.raises(ValueError, match=r"x0 must have 2 coordinates"):
        method(Saddle(), np.zeros(3))


@pytest.mark.parametrize("method", [bfgs, lbfgs])
def test_unbounded_quadratic_is_reported_as_divergence(method):
    linear_in_y = Quadratic(np.diag([1.0, 0.0]), b=[0.0, 1.0])   # f = x^2/2 - y: unbounded below
    tr = method(linear_in_y, np.array([1.0, 0.5]), 200)
    assert tr.diverged and not tr.converged and "unbounded below" in tr.message
    assert np.all(np.isfinite(tr.iterates))


@pytest.mark.parametrize("method", [bfgs, dfp, lbfgs])
def test_saddle_quadratic_is_reported_as_divergence(method):
    tr = method(Quadratic(np.diag([1.0, -1.0])), np.array([1.0, 0.5]), 200)
    assert tr.diverged and "unbounded below" in tr.message


def test_newton_line_search_on_an_unbounded_direction_diverges():
    linear_in_y = Quadratic(np.diag([1.0, 0.0]), b=[0.0, 1.0])
    tr = newton(linear_in_y, np.array([1.0, 0.5]), 20, damping=1.0, line_search=True)
    assert tr.diverged and "unbounded below" in tr.message


def test_newton_reports_an_underflowed_hessian_as_divergence():
    # Exercise 4.2: log cosh from 1.2 — pure Newton runs away and 1/cosh^2 underflows to 0
    logcosh = types.SimpleNamespace(f=lambda t: float(np.log(np.cosh(t[0]))),
                                    grad=lambda t: np.array([np.tanh(t[0])]),
                                    hess=lambda t: np.array([[1.0 / np.cosh(t[0]) ** 2]]))
    with np.errstate(over="ignore"):
        tr = newton(logcosh, np.array([1.2]), steps=8)
    assert tr.diverged and "underflowed" in tr.message and "singular" not in tr.message
    # a genuinely singular Hessian keeps its advice
    flat = types.SimpleNamespace(f=lambda x: float(x[0] ** 2 + x[1]), grad=lambda x: np.array([2 * x[0], 1.0]),
                                 hess=lambda x: np.array([[2.0, 0.0], [0.0, 0.0]]))
    tr = newton(flat, np.array([1.0, 1.0]), 5)
    assert not tr.diverged and "singular" in tr.message
    # f = theta^4 near 0 converges; far out it is reported as divergence, never as singular
    quartic = types.SimpleNamespace(f=lambda t: float(t[0] ** 4), grad=lambda t: np.array([4 * t[0] ** 3]),
                                    hess=lambda t: np.array([[12 * t[0] ** 2]]))
    assert newton(quartic, np.array([1e-3]), 2000, tol=0.0).converged
    far = newton(quartic, np.array([1e90]), 5)
    assert far.diverged and "singular" not in far.message


@pytest.mark.parametrize("bad, exc, match", [
    (lambda x: None, TypeError, "f must return a real number, got NoneType"),
    (lambda x: "1.0", TypeError, "f must return a real number"),
    (lambda x: np.ones(2), ValueError, "f must return a scalar"),
])
def test_line_search_with_a_bad_f_says_so(bad, exc, match):
    with pytest.raises(exc, match=match):
        wolfe_line_search(bad, lambda x: 2 * x, np.ones(2), -np.ones(2), g0=2 * np.ones(2), f0=2.0)


def test_line_search_with_a_bad_grad_or_non_callables():
    with pytest.raises(TypeError, match="grad must return a real array"):
        wolfe_line_search(lambda x: float(x @ x), lambda x: None, np.ones(2), -np.ones(2))
    with pytest.raises(TypeError, match="f must be callable"):
        wolfe_line_search(3.0, lambda x: 2 * x, np.ones(2), -np.ones(2))


def test_line_search_reports_unbounded_below():
    r = wolfe_line_search(lambda x: float(-x[0]), lambda x: np.array([-1.0]), np.zeros(1), np.ones(1))
    assert not r.success and r.unbounded and "unbounded below" in r.message
    r = wolfe_line_search(lambda x: float(-x[0]), lambda x: np.array([-1.0]), np.zeros(1), np.ones(1),
                          alpha_max=100.0)
    assert not r.success and r.unbounded and "alpha_max" in r.message
    ok = wolfe_line_search(lambda x: float(x @ x), lambda x: 2 * x, np.ones(2), -np.ones(2))
    assert ok.success and not ok.unbounded


@pytest.mark.parametrize("method", [newton, bfgs, lbfgs])
def test_second_order_problem_returning_none_is_a_type_error(method):
    P = types.SimpleNamespace(f=lambda x: None, grad=lambda x: 2 * x, hess=lambda x: 2 * np.eye(2))
    with pytest.raises(TypeError, match="problem.f must return a real number"):
        method(P, np.ones(2))


class _OnePass:
    """A problem that only has value_and_grad (a network: one pass gives both), counting passes."""

    def __init__(self, landscape):
        self.landscape, self.dim, self.passes = landscape, landscape.dim, 0

    def value_and_grad(self, x):
        self.passes += 1
        return self.landscape.f(x), self.landscape.grad(x)


@pytest.mark.parametrize("method", [bfgs, dfp, lbfgs])
def test_value_and_grad_problem_needs_no_cache_and_gives_the_same_run(method):
    P = _OnePass(Rosenbrock())
    tr = method(P, np.array([-1.2, 1.0]), 200)
    ref = method(Rosenbrock(), np.array([-1.2, 1.0]), 200)
    np.testing.assert_array_equal(tr.iterates, ref.iterates)
    assert tr.converged == ref.converged and P.passes == tr.n_fev == tr.n_gev
    assert P.passes <= max(ref.n_fev, ref.n_gev)     # f and grad at one point: one pass


def test_newton_and_the_runner_take_a_value_and_grad_problem():
    class WithHess(_OnePass):
        def hess(self, x):
            return self.landscape.hess(x)

    tr = newton(WithHess(Rosenbrock()), np.array([-1.2, 1.0]), 50, line_search=True)
    assert tr.converged
    from descent.optimizers import sgd
    from descent.runner import minimize
    P = _OnePass(Rosenbrock())
    run = minimize(sgd(1e-3), P, np.array([-1.2, 1.0]), 30)
    np.testing.assert_array_equal(run.losses, minimize(sgd(1e-3), Rosenbrock(), np.array([-1.2, 1.0]), 30).losses)
    assert P.passes == 31
