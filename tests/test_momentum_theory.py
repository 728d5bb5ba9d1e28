"""Momentum theory helpers agree with the package's optimizers and with SymPy."""
import numpy as np
import pytest
import sympy as sp

from descent.book import momentum_theory as MT
from descent import optimizers as O
from descent.book import symbolic as S
from descent.landscapes import IllConditionedQuadratic
from descent.runner import minimize


def test_spectral_radius_matches_eigvals(rng):
    a = rng.uniform(0.0, 1.0, 50)
    b = rng.uniform(0.0, 0.99, 50)
    lam = rng.uniform(0.1, 5.0, 50)
    for method in MT.METHODS:
        rho = MT.spectral_radius(a, b, lam, method)
        M = MT.iteration_matrix(a, b, lam, method)
        ref = np.abs(np.linalg.eigvals(M)).max(axis=-1)
        np.testing.assert_allclose(rho, ref, rtol=1e-6, atol=1e-8)


def test_gd_case_and_heavy_ball_complex_modulus():
    np.testing.assert_allclose(MT.spectral_radius(0.3, 0.5, 2.0, "gd"), 0.4)
    # complex eigenvalues of the heavy ball have modulus sqrt(beta)
    assert MT.spectral_radius(0.1, 0.81, 1.0) == pytest.approx(0.9)


def test_recurrence_matches_optimizer_runs():
    """The measured rate of the package's optimizers equals the spectral radius."""
    q = IllConditionedQuadratic(condition_number=20.0)
    for method, nesterov in (("heavy_ball", False), ("nesterov", True)):
        a, b = 0.04, 0.8
        tr = minimize(O.sgd(a, momentum=b, nesterov=nesterov), q, np.array([1.0, 1.0]), 400)
        err = np.linalg.norm(tr.iterates, axis=1)
        rho = float(MT.worst_case_rate(a, b, q.eigenvalues, method))
        assert MT.measured_rate(err, 200, 400) == pytest.approx(rho, rel=2e-2)


def test_rate_map_shape_and_optimum():
    al = np.linspace(0.01, 0.2, 7)
    be = np.linspace(0.0, 0.9, 5)
    m = MT.rate_map(al, be, [1.0, 25.0])
    assert m.shape == (5, 7)
    p = MT.polyak_parameters(1.0, 25.0)
    assert p.rate == pytest.approx(4 / 6)
    assert float(MT.worst_case_rate(p.alpha, p.beta, [1.0, 25.0])) == pytest.approx(p.rate, rel=1e-6)


def test_polyak_matches_symbolic():
    r = S.momentum_iteration_matrix()
    lo, hi = 2.0, 50.0
    p = MT.polyak_parameters(lo, hi)
    a = float(r.alpha_opt.subs({S.lam_min: lo, S.lam_max: hi}))
    b = float(r.beta_opt.subs(S.kappa, hi / lo))
    assert p.alpha == pytest.approx(a) and p.beta == pytest.approx(b)


def test_best_parameters():
    kappa = 100.0
    gd = MT.best_parameters(1.0, kappa, "gd")
    assert gd.rate == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-6)
    ne = MT.best_parameters(1.0, kappa, "nesterov")
    assert ne.rate == pytest.approx(1 - 2 / np.sqrt(3 * kappa + 1), rel=1e-6)   # Lessard et al.
    closed = MT.nesterov_parameters(1.0, kappa)
    assert closed.alpha == pytest.approx(ne.alpha, rel=1e-5) and closed.beta == pytest.approx(ne.beta, rel=1e-5)
    assert float(MT.worst_case_rate(closed.alpha, closed.beta, np.geomspace(1, kappa, 65),
                                    "nesterov")) == pytest.approx(closed.rate, rel=1e-6)
    hb = MT.best_parameters(1.0, kappa, "heavy_ball")
    assert hb.rate == pytest.approx(MT.polyak_parameters(1.0, kappa).rate, rel=1e-2)


def test_goodfellow_forms_match_package():
    q = IllConditionedQuadratic(condition_number=10.0, angle=0.3)
    x0 = np.array([2.0, -1.0])
    lr, mu, n = 0.05, 0.9, 30
    hb = MT.momentum_goodfellow(q.grad, x0, lr, mu, n)
    pt = minimize(O.sgd(lr, momentum=mu), q, x0, n).iterates
    np.testing.assert_allclose(hb, pt, rtol=1e-12, atol=1e-12)
    its, ahead = MT.nesterov_goodfellow(q.grad, x0, lr, mu, n)
    ne = minimize(O.sgd(lr, momentum=mu, nesterov=True), q, x0, n).iterates
    np.testing.assert_allclose(ahead, ne, rtol=1e-12, atol=1e-12)
    assert not np.allclose(its, ne)


def test_nesterov_forms_are_re_exported_from_symbolic():
    from descent.book import symbolic as S
    assert MT.nesterov_forms_equivalence is S.nesterov_forms_equivalence
    assert MT.NesterovForms is S.NesterovForms
    with pytest.raises(AttributeError):
        MT.no_such_thing


def test_measured_rate():
    e = 0.5 ** np.arange(20)
    assert MT.measured_rate(e) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        MT.measured_rate([1.0])


def test_shallow_dip():
    d = MT.ShallowDip()
    assert d.minima.shape == (2, 1) and d.critical_points.shape == (1, 1)
    assert abs(d.minima[0, 0]) < 1e-6 and 2.5 < d.minima[1, 0] < 3.0
    assert d.minima[1, 0] > d.critical_points[0, 0] > 0
    for x in (d.minima, d.critical_points):
        np.testing.assert_allclose(d.grad(x.T), 0.0, atol=1e-9)
    x = np.linspace(-4, 6, 7)[None]
    h = 1e-6
    np.testing.assert_allclose(d.grad(x)[0], (d.f(x + h) - d.f(x - h)) / (2 * h), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d.hess(x)[0, 0], (d.grad(x + h)[0] - d.grad(x - h)[0]) / (2 * h), rtol=1e-5, atol=1e-5)
    # gradient descent stops in the dip, momentum rolls through
    gd = minimize(O.sgd(0.1), d, np.array([6.0]), 300)
    hb = minimize(O.sgd(0.1, momentum=0.8), d, np.array([6.0]), 300)
    assert gd.iterates[-1, 0] == pytest.approx(d.minima[1, 0], abs=1e-6)
    assert abs(hb.iterates[-1, 0]) < 1e-6


def test_lessard_counterexample_cycles():
    L = MT.LessardCounterexample()
    x = np.linspace(-1, 4, 11)[None]
    h = 1e-7
    np.testing.assert_allclose(L.grad(x)[0], (L.f(x + h) - L.f(x - h)) / (2 * h), rtol=1e-5, atol=1e-5)
    p = MT.polyak_parameters(1.0, 25.0)
    tr = minimize(O.sgd(p.alpha, momentum=p.beta), L, np.array([3.3]), 300)
    tail = tr.iterates[-6:, 0]
    np.testing.assert_allclose(tail[:3], tail[3:], atol=1e-8)      # period 3
    assert np.max(np.abs(tail)) > 1.0                               # far from the minimum
    ne = minimize(O.sgd(1 / 25, momentum=4 / 6, nesterov=True), L, np.array([3.3]), 300)
    assert abs(ne.iterates[-1, 0]) < 1e-8


def test_validation():
    with pytest.raises(ValueError):
        MT.spectral_radius(0.1, 1.0, 1.0)
    with pytest.raises(ValueError):
        MT.spectral_radius(0.1, 0.5, 1.0, "adam")
    with pytest.raises(ValueError):
        MT.worst_case_rate(0.1, 0.5, [])
    with pytest.raises(ValueError):
        MT.polyak_parameters(2.0, 1.0)
