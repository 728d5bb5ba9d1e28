"""The SymPy derivations agree with their closed forms (and with numbers)."""
import numpy as np
import pytest
import sympy as sp

from descent.book import symbolic as S
from descent.book.symbolic import alpha, beta, beta1, beta2, kappa, lam, lam_max, lam_min


def zero(expr):
    """``sp.simplify(expr) == 0``, trying the much faster rational ``cancel`` first."""
    expr = sp.sympify(expr)
    return sp.cancel(expr) == 0 or sp.simplify(expr) == 0


# ---------------------------------------------------------------------------
# Taylor model and Newton step
# ---------------------------------------------------------------------------

def test_taylor2_generic_matches_f_and_two_derivatives_at_theta0():
    r = S.taylor2_model()
    th, th0 = r.theta, r.theta0
    f0, f1, f2 = r.derivatives
    at = {th: th0}
    assert zero(r.model.subs(at) - f0)
    assert zero(sp.diff(r.model, th).subs(at) - f1)
    assert zero(sp.diff(r.model, th, 2) - f2)
    assert zero(r.tangent - (f0 + f1 * (th - th0)))
    assert zero(r.vertex - (th0 - f1 / f2))
    assert zero(sp.diff(r.model, th).subs(th, r.vertex))


def test_taylor2_concrete_equals_sympy_series():
    th = S.theta
    f = sp.exp(th) * sp.cos(th)
    r = S.taylor2_model(f, th, 0)
    assert zero(r.model - sp.series(f, th, 0, 3).removeO())
    # Newton's iterate for f = x^4 - 3x from x0 = 1: 1 - f'(1)/f''(1) = 1 - 1/12.
    r = S.taylor2_model(th**4 - 3 * th, th, 1)
    assert r.vertex == sp.Rational(11, 12)


def test_taylor2_linear_function_has_no_vertex_and_bad_args_raise():
    th = S.theta
    assert S.taylor2_model(2 * th + 1, th, 3).vertex is None
    with pytest.raises(TypeError, match="var"):
        S.taylor2_model(th**2, "theta", 0)
    with pytest.raises(ValueError, match="at"):
        S.taylor2_model(None, th, 1)


@pytest.mark.parametrize("n", [1, 2])
def test_quadratic_model_minimiser_is_minus_Hinv_g(n):
    r = S.quadratic_model_minimiser(n)
    assert all(zero(e) for e in r.minimiser - (-r.H.inv() * r.g))
    assert all(zero(e) for e in r.minimiser - r.newton_step)
    # the gradient of the model vanishes there, and it equals g + H Delta
    assert (r.gradient - (r.g + r.H * r.delta)).applyfunc(sp.expand).is_zero_matrix
    at = dict(zip(r.delta, r.minimiser))
    assert all(zero(e) for e in r.gradient.subs(at))
    assert r.H.is_symmetric()


def test_quadratic_model_three_dimensions_numerically():
    r = S.quadratic_model_minimiser(3)
    rng = np.random.default_rng(3)
    A = rng.standard_normal((3, 3))
    H, g = A @ A.T + np.eye(3), rng.standard_normal(3)
    vals = {r.H[i, j]: H[i, j] for i in range(3) for j in range(3)}
    vals.update(dict(zip(r.g, g)))
    assert np.allclose(np.array(r.minimiser.subs(vals), dtype=float).ravel(), -np.linalg.solve(H, g))


def test_quadratic_model_numeric_agrees_with_numpy():
    r = S.quadratic_model_minimiser(2)
    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    g = np.array([1.0, -4.0])
    vals = {r.H[0, 0]: H[0, 0], r.H[0, 1]: H[0, 1], r.H[1, 1]: H[1, 1], r.g[0]: g[0], r.g[1]: g[1]}
    got = np.array(r.minimiser.subs(vals), dtype=float).ravel()
    assert np.allclose(got, -np.linalg.solve(H, g))


@pytest.mark.parametrize("n", [0, 4, 2.0, True])
def test_dimension_is_validated(n):
    with pytest.raises((TypeError, ValueError), match="n"):
        S.quadratic_model_minimiser(n)


# ---------------------------------------------------------------------------
# Gradient descent, eigenvalue by eigenvalue
# ---------------------------------------------------------------------------

def test_gd_eigen_recurrence_closed_forms():
    r = S.gd_eigen_recurrence()
    assert zero(r.factor - (1 - alpha * lam))
    assert r.alpha_max == 2 / lam
    assert zero(r.alpha_opt - 2 / (lam_min + lam_max))
    assert zero(r.rate_lambda - (lam_max - lam_min) / (lam_max + lam_min))
    assert zero(r.rate - (kappa - 1) / (kappa + 1))
    # the stability condition is exactly 0 < alpha < 2/lambda
    a = [s for s in r.stable.free_symbols if s.name == "alpha"][0]
    cond = sp.And(a > 0, a < 2 / lam)
    for val in (sp.Rational(1, 2), 1, sp.Rational(199, 100), 2, 3, -1, 0):
        assert bool(r.stable.subs({a: val / lam, lam: 1})) == bool(cond.subs({a: val / lam, lam: 1}))


def test_gd_rate_is_the_worst_eigen_factor_at_the_optimal_step_numerically():
    r = S.gd_eigen_recurrence()
    lmin, lmax = 0.5, 20.0
    a_opt = float(r.alpha_opt.subs({lam_min: lmin, lam_max: lmax}))
    worst = max(abs(1 - a_opt * lmin), abs(1 - a_opt * lmax))
    assert np.isclose(worst, float(r.rate.subs(kappa, lmax / lmin)))
    # any other step is worse
    for a in np.linspace(0.01, 2 / lmax, 50):
        assert max(abs(1 - a * lmin), abs(1 - a * lmax)) >= worst - 1e-12
    # and the closed form iterates the recurrence
    e = 3.0
    for _ in range(5):
        e = (1 - 0.1 * 2.0) * e
    assert np.isclose(e, float(r.closed_form.subs({alpha: 0.1, lam: 2.0, r.e0: 3.0, S.k_sym: 5})))


# ---------------------------------------------------------------------------
# Exponential moving averages
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("k", [1, 2, 5, 8])
def test_ema_unrolled_recursion_equals_closed_sum(k):
    r = S.ema_unrolled(k)
    assert zero(r.recursion - r.closed_form)
    expected = sum((1 - beta) * beta**(k - i) * r.g[i - 1] for i in range(1, k + 1))
    assert zero(r.closed_form - expected)
    assert len(r.weights) == k


def test_ema_weight_sum_is_one_minus_beta_to_the_k():
    assert zero(S.ema_weight_sum() - (1 - beta**S.k_sym))
    for k in (1, 3, 10):
        assert zero(S.ema_weight_sum(k) - (1 - beta**k))


def test_ema_effective_memory():
    r = S.ema_effective_memory()
    assert zero(r.mean_age - 1 / (1 - beta))
    assert zero(r.mean_lag - beta / (1 - beta))
    assert r.total_weight == 1
    # numerically: truncated series at beta = 0.9
    j = np.arange(2000)
    w = 0.1 * 0.9**j
    assert np.isclose(np.sum((j + 1) * w), float(r.mean_age.subs(beta, 0.9)))
    assert np.isclose(float(r.mean_age.subs(beta, 0.9)), 10.0)
    # e-folding age ~ 1/(1-beta) - 1/2 as beta -> 1
    eps = sp.Symbol("epsilon", positive=True)
    series = sp.series(r.e_folding.subs(beta, 1 - eps), eps, 0, 1).removeO()
    assert zero(series - (1 / eps - sp.Rational(1, 2)))


# ---------------------------------------------------------------------------
# Momentum
# ---------------------------------------------------------------------------

def test_momentum_iteration_matrix_and_eigenvalues():
    r = S.momentum_iteration_matrix()
    assert r.M == sp.Matrix([[1 - alpha * lam + beta, -beta], [1, 0]])
    z = S.z
    assert zero(r.charpoly - (z**2 - (1 + beta - alpha * lam) * z + beta))
    assert zero(r.charpoly - r.M.charpoly(z).as_expr())
    for e in r.eigenvalues:
        assert zero(r.charpoly.subs(z, e))
    assert zero(r.eigenvalues[0] * r.eigenvalues[1] - beta)
    assert zero(r.eigenvalues[0] + r.eigenvalues[1] - r.M.trace())


def test_polyak_optimal_parameters():
    r = S.momentum_iteration_matrix()
    sk = sp.sqrt(kappa)
    assert zero(r.alpha_opt - 4 / (sp.sqrt(lam_max) + sp.sqrt(lam_min))**2)
    assert zero(r.beta_opt - ((sk - 1) / (sk + 1))**2)
    assert zero(r.rate_opt - (sk - 1) / (sk + 1))
    assert zero(r.gd_rate - (kappa - 1) / (kappa + 1))
    # at both ends of the spectrum the roots are double (zero discriminant) of modulus sqrt(beta)
    subs = {alpha: r.alpha_opt, beta: r.beta_opt.subs(kappa, lam_max / lam_min)}
    for end in (lam_min, lam_max):
        b = (1 + beta - alpha * lam).subs(lam, end).subs(subs)
        assert zero(b**2 - 4 * subs[beta])


def test_polyak_rate_numerically_beats_gd():
    r = S.momentum_iteration_matrix()
    lmin, lmax = 1.0, 100.0
    a = float(r.alpha_opt.subs({lam_min: lmin, lam_max: lmax}))
    b = float(r.beta_opt.subs(kappa, lmax / lmin))
    rate = float(r.rate_opt.subs(kappa, lmax / lmin))
    assert np.isclose(rate, 9 / 11)
    for lv in np.linspace(lmin, lmax, 41):
        M = np.array([[1 - a * lv + b, -b], [1.0, 0.0]])
        assert np.max(np.abs(np.linalg.eigvals(M))) <= rate + 1e-6
    assert rate < float(r.gd_rate.subs(kappa, lmax / lmin))


@pytest.mark.parametrize("steps", [1, 3])
def test_momentum_forms_give_identical_iterates(steps):
    r = S.momentum_forms_equivalence(steps)
    gf, pt, em = (r.mapped[k] for k in ("goodfellow", "pytorch", "ema"))
    assert len(pt) == steps + 1
    for a, b, c in zip(gf, pt, em):
        assert zero(a - b)
        assert zero(c - b)
    lr, mu = [s for s in r.mapping["pytorch"]]
    assert zero(r.velocity["goodfellow"] + lr * r.velocity["pytorch"])
    assert zero(r.velocity["ema"] - (1 - mu) * r.velocity["pytorch"])
    eta = [s for s in r.mapping["ema"] if s.name == "eta"][0]
    assert zero(r.mapping["ema"][eta] - lr / (1 - mu))


def test_momentum_forms_differ_without_the_rescaling():
    r = S.momentum_forms_equivalence(2)
    lr, mu = list(r.mapping["pytorch"])
    eta = [s for s in r.mapping["ema"] if s.name == "eta"][0]
    same_numbers = r.iterates["ema"][2].subs({beta: mu, eta: lr})
    assert sp.simplify(same_numbers - r.mapped["pytorch"][2]) != 0


def test_momentum_forms_numerically_on_a_quadratic():
    """The same identity with numbers: f = 0.5*3*x^2, lr = 0.1, mu = 0.9."""
    grad = lambda x: 3.0 * x  # noqa: E731
    lr, mu = 0.1, 0.9
    x_gf, v = 2.0, 0.0
    x_pt, b = 2.0, 0.0
    x_em, m = 2.0, 0.0
    for _ in range(20):
        v = mu * v - lr * grad(x_gf)
        x_gf += v
        b = mu * b + grad(x_pt)
        x_pt -= lr * b
        m = mu * m + (1 - mu) * grad(x_em)
        x_em -= lr / (1 - mu) * m
    assert np.isclose(x_gf, x_pt) and np.isclose(x_em, x_pt)


# ---------------------------------------------------------------------------
# Adam, quasi-Newton, curvature
# ---------------------------------------------------------------------------

def test_adam_bias_correction_symbolic_t():
    r = S.adam_bias_correction()
    t = S.t_sym
    assert zero(r.expected_m - (1 - beta1**t) * r.mean_g)
    assert zero(r.expected_v - (1 - beta2**t) * r.mean_g2)
    assert zero(r.expected_m_hat - r.mean_g)
    assert zero(r.expected_v_hat - r.mean_g2)


@pytest.mark.parametrize("t", [1, 2, 7])
def test_adam_bias_correction_integer_t(t):
    r = S.adam_bias_correction(t)
    assert zero(r.expected_m - (1 - beta1**t) * r.mean_g)
    assert zero(r.expected_v - (1 - beta2**t) * r.mean_g2)
    assert zero(r.expected_m_hat - r.mean_g)


def test_adam_bias_correction_monte_carlo():
    """m_t/(1 - b1^t) averages to E[g] over many noisy gradient sequences."""
    rng = np.random.default_rng(0)
    t, b1 = 5, 0.9
    g = 2.0 + rng.standard_normal((200_000, t))
    m = np.zeros(len(g))
    for i in range(t):
        m = b1 * m + (1 - b1) * g[:, i]
    assert abs(m.mean() - (1 - b1**t) * 2.0) < 0.01
    assert abs((m / (1 - b1**t)).mean() - 2.0) < 0.02


@pytest.mark.parametrize("update", ["bfgs", "dfp", "sr1", "BFGS"])
@pytest.mark.parametrize("form", ["inverse", "direct"])
def test_secant_condition_holds(update, form):
    r = S.secant_condition_check(update, 2, form)
    assert r.residual.is_zero_matrix
    assert r.symmetric
    # check the assembled update with numbers too
    rng = np.random.default_rng(1)
    s, y = rng.standard_normal(2), rng.standard_normal(2)
    A = rng.standard_normal((2, 2))
    H = A @ A.T + np.eye(2)
    vals = dict(zip(list(r.s) + list(r.y), list(s) + list(y)))
    vals.update({r.H[0, 0]: H[0, 0], r.H[0, 1]: H[0, 1], r.H[1, 1]: H[1, 1]})
    Hp = np.array(r.updated.subs(vals), dtype=float)
    a, b = (s, y) if form == "inverse" else (y, s)
    assert np.allclose(Hp @ b, a)


def test_secant_bfgs_numeric_matches_textbook_formula_and_n3():
    r = S.secant_condition_check("bfgs", 3)
    assert r.residual.is_zero_matrix
    rng = np.random.default_rng(2)
    s, y = rng.standard_normal(3), rng.standard_normal(3)
    H = np.eye(3) + 0.1 * np.ones((3, 3))
    rho = 1 / (y @ s)
    textbook = (np.eye(3) - rho * np.outer(s, y)) @ H @ (np.eye(3) - rho * np.outer(y, s)) \
        + rho * np.outer(s, s)
    vals = dict(zip(list(r.s) + list(r.y), list(s) + list(y)))
    vals.update({r.H[i, j]: H[i, j] for i in range(3) for j in range(3)})
    assert np.allclose(np.array(r.updated.subs(vals), dtype=float), textbook)


def test_secant_bad_arguments():
    with pytest.raises(ValueError, match="update"):
        S.secant_condition_check("newton")
    with pytest.raises(ValueError, match="form"):
        S.secant_condition_check("bfgs", 2, "other")
    with pytest.raises(ValueError, match="n"):
        S.secant_condition_check("bfgs", 5)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_curvature_along_direction_is_weighted_average(n):
    r = S.curvature_along_direction(n)
    assert r.weight_sum == 1
    # u^T H u equals sum lambda_i (u.v_i)^2: check at random numbers
    rng = np.random.default_rng(n)
    vals = {s: rng.uniform(-2, 2) for s in r.H.free_symbols | r.u.free_symbols}
    q = float(r.quadratic_form.subs(vals))
    w = float(r.weighted_sum.subs(vals))
    assert np.isclose(q, w)
    weights = np.array([float(x.subs(vals)) for x in r.weights])
    assert np.all(weights >= 0) and np.isclose(weights.sum(), 1.0)
    lams = np.array([vals[s] for s in r.eigenvalues])
    assert lams.min() - 1e-12 <= q <= lams.max() + 1e-12
    V = np.array(r.V.subs(vals), dtype=float)
    assert np.allclose(V.T @ V, np.eye(n))


def test_curvature_two_d_weights_are_cos_and_sin_squared():
    r = S.curvature_along_direction(2)
    psi, phi = sorted(r.V.free_symbols | r.u.free_symbols, key=lambda s: s.name)
    assert (phi.name, psi.name) == ("varphi", "psi")
    assert zero(r.weights[0] - sp.cos(psi - phi) ** 2)
    assert zero(r.weights[1] - sp.sin(psi - phi) ** 2)
    assert sp.simplify(sp.expand_trig(r.quadratic_form - r.weighted_sum)) == 0


# ---------------------------------------------------------------------------
# LaTeX helper and caching
# ---------------------------------------------------------------------------

def test_latex_uses_book_names_and_wraps_for_myst():
    r = S.momentum_iteration_matrix()
    text = S.latex(r.alpha_opt, r"\alpha^\star")
    assert text.startswith(r"\alpha^\star = ")
    assert r"\lambda_{\max}" in text and r"\lambda_{\min}" in text
    block = S.latex(S.gd_eigen_recurrence().rate, r"\rho", display=True)
    assert block == "$$\n\\rho = \\frac{\\kappa - 1}{\\kappa + 1}\n$$"
    assert r"\mathbb{E}[g]" in S.latex(S.adam_bias_correction().expected_m)
    assert S.latex([beta, kappa]) == r"\beta, \kappa"
    assert S.latex({beta: 1}) == r"\beta = 1"
    assert r"\left[\begin{matrix}" in S.latex(r.M)


def test_results_are_cached_and_immutable():
    assert S.momentum_iteration_matrix() is S.momentum_iteration_matrix()
    with pytest.raises(TypeError):
        S.momentum_iteration_matrix().M[0, 0] = 1


@pytest.mark.parametrize("fn, arg", [(S.ema_unrolled, 0), (S.ema_unrolled, 31),
                                     (S.adam_bias_correction, 21),
                                     (S.momentum_forms_equivalence, 5),
                                     (S.curvature_along_direction, 4)])
def test_size_limits_raise(fn, arg):
    with pytest.raises(ValueError):
        fn(arg)


def test_nesterov_forms_symbolic():
    r = S.nesterov_forms_equivalence(3)
    for a, b in zip(r.lookahead, r.pytorch):
        assert sp.simplify(a - b) == 0
    with pytest.raises(ValueError):
        S.nesterov_forms_equivalence(5)


def test_momentum_theory_needs_no_sympy():
    import subprocess
    import sys
    code = ("import sys; import descent.book.momentum_theory as M; M.ShallowDip(); "
            "assert 'sympy' not in sys.modules, 'momentum_theory imported sympy'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_latex_interval_writes_a_chained_inequality():
    a = sp.Symbol("alpha", real=True)
    lam = sp.Symbol("lambda", positive=True)
    assert S.latex_interval(sp.And(a > 0, a < 2 / lam), a) == r"0 < \alpha < \frac{2}{\lambda}"
    assert S.latex_interval(sp.And(2 / lam >= a, 0 < a), a) == r"0 < \alpha \le \frac{2}{\lambda}"
    assert S.latex_interval(S.gd_eigen_recurrence().stable, a) == r"0 < \alpha < \frac{2}{\lambda}"
    for bad in (a > 0, sp.And(a > 0, a > 1), sp.And(a > 0, lam < 2)):
        with pytest.raises(ValueError):
            S.latex_interval(bad, a)


def test_latex_accepts_extra_symbol_names():
    fp = sp.Symbol("fp")
    assert S.latex(fp * S.lam_min, symbol_names={fp: r"f'(\theta_0)"}) == r"f'(\theta_0) \lambda_{\min}"
